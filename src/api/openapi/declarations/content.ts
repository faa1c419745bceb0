import { Type } from "@sinclair/typebox";
import type { SpecTable } from "../spec.js";
import { CollectionEnvelope, LoginAnswer, ModelEnvelope, Ok } from "../envelopes.js";
import { Blueprint, Page, Site, TemplateChoice, User } from "../models.js";
import { Body, ChildrenQuery, ContentBody, ModelQuery, OWNERS, SearchBody, SearchQuery, spec } from "./common.js";

const pageParams = { params: ["id"] };
const search = (summary: string, model: typeof Page | typeof User, params?: readonly string[]) => {
  const options = { query: SearchQuery, body: SearchBody, ...(params ? { params } : {}) };
  return [
    spec("search", summary, CollectionEnvelope(model), options),
    spec("search", summary, CollectionEnvelope(model), options),
  ] as const;
};
const [siteSearchGet, siteSearchPost] = search("Searches every page of the site", Page);
const [childSearchGet, childSearchPost] = search("Searches the site's children", Page);
const [pageSearchGet, pageSearchPost] = search("Searches a page's children", Page, ["id"]);
const [userSearchGet, userSearchPost] = search("Searches the users", User);
/** Kirby answers the template choices as a plain list, without an envelope. */
const blueprintList = Type.Array(TemplateChoice);

/** Kirby's auth, search, content, blueprint and page-writing routes. */
export const contentSpecs: SpecTable = {
  "GET auth": spec("auth", "The logged-in user with the role's permissions", ModelEnvelope(User), {
    query: ModelQuery,
  }),
  "GET auth/csrf": spec(
    "auth",
    "The session's CSRF token (send it as X-CSRF)",
    Type.Object({ code: Type.Literal(200), status: Type.Literal("ok"), csrf: Type.String() }),
  ),
  "POST auth/login": spec("auth", "Logs in with a password, or starts a login code or 2FA challenge", LoginAnswer, {
    body: Body({
      email: Type.String(),
      password: Type.Optional(Type.String()),
      long: Type.Optional(Type.Boolean({ description: "Keep the session for two weeks" })),
      remember: Type.Optional(Type.Boolean()),
    }),
  }),
  "POST auth/code": spec("auth", "Completes a pending login with its code", LoginAnswer, {
    body: Body({ code: Type.String() }),
  }),
  "POST auth/logout": spec("auth", "Ends the session", Ok),
  "POST auth/ping": spec("auth", "Keeps the session alive", Ok),
  "GET site/search": siteSearchGet,
  "POST site/search": siteSearchPost,
  "GET site/children/search": childSearchGet,
  "POST site/children/search": childSearchPost,
  "GET pages/(:any)/children/search": pageSearchGet,
  "POST pages/(:any)/children/search": pageSearchPost,
  "GET users/search": userSearchGet,
  "POST users/search": userSearchPost,
  "GET pages/(:any)": spec("pages", "A page", ModelEnvelope(Page), { ...pageParams, query: ModelQuery }),
  "GET pages/(:any)/children": spec("pages", "A page's children", CollectionEnvelope(Page), {
    ...pageParams,
    query: ChildrenQuery,
  }),
  "GET site": spec("site", "The site", ModelEnvelope(Site), { query: ModelQuery }),
  "GET site/children": spec("site", "The top-level pages", CollectionEnvelope(Page), { query: ChildrenQuery }),
  "GET pages/(:any)/blueprint": spec("blueprints", "A page's blueprint", ModelEnvelope(Blueprint), pageParams),
  "GET pages/(:any)/blueprints": spec("blueprints", "Blueprints a page's children may use", blueprintList, {
    ...pageParams,
    query: Type.Object({ section: Type.Optional(Type.String()) }),
  }),
  "GET pages/(:any)/sections/(:any)": spec("blueprints", "A section of a page's blueprint, filled", Type.Unknown(), {
    params: ["id", "section"],
  }),
  "GET site/blueprint": spec("blueprints", "The site's blueprint", ModelEnvelope(Blueprint)),
  "GET site/blueprints": spec("blueprints", "Blueprints the top-level pages may use", blueprintList, {
    query: Type.Object({ section: Type.Optional(Type.String()) }),
  }),
  "GET site/sections/(:any)": spec("blueprints", "A section of the site's blueprint, filled", Type.Unknown(), {
    params: ["section"],
  }),
  "GET account/blueprint": spec("blueprints", "The account's blueprint", ModelEnvelope(Blueprint)),
  "GET account/blueprints": spec("blueprints", "The account's user blueprints", blueprintList),
  "GET account/sections/(:any)": spec("blueprints", "A section of the account's blueprint", Type.Unknown(), {
    params: ["section"],
  }),
  "GET users/(:any)/blueprint": spec("blueprints", "A user's blueprint", ModelEnvelope(Blueprint), {
    params: ["user"],
  }),
  "GET users/(:any)/blueprints": spec("blueprints", "A user's blueprints", blueprintList, { params: ["user"] }),
  "GET users/(:any)/sections/(:any)": spec("blueprints", "A section of a user's blueprint", Type.Unknown(), {
    params: ["user", "section"],
  }),
  ...Object.fromEntries(
    OWNERS.map(([owner, params, whose]) => [
      `GET ${owner}/files/(:any)/sections/(:any)`,
      spec("blueprints", `A section of the blueprint of a file of ${whose}, filled`, Type.Unknown(), {
        params: [...params, "filename", "section"],
      }),
    ]),
  ),
  "POST site/find": spec("site", "Pages by id or UUID", CollectionEnvelope(Page), {
    body: Type.Union([Type.Array(Type.String()), Body({ ids: Type.Optional(Type.Array(Type.String())) })]),
  }),
  "PATCH pages/(:any)": spec("pages", "Updates a page's content", ModelEnvelope(Page), {
    ...pageParams,
    body: ContentBody,
  }),
  "DELETE pages/(:any)": spec("pages", "Deletes a page (`force` for one with children)", Ok, {
    ...pageParams,
    query: Type.Object({ force: Type.Optional(Type.Boolean()) }),
    body: Body({ force: Type.Optional(Type.Boolean()) }),
  }),
  "POST pages/(:any)/children": spec(
    "pages",
    "Creates a child page (a draft unless `isDraft: false`)",
    ModelEnvelope(Page),
    {
      ...pageParams,
      body: CreatePageBody(),
    },
  ),
  "POST pages/(:any)/duplicate": spec("pages", "Duplicates a page", ModelEnvelope(Page), {
    ...pageParams,
    body: Body({
      slug: Type.String(),
      children: Type.Optional(Type.Boolean()),
      files: Type.Optional(Type.Boolean()),
      title: Type.Optional(Type.String()),
    }),
  }),
  "PATCH pages/(:any)/slug": spec("pages", "Changes a page's URL appendix", ModelEnvelope(Page), {
    ...pageParams,
    body: Body({ slug: Type.String() }),
  }),
  "PATCH pages/(:any)/status": spec("pages", "Changes a page's status (and position)", ModelEnvelope(Page), {
    ...pageParams,
    body: Body({
      status: Type.Union([Type.Literal("listed"), Type.Literal("unlisted"), Type.Literal("draft")]),
      position: Type.Optional(Type.Integer()),
    }),
  }),
  "PATCH pages/(:any)/template": spec("pages", "Changes a page's template", ModelEnvelope(Page), {
    ...pageParams,
    body: Body({ template: Type.String() }),
  }),
  "PATCH pages/(:any)/title": spec("pages", "Changes a page's title", ModelEnvelope(Page), {
    ...pageParams,
    body: Body({ title: Type.String() }),
  }),
  "PATCH site": spec("site", "Updates the site's content", ModelEnvelope(Site), { body: ContentBody }),
  "POST site/children": spec("site", "Creates a top-level page", ModelEnvelope(Page), { body: CreatePageBody() }),
  "PATCH site/title": spec("site", "Changes the site's title", ModelEnvelope(Site), {
    body: Body({ title: Type.String() }),
  }),
};

function CreatePageBody() {
  return Body({
    slug: Type.String(),
    template: Type.Optional(Type.String()),
    content: Type.Optional(ContentBody),
    isDraft: Type.Optional(Type.Boolean()),
    draft: Type.Optional(Type.Boolean()),
    num: Type.Optional(Type.Integer()),
  });
}
