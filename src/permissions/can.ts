import type { Role, User } from "../accounts/types.js";
import { BLUEPRINT_OPTION_KEYS } from "../blueprints/builder.js";
import type { Blueprint, BlueprintRegistry } from "../blueprints/types.js";
import { templateSamplesOf } from "../content/child-lists.js";
import type { Page } from "../content/types.js";

/**
 * Kirby's permission evaluation (docs/kirby-compat/permissions.md#how-can-decides): who may do what to which model.
 * Pure: it reads models, roles and blueprints and decides; routes and views ask it, nothing here touches the disk or
 * HTTP.
 */

/**
 * The acting user, or null for an anonymous caller (evaluated as the `nobody` role). `restrict` narrows what the
 * caller may do below the user's own rights (an application password's scope); it can never widen them.
 */
export type Actor = {
  readonly user: User;
  readonly role: Role;
  readonly restrict?: (category: string, action: string) => boolean;
  /** Names the restriction for caches: actors of one role with the same key are restricted alike. */
  readonly restrictionKey?: string | object;
} | null;

export type PermissionTarget =
  | { readonly kind: "page"; readonly page: Page }
  | { readonly kind: "site" }
  | { readonly kind: "user"; readonly user: User; readonly role: Role };

/** The options a page, the site and a user report, in Kirby's order: the blueprint option keys of each kind. */
export const PAGE_OPTION_KEYS = BLUEPRINT_OPTION_KEYS.page;
export const SITE_OPTION_KEYS = BLUEPRINT_OPTION_KEYS.site;
export const USER_OPTION_KEYS = BLUEPRINT_OPTION_KEYS.user;

export interface PermissionContext {
  readonly blueprints: BlueprintRegistry;
  /** Option `home` / `error`: ids of the home and error pages. */
  readonly homeId: string;
  readonly errorId: string;
  /** Number of users whose role is `admin`. */
  adminCount(): number;
}

function isAdmin(role: Role | undefined): boolean {
  return role?.name === "admin";
}

/** Templates a page may switch to: the current one plus a list in blueprint `options.changeTemplate`. */
export function allowedTemplates(page: Page, blueprint: Blueprint): string[] {
  const options = blueprint.raw["options"];
  const listed =
    typeof options === "object" && options !== null
      ? ((options as Record<string, unknown>)["changeTemplate"] ?? (options as Record<string, unknown>)["template"])
      : undefined;
  const templates = Array.isArray(listed) ? listed.filter((item): item is string => typeof item === "string") : [];
  return [...new Set([page.template, ...templates])];
}

function pageRuleAllows(action: string, page: Page, context: PermissionContext): boolean {
  const isHome = page.id === context.homeId;
  const isError = page.id === context.errorId;
  switch (action) {
    case "changeSlug":
    case "delete":
    case "move":
      return !isHome && !isError;
    case "changeStatus":
      return !isError;
    case "changeTemplate":
      return !isError && allowedTemplates(page, context.blueprints.page(page.template)).length > 1;
    case "sort":
      return !isError && page.status === "listed" && context.blueprints.page(page.template).num === "default";
    default:
      return true;
  }
}

function userRuleAllows(
  action: string,
  actor: NonNullable<Actor>,
  target: { user: User; role: Role },
  context: PermissionContext,
): boolean {
  const lastAdmin = isAdmin(target.role) && context.adminCount() <= 1;
  switch (action) {
    case "changeRole":
      return !(isAdmin(target.role) && !isAdmin(actor.role)) && !lastAdmin;
    case "create":
      return !(isAdmin(target.role) && !isAdmin(actor.role));
    case "delete":
      return !lastAdmin;
    default:
      return true;
  }
}

/** What a blueprint's `options` say about an action for a role: a boolean, a per-role map with `*`, or nothing. */
export function blueprintDecision(
  blueprint: Blueprint | undefined,
  action: string,
  roleName: string,
): boolean | undefined {
  const option = blueprint && Object.hasOwn(blueprint.options, action) ? blueprint.options[action] : undefined;
  if (option === undefined) return undefined;
  if (typeof option === "boolean") return option;
  // own keys only: a role named like an Object member must not read the prototype
  if (Object.hasOwn(option, roleName)) return option[roleName];
  if (Object.hasOwn(option, "*")) return option["*"];
  return undefined;
}

/**
 * `can(actor, action, target)` (docs/kirby-compat/permissions.md#how-can-decides): nobody ⇒ false; dynamic rules;
 * blueprint options; role.
 */
export function can(actor: Actor, action: string, target: PermissionTarget, context: PermissionContext): boolean {
  if (!actor || actor.role.name === "nobody") return false;
  let category: string;
  let blueprint: Blueprint | undefined;
  switch (target.kind) {
    case "page":
      if (!pageRuleAllows(action, target.page, context)) return false;
      category = "pages";
      blueprint = context.blueprints.page(target.page.template);
      break;
    case "site":
      category = "site";
      blueprint = context.blueprints.site();
      break;
    case "user":
      if (!userRuleAllows(action, actor, target, context)) return false;
      category = target.user.id === actor.user.id ? "user" : "users";
      blueprint = context.blueprints.user(target.role.name);
      break;
  }
  if (actor.restrict && !actor.restrict(category, action)) return false;
  const decided = blueprintDecision(blueprint, action, actor.role.name);
  if (decided !== undefined) return decided;
  return actor.role.permissions[category]?.[action] === true;
}

export function optionsMap(
  keys: readonly string[],
  actor: Actor,
  target: PermissionTarget,
  context: PermissionContext,
): Record<string, boolean> {
  const result: Record<string, boolean> = {};
  for (const key of keys) result[key] = can(actor, key, target, context);
  return result;
}

export function isPageAccessible(actor: Actor, page: Page, context: PermissionContext): boolean {
  const target = { kind: "page", page } as const;
  return can(actor, "read", target, context) && can(actor, "access", target, context);
}

export function isPageListable(actor: Actor, page: Page, context: PermissionContext): boolean {
  return isPageAccessible(actor, page, context) && can(actor, "list", { kind: "page", page }, context);
}

/**
 * The pages of a list the actor may list, in order. Listing a page depends only on its template (no dynamic rule
 * applies to read, access or list), so one page per template is asked; when all may be listed, which is the usual
 * case, the list itself is returned without looking at every page.
 */
export function listablePages(actor: Actor, pages: readonly Page[], context: PermissionContext): readonly Page[] {
  for (const sample of templateSamplesOf(pages).values()) {
    if (!isPageListable(actor, sample, context)) {
      return pages.filter((page) => isPageListable(actor, page, context));
    }
  }
  return pages;
}

export function isUserAccessible(actor: Actor, user: User, role: Role, context: PermissionContext): boolean {
  return can(actor, "access", { kind: "user", user, role }, context);
}

export function isUserListable(actor: Actor, user: User, role: Role, context: PermissionContext): boolean {
  return isUserAccessible(actor, user, role, context) && can(actor, "list", { kind: "user", user, role }, context);
}

/** A role is visible through its own holder (the actor) or through a transient user having it. */
export function isRoleAccessible(actor: Actor, role: Role, context: PermissionContext): boolean {
  if (!actor) return false;
  if (actor.role.name === role.name) return isUserAccessible(actor, actor.user, actor.role, context);
  const transient: User = {
    id: "\u0000transient",
    dir: "",
    email: "",
    language: null,
    name: null,
    role: role.name,
    passwordHash: null,
    secrets: {},
    passwordTimestamp: null,
    content: {},
  };
  return isUserAccessible(actor, transient, role, context);
}
