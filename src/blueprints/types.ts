/** Blueprints as Sheaf needs them: fields, options and page settings. Parsed from `site/blueprints/**.yml`. */
import type { BlueprintTab } from "./layout.js";

export interface BlueprintField {
  /** Field name, lower-cased as content keys are. */
  readonly name: string;
  readonly type: string;
  readonly label?: string;
  /** Every other key of the field definition as parsed (required, min, max, options, time, …). */
  readonly props: Readonly<Record<string, unknown>>;
}

/** Value of a blueprint `options.<action>`: boolean, or a map of role name (or `*`) to boolean. */
export type BlueprintOptionValue = boolean | Readonly<Record<string, boolean>>;

export interface Blueprint {
  /** e.g. `pages/note`, `site`, `users/editor`, `files/image`. */
  readonly name: string;
  readonly title: string;
  /** Fields in blueprint order, collected from `fields`, `sections`, `columns` and `tabs`. */
  readonly fields: readonly BlueprintField[];
  /** Normalised option map: v2 aliases resolved (`status` → `changeStatus` …); `options: false` → all false. */
  readonly options: Readonly<Record<string, BlueprintOptionValue>>;
  /** Page blueprints: `num` setting (`default`, `zero`, `date`, `datetime` or a template), default `default`. */
  readonly num: string;
  /** Page blueprints: allowed statuses (`draft`, `unlisted`, `listed`), default all three. */
  readonly status: readonly string[];
  /** The whole parsed YAML document (after `extends`). */
  readonly raw: Readonly<Record<string, unknown>>;
  /** The layout as the blueprint routes render it (none for blueprints made in code). */
  readonly tabs?: readonly BlueprintTab[];
}

export interface BlueprintRegistry {
  /** Page blueprint for a template, falling back to `pages/default` then a built-in default. */
  page(template: string): Blueprint;
  site(): Blueprint;
  /** User blueprint of a role (`site/blueprints/users/<role>.yml`), or undefined. */
  user(role: string): Blueprint | undefined;
  /** Names of the role files in `site/blueprints/users/` (without `default`). */
  roleNames(): readonly string[];
  /** Templates of the page blueprint files (`site/blueprints/pages/<name>.yml`), sorted. */
  pageTemplates?(): readonly string[];
  reload(): Promise<void>;
}
