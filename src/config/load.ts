import { access, readFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError } from "../errors.js";
import { type Environment, optionsFromEnvironment, readEnvironment } from "./environment.js";
import { checkOptions, problemsMessage, type SheafOptions } from "./options.js";
import { problemText } from "./validate.js";

export interface LoadedConfig {
  readonly options: SheafOptions;
  /** The file the options came from, or null when the site has no config. */
  readonly source: string | null;
  readonly warnings: readonly string[];
}

const CONFIG_FILES = ["config.json", "config.mjs", "config.js", "config.ts"] as const;

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}

function phpMessage(file: string): string {
  return (
    `${file} cannot be read: Sheaf does not run PHP configuration. ` +
    "Write the same options as JSON in site/config/config.json (or as a default export in config.mjs/config.js/config.ts), " +
    "for example: { \"debug\": false, \"api\": { \"basicAuth\": true } } for return ['debug' => false, 'api' => ['basicAuth' => true]];"
  );
}

async function importModule(file: string): Promise<unknown> {
  if (file.endsWith(".ts")) {
    // jiti strips the types in-process (small, no native parts); nothing is cached on disk
    const { createJiti } = await import("jiti");
    const jiti = createJiti(import.meta.url, { fsCache: false, moduleCache: false, interopDefault: true });
    return jiti.import(file, { default: true });
  }
  const module = (await import(pathToFileURL(file).href)) as { default?: unknown };
  return module.default;
}

async function readRaw(file: string): Promise<Record<string, unknown>> {
  let value: unknown;
  try {
    if (file.endsWith(".json")) {
      value = JSON.parse(await readFile(file, "utf8"));
    } else {
      value = await importModule(file);
      if (typeof value === "function") value = await (value as () => unknown)();
    }
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`${file} could not be read: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new ConfigError(`${file} must contain (or export by default) a map of options, e.g. { "debug": true }`);
  }
  return value as Record<string, unknown>;
}

/**
 * The options the environment sets over the config file, for deployments that keep one image for several sites:
 * `SHEAF_URL` (the `url` option) and `SHEAF_DEBUG`. Throws a ConfigError for a value that is not one.
 */
export function environmentOverrides(environment: Environment): Record<string, unknown> {
  const { values, problems } = readEnvironment(environment, ["SHEAF_URL", "SHEAF_DEBUG"]);
  if (problems.length) {
    const lines = problems.map(problemText);
    throw new ConfigError(problemsMessage(lines), lines);
  }
  return optionsFromEnvironment(values);
}

/**
 * Reads `<siteRoot>/site/config/config.{json,mjs,js,ts}` and validates it, with the environment's overrides
 * (config/environment.ts) over the file and `overrides` over both. Throws one ConfigError listing every problem;
 * unknown keys are warnings.
 */
export async function loadConfig(
  siteRoot: string,
  overrides: Record<string, unknown> = {},
  environment: Environment = process.env,
): Promise<LoadedConfig> {
  const dir = path.join(siteRoot, "site", "config");
  const found: string[] = [];
  for (const name of CONFIG_FILES) {
    const file = path.join(dir, name);
    if (await exists(file)) found.push(file);
  }
  const phpFile = path.join(dir, "config.php");
  const hasPhp = await exists(phpFile);
  const warnings: string[] = [];

  if (found.length === 0 && hasPhp) throw new ConfigError(phpMessage(phpFile));
  if (hasPhp) warnings.push(`${phpFile} is ignored: Sheaf does not run PHP; ${found[0]} is used instead.`);
  if (found.length > 1)
    warnings.push(`Several config files found; ${found[0]} is used, ignoring ${found.slice(1).join(", ")}.`);

  const source = found[0] ?? null;
  const raw = source ? await readRaw(source) : {};
  const outcome = checkOptions(raw, environment, overrides);
  // what the file says is named with the file; what the environment says names its variable
  const inFile = (subject: string): boolean =>
    source !== null && subject.startsWith("option") && !subject.includes("(from ");
  if (!outcome.options) {
    const lines = outcome.problems.map((problem) =>
      inFile(problem.subject) ? `${source}: ${problemText(problem)}` : problemText(problem),
    );
    throw new ConfigError(problemsMessage(lines), lines);
  }
  const unknown = outcome.warnings.map((warning) => (source ? `${source}: ${warning}` : warning));
  return { options: outcome.options, source, warnings: [...warnings, ...unknown] };
}
