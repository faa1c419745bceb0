import type { User } from "../../accounts/types.js";
import { sectionsOf, type Blueprint } from "../../blueprints/index.js";
import { NotFoundError } from "../../errors.js";
import { allowedTemplates } from "../../permissions/can.js";
import { safeValue } from "../../log/safe-value.js";
import type { ApiContext } from "../context.js";
import { route, type ApiResult, type RouteDefinition } from "../route.js";
import {
  pagesSectionsTemplates,
  renderPageBlueprint,
  renderSiteBlueprint,
  renderUserBlueprint,
  sectionTemplates,
  userBlueprintOf,
  type BlueprintChoice,
} from "../views/blueprint.js";
import { findAccessiblePage, findAccessibleUser, requireSiteAccess } from "./lookup.js";

/** Longest section name looked up (names come from the request). */
const MAX_SECTION_NAME = 256;

function model(data: unknown): ApiResult {
  return { code: 200, data, status: "ok", type: "model" };
}

function sectionNotFound(name: string): NotFoundError {
  return new NotFoundError({
    key: "section.notFound",
    message: `The section "${safeValue(name, 64)}" cannot be found`,
  });
}

/** `?section=<name>`: the templates of that pages section; any other section, or none of that name, is a 404. */
function sectionChoices(context: ApiContext, blueprint: Blueprint, name: string): BlueprintChoice[] {
  const section = name.length > MAX_SECTION_NAME ? undefined : sectionsOf(blueprint.tabs ?? []).get(name);
  if (section === undefined || section["type"] !== "pages") throw sectionNotFound(name);
  return sectionTemplates(section, context);
}

/**
 * A section of a model's blueprint (`<model>/sections/<name>`). A fields section answers its fields; the sections
 * that show Panel data (pages, files, stats, …) are not served, and they, like a name the blueprint does not have,
 * answer Kirby's bare 404.
 */
function sectionAnswer(blueprint: Blueprint | null, name: string): ApiResult {
  const section =
    blueprint === null || name.length > MAX_SECTION_NAME ? undefined : sectionsOf(blueprint.tabs ?? []).get(name);
  if (section === undefined || section["type"] !== "fields") return null;
  return { status: "ok", code: 200, name, type: "fields", fields: section["fields"] ?? {} };
}

function accountUser(context: ApiContext): User {
  if (!context.identity) throw new NotFoundError({ key: "user.undefined" });
  return context.identity.user;
}

function userRoutes(
  prefix: string,
  userOf: (context: ApiContext, key: string) => User,
  panelPath: (user: User) => string,
) {
  return [
    route("GET", `${prefix}/blueprint`, (context, [key = ""]) => {
      const user = userOf(context, key);
      return model(renderUserBlueprint(user, context, panelPath(user)));
    }),
    route("GET", `${prefix}/blueprints`, (context, [key = ""]) => {
      userOf(context, key);
      return [];
    }),
    route("GET", `${prefix}/sections/(:any)`, (context, params) => {
      const user = userOf(context, params[0] ?? "");
      return sectionAnswer(userBlueprintOf(user, context), params.at(-1) ?? "");
    }),
  ];
}

/** Blueprint and section routes of pages, the site, users and the account (docs/kirby-compat/blueprints.md). */
export const blueprintRoutes: readonly RouteDefinition[] = [
  route("GET", "pages/(:any)/blueprint", (context, [id = ""]) =>
    model(renderPageBlueprint(findAccessiblePage(context, id), context)),
  ),
  route("GET", "pages/(:any)/blueprints", (context, [id = ""]) => {
    const page = findAccessiblePage(context, id);
    const blueprint = context.services.blueprints.page(page.template);
    const section = context.request.query.string("section");
    if (section !== undefined) return sectionChoices(context, blueprint, section);
    return allowedTemplates(page, blueprint).map((name) => ({
      name,
      title: context.services.blueprints.page(name).title,
    }));
  }),
  route("GET", "pages/(:any)/sections/(:any)", (context, [id = "", name = ""]) => {
    const page = findAccessiblePage(context, id);
    return sectionAnswer(context.services.blueprints.page(page.template), name);
  }),
  route("GET", "site/blueprint", (context) => {
    requireSiteAccess(context);
    return model(renderSiteBlueprint(context));
  }),
  route("GET", "site/blueprints", (context) => {
    requireSiteAccess(context);
    const blueprint = context.services.blueprints.site();
    const section = context.request.query.string("section");
    return section === undefined
      ? pagesSectionsTemplates(blueprint, context)
      : sectionChoices(context, blueprint, section);
  }),
  route("GET", "site/sections/(:any)", (context, [name = ""]) => {
    requireSiteAccess(context);
    return sectionAnswer(context.services.blueprints.site(), name);
  }),
  ...userRoutes(
    "account",
    (context) => accountUser(context),
    () => "/account",
  ),
  ...userRoutes(
    "users/(:any)",
    (context, key) => findAccessibleUser(context, key),
    (user) => `/users/${user.id}`,
  ),
];
