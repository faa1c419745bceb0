import { Value } from "@sinclair/typebox/value";
import { ConfigError } from "../errors.js";
import { type Environment, OPTION_OF_VARIABLE, optionsFromEnvironment, readEnvironment } from "./environment.js";
import { expandDottedKeys, isPlainObject, type Raw } from "./reader.js";
import { CROSS_CHECKS, IGNORED_KIRBY_OPTIONS, OptionsInput, OptionsSchema, type SheafOptions } from "./schema.js";
import {
  type ConfigProblem,
  collectProblems,
  deepFreeze,
  describeValue,
  problemText,
  settleNulls,
  unknownKeyWarnings,
} from "./validate.js";

export { CORS_WILDCARD_CREDENTIALS_MESSAGE, type CorsOptions, corsCredentialsWithWildcard } from "./cors-option.js";
export {
  type AuthDebug,
  DEFAULT_CONTENT_IGNORE,
  LOG_LEVELS,
  type LogLevel,
  type SheafOptions,
} from "./schema.js";

/**
 * Sheaf's options under Kirby's names (docs/kirby-compat/options.md), resolved and validated once at start against
 * the schema (config/schema.ts). Raw config may use nested maps (`{ api: { basicAuth: true } }`) or dotted keys
 * (`{ "api.basicAuth": true }`).
 */

export interface ResolvedOptions {
  /** Deeply frozen. */
  readonly options: SheafOptions;
  /** Unknown keys, with the nearest known name. */
  readonly warnings: readonly string[];
}

export interface OptionsOutcome {
  readonly options: SheafOptions | null;
  readonly problems: readonly ConfigProblem[];
  readonly warnings: readonly string[];
}

const IGNORED = new Set<string>(IGNORED_KIRBY_OPTIONS);
const ENVIRONMENT_NAMES = ["SHEAF_URL", "SHEAF_DEBUG", "SHEAF_SMTP_PASSWORD"] as const;

/** The variable an option's value came from, for the problem text. */
function origin(path: string, fromEnvironment: ReadonlySet<string>): string {
  for (const [variable, option] of Object.entries(OPTION_OF_VARIABLE)) {
    if (fromEnvironment.has(variable) && (path === option || path.startsWith(`${option}[`)))
      return ` (from ${variable})`;
  }
  return "";
}

/**
 * Checks raw config and returns every problem at once, or the frozen options. Layers, later winning: `input` (the
 * config file), the environment (`SHEAF_URL`, `SHEAF_DEBUG`, `SHEAF_SMTP_PASSWORD`), `overrides` (given in code).
 */
export function checkOptions(input: Raw, environment: Environment = {}, overrides: Raw = {}): OptionsOutcome {
  const env = readEnvironment(environment, ENVIRONMENT_NAMES);
  const raw = expandDottedKeys({ ...input, ...optionsFromEnvironment(env.values), ...overrides });
  const password = env.values.SHEAF_SMTP_PASSWORD;
  const transport = isPlainObject(raw["email"]) ? raw["email"]["transport"] : undefined;
  if (password !== undefined && isPlainObject(transport)) transport["password"] = password;

  const fromEnvironment = new Set(Object.keys(env.values));
  const warnings = unknownKeyWarnings(OptionsInput, raw, IGNORED);
  settleNulls(OptionsInput, raw);
  const defaulted = Value.Default(OptionsInput, raw);
  const problems = [
    ...env.problems,
    ...collectProblems(OptionsInput, defaulted, (path) => `option "${path}"${origin(path, fromEnvironment)}`),
  ];
  if (problems.length === env.problems.length && Value.Check(OptionsInput, defaulted)) {
    for (const { option, check } of CROSS_CHECKS) {
      const problem = check(defaulted);
      if (problem)
        problems.push({
          path: option,
          subject: `option "${option}"`,
          expected: problem.expected,
          got: describeValue(problem.got),
        });
    }
  }
  if (problems.length) return { options: null, problems, warnings };
  const options = Value.Decode(OptionsSchema, Value.Clean(OptionsInput, defaulted)) as SheafOptions;
  return { options: deepFreeze(options), problems, warnings };
}

/** One problem as its line, or several as a count and a line each. */
export function problemsMessage(lines: readonly string[]): string {
  return lines.length === 1
    ? (lines[0] as string)
    : `${lines.length} problems in the configuration:\n  ${lines.join("\n  ")}`;
}

/** `checkOptions`, throwing a ConfigError that lists every problem. */
export function resolveConfig(input: Raw = {}, environment: Environment = {}, overrides: Raw = {}): ResolvedOptions {
  const outcome = checkOptions(input, environment, overrides);
  if (!outcome.options) {
    const lines = outcome.problems.map(problemText);
    throw new ConfigError(problemsMessage(lines), lines);
  }
  return { options: outcome.options, warnings: outcome.warnings };
}

/** The options of raw config, or a ConfigError listing every problem. `environment` as in `checkOptions`. */
export function resolveOptions(input: Raw = {}, environment: Environment = {}): SheafOptions {
  return resolveConfig(input, environment).options;
}
