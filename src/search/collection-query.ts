/**
 * Kirby's collection query (docs/search.md#post-bodies-and-query): `offset`, `limit`, `search` and `paginate`, read
 * from a POST body or from `query[…]` in the query string, applied in that order. Values are checked before any
 * work; what Kirby could not handle (a PHP type error) is a 400 here.
 */
import { InvalidArgumentError } from "../errors.js";
import {
  DEFAULT_SEARCH_OPTIONS,
  MAX_OPTION_ENTRIES,
  prepareQuery,
  type PreparedQuery,
  type SearchOptions,
} from "./search-query.js";

export interface SearchRequest {
  readonly text: string;
  readonly options: SearchOptions;
}

/** Page and limit of a `paginate` argument, as the envelope's pagination reads query values. */
export interface Paging {
  readonly page: string;
  readonly limit: string;
}

export interface CollectionQuery {
  readonly offset?: number;
  readonly limit?: number;
  readonly search?: SearchRequest;
  readonly paginate?: Paging;
}

type Values = Readonly<Record<string, unknown>>;

function isMap(value: unknown): value is Values {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function own(values: Values, key: string): unknown {
  return Object.hasOwn(values, key) ? values[key] : undefined;
}

const INTEGER = /^[+-]?\d{1,15}$/;

function integer(name: string, value: unknown): number {
  if (typeof value === "number" && Number.isSafeInteger(value)) return value;
  if (typeof value === "string" && INTEGER.test(value.trim())) return Number(value.trim());
  throw new InvalidArgumentError({ message: `The "${name}" argument of the query must be a whole number` });
}

function stringList(name: string, value: unknown): string[] {
  const list = Array.isArray(value) ? value : isMap(value) ? Object.values(value) : [value];
  if (list.length > MAX_OPTION_ENTRIES || !list.every((entry) => typeof entry === "string")) {
    throw new InvalidArgumentError({
      message: `The search option "${name}" must be a list of at most ${MAX_OPTION_ENTRIES} names`,
    });
  }
  return list as string[];
}

function flag(value: unknown): boolean {
  return value === true || value === 1 || value === "1" || value === "true";
}

function searchOptions(value: unknown): SearchOptions {
  if (value === undefined || value === null) return DEFAULT_SEARCH_OPTIONS;
  if (!isMap(value)) throw new InvalidArgumentError({ message: "The search options must be an object" });
  const fields = own(value, "fields");
  const minlength = own(value, "minlength");
  const score = own(value, "score");
  const stopwords = own(value, "stopwords");
  const weights: Record<string, number> = Object.create(null) as Record<string, number>;
  if (score !== undefined && score !== null) {
    if (!isMap(score) || Object.keys(score).length > MAX_OPTION_ENTRIES) {
      throw new InvalidArgumentError({ message: 'The search option "score" must map field names to numbers' });
    }
    for (const [key, weight] of Object.entries(score)) weights[key.toLowerCase()] = integer(`score.${key}`, weight);
  }
  const length = minlength === undefined || minlength === null ? 2 : integer("minlength", minlength);
  if (length < 1 || length > 1_000) {
    throw new InvalidArgumentError({ message: 'The search option "minlength" must be between 1 and 1000' });
  }
  return {
    fields:
      fields === undefined || fields === null ? null : stringList("fields", fields).map((field) => field.toLowerCase()),
    words: flag(own(value, "words")),
    minlength: length,
    score: weights,
    stopwords: stopwords === undefined || stopwords === null ? [] : stringList("stopwords", stopwords),
  };
}

function searchRequest(value: unknown): SearchRequest {
  if (typeof value === "string") return { text: value, options: DEFAULT_SEARCH_OPTIONS };
  if (typeof value === "number") return { text: String(value), options: DEFAULT_SEARCH_OPTIONS };
  if (isMap(value)) {
    const text = own(value, "query");
    if (text !== undefined && text !== null && typeof text !== "string" && typeof text !== "number") {
      throw new InvalidArgumentError({ message: "The search query must be text" });
    }
    return {
      text: text === undefined || text === null ? "" : String(text),
      options: searchOptions(own(value, "options")),
    };
  }
  throw new InvalidArgumentError({ message: "The search must be text or an object with a query" });
}

function paging(value: unknown): Paging {
  // a `paginate` that is not a map paginates with Kirby's defaults
  if (!isMap(value)) return { page: "1", limit: "20" };
  const page = own(value, "page");
  const limit = own(value, "limit");
  return {
    page: page === undefined || page === null ? "1" : String(integer("paginate.page", page)),
    limit: limit === undefined || limit === null ? "20" : String(integer("paginate.limit", limit)),
  };
}

/** The query arguments of a map (a JSON body, or the `query[…]` map); other keys and `null` values are ignored. */
export function collectionQueryFrom(values: Values): CollectionQuery {
  const offset = own(values, "offset");
  const limit = own(values, "limit");
  const search = own(values, "search");
  const paginate = own(values, "paginate");
  return {
    ...(offset === undefined || offset === null ? {} : { offset: integer("offset", offset) }),
    ...(limit === undefined || limit === null ? {} : { limit: integer("limit", limit) }),
    ...(search === undefined || search === null ? {} : { search: searchRequest(search) }),
    // an empty `paginate` does nothing (docs/kirby-compat/routes-and-envelopes.md#query)
    ...(paginate === undefined || paginate === null || paginate === "" ? {} : { paginate: paging(paginate) }),
  };
}

/** PHP's `array_slice($items, $offset, $length)`: negative values count from the end. */
export function phpSlice<T>(items: readonly T[], offset: number, length: number | null): T[] {
  const count = items.length;
  const start = offset < 0 ? Math.max(0, count + offset) : Math.min(offset, count);
  const end = length === null ? count : length < 0 ? Math.max(start, count + length) : Math.min(count, start + length);
  return items.slice(start, end);
}

export interface QueriedCollection<T> {
  readonly items: readonly T[];
  readonly paginate?: Paging;
}

/** Applies offset, limit, search (a query too short to match anything leaves nothing), then keeps `paginate`. */
export function applyCollectionQuery<T>(
  items: readonly T[],
  query: CollectionQuery,
  search: (items: readonly T[], query: PreparedQuery) => readonly T[],
): QueriedCollection<T> {
  // the list itself, not a copy, when nothing slices it: the search index recognises a content index's own lists
  let result: readonly T[] = items;
  if (query.offset !== undefined) result = phpSlice(result, query.offset, null);
  if (query.limit !== undefined) result = phpSlice(result, 0, query.limit);
  if (query.search !== undefined) {
    const prepared = prepareQuery(query.search.text, query.search.options);
    result = prepared === null ? [] : search(result, prepared);
  }
  return query.paginate === undefined ? { items: result } : { items: result, paginate: query.paginate };
}
