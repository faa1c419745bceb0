import { type Static, Type } from "@sinclair/typebox";
import "./schema-kit.js";
import { type ConfigProblem, collectProblems } from "./validate.js";

/**
 * The environment variables Sheaf reads, declared and checked like the options: deployments that keep one image for
 * several sites set the public URL, debug mode, the listen address and secrets here instead of in the config file.
 */

export type Environment = Readonly<Record<string, string | undefined>>;

const FLAG_WORDS = { "1": true, true: true, yes: true, on: true, "0": false, false: false, no: false, off: false };

const PortText = Type.String({ pattern: "^[0-9]{1,5}$", format: "sheaf-port", expected: "a port number 0–65535" });

export const EnvironmentSchema = Type.Object({
  /** The port of `sheaf serve` (after `--port`). */
  SHEAF_PORT: Type.Optional(PortText),
  /** The port platforms assign (after `SHEAF_PORT`). */
  PORT: Type.Optional(PortText),
  /** The address `sheaf serve` listens on (after `--host`). */
  SHEAF_HOST: Type.Optional(Type.String({ maxLength: 255, pattern: "^[^\\s/]+$", expected: "a host name or address" })),
  /** The `url` option. */
  SHEAF_URL: Type.Optional(Type.String({ maxLength: 4096 })),
  /** The `debug` option. */
  SHEAF_DEBUG: Type.Optional(
    Type.Union(
      Object.keys(FLAG_WORDS).map((word) => Type.Literal(word)),
      { expected: "true or false (or 1 or 0)" },
    ),
  ),
  /** `email.transport.password`, kept out of the config file. */
  SHEAF_SMTP_PASSWORD: Type.Optional(Type.String({ maxLength: 4096, secret: true })),
});

type Variables = Static<typeof EnvironmentSchema>;
export type VariableName = keyof Variables;

export const ENVIRONMENT_VARIABLES = Object.keys(EnvironmentSchema.properties) as readonly VariableName[];

/** The options each variable sets, so a problem with the value says where it came from. */
export const OPTION_OF_VARIABLE = {
  SHEAF_URL: "url",
  SHEAF_DEBUG: "debug",
  SHEAF_SMTP_PASSWORD: "email.transport.password",
} as const satisfies Partial<Record<VariableName, string>>;

export interface EnvironmentReading {
  readonly values: Partial<Variables>;
  readonly problems: readonly ConfigProblem[];
}

/** The given variables that are set (blank counts as unset), checked; a wrong one is a problem and left out. */
export function readEnvironment(environment: Environment, names: readonly VariableName[]): EnvironmentReading {
  const given: Record<string, string> = {};
  for (const name of names) {
    const value = environment[name]?.trim();
    if (value) given[name] = name === "SHEAF_DEBUG" ? value.toLowerCase() : value;
  }
  const problems = collectProblems(EnvironmentSchema, given, (path) => `environment variable "${path}"`);
  for (const problem of problems) delete given[problem.path];
  return { values: given as Partial<Variables>, problems };
}

/** `SHEAF_DEBUG`'s word as the boolean it stands for. */
export function flagValue(word: string): boolean {
  return FLAG_WORDS[word as keyof typeof FLAG_WORDS] === true;
}

/** The options the environment sets over a config file (`SHEAF_URL`, `SHEAF_DEBUG`), in dotted form. */
export function optionsFromEnvironment(values: Partial<Variables>): Record<string, unknown> {
  const overrides: Record<string, unknown> = {};
  if (values.SHEAF_URL !== undefined) overrides["url"] = values.SHEAF_URL;
  if (values.SHEAF_DEBUG !== undefined) overrides["debug"] = flagValue(values.SHEAF_DEBUG);
  return overrides;
}

export interface ListenSettings {
  readonly port: number;
  readonly host: string;
  readonly problems: readonly ConfigProblem[];
}

/**
 * Where `sheaf serve` listens: `--port`, else `SHEAF_PORT`, else `PORT` (what platforms that assign the port set),
 * else 8080; `--host`, else `SHEAF_HOST`, else 127.0.0.1. Only the variables that decide are checked.
 */
export function listenSettings(given: { port?: number; host?: string }, environment: Environment): ListenSettings {
  const names: VariableName[] = [];
  if (given.port === undefined) names.push(environment["SHEAF_PORT"]?.trim() ? "SHEAF_PORT" : "PORT");
  if (given.host === undefined) names.push("SHEAF_HOST");
  const { values, problems } = readEnvironment(environment, names);
  const portText = values.SHEAF_PORT ?? values.PORT;
  return {
    port: given.port ?? (portText === undefined ? 8080 : Number(portText)),
    host: given.host ?? values.SHEAF_HOST ?? "127.0.0.1",
    problems,
  };
}
