import type { SpecTable } from "../spec.js";
import { StatusOk } from "../envelopes.js";
import { ContentBody, OWNERS, spec } from "./common.js";

const ACTIONS = {
  save: "Saves changes as the changes version",
  publish: "Publishes the changes version",
  discard: "Discards the changes version",
  unlock: "Takes over the lock of another user's changes",
} as const;

/** Kirby 5's content versions of pages, the site, users and files (docs/changes.md). */
export const changesSpecs: SpecTable = Object.fromEntries(
  Object.entries(ACTIONS).flatMap(([action, summary]) => {
    const body = action === "save" || action === "publish" ? { body: ContentBody } : {};
    return [
      [
        `POST pages/(:any)/changes/${action}`,
        spec("changes", `${summary} (a page)`, StatusOk, { params: ["id"], ...body }),
      ],
      [`POST site/changes/${action}`, spec("changes", `${summary} (the site)`, StatusOk, body)],
      [`POST account/changes/${action}`, spec("changes", `${summary} (the account)`, StatusOk, body)],
      [
        `POST users/(:any)/changes/${action}`,
        spec("changes", `${summary} (a user)`, StatusOk, { params: ["user"], ...body }),
      ],
      ...OWNERS.map(([owner, params, whose]) => [
        `POST ${owner}/files/(:any)/changes/${action}`,
        spec("changes", `${summary} (a file of ${whose})`, StatusOk, { params: [...params, "filename"], ...body }),
      ]),
    ];
  }),
);
