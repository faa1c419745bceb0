/**
 * YAML reading for blueprints, tuned to read files the way Kirby's default parser (Spyc) does:
 * - YAML 1.1 booleans (`yes`/`no`/`on`/`off`/`true`/`false` and their case variants),
 * - dates, times and sexagesimal numbers stay strings (no `Date` objects, `12:30` is not 750),
 * - only plain decimal numbers become numbers (`0755`, `0x1F` and `1_000` stay strings),
 * - mapping keys are never converted (`yes:` and `y:` are the keys "yes" and "y", not "true"),
 * - merge keys (`<<`) work and a repeated key simply overwrites the earlier one.
 */

import { isScalar, parseDocument, visit, type ScalarTag, type Tags } from "yaml";
import { ConfigError } from "../errors.js";

const INT_TAG = "tag:yaml.org,2002:int";
const FLOAT_TAG = "tag:yaml.org,2002:float";
const TIMESTAMP_TAG = "tag:yaml.org,2002:timestamp";

const decimalInteger: ScalarTag = {
  identify: (value) => typeof value === "number" && Number.isInteger(value),
  default: true,
  tag: INT_TAG,
  test: /^[-+]?(?:0|[1-9][0-9]*)$/,
  resolve: (source) => Number(source),
};

const decimalFloat: ScalarTag = {
  identify: (value) => typeof value === "number",
  default: true,
  tag: FLOAT_TAG,
  test: /^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+|[0-9]+(?=[eE]))(?:[eE][-+]?[0-9]+)?$/,
  resolve: (source) => Number(source),
};

function tagName(tag: Tags[number]): string | undefined {
  return typeof tag === "object" ? tag.tag : undefined;
}

/** The YAML 1.1 tag set without its number and timestamp tags, plus the two plain-decimal number tags. */
function blueprintTags(defaults: Tags): Tags {
  const kept = defaults.filter((tag) => {
    const name = tagName(tag);
    return name !== INT_TAG && name !== FLOAT_TAG && name !== TIMESTAMP_TAG;
  });
  return [...kept, decimalInteger, decimalFloat];
}

/** Turns every plain mapping key back into the text it was written as (except the merge key `<<`). */
function keepKeysAsWritten(node: Parameters<typeof visit>[0]): void {
  visit(node, {
    Pair(_, pair) {
      const key = pair.key;
      if (!isScalar(key) || typeof key.value === "string") return;
      const source = key.source;
      if (typeof source !== "string" || source === "<<") return;
      key.value = source;
    },
  });
}

/**
 * Parses a blueprint YAML text. `sourceName` (usually the file path) is used in error messages.
 * Returns `null` for an empty document.
 *
 * @throws ConfigError naming the source and the line of the first syntax error.
 */
export function parseYaml(text: string, sourceName: string): unknown {
  const document = parseDocument(text, {
    version: "1.1",
    customTags: blueprintTags,
    merge: true,
    uniqueKeys: false,
    prettyErrors: true,
  });

  const firstError = document.errors[0];
  if (firstError !== undefined) {
    const line = firstError.linePos?.[0]?.line;
    const reason = firstError.message.split(/ at line \d+, column \d+/)[0]?.trim() ?? firstError.message;
    const where = line === undefined ? "" : ` on line ${line}`;
    throw new ConfigError(`Invalid YAML in ${sourceName}${where}: ${reason}`);
  }

  keepKeysAsWritten(document);
  try {
    return document.toJS({ maxAliasCount: 1000 }) as unknown;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new ConfigError(`Invalid YAML in ${sourceName}: ${reason}`);
  }
}
