/**
 * Blueprints of a site folder (`<site>/blueprints/**.yml`), read once, normalised (builder.ts) and looked up with
 * Kirby's fallbacks.
 */

import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { ConfigError } from "../errors.js";
import { BlueprintBuilder, upperFirst, type BlueprintModelKind } from "./builder.js";
import type { Blueprint, BlueprintRegistry } from "./types.js";
import { parseYaml } from "./yaml.js";

/** The registry interface plus file blueprints (`files/<template>.yml`). */
export interface SiteBlueprintRegistry extends BlueprintRegistry {
  /** File blueprint for a file template, falling back to `files/default` then a built-in default. */
  file(template: string): Blueprint;
}

/** Reads every `*.yml` below `dir` into a map of blueprint name (`pages/note`, `site`, …) to parsed YAML. */
async function readBlueprintSources(dir: string): Promise<Map<string, unknown>> {
  let entries: string[];
  try {
    entries = await readdir(dir, { recursive: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return new Map();
    throw error;
  }
  const files = entries.filter((entry) => entry.endsWith(".yml")).sort();
  const parsed = await Promise.all(
    files.map(async (relative) => {
      const file = path.join(dir, relative);
      let text: string;
      try {
        text = await readFile(file, "utf8");
      } catch (error) {
        // A folder named `*.yml` or a file removed while listing is not a blueprint.
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "EISDIR" || code === "ENOENT") return undefined;
        throw new ConfigError(`Cannot read blueprint ${file}: ${(error as Error).message}`);
      }
      const name = relative.slice(0, -".yml".length).split(path.sep).join("/");
      return [name, parseYaml(text, file)] as const;
    }),
  );
  return new Map(parsed.filter((entry) => entry !== undefined));
}

interface RegistryState {
  readonly builder: BlueprintBuilder;
  readonly pages: Map<string, Blueprint>;
  readonly files: Map<string, Blueprint>;
  readonly users: ReadonlyMap<string, Blueprint>;
  readonly site: Blueprint;
  readonly roleNames: readonly string[];
}

function buildState(sources: ReadonlyMap<string, unknown>): RegistryState {
  const builder = new BlueprintBuilder(sources);
  const pages = new Map<string, Blueprint>();
  const files = new Map<string, Blueprint>();
  const users = new Map<string, Blueprint>();

  for (const [name, source] of sources) {
    const [folder, shortName, ...deeper] = name.split("/");
    if (shortName === undefined || deeper.length > 0) continue;
    const title = upperFirst(shortName);
    if (folder === "pages") pages.set(shortName, builder.build(name, source, "page", title));
    else if (folder === "files") files.set(shortName, builder.build(name, source, "file", title));
    else if (folder === "users") users.set(shortName, builder.build(name, source, "user", title));
  }

  const site = builder.build("site", sources.get("site") ?? {}, "site", "Site");
  const roleNames = [...users.keys()].filter((role) => role !== "default").sort();
  return { builder, pages, files, users, site, roleNames };
}

/** Most blueprints one kind keeps, files and built-in defaults together. */
const MAX_CACHED_BLUEPRINTS = 1024;

/** Model blueprint lookup with Kirby's fallbacks: `<folder>/<template>`, then `<folder>/default`, then built-in. */
function lookupWithDefault(
  state: RegistryState,
  known: Map<string, Blueprint>,
  folder: "pages" | "files",
  kind: BlueprintModelKind,
  template: string,
): Blueprint {
  const own = known.get(template) ?? known.get("default");
  if (own !== undefined) return own;
  // Built-in default: cache it under a key no file name can produce. Template names come from requests, so only
  // a bounded number of them is kept; the rest are built again when asked for (they are small).
  const cacheKey = `\0${template}`;
  const cached = known.get(cacheKey);
  if (cached !== undefined) return cached;
  const fallback = state.builder.build(`${folder}/${template}`, {}, kind, upperFirst(template));
  if (known.size < MAX_CACHED_BLUEPRINTS) known.set(cacheKey, fallback);
  return fallback;
}

/**
 * Loads every blueprint of `<siteDir>/blueprints`. A missing folder gives only built-in defaults.
 *
 * @throws ConfigError when a blueprint file is not valid YAML (naming file and line).
 */
export async function createBlueprintRegistry(siteDir: string): Promise<SiteBlueprintRegistry> {
  const root = path.join(siteDir, "blueprints");
  let state = buildState(await readBlueprintSources(root));

  return {
    page: (template) => lookupWithDefault(state, state.pages, "pages", "page", template),
    file: (template) => lookupWithDefault(state, state.files, "files", "file", template),
    site: () => state.site,
    user: (role) => state.users.get(role),
    roleNames: () => state.roleNames,
    pageTemplates: () => [...state.pages.keys()].filter((name) => !name.startsWith("\0")).sort(),
    async reload() {
      // Swap only once everything parsed, so a broken edit leaves the previous blueprints in place.
      state = buildState(await readBlueprintSources(root));
    },
  };
}
