/**
 * Normalising one blueprint's YAML into the `Blueprint` shape.
 *
 * Layout precedence follows Kirby: a level's `fields` wins over its `sections`, `sections` over `columns`, and
 * `columns` over `tabs` (the shorter form is wrapped into the longer one and replaces it). Fields are collected
 * in blueprint order from every `type: fields` section; `extends` merges the named blueprint under the local keys.
 */

import { FILE_ACTIONS, PAGE_ACTIONS, SITE_ACTIONS } from "../accounts/permissions.js";
import { isPlainObject, translatedText, upperFirst } from "./blueprint-values.js";
import { layoutTabs } from "./layout.js";

export { translatedText, upperFirst };
import type { Blueprint, BlueprintField, BlueprintOptionValue } from "./types.js";

type Props = Record<string, unknown>;

export type BlueprintModelKind = "page" | "site" | "user" | "file";

/** Option keys of each model kind (docs/kirby-compat/permissions.md#what-a-caller-may-see), in Kirby's order. */
export const BLUEPRINT_OPTION_KEYS: Readonly<Record<BlueprintModelKind, readonly string[]>> = {
  page: PAGE_ACTIONS,
  site: SITE_ACTIONS,
  // a user blueprint lists `create` second, unlike the role permissions
  user: [
    "access",
    "create",
    "changeEmail",
    "changeLanguage",
    "changeName",
    "changePassword",
    "changeRole",
    "delete",
    "list",
    "update",
  ],
  file: FILE_ACTIONS,
};

/** Option names from Kirby 2 blueprints that still work as aliases. */
const OPTION_ALIASES: Readonly<Record<BlueprintModelKind, Readonly<Record<string, string>>>> = {
  page: { status: "changeStatus", template: "changeTemplate", title: "changeTitle", url: "changeSlug" },
  site: { title: "changeTitle" },
  user: {},
  file: {},
};

const PAGE_STATUSES = ["draft", "unlisted", "listed"] as const;

/** Entries of a YAML map, or of a list with its indexes as names (PHP arrays are both). */
function entriesOf(value: unknown): Array<[string, unknown]> {
  if (Array.isArray(value)) return value.map((item, index) => [String(index), item]);
  if (isPlainObject(value)) return Object.entries(value);
  return [];
}

function isSet(value: unknown): boolean {
  return value !== undefined && value !== null;
}

/**
 * Merges `local` over `base` the way blueprint `extends` does: maps merge key by key (recursively), lists merge
 * index by index, anything else is replaced by the local value.
 */
function mergeUnder(base: unknown, local: unknown): unknown {
  if (isPlainObject(base) && isPlainObject(local)) {
    const merged: Props = { ...base };
    for (const [key, value] of Object.entries(local)) {
      merged[key] = key in base ? mergeUnder(base[key], value) : value;
    }
    return merged;
  }
  if (Array.isArray(base) && Array.isArray(local)) {
    const merged: unknown[] = [...base];
    local.forEach((value, index) => {
      merged[index] = index < base.length ? mergeUnder(base[index], value) : value;
    });
    return merged;
  }
  return local;
}

export class BlueprintBuilder {
  constructor(private readonly sources: ReadonlyMap<string, unknown>) {}

  /** Resolves `extends` (a name or a list of names) recursively; a string stands for `{ extends: string }`. */
  extend(value: unknown, seen: ReadonlySet<string> = new Set()): unknown {
    const props: unknown = typeof value === "string" ? { extends: value } : value;
    if (!isPlainObject(props) || !isSet(props["extends"])) return props;

    const names = Array.isArray(props["extends"]) ? props["extends"] : [props["extends"]];
    let result: Props = props;
    for (const name of names) {
      if (typeof name !== "string" || seen.has(name) || !this.sources.has(name)) continue;
      const mixin = this.extend(this.sources.get(name), new Set([...seen, name]));
      if (isPlainObject(mixin)) {
        const merged = mergeUnder(mixin, result);
        if (isPlainObject(merged)) result = merged;
      }
    }
    const { extends: _extends, ...rest } = result;
    return rest;
  }

  build(name: string, source: unknown, kind: BlueprintModelKind, defaultTitle: string): Blueprint {
    const extended = this.extend(isPlainObject(source) ? source : {}, new Set([name]));
    const raw: Props = isPlainObject(extended) ? extended : {};
    return {
      name,
      title: translatedText(raw["title"]) ?? defaultTitle,
      fields: this.layoutFields(raw, true),
      options: this.options(raw["options"], kind),
      num: kind === "page" ? normaliseNum(raw["num"]) : "default",
      status: kind === "page" ? this.statuses(raw["status"]) : [...PAGE_STATUSES],
      raw,
      tabs: layoutTabs(raw, (value) => this.extend(value)),
    };
  }

  // ---- fields ------------------------------------------------------------------------------------------------

  private layoutFields(level: Props, allowTabs: boolean): BlueprintField[] {
    const collected = new FieldCollector();
    if (isSet(level["fields"])) {
      collected.addAll(this.fieldDefinitions(level["fields"]));
    } else if (isSet(level["sections"])) {
      this.collectSections(level["sections"], collected);
    } else if (isSet(level["columns"])) {
      this.collectColumns(level["columns"], collected);
    } else if (allowTabs && isSet(level["tabs"])) {
      for (const [, tabValue] of entriesOf(level["tabs"])) {
        if (tabValue === false) continue;
        const tab = this.extend(tabValue);
        if (isPlainObject(tab)) collected.addAll(this.layoutFields(tab, false));
      }
    }
    return collected.fields();
  }

  private collectColumns(columns: unknown, collected: FieldCollector): void {
    for (const [, column] of entriesOf(columns)) {
      if (!isPlainObject(column)) continue;
      if (isSet(column["fields"])) collected.addAll(this.fieldDefinitions(column["fields"]));
      else this.collectSections(column["sections"], collected);
    }
  }

  private collectSections(sections: unknown, collected: FieldCollector): void {
    for (const [sectionName, sectionValue] of entriesOf(sections)) {
      if (sectionValue === false) continue;
      const section = this.extend(sectionValue === true ? {} : sectionValue);
      if (!isPlainObject(section)) continue;
      const type = section["type"] ?? sectionName;
      if (type === "fields") collected.addAll(this.fieldDefinitions(section["fields"]));
    }
  }

  /** Normalised fields of a `fields` map, groups flattened into their place. */
  private fieldDefinitions(fields: unknown): BlueprintField[] {
    const result: BlueprintField[] = [];
    for (const [fieldName, fieldValue] of entriesOf(fields)) {
      if (fieldValue === false) continue;
      let props: unknown;
      if (typeof fieldValue === "string") props = { extends: fieldValue };
      else if (fieldValue === true || fieldValue === null) props = {};
      else props = fieldValue;
      if (!isPlainObject(props)) continue;

      const definition = this.extend(props);
      if (!isPlainObject(definition)) continue;
      const type = typeof definition["type"] === "string" ? definition["type"] : fieldName;

      if (type === "group") {
        const when = definition["when"];
        for (const child of this.fieldDefinitions(definition["fields"])) {
          result.push(isSet(when) ? withGroupCondition(child, when) : child);
        }
        continue;
      }
      result.push(this.field(fieldName, type, definition));
    }
    return result;
  }

  private field(fieldName: string, type: string, definition: Props): BlueprintField {
    const { name: _name, type: _type, label, ...props } = definition;
    if (isSet(props["fields"])) {
      props["fields"] = Object.fromEntries(
        this.fieldDefinitions(props["fields"]).map((nested) => [
          nested.name,
          { ...nested.props, type: nested.type, label: nested.label },
        ]),
      );
    }
    return {
      name: fieldName.toLowerCase(),
      type,
      label: translatedText(label) ?? upperFirst(fieldName),
      props,
    };
  }

  // ---- options, num, status ----------------------------------------------------------------------------------

  private options(value: unknown, kind: BlueprintModelKind): Record<string, BlueprintOptionValue> {
    if (value === false) {
      return Object.fromEntries(BLUEPRINT_OPTION_KEYS[kind].map((key) => [key, false]));
    }
    const options = this.extend(value);
    if (!isPlainObject(options)) return {};

    const aliases = OPTION_ALIASES[kind];
    const result: Record<string, BlueprintOptionValue> = {};
    for (const [key, optionValue] of Object.entries(options)) {
      if (aliases[key] !== undefined) continue;
      const normalised = normaliseOptionValue(optionValue);
      if (normalised !== undefined) result[key] = normalised;
    }
    // An alias only applies when the current name is not given as well.
    for (const [key, optionValue] of Object.entries(options)) {
      const target = aliases[key];
      if (target === undefined || target in options) continue;
      const normalised = normaliseOptionValue(optionValue);
      if (normalised !== undefined) result[target] = normalised;
    }
    return result;
  }

  private statuses(value: unknown): string[] {
    if (isEmptyLikePhp(value)) return [...PAGE_STATUSES];
    const definition = this.extend(value);
    const statuses = entriesOf(definition)
      .filter(([key, options]) => (PAGE_STATUSES as readonly string[]).includes(key) && options !== false)
      .map(([key]) => key);
    // A page can always be a draft.
    return statuses.includes("draft") ? statuses : ["draft", ...statuses];
  }
}

/** Collects fields in order; a repeated name turns the first occurrence into an `info` field, as Kirby does. */
class FieldCollector {
  private readonly byName = new Map<string, BlueprintField>();

  addAll(fields: readonly BlueprintField[]): void {
    for (const field of fields) {
      const existing = this.byName.get(field.name);
      this.byName.set(
        field.name,
        existing === undefined ? field : { name: field.name, type: "info", label: field.label ?? "Error", props: {} },
      );
    }
  }

  fields(): BlueprintField[] {
    return [...this.byName.values()];
  }
}

function withGroupCondition(field: BlueprintField, when: unknown): BlueprintField {
  return { ...field, props: { ...field.props, when: mergeUnder(when, field.props["when"] ?? {}) } };
}

function normaliseOptionValue(value: unknown): BlueprintOptionValue | undefined {
  if (typeof value === "boolean") return value;
  if (!isPlainObject(value)) return undefined;
  const byRole: Record<string, boolean> = {};
  for (const [role, allowed] of Object.entries(value)) {
    if (typeof allowed === "boolean") byRole[role] = allowed;
  }
  return byRole;
}

function normaliseNum(value: unknown): string {
  if (value === undefined || value === null) return "default";
  if (value === 0 || value === "0") return "zero";
  if (value === "sort") return "default";
  return String(value);
}

/** PHP's `empty()`: the values for which a blueprint setting counts as not given. */
function isEmptyLikePhp(value: unknown): boolean {
  if (value === undefined || value === null || value === false || value === 0 || value === "" || value === "0") {
    return true;
  }
  if (Array.isArray(value)) return value.length === 0;
  return isPlainObject(value) && Object.keys(value).length === 0;
}
