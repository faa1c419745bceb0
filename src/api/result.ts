import type { ModelSchema } from "./views/engine.js";

/** A single model to render with `select`/`view` (model envelope). */
export class ModelResult {
  constructor(
    // biome-ignore lint/suspicious/noExplicitAny: a schema of any model; the item is rendered by that same schema
    readonly schema: ModelSchema<any, any>,
    readonly item: unknown,
    /** View used when the request names neither `select` nor `view` (e.g. `auth` for `GET auth`). */
    readonly view: string | null = null,
    /** Rendering context to use instead of the request's (e.g. the user `GET system` resolved silently). */
    readonly context: unknown = null,
  ) {}

  withContext(context: unknown): ModelResult {
    return new ModelResult(this.schema, this.item, this.view, context);
  }
}

/** A list of models to paginate and render (collection envelope). */
export class CollectionResult {
  constructor(
    // biome-ignore lint/suspicious/noExplicitAny: a schema of any model; the item is rendered by that same schema
    readonly schema: ModelSchema<any, any>,
    readonly items: readonly unknown[],
    /** Page and limit a collection query chose (`paginate`); they replace the request's `page` and `limit`. */
    readonly paging: { readonly page: string; readonly limit: string } | null = null,
  ) {}
}
