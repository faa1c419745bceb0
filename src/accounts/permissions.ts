/**
 * Role permissions (docs/kirby-compat/permissions.md#permission-keys): the categories and actions with their defaults,
 * and the normalisation of a role file's `permissions` setting into a complete map of booleans.
 */

import { ConfigError } from "../errors.js";
import type { PermissionMap } from "./types.js";

/** A non-boolean permission value in a role file; the message is Kirby's, the role name is kept beside it. */
export class InvalidPermissionError extends ConfigError {
  readonly role: string;

  constructor(role: string, category: string, action: string, value: unknown) {
    super(`The value for the permission "${category}.${action}" must be of type bool, ${phpTypeName(value)} given`);
    this.name = "InvalidPermissionError";
    this.role = role;
  }
}

/** Actions on pages, in Kirby's order (also the page blueprint's option keys). */
export const PAGE_ACTIONS = [
  "access",
  "changeSlug",
  "changeStatus",
  "changeTemplate",
  "changeTitle",
  "create",
  "delete",
  "duplicate",
  "list",
  "move",
  "preview",
  "read",
  "sort",
  "update",
] as const;
/** Actions on the site (also the site blueprint's option keys). */
export const SITE_ACTIONS = ["access", "changeTitle", "preview", "update"] as const;
/** Actions on files (also the file blueprint's option keys). */
export const FILE_ACTIONS = [
  "access",
  "changeName",
  "changeTemplate",
  "create",
  "delete",
  "list",
  "read",
  "replace",
  "sort",
  "update",
] as const;
/** Actions on users (the `users` permission category; a user model's option keys). */
export const USERS_ACTIONS = [
  "access",
  "changeEmail",
  "changeLanguage",
  "changeName",
  "changePassword",
  "changeRole",
  "create",
  "delete",
  "list",
  "update",
] as const;

/** Every category and action, in the order Kirby lists them in JSON. All default to `true`. */
export const PERMISSION_DEFAULTS: Readonly<Record<string, readonly string[]>> = {
  access: ["account", "languages", "panel", "site", "system", "users"],
  files: FILE_ACTIONS,
  languages: ["create", "delete", "update"],
  pages: PAGE_ACTIONS,
  site: SITE_ACTIONS,
  users: USERS_ACTIONS,
  // the user's own account: everything on other users but creating one
  user: USERS_ACTIONS.filter((action) => action !== "create"),
};

/** Every known category and action set to `value`. */
export function allPermissions(value: boolean): PermissionMap {
  const map: PermissionMap = {};
  for (const [category, actions] of Object.entries(PERMISSION_DEFAULTS)) {
    map[category] = Object.fromEntries(actions.map((action) => [action, value]));
  }
  return map;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** PHP's name for the type of a value, as its type errors print it. */
function phpTypeName(value: unknown): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "number") return Number.isInteger(value) ? "int" : "float";
  if (typeof value === "string") return "string";
  if (typeof value === "boolean") return "bool";
  if (Array.isArray(value) || isPlainObject(value)) return "array";
  return typeof value;
}

function setCategory(map: PermissionMap, category: string, value: boolean): void {
  const actions = map[category] ?? {};
  for (const action of Object.keys(actions)) actions[action] = value;
  map[category] = actions;
}

/**
 * Normalises a role's `permissions` setting:
 * - missing (or not a map or boolean): every permission `true`;
 * - a boolean for the whole setting or for a category: every action of that scope;
 * - `*` inside a category: every action of the category that is not listed explicitly;
 * - unknown categories and actions are kept.
 * The result lists the known categories and actions in {@link PERMISSION_DEFAULTS} order, unknown ones after.
 *
 * @throws InvalidPermissionError (a ConfigError) `The value for the permission "<cat>.<action>" must be of type bool, <type> given`.
 */
export function normalisePermissions(value: unknown, roleName: string): PermissionMap {
  if (typeof value === "boolean") return allPermissions(value);
  const map = allPermissions(true);
  if (!isPlainObject(value)) return map;

  for (const [category, setting] of Object.entries(value)) {
    if (typeof setting === "boolean") {
      setCategory(map, category, setting);
      continue;
    }
    if (!isPlainObject(setting)) continue;

    const wildcard = setting["*"];
    if (wildcard !== undefined) {
      if (typeof wildcard !== "boolean") throw invalidValue(category, "*", wildcard, roleName);
      setCategory(map, category, wildcard);
    }
    const actions = map[category] ?? {};
    for (const [action, allowed] of Object.entries(setting)) {
      if (action === "*") continue;
      if (typeof allowed !== "boolean") throw invalidValue(category, action, allowed, roleName);
      actions[action] = allowed;
    }
    map[category] = actions;
  }
  return map;
}

function invalidValue(category: string, action: string, value: unknown, roleName: string): InvalidPermissionError {
  return new InvalidPermissionError(roleName, category, action, value);
}
