import { Type, type TObject, type TProperties, type TSchema } from "@sinclair/typebox";
import type { RouteSpec, RouteTag } from "../spec.js";

/** Query parameters every model answer takes. */
export const ModelQuery = Type.Object({
  select: Type.Optional(Type.String({ description: "Comma-separated fields to answer with (a.b for nested)" })),
  view: Type.Optional(Type.String({ description: "A named view (compact, panel, …) instead of the default fields" })),
});

/** Query parameters of collections: the model's, paging, and `query[…]` (search, offset, limit, paginate). */
export const CollectionQuery = Type.Object({
  ...ModelQuery.properties,
  page: Type.Optional(Type.Integer({ minimum: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1 })),
});

export const ChildrenQuery = Type.Object({
  ...CollectionQuery.properties,
  status: Type.Optional(
    Type.Union(["all", "draft", "drafts", "listed", "unlisted", "published"].map((value) => Type.Literal(value))),
  ),
});

/** A JSON object body whose keys are named but not exhaustive (Kirby ignores unknown keys). */
export const Body = <T extends TProperties>(properties: T): TObject<T> => Type.Object(properties);

/** The body of a search sent as POST (docs/search.md). */
export const SearchBody = Body({
  search: Type.Optional(
    Type.Union([
      Type.String(),
      Type.Object({ query: Type.String(), options: Type.Optional(Type.Record(Type.String(), Type.Unknown())) }),
    ]),
  ),
  q: Type.Optional(Type.String()),
  page: Type.Optional(Type.Integer({ minimum: 1 })),
  limit: Type.Optional(Type.Integer({ minimum: 1 })),
  select: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())])),
});

/** The query of a search sent as GET: `q` and a collection's parameters. */
export const SearchQuery = Type.Object({ ...ChildrenQuery.properties, q: Type.Optional(Type.String()) });

/** A body of field values by name. */
export const ContentBody = Type.Record(Type.String(), Type.Unknown(), { description: "Field values by name" });

export interface SpecOptions {
  readonly params?: readonly string[];
  readonly query?: TObject;
  readonly body?: TSchema;
  readonly sheaf?: boolean;
}

export function spec(tag: RouteTag, summary: string, response: TSchema, options: SpecOptions = {}): RouteSpec {
  return { tag, summary, response, ...options };
}

/**
 * The same spec for `account/<suffix>` and `users/(:any)/<suffix>`; `params` are the placeholders after the user.
 */
export function forAccountAndUsers(
  method: string,
  suffix: string,
  make: (who: "account" | "user") => RouteSpec,
): Record<string, RouteSpec> {
  const user = make("user");
  return {
    [`${method} account${suffix}`]: make("account"),
    [`${method} users/(:any)${suffix}`]: { ...user, params: ["user", ...(user.params ?? [])] },
  };
}

/** `the account's` or `a user's`, for summaries. */
export const whose = (who: "account" | "user"): string => (who === "account" ? "the account's" : "a user's");

/** The models that have files: pattern prefix, its parameters, words for summaries. */
export const OWNERS: readonly (readonly [string, readonly string[], string])[] = [
  ["pages/(:any)", ["id"], "a page"],
  ["site", [], "the site"],
  ["account", [], "the account"],
  ["users/(:any)", ["user"], "a user"],
];
