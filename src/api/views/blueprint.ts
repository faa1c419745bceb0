/**
 * Blueprints as the blueprint routes and a model's `blueprint` field render them (docs/kirby-compat/blueprints.md):
 * name, options (every option key of the model, `null` unless the blueprint sets it, values as written), the page
 * settings, the tabs with each tab's Panel link, and the title.
 */
import type { User } from "../../accounts/types.js";
import { BLUEPRINT_OPTION_KEYS, sectionsOf, type Blueprint, type BlueprintModelKind } from "../../blueprints/index.js";
import type { Page } from "../../content/types.js";
import type { ViewContext } from "../context.js";

type Props = Record<string, unknown>;

/** Old option names that still count when the current name is not set. */
const OPTION_ALIASES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  page: { changeStatus: "status", changeTemplate: "template", changeTitle: "title", changeSlug: "url" },
  site: { changeTitle: "title" },
};

const STATUS_DEFAULTS: Readonly<Record<string, { label: string; text: string }>> = {
  draft: {
    label: "Draft",
    text: "The page is in draft mode and only visible for logged in editors or via secret link",
  },
  unlisted: { label: "Unlisted", text: "The page is only accessible via URL" },
  listed: { label: "Public", text: "The page is public for anyone" },
};

function isPlainObject(value: unknown): value is Props {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function text(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (isPlainObject(value)) {
    const english = value["en"];
    if (typeof english === "string") return english;
    const first = Object.values(value).find((entry) => typeof entry === "string");
    return typeof first === "string" ? first : null;
  }
  return null;
}

/** Every option key of the model kind (then any other key the blueprint sets), as written, or null. */
export function renderOptions(blueprint: Blueprint, kind: BlueprintModelKind): Props {
  const written = blueprint.raw["options"];
  const keys = BLUEPRINT_OPTION_KEYS[kind];
  if (written === false) return Object.fromEntries(keys.map((key) => [key, false]));
  const options = isPlainObject(written) ? written : {};
  const aliases = OPTION_ALIASES[kind] ?? {};
  const rendered: Props = {};
  for (const key of keys) {
    const alias = aliases[key];
    const value = Object.hasOwn(options, key)
      ? options[key]
      : alias !== undefined && Object.hasOwn(options, alias)
        ? options[alias]
        : null;
    rendered[key] = value ?? null;
  }
  const aliasNames = new Set(Object.values(aliases));
  for (const [key, value] of Object.entries(options)) {
    if (!Object.hasOwn(rendered, key) && !aliasNames.has(key)) rendered[key] = value;
  }
  return rendered;
}

function renderStatus(blueprint: Blueprint): Props {
  const written = blueprint.raw["status"];
  const settings = isPlainObject(written) ? written : {};
  const rendered: Props = {};
  for (const status of blueprint.status) {
    const defaults = STATUS_DEFAULTS[status];
    if (defaults === undefined) continue;
    const setting = Object.hasOwn(settings, status) ? settings[status] : undefined;
    if (typeof setting === "string") rendered[status] = { label: setting, text: null };
    else if (isPlainObject(setting)) {
      rendered[status] = { label: text(setting["label"]) ?? defaults.label, text: text(setting["text"]) };
    } else rendered[status] = { ...defaults };
  }
  return rendered;
}

/** The tabs with the Panel link of each (`<path>/?tab=<name>`). */
function renderTabs(blueprint: Blueprint, panelPath: string): Props[] {
  return (blueprint.tabs ?? []).map((tab) => ({
    ...tab.props,
    link: `${panelPath}/?tab=${encodeURIComponent(tab.name)}`,
    name: tab.name,
  }));
}

/** A page id in a Panel path: `/` becomes `+`. */
export function pagePanelPath(page: Page): string {
  return `/pages/${page.id.replaceAll("/", "+")}`;
}

export function renderPageBlueprint(page: Page, context: ViewContext): Props {
  const blueprint = context.services.blueprints.page(page.template);
  const preview = blueprint.raw["preview"];
  return {
    name: blueprint.name,
    num: blueprint.num,
    options: renderOptions(blueprint, "page"),
    preview: preview === undefined || preview === null ? true : preview,
    status: renderStatus(blueprint),
    tabs: renderTabs(blueprint, pagePanelPath(page)),
    title: blueprint.title,
  };
}

export function renderSiteBlueprint(context: ViewContext): Props {
  const blueprint = context.services.blueprints.site();
  return {
    name: blueprint.name,
    options: renderOptions(blueprint, "site"),
    tabs: renderTabs(blueprint, "/site"),
    title: blueprint.title,
  };
}

/** The blueprint of a user's role, then `users/default`; without either Kirby's built-in `default`. */
export function userBlueprintOf(user: User, context: ViewContext): Blueprint | null {
  const role = context.services.roleOf(user).name;
  return context.services.blueprints.user(role) ?? context.services.blueprints.user("default") ?? null;
}

export function renderUserBlueprint(user: User, context: ViewContext, panelPath: string): Props {
  const blueprint = userBlueprintOf(user, context);
  if (blueprint === null) {
    return {
      name: "default",
      options: Object.fromEntries(BLUEPRINT_OPTION_KEYS.user.map((key) => [key, null])),
      tabs: [],
      title: "Default",
    };
  }
  return {
    name: blueprint.name,
    options: renderOptions(blueprint, "user"),
    tabs: renderTabs(blueprint, panelPath),
    title: blueprint.title,
  };
}

/**
 * A file's blueprint (its `blueprint` field; Kirby has no route for it): `files/<template>`, or the built-in
 * `files/default` titled "File" when no blueprint file applies; options as written (role maps kept).
 */
export function renderFileBlueprint(blueprint: Blueprint | undefined, panelPath: string): Props {
  if (blueprint === undefined || Object.keys(blueprint.raw).length === 0) {
    return {
      name: "files/default",
      options: Object.fromEntries(BLUEPRINT_OPTION_KEYS.file.map((key) => [key, null])),
      tabs: [],
      title: "File",
    };
  }
  return {
    name: blueprint.name,
    options: renderOptions(blueprint, "file"),
    tabs: renderTabs(blueprint, panelPath),
    title: blueprint.title,
  };
}

export interface BlueprintChoice {
  readonly name: string;
  readonly title: string;
}

/** Templates a pages section offers: its `create`, else its `templates`, else every page blueprint. */
export function sectionTemplates(section: Readonly<Props>, context: ViewContext): BlueprintChoice[] {
  const create = section["create"];
  const listed = typeof create === "string" || Array.isArray(create) ? create : section["templates"];
  const names =
    typeof listed === "string"
      ? [listed]
      : Array.isArray(listed)
        ? listed.filter((name): name is string => typeof name === "string")
        : [...(context.services.blueprints.pageTemplates?.() ?? [])];
  return [...new Set(names)].map((name) => ({ name, title: context.services.blueprints.page(name).title }));
}

/** Blueprints of every pages section of a blueprint, each template once, in section order. */
export function pagesSectionsTemplates(blueprint: Blueprint, context: ViewContext): BlueprintChoice[] {
  const seen = new Map<string, BlueprintChoice>();
  for (const section of sectionsOf(blueprint.tabs ?? []).values()) {
    if (section["type"] !== "pages") continue;
    for (const choice of sectionTemplates(section, context)) if (!seen.has(choice.name)) seen.set(choice.name, choice);
  }
  return [...seen.values()];
}
