/**
 * A blueprint's layout as Kirby renders it in the blueprint routes (docs/kirby-compat/blueprints.md): tabs of
 * columns of sections, each section and field with its props as written plus the ones Kirby fills in. Shorter forms
 * are wrapped into the longer one: top-level `fields` become the section `main-fields` (and win over `sections`,
 * which are then dropped), `sections` a column of width 1/1, `columns` the tab `main`.
 */

import { isPlainObject, translatedText, upperFirst } from "./blueprint-values.js";

type Props = Record<string, unknown>;

export interface BlueprintColumn {
  readonly width: string;
  readonly sections: Readonly<Record<string, Readonly<Props>>>;
  readonly [prop: string]: unknown;
}

export interface BlueprintTab {
  readonly name: string;
  readonly label: string;
  readonly icon: unknown;
  readonly columns: readonly BlueprintColumn[];
  /** The tab's props in Kirby's key order, without `link` (which names the model). */
  readonly props: Readonly<Props>;
}

/** Resolves `extends` of one value (a string stands for `{ extends: string }`). */
export type Extend = (value: unknown) => unknown;

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function entriesOf(value: unknown): Array<[string, unknown]> {
  if (Array.isArray(value)) return value.map((item, index) => [String(index), item]);
  if (isPlainObject(value)) return Object.entries(value);
  return [];
}

/** Props of a definition that may be `true`/null (defaults), a string (`extends`) or a map; false drops it. */
function definition(value: unknown, extend: Extend): Props | null {
  if (value === false) return null;
  const props = value === true || value === null || value === undefined ? {} : extend(value);
  return isPlainObject(props) ? { ...props } : null;
}

/** Sets `key` last in the key order (PHP appends a new key; an existing one keeps its place). */
function put(target: Props, key: string, value: unknown): void {
  target[key] = value;
}

/** A `fields` map as rendered: name, label and width filled in, groups flattened into their place. */
export function renderFields(fields: unknown, extend: Extend): Props {
  const rendered: Props = {};
  for (const [fieldName, value] of entriesOf(fields)) {
    const props = definition(value, extend);
    if (props === null) continue;
    const name = fieldName.toLowerCase();
    const type = typeof props["type"] === "string" ? props["type"] : name;
    if (type === "group") {
      Object.assign(rendered, renderFields(props["fields"], extend));
      continue;
    }
    if (!isSet(props["type"])) put(props, "type", type);
    put(props, "name", name);
    props["label"] = translatedText(props["label"]) ?? upperFirst(name);
    if (!isSet(props["width"])) put(props, "width", "1/1");
    rendered[name] = props;
  }
  return rendered;
}

function renderSections(sections: unknown, extend: Extend): Record<string, Props> {
  const rendered: Record<string, Props> = {};
  for (const [sectionName, value] of entriesOf(sections)) {
    const props = definition(value, extend);
    if (props === null) continue;
    if (!isSet(props["type"])) put(props, "type", sectionName);
    if (props["type"] === "fields") props["fields"] = renderFields(props["fields"], extend);
    put(props, "name", sectionName);
    rendered[sectionName] = props;
  }
  return rendered;
}

/** `fields` of a level become its one section `<name>-fields` (and replace its sections). */
function fieldsToSections(name: string, level: Props): Props {
  if (!isSet(level["fields"])) return level;
  const { fields, sections: _dropped, ...rest } = level;
  return { ...rest, sections: { [`${name}-fields`]: { type: "fields", fields } } };
}

function renderColumns(tabName: string, columns: unknown, extend: Extend): BlueprintColumn[] {
  const rendered: BlueprintColumn[] = [];
  for (const [index, value] of entriesOf(columns)) {
    const props = definition(value, extend);
    if (props === null) continue;
    const { sections, ...rest } = fieldsToSections(`${tabName}-col-${index}`, props);
    rendered.push({
      ...rest,
      width: translatedText(rest["width"]) ?? "1/1",
      sections: renderSections(sections, extend),
    });
  }
  return rendered;
}

/** Sections of a level become one column of width 1/1 (and replace its columns). */
function sectionsToColumns(level: Props): Props {
  if (!isSet(level["sections"])) return level;
  const { sections, columns: _dropped, ...rest } = level;
  return { ...rest, columns: [{ width: "1/1", sections }] };
}

function renderTab(name: string, level: Props, extend: Extend): BlueprintTab {
  const props = sectionsToColumns(fieldsToSections(name, level));
  const columns = renderColumns(name, props["columns"], extend);
  const label = translatedText(props["label"]) ?? upperFirst(name);
  const icon = props["icon"] ?? null;
  const ordered: Props = { ...props, columns, icon, label };
  return { name, label, icon, columns, props: ordered };
}

/** The tabs of a blueprint (after its own `extends`); none when it has no layout at all. */
export function layoutTabs(raw: Readonly<Props>, extend: Extend): BlueprintTab[] {
  const hasLayout = ["fields", "sections", "columns"].some((key) => isSet(raw[key]));
  if (hasLayout) {
    const { tabs: _tabs, ...level } = raw;
    const main: Props = {};
    for (const key of ["fields", "sections", "columns"]) if (isSet(level[key])) main[key] = level[key];
    return [renderTab("main", main, extend)];
  }
  const tabs: BlueprintTab[] = [];
  for (const [name, value] of entriesOf(raw["tabs"])) {
    const props = definition(value, extend);
    if (props !== null) tabs.push(renderTab(name, props, extend));
  }
  return tabs;
}

/** Every section of the tabs, by name (the first of a name wins). */
export function sectionsOf(tabs: readonly BlueprintTab[]): Map<string, Readonly<Props>> {
  const found = new Map<string, Readonly<Props>>();
  for (const tab of tabs) {
    for (const column of tab.columns) {
      for (const [name, section] of Object.entries(column.sections)) if (!found.has(name)) found.set(name, section);
    }
  }
  return found;
}
