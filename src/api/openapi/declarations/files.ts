import { Type } from "@sinclair/typebox";
import { CollectionEnvelope, ModelEnvelope, Ok } from "../envelopes.js";
import { File } from "../models.js";
import type { RouteSpec, SpecTable } from "../spec.js";
import {
  Body,
  CollectionQuery,
  ContentBody,
  forAccountAndUsers,
  ModelQuery,
  OWNERS,
  SearchBody,
  SearchQuery,
  spec,
  whose,
} from "./common.js";

const one = ModelEnvelope(File);
const list = CollectionEnvelope(File);
const SortBody = Body({ files: Type.Array(Type.String()), index: Type.Optional(Type.Integer()) });
const NameBody = Body({ name: Type.String() });
const page = ["id"];
const pageFile = ["id", "filename"];

/** The files of the account and of users: the same routes as for pages and the site. */
function userFileSpecs(): SpecTable {
  const file = (who: "account" | "user", summary: string, response: RouteSpec["response"], more = {}) =>
    spec("files", `${summary} ${whose(who)} files`, response, { params: ["filename"], ...more });
  return {
    ...forAccountAndUsers("GET", "/files", (who) =>
      spec("files", `Lists ${whose(who)} files`, list, { query: CollectionQuery }),
    ),
    ...forAccountAndUsers("POST", "/files", (who) => spec("files", `Uploads to ${whose(who)} files`, one)),
    ...forAccountAndUsers("PATCH", "/files/sort", (who) =>
      spec("files", `Sorts ${whose(who)} files`, list, { body: SortBody }),
    ),
    ...forAccountAndUsers("PATCH", "/files/(:any)/name", (who) => file(who, "Renames one of", one, { body: NameBody })),
    ...forAccountAndUsers("GET", "/files/(:any)", (who) => file(who, "One of", one, { query: ModelQuery })),
    ...forAccountAndUsers("PATCH", "/files/(:any)", (who) =>
      file(who, "Updates the content of one of", one, { body: ContentBody }),
    ),
    ...forAccountAndUsers("POST", "/files/(:any)", (who) => file(who, "Replaces one of", one)),
    ...forAccountAndUsers("DELETE", "/files/(:any)", (who) => file(who, "Deletes one of", Ok)),
  };
}

/** `<owner>/files/search` for every model that has files, as GET with `q` or POST with a body. */
function fileSearchSpecs(): SpecTable {
  const specs: Record<string, RouteSpec> = {};
  for (const [prefix, params, words] of OWNERS) {
    const options = { query: SearchQuery, body: SearchBody, ...(params.length ? { params } : {}) };
    for (const method of ["GET", "POST"]) {
      specs[`${method} ${prefix}/files/search`] = spec("search", `Searches the files of ${words}`, list, options);
    }
  }
  return specs;
}

/** Files of pages, the site and users (Kirby's routes), and avatars. */
export const fileSpecs: SpecTable = {
  "GET pages/(:any)/files": spec("files", "A page's files", list, { params: page, query: CollectionQuery }),
  "GET pages/(:any)/files/(:any)": spec("files", "A file of a page", one, { params: pageFile, query: ModelQuery }),
  "GET site/files": spec("files", "The site's files", list, { query: CollectionQuery }),
  "GET site/files/(:any)": spec("files", "A file of the site", one, { params: ["filename"], query: ModelQuery }),
  "GET files/(:any)": spec("files", "A file by its id or UUID", one, { params: ["file"], query: ModelQuery }),
  "PATCH pages/(:any)/files/sort": spec("files", "Sorts a page's files", list, { params: page, body: SortBody }),
  "PATCH pages/(:any)/files/(:any)/name": spec("files", "Renames a file of a page", one, {
    params: pageFile,
    body: NameBody,
  }),
  "PATCH pages/(:any)/files/(:any)": spec("files", "Updates a file's content", one, {
    params: pageFile,
    body: ContentBody,
  }),
  "PATCH site/files/sort": spec("files", "Sorts the site's files", list, { body: SortBody }),
  "PATCH site/files/(:any)/name": spec("files", "Renames a file of the site", one, {
    params: ["filename"],
    body: NameBody,
  }),
  "PATCH site/files/(:any)": spec("files", "Updates a file's content", one, {
    params: ["filename"],
    body: ContentBody,
  }),
  "POST pages/(:any)/files": spec("files", "Uploads a file to a page", one, { params: page }),
  "POST pages/(:any)/files/(:any)": spec("files", "Replaces a file of a page", one, { params: pageFile }),
  "DELETE pages/(:any)/files/(:any)": spec("files", "Deletes a file of a page", Ok, { params: pageFile }),
  "POST site/files": spec("files", "Uploads a file to the site", one),
  "POST site/files/(:any)": spec("files", "Replaces a file of the site", one, { params: ["filename"] }),
  "DELETE site/files/(:any)": spec("files", "Deletes a file of the site", Ok, { params: ["filename"] }),
  "GET users/(:any)/avatar": spec("users", "A user's avatar", one, { params: ["user"], query: ModelQuery }),
  "POST users/(:any)/avatar": spec("users", "Uploads a user's avatar", one, { params: ["user"] }),
  "DELETE users/(:any)/avatar": spec("users", "Deletes a user's avatar", Ok, { params: ["user"] }),
  "GET account/avatar": spec("account", "The account's avatar", one, { query: ModelQuery }),
  "POST account/avatar": spec("account", "Uploads the account's avatar", one),
  "DELETE account/avatar": spec("account", "Deletes the account's avatar", Ok),
  ...userFileSpecs(),
  ...fileSearchSpecs(),
};
