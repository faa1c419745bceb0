/** The condition language of deviation rules (`match`): validation and evaluation. */

import {
  deepEqual,
  getAtPath,
  isJsonObject,
  JSON_TYPE_NAMES,
  jsonTypeOf,
  type Json,
  type JsonTypeName,
} from "./json.js";

export interface Condition {
  path?: (string | number)[];
  exists?: boolean;
  equals?: Json;
  not_equals?: Json;
  in?: Json[];
  not_in?: Json[];
  regex?: RegExp;
  type?: JsonTypeName;
  has?: string;
  lacks?: string;
  allOf?: Condition[];
  anyOf?: Condition[];
  not?: Condition;
}

export class RuleFormatError extends Error {}

const TEST_KEYS = ["exists", "equals", "not_equals", "in", "not_in", "regex", "type", "has", "lacks"] as const;
const CONDITION_KEYS = new Set<string>(["path", "flags", "allOf", "anyOf", "not", ...TEST_KEYS]);

function fail(where: string, problem: string): never {
  throw new RuleFormatError(`${where}: ${problem}`);
}

/** Validates one condition (unknown keys are errors, so a typo cannot silently disable a rule). */
export function parseCondition(raw: unknown, where: string): Condition {
  if (!isJsonObject(raw)) fail(where, "a condition must be an object");
  for (const key of Object.keys(raw)) if (!CONDITION_KEYS.has(key)) fail(where, `unknown condition key "${key}"`);
  const condition: Condition = {};
  const tests = TEST_KEYS.filter((key) => Object.hasOwn(raw, key));
  if (raw["path"] !== undefined) {
    const path = raw["path"];
    if (!Array.isArray(path) || !path.every((k) => typeof k === "string" || typeof k === "number")) {
      fail(where, "path must be a list of keys");
    }
    if (tests.length === 0) fail(where, "a path needs a test (exists, equals, regex, …)");
    condition.path = path as (string | number)[];
  } else if (tests.length > 0) {
    fail(where, "a test needs a path");
  }
  if (raw["flags"] !== undefined && raw["regex"] === undefined) fail(where, "flags without regex");
  for (const key of tests) {
    const value = raw[key] as Json;
    switch (key) {
      case "exists":
        if (typeof value !== "boolean") fail(where, "exists must be true or false");
        condition.exists = value;
        break;
      case "equals":
        condition.equals = value;
        break;
      case "not_equals":
        condition.not_equals = value;
        break;
      case "in":
      case "not_in":
        if (!Array.isArray(value)) fail(where, `${key} must be a list`);
        condition[key] = value;
        break;
      case "regex": {
        const flags = raw["flags"] ?? "";
        if (typeof value !== "string" || typeof flags !== "string") fail(where, "regex and flags must be strings");
        try {
          condition.regex = new RegExp(value, flags);
        } catch (error) {
          fail(where, `bad regex: ${(error as Error).message}`);
        }
        break;
      }
      case "type":
        if (typeof value !== "string" || !JSON_TYPE_NAMES.includes(value as JsonTypeName)) {
          fail(where, `type must be one of ${JSON_TYPE_NAMES.join("|")}`);
        }
        condition.type = value as JsonTypeName;
        break;
      case "has":
      case "lacks":
        if (typeof value !== "string") fail(where, `${key} must be a key name`);
        condition[key] = value;
        break;
    }
  }
  for (const key of ["allOf", "anyOf"] as const) {
    const list = raw[key];
    if (list === undefined) continue;
    if (!Array.isArray(list)) fail(where, `${key} must be a list of conditions`);
    condition[key] = list.map((item, i) => parseCondition(item, `${where}.${key}[${i}]`));
  }
  if (raw["not"] !== undefined) condition.not = parseCondition(raw["not"], `${where}.not`);
  if (Object.keys(condition).length === 0) fail(where, "empty condition");
  return condition;
}

/** A match root is a condition or a list of conditions that must all hold. */
export function parseConditionList(raw: unknown, where: string): Condition[] {
  return Array.isArray(raw)
    ? raw.map((item, i) => parseCondition(item, `${where}[${i}]`))
    : [parseCondition(raw, where)];
}

function hasKey(value: unknown, key: string): boolean {
  return (isJsonObject(value) || Array.isArray(value)) && Object.hasOwn(value, key);
}

/** Evaluates a condition. Every test and combinator present must hold. */
export function evaluateCondition(condition: Condition, root: unknown): boolean {
  if (condition.path !== undefined) {
    const value = getAtPath(root, condition.path);
    const present = value !== undefined;
    if (condition.exists !== undefined && condition.exists !== present) return false;
    if (Object.hasOwn(condition, "equals") && !(present && deepEqual(value, condition.equals))) return false;
    if (Object.hasOwn(condition, "not_equals") && present && deepEqual(value, condition.not_equals)) return false;
    if (condition.in !== undefined && !(present && condition.in.some((item) => deepEqual(value, item)))) return false;
    if (condition.not_in !== undefined && present && condition.not_in.some((item) => deepEqual(value, item)))
      return false;
    if (condition.regex !== undefined) {
      if (typeof value !== "string") return false;
      condition.regex.lastIndex = 0;
      if (!condition.regex.test(value)) return false;
    }
    if (condition.type !== undefined && jsonTypeOf(value) !== condition.type) return false;
    if (condition.has !== undefined && !hasKey(value, condition.has)) return false;
    if (condition.lacks !== undefined && hasKey(value, condition.lacks)) return false;
  }
  if (condition.allOf !== undefined && !condition.allOf.every((c) => evaluateCondition(c, root))) return false;
  if (condition.anyOf !== undefined && !condition.anyOf.some((c) => evaluateCondition(c, root))) return false;
  if (condition.not !== undefined && evaluateCondition(condition.not, root)) return false;
  return true;
}
