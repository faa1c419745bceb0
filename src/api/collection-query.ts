import { InvalidArgumentError } from "../errors.js";
import { searchItems, type SearchOptions, type SearchValue } from "./collection-search.js";
import type { PaginationParam } from "./pagination.js";
import { queryValue, type QueryMap, type QueryValue } from "./query-params.js";

/**
 * The `query[…]` parameters of collection answers (docs/kirby-compat/routes-and-envelopes.md#query): when `query` is
 * sent as an array, `offset`, `limit`, `search` and `paginate` change the collection before the usual pagination,
 * in that order. Every other key, and a plain `query=text`, is ignored.
 */

/** What to paginate with instead of `page`/`limit` when `query[paginate]` was given. */
export interface PaginateParams {
  readonly page: PaginationParam;
  readonly limit: PaginationParam;
}

export interface QueriedCollection<T> {
  readonly items: readonly T[];
  readonly paginate: PaginateParams | null;
}

/** Kirby's own defaults of a `paginate` call without options. */
const DEFAULT_PAGINATE: PaginateParams = { page: "1", limit: "20" };
const MAX_NUMBER_TEXT = 20;

function count(name: string, value: QueryValue): number {
  const text = typeof value === "string" ? value.trim() : "";
  if (text.length > MAX_NUMBER_TEXT || !/^[+-]?\d+$/.test(text)) {
    throw new InvalidArgumentError({ message: `The query parameter "${name}" must be a whole number` });
  }
  return Math.max(0, Number(text));
}

function searchOf(value: QueryValue): { text: string; options: SearchOptions } {
  if (typeof value === "string") return { text: value, options: {} };
  const text = typeof value["query"] === "string" ? value["query"] : "";
  const options = typeof value["options"] === "object" ? (value["options"] as QueryMap) : null;
  const fields = options && typeof options["fields"] === "object" ? Object.values(options["fields"]) : undefined;
  const minlength = options && typeof options["minlength"] === "string" ? Number(options["minlength"]) : undefined;
  return {
    text,
    options: {
      ...(fields ? { fields: fields.filter((field): field is string => typeof field === "string") } : {}),
      ...(minlength !== undefined && Number.isFinite(minlength) ? { minlength } : {}),
    },
  };
}

function paginateOf(value: QueryValue): PaginateParams | null {
  if (typeof value === "string") return value === "" ? null : DEFAULT_PAGINATE;
  const text = (key: string): string | undefined =>
    typeof value[key] === "string" ? (value[key] as string) : undefined;
  return { page: text("page") ?? DEFAULT_PAGINATE.page, limit: text("limit") ?? DEFAULT_PAGINATE.limit };
}

/**
 * The collection as `query[…]` leaves it. `valuesOf` gives the searched values of an item (none: `search` finds
 * nothing).
 */
export function queryCollection<T>(
  items: readonly T[],
  values: Readonly<Record<string, string>>,
  valuesOf: ((item: T) => readonly SearchValue[]) | undefined,
): QueriedCollection<T> {
  const query = queryValue(values, "query");
  if (query === undefined || typeof query === "string") return { items, paginate: null };
  let result = items;
  if (Object.hasOwn(query, "offset")) result = result.slice(count("offset", query["offset"] as QueryValue));
  if (Object.hasOwn(query, "limit")) result = result.slice(0, count("limit", query["limit"] as QueryValue));
  if (Object.hasOwn(query, "search")) {
    const { text, options } = searchOf(query["search"] as QueryValue);
    result = valuesOf ? searchItems(result, text, valuesOf, options) : [];
  }
  const paginate = Object.hasOwn(query, "paginate") ? paginateOf(query["paginate"] as QueryValue) : null;
  return { items: result, paginate };
}
