import { InvalidArgumentError } from "../../errors.js";
import type { PreparedQuery } from "../../search/index.js";

/**
 * The model → JSON engine: each model type declares its fields (resolvers) and named views (field lists, with
 * optional sub-selections for nested models); requests pick fields with `select` or `view`
 * (docs/kirby-compat/routes-and-envelopes.md#select-and-view).
 */

/** A field of a view: a name, or a nested field rendered with a named view or its own field list. */
export type ViewField =
  | string
  | { readonly field: string; readonly view: string }
  | { readonly field: string; readonly select: readonly ViewField[] };

export interface ModelSchema<T, C> {
  readonly name: string;
  readonly fields: Readonly<Record<string, (item: T, context: C) => unknown>>;
  readonly views: Readonly<Record<string, readonly ViewField[]>>;
  /** Name of the default view, or null when the model has none (then all fields are the default). */
  readonly defaultView: string | null;
  /** View used for items when the model appears in a collection. */
  readonly collectionView: string;
  /**
   * The rendering depends only on the item (an immutable snapshot), the caller's role and the base URL, so a
   * rendered model may be reused for the same item, role and selection (pages and the site).
   */
  readonly cacheable?: boolean;
  /**
   * Fields whose value never depends on a changes version or its lock (plain values of the item): a selection of
   * only these renders from the cache without asking whether the model has changes.
   */
  readonly lockFreeFields?: ReadonlySet<string>;
  /**
   * The items among `items` that match a search, best first (docs/search.md; `query[search]` of
   * docs/kirby-compat/routes-and-envelopes.md#query). Models without it find nothing.
   */
  readonly search?: (items: readonly T[], query: PreparedQuery, context: C) => readonly T[];
}

/** A nested model value (e.g. a page's parent): rendered with the sub-selection of its field. */
export class NestedModel<T, C> {
  constructor(
    readonly schema: ModelSchema<T, C>,
    readonly item: T,
  ) {}
}

/** A nested list of models (e.g. children): items rendered with the sub-selection, else the collection view. */
export class NestedCollection<T, C> {
  constructor(
    readonly schema: ModelSchema<T, C>,
    readonly items: readonly T[],
  ) {}
}

export type Selection = { readonly fields: readonly ViewField[] } | { readonly all: true };

const lockFreeSelections = new WeakMap<object, boolean>();

/** Whether a selection names only plain fields of the schema that never depend on a changes version (remembered). */
export function isLockFreeSelection<T, C>(schema: ModelSchema<T, C>, selection: Selection): boolean {
  const free = schema.lockFreeFields;
  if (free === undefined || "all" in selection) return false;
  let known = lockFreeSelections.get(selection.fields);
  if (known === undefined) {
    known = selection.fields.every((field) => typeof field === "string" && free.has(field));
    lockFreeSelections.set(selection.fields, known);
  }
  return known;
}

/** One selection object per schema, so that caches keyed by a selection see the same one every time. */
const allFieldsSelections = new WeakMap<object, Selection>();

export function allFieldsOf<T, C>(schema: ModelSchema<T, C>): Selection {
  let selection = allFieldsSelections.get(schema);
  if (selection === undefined) {
    selection = { fields: Object.freeze(Object.keys(schema.fields)) };
    allFieldsSelections.set(schema, selection);
  }
  return selection;
}

/** Selection of a named view: `any` = all fields; unknown ⇒ default view, or an error if there is none. */
export function viewSelection<T, C>(schema: ModelSchema<T, C>, view: string): Selection {
  if (view === "any") return allFieldsOf(schema);
  // own entries only: a name like `constructor` must not reach the object's prototype
  if (Object.hasOwn(schema.views, view)) return { fields: schema.views[view] as readonly ViewField[] };
  if (schema.defaultView !== null) return { fields: schema.views[schema.defaultView] ?? [] };
  const shown = view.length > 64 ? `${view.slice(0, 64)}…` : view;
  throw new InvalidArgumentError({ message: `The view "${shown}" does not exist for the ${schema.name} model` });
}

export function defaultSelection<T, C>(schema: ModelSchema<T, C>): Selection {
  return schema.defaultView === null ? allFieldsOf(schema) : viewSelection(schema, schema.defaultView);
}

function fieldsOf<T, C>(schema: ModelSchema<T, C>, selection: Selection): readonly ViewField[] {
  return "all" in selection ? Object.keys(schema.fields) : selection.fields;
}

/** A rendered model as Kirby's JSON shows it: PHP encodes an empty map as `[]` (e.g. a select of unknown fields). */
export function asJsonMap(model: Record<string, unknown>): Record<string, unknown> | readonly never[] {
  for (const key in model) if (Object.hasOwn(model, key)) return model;
  return [];
}

function renderValue(value: unknown, sub: Selection | null, context: unknown): unknown {
  if (value instanceof NestedModel) {
    return asJsonMap(renderModel(value.schema, value.item, sub ?? defaultSelection(value.schema), context, false));
  }
  if (value instanceof NestedCollection) {
    const selection = sub ?? viewSelection(value.schema, value.schema.collectionView);
    return value.items.map((item) => asJsonMap(renderModel(value.schema, item, selection, context, false)));
  }
  return value;
}

/** Renders one model; top-level keys are sorted alphabetically (as Kirby does), nested ones keep view order. */
export function renderModel<T, C>(
  schema: ModelSchema<T, C>,
  item: T,
  selection: Selection,
  context: C,
  sortKeys = true,
): Record<string, unknown> {
  const result: Record<string, unknown> = {};
  for (const spec of fieldsOf(schema, selection)) {
    const name = typeof spec === "string" ? spec : spec.field;
    // declared fields only: `constructor`, `__proto__`, `toString` and the like are unknown names
    if (!Object.hasOwn(schema.fields, name)) continue;
    const resolver = schema.fields[name] as (item: T, context: C) => unknown;
    let sub: Selection | null = null;
    if (typeof spec !== "string") {
      const value = resolver(item, context);
      if ("view" in spec) {
        const nestedSchema = value instanceof NestedModel || value instanceof NestedCollection ? value.schema : null;
        sub = nestedSchema ? viewSelection(nestedSchema, spec.view) : null;
      } else {
        sub = { fields: spec.select };
      }
      result[name] = renderValue(value, sub, context);
      continue;
    }
    result[name] = renderValue(resolver(item, context), null, context);
  }
  if (!sortKeys) return result;
  return Object.fromEntries(Object.entries(result).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Longest `select` text and most fields a request may select. */
export const MAX_SELECT_LENGTH = 4096;
export const MAX_SELECT_FIELDS = 100;

/**
 * Parses `?select=a,b,c` into a selection (repeated names once); null when absent or empty.
 *
 * @throws InvalidArgumentError when the text is longer than MAX_SELECT_LENGTH or names more than MAX_SELECT_FIELDS
 * fields.
 */
export function parseSelect(value: string | undefined): Selection | null {
  if (value === undefined) return null;
  if (value.length > MAX_SELECT_LENGTH) {
    throw new InvalidArgumentError({
      message: `The select parameter must not be longer than ${MAX_SELECT_LENGTH} characters`,
    });
  }
  const fields = [
    ...new Set(
      value
        .split(",")
        .map((field) => field.trim())
        .filter(Boolean),
    ),
  ];
  if (fields.length > MAX_SELECT_FIELDS) {
    throw new InvalidArgumentError({
      message: `The select parameter must not name more than ${MAX_SELECT_FIELDS} fields`,
    });
  }
  return fields.length ? { fields } : null;
}
