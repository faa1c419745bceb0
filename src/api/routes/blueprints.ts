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
import { fileTemplate, type FileParent } from "../views/file-model.js";
import { fileBlueprint } from "../views/file-permissions.js";
import { filesSectionAnswer } from "../views/files-section.js";
import { userParent } from "./files-avatar.js";
import { findParentFile, pageParent, siteParent } from "./files-lookup.js";
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
 * A section of a model's blueprint (`<model>/sections/<name>`). A fields section answers its fields, a files section
 * the model's files (`files` gives them; null for a model without files). Other sections (pages, stats, info, …),
 * like a name the blueprint does not have, answer Kirby's bare 404.
 */
async function sectionAnswer(
  context: ApiContext,
  blueprint: Blueprint | null | undefined,
  name: string,
  files: (() => FileParent | Promise<FileParent>) | null,
): Promise<ApiResult> {
  const section =
    blueprint == null || name.length > MAX_SECTION_NAME ? undefined : sectionsOf(blueprint.tabs ?? []).get(name);
  if (section === undefined) return null;
  const head = { status: "ok", code: 200, name, type: section["type"] };
  if (section["type"] === "fields") return { ...head, fields: section["fields"] ?? {} };
  if (section["type"] === "files" && files !== null) {
    const page = context.request.query.string("page");
    return { ...head, ...filesSectionAnswer(section, name, await files(), context, page) };
  }
  return null;
}

/** Sections of a file's blueprint: fields sections (a file has no files of its own). */
function fileSectionRoute(pattern: string, parentOf: (context: ApiContext, key: string) => Promise<FileParent>) {
  return route("GET", `${pattern}/sections/(:any)`, async (context, params) => {
    const key = params.length > 2 ? (params[0] ?? "") : "";
    const model = findParentFile(context, await parentOf(context, key), params.at(-2) ?? "");
    return sectionAnswer(
      context,
      fileBlueprint(context.services.blueprints, fileTemplate(model)),
      params.at(-1) ?? "",
      null,
    );
  });
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
      const user = userOf(context, params.length > 1 ? (params[0] ?? "") : "");
      return sectionAnswer(context, userBlueprintOf(user, context), params.at(-1) ?? "", () =>
        userParent(context.services, user),
      );
    }),
  ];
}

/**
 * Blueprint and section routes of pages, the site, users, the account and their files (docs/kirby-compat/blueprints.md).
 * Kirby has no blueprint route of a file: a file's blueprint is its `blueprint` field.
 */
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
    return sectionAnswer(context, context.services.blueprints.page(page.template), name, () => ({
      kind: "page",
      page,
    }));
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
    return sectionAnswer(context, context.services.blueprints.site(), name, () => siteParent(context));
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
  fileSectionRoute("pages/(:any)/files/(:any)", async (context, id) => pageParent(context, id)),
  fileSectionRoute("site/files/(:any)", async (context) => siteParent(context)),
  fileSectionRoute("account/files/(:any)", (context) => userParent(context.services, accountUser(context))),
  fileSectionRoute("users/(:any)/files/(:any)", (context, key) =>
    userParent(context.services, findAccessibleUser(context, key)),
  ),
];
