import { SheafError, UnexpectedError } from "../errors.js";
import type { ViewContext } from "./context.js";
import { CollectionResult, ModelResult } from "./result.js";
import type { ApiResult } from "./route.js";
import {
  asJsonMap,
  defaultSelection,
  isLockFreeSelection,
  parseSelect,
  renderModel,
  viewSelection,
  type Selection,
} from "./views/engine.js";
import { applyCollectionQuery } from "../search/index.js";
import { collectionQueryParam } from "./query-params.js";
import { paginate, type PaginationParam } from "./pagination.js";
import { RenderCache } from "./render-cache.js";
import { hasChangesVersion } from "../changes/index.js";
import { actorKey, idOf } from "./cache-keys.js";

export interface ApiResponse {
  readonly status: number;
  readonly body: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** The body already serialised compactly, when it came from the render cache. */
  readonly json?: string;
}

/**
 * Rendered models of cacheable schemas, by item snapshot, role (and token scope), selection and base URL. Snapshots
 * and roles are replaced (never changed) when content, blueprints or roles change, and their ids are never reused,
 * so an entry can never be stale; entries of replaced snapshots are pushed out as others are used. Bounded in
 * bytes, since selections come from requests.
 */
export const renderCache = new RenderCache(32 * 1024 * 1024, 1024 * 1024);
/**
 * A short key per selection: selections of named views share their field list, whose key is found once; equal
 * selections parsed from `select` share an id while the table has room, and use their text after that.
 */
const selectionKeys = new WeakMap<object, string>();
const selectionIdsByText = new Map<string, string>();
const MAX_SELECTION_IDS = 1000;

function selectionKey(selection: Selection): string {
  const identity = "all" in selection ? selection : selection.fields;
  let key = selectionKeys.get(identity);
  if (key === undefined) {
    const text = JSON.stringify(selection);
    key = selectionIdsByText.get(text);
    if (key === undefined) {
      if (selectionIdsByText.size < MAX_SELECTION_IDS) {
        key = `#${selectionIdsByText.size}`;
        selectionIdsByText.set(text, key);
      } else {
        key = text;
      }
    }
    selectionKeys.set(identity, key);
  }
  return key;
}

/** The whole success envelope of a model, as text: built once per item snapshot, role, base URL and selection. */
function cachedModelEnvelope(result: ModelResult, selection: Selection, context: ViewContext): string {
  const who = actorKey(context.actor) ?? "";
  const key = `${idOf(result.item as object)}\u0000${who}\u0000${selectionKey(selection)}\u0000${context.language?.url ?? context.baseUrl}`;
  let json = renderCache.get(key);
  if (json === undefined) {
    json = JSON.stringify({
      code: 200,
      data: asJsonMap(renderModel(result.schema, result.item, selection, context)),
      status: "ok",
      type: "model",
    });
    renderCache.set(key, json);
  }
  return json;
}

/**
 * A collection envelope as text, each item's rendering taken from the render cache (by item snapshot, actor,
 * selection and base URL) unless the item has unsaved changes, whose options depend on who holds the lock.
 */
function cachedCollectionEnvelope(
  result: CollectionResult,
  items: readonly unknown[],
  pagination: unknown,
  selection: Selection,
  who: string,
  context: ViewContext,
): string {
  const suffix = `\u0000${who}\u0000${selectionKey(selection)}\u0000${context.language?.url ?? context.baseUrl}`;
  const parts: string[] = [];
  // the compact view of pages shows nothing a lock changes: no need to look for changes versions on disk
  const lockFree = isLockFreeSelection(result.schema, selection);
  for (const item of items) {
    const render = (): string => JSON.stringify(asJsonMap(renderModel(result.schema, item, selection, context)));
    if (typeof item !== "object" || item === null || (!lockFree && hasChangesVersion(item))) {
      parts.push(render());
      continue;
    }
    const key = `c${idOf(item)}${suffix}`;
    let json = renderCache.get(key);
    if (json === undefined) {
      json = render();
      renderCache.set(key, json);
    }
    parts.push(json);
  }
  return `{"code":200,"data":[${parts.join(",")}],"pagination":${JSON.stringify(pagination)},"status":"ok","type":"collection"}`;
}

/**
 * A success envelope served from the render cache. The object form is parsed again only if someone asks for it
 * (pretty printing). A class, not an object literal with a getter: a literal would make a new getter, and with it
 * a new hidden class, on every response.
 */
class CachedEnvelope implements ApiResponse {
  readonly status = 200;

  constructor(readonly json: string) {}

  get body(): unknown {
    return JSON.parse(this.json) as unknown;
  }
}

export const GENERIC_ERROR_MESSAGE = "An unexpected error occurred! Enable debug mode for more info";

export interface RenderQuery {
  /** `select` as text, or already parsed from text or PHP's array form (see `selectionParam`). */
  readonly select: string | Selection | null | undefined;
  readonly view: string | undefined;
  readonly page: PaginationParam;
  readonly limit: PaginationParam;
  /** The whole query, for `query[…]` on collections. */
  readonly values?: Readonly<Record<string, string>>;
}

function selectionOf(query: RenderQuery): Selection | null {
  return typeof query.select === "string" || query.select === undefined ? parseSelect(query.select) : query.select;
}

function modelSelection(result: ModelResult, query: RenderQuery): Selection {
  if (query.view !== undefined && query.view !== "") return viewSelection(result.schema, query.view);
  return (
    selectionOf(query) ?? (result.view ? viewSelection(result.schema, result.view) : defaultSelection(result.schema))
  );
}

function collectionSelection(result: CollectionResult, query: RenderQuery): Selection {
  const select = selectionOf(query);
  if (select) return select;
  if (query.view !== undefined && query.view !== "") return viewSelection(result.schema, query.view);
  return viewSelection(result.schema, result.schema.collectionView);
}

/**
 * Maps an action's result to Kirby's success envelope (docs/kirby-compat/routes-and-envelopes.md#success-envelopes).
 */
export function renderResult(result: ApiResult, query: RenderQuery, context: ViewContext): ApiResponse {
  if (result instanceof ModelResult) {
    const selection = modelSelection(result, query);
    const renderContext = (result.context as ViewContext | null) ?? context;
    const cacheable =
      result.schema.cacheable === true &&
      result.context === null &&
      (!renderContext.actor?.restrict || renderContext.actor.restrictionKey !== undefined) &&
      typeof result.item === "object" &&
      result.item !== null &&
      // options of a model with changes depend on who holds its lock (docs/changes.md#the-lock)
      (isLockFreeSelection(result.schema, selection) || !hasChangesVersion(result.item));
    if (cacheable) {
      return new CachedEnvelope(cachedModelEnvelope(result, selection, renderContext));
    }
    const data = asJsonMap(renderModel(result.schema, result.item, selection, renderContext));
    return { status: 200, body: { code: 200, data, status: "ok", type: "model" } };
  }
  if (result instanceof CollectionResult) {
    const search = result.schema.search;
    const collectionQuery = collectionQueryParam(query.values ?? {});
    // `query[…]` goes through the search layer, as a search route's POST body does
    const queried = collectionQuery
      ? applyCollectionQuery(result.items, collectionQuery, (items, prepared) =>
          search ? search(items, prepared, context) : [],
        )
      : null;
    const all = queried ? queried.items : result.items;
    // `paginate` of a query[…] parameter, else of a search body (the route's paging), else page and limit
    const paging = queried?.paginate ?? result.paging;
    const pagination = paginate(all.length, paging ? paging.page : query.page, paging ? paging.limit : query.limit);
    const selection = collectionSelection(result, query);
    const items = all.slice(pagination.offset, pagination.offset + pagination.limit);
    const who = result.schema.cacheable === true ? actorKey(context.actor) : null;
    if (who !== null)
      return new CachedEnvelope(cachedCollectionEnvelope(result, items, pagination, selection, who, context));
    const data = items.map((item) => asJsonMap(renderModel(result.schema, item, selection, context)));
    return { status: 200, body: { code: 200, data, pagination, status: "ok", type: "collection" } };
  }
  if (result === true) return { status: 200, body: { status: "ok", message: "ok", code: 200 } };
  if (result === false) return { status: 400, body: { status: "error", message: "bad request", code: 400 } };
  if (result === null) return { status: 404, body: { status: "error", message: "not found", code: 404 } };
  if (!Array.isArray(result) && (result as Record<string, unknown>)["status"] === "error") {
    const code = Number((result as Record<string, unknown>)["code"] ?? 400);
    return { status: code >= 400 && code < 600 ? code : 500, body: result };
  }
  return { status: 200, body: result };
}

export interface ErrorRenderOptions {
  readonly debug: boolean;
  /** Pattern of the matched route, for `debug` output. */
  readonly route: string | null;
  readonly projectRoot: string;
}

function emptyAsList(details: Record<string, unknown>): unknown {
  return Object.keys(details).length ? details : [];
}

function sourceLocation(error: Error, projectRoot: string): { file: string; line: number } {
  const frame = error.stack
    ?.split("\n")
    .find((line) => /\((?:file:\/\/)?\/.*:\d+:\d+\)$|at (?:file:\/\/)?\/.*:\d+:\d+$/.test(line));
  const match = frame ? /(?:file:\/\/)?(\/[^():]+):(\d+):\d+\)?$/.exec(frame) : null;
  if (!match) return { file: "", line: 0 };
  const file = (match[1] as string).startsWith(projectRoot)
    ? (match[1] as string).slice(projectRoot.length)
    : "{internal}";
  return { file: file.startsWith("/") ? file : `/${file}`, line: Number(match[2]) };
}

/** The one place where any thrown value becomes Kirby's error envelope. */
export function renderError(error: unknown, options: ErrorRenderOptions): ApiResponse {
  const debugFields = (value: Error): Record<string, unknown> => {
    if (!options.debug) return {};
    const { file, line } = sourceLocation(value, options.projectRoot);
    return { exception: `Sheaf\\${value.name}`, file, line, route: options.route };
  };
  if (error instanceof SheafError) {
    const status = error.httpCode >= 400 && error.httpCode < 600 ? error.httpCode : 500;
    const body = {
      status: "error",
      message: error.message,
      code: error.httpCode,
      ...debugFields(error),
      key: error.key,
      details: emptyAsList(error.details),
    };
    return { status, body, headers: error.responseHeaders };
  }
  const value = error instanceof Error ? error : new Error(String(error));
  const code = value instanceof UnexpectedError ? value.httpCode : 500;
  const status = code >= 400 && code < 600 ? code : 500;
  return {
    status,
    body: {
      status: "error",
      message: options.debug ? value.message : GENERIC_ERROR_MESSAGE,
      code,
      ...debugFields(value),
      key: null,
      details: [],
    },
  };
}
