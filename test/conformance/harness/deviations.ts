/** Deviation files: validation into typed rules, and which rules select a given step. */

import { parseConditionList, RuleFormatError, type Condition } from "./conditions.js";
import { isJsonObject, type Json, type JsonObject } from "./json.js";

export { RuleFormatError } from "./conditions.js";

export interface BodyPatchOp {
  op: "remove" | "set" | "type_only";
  path: (string | number)[];
  value?: Json;
}

export interface RequestEffect {
  method?: string;
  path?: string;
  set_headers?: Record<string, Json>;
  remove_headers?: string[];
  /** Present (possibly `null`) when the rule replaces the body. */
  body?: Json;
}

export interface ExpectEffect {
  status?: number;
  headers?: Record<string, Json>;
  body?: Json;
  body_patch?: BodyPatchOp[];
  body_ignore?: boolean;
  /** A string, or `null` to drop the raw check. */
  body_raw?: string | null;
  response_from_step?: string | number;
}

export interface MatchSpec {
  request?: Condition[];
  golden?: Condition[];
  config?: Condition[];
  step?: Condition[];
}

export interface DeviationRule {
  id: string;
  reason: string;
  scenario?: (string | number)[];
  step?: string[];
  index?: number[];
  match?: MatchSpec;
  skip?: boolean;
  request?: RequestEffect;
  expect?: ExpectEffect;
  sleep_before?: number;
  ambiguous?: string;
  note?: string;
}

export interface DeviationSet {
  description?: string;
  fragments: Record<string, Json>;
  rules: DeviationRule[];
}

function fail(where: string, problem: string): never {
  throw new RuleFormatError(`${where}: ${problem}`);
}

function checkKeys(raw: JsonObject, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(raw)) if (!allowed.includes(key)) fail(where, `unknown key "${key}"`);
}

function asList<T>(
  raw: Json | undefined,
  isItem: (v: Json) => v is Json & T,
  where: string,
  what: string,
): T[] | undefined {
  if (raw === undefined) return undefined;
  const list = Array.isArray(raw) ? raw : [raw];
  if (!list.every(isItem)) fail(where, `must be ${what} or a list of them`);
  return list as T[];
}

const isString = (v: Json): v is string => typeof v === "string";
const isSelector = (v: Json): v is string | number => typeof v === "string" || typeof v === "number";
const isIndex = (v: Json): v is number => typeof v === "number" && Number.isInteger(v) && v >= 1;

function parseRequestEffect(raw: Json, where: string): RequestEffect {
  if (!isJsonObject(raw)) fail(where, "must be an object");
  checkKeys(raw, ["method", "path", "set_headers", "remove_headers", "body"], where);
  const effect: RequestEffect = {};
  if (raw["method"] !== undefined) {
    if (typeof raw["method"] !== "string") fail(where, "method must be a string");
    effect.method = raw["method"];
  }
  if (raw["path"] !== undefined) {
    if (typeof raw["path"] !== "string") fail(where, "path must be a string");
    effect.path = raw["path"];
  }
  if (raw["set_headers"] !== undefined) {
    if (!isJsonObject(raw["set_headers"])) fail(where, "set_headers must be an object");
    effect.set_headers = raw["set_headers"];
  }
  if (raw["remove_headers"] !== undefined) {
    effect.remove_headers = asList(raw["remove_headers"], isString, where + ".remove_headers", "a header name");
  }
  if (Object.hasOwn(raw, "body")) effect.body = raw["body"] ?? null;
  return effect;
}

function parsePatchOp(raw: Json, where: string): BodyPatchOp {
  if (!isJsonObject(raw)) fail(where, "must be an object");
  checkKeys(raw, ["op", "path", "value"], where);
  const op = raw["op"];
  if (op !== "remove" && op !== "set" && op !== "type_only") fail(where, 'op must be "remove", "set" or "type_only"');
  const path = raw["path"];
  if (!Array.isArray(path) || !path.every((k) => typeof k === "string" || typeof k === "number")) {
    fail(where, "path must be a list of keys");
  }
  if (op === "set" && !Object.hasOwn(raw, "value")) fail(where, "set needs a value");
  const patch: BodyPatchOp = { op, path: path as (string | number)[] };
  if (Object.hasOwn(raw, "value")) patch.value = raw["value"] ?? null;
  return patch;
}

function parseExpectEffect(raw: Json, where: string): ExpectEffect {
  if (!isJsonObject(raw)) fail(where, "must be an object");
  checkKeys(raw, ["status", "headers", "body", "body_patch", "body_ignore", "body_raw", "response_from_step"], where);
  const effect: ExpectEffect = {};
  if (raw["status"] !== undefined) {
    if (typeof raw["status"] !== "number") fail(where, "status must be a number");
    effect.status = raw["status"];
  }
  if (raw["headers"] !== undefined) {
    if (!isJsonObject(raw["headers"])) fail(where, "headers must be an object");
    const headers: Record<string, Json> = {};
    for (const [name, value] of Object.entries(raw["headers"])) headers[name.toLowerCase()] = value;
    effect.headers = headers;
  }
  if (Object.hasOwn(raw, "body")) effect.body = raw["body"] ?? null;
  if (raw["body_patch"] !== undefined) {
    const ops = raw["body_patch"];
    if (!Array.isArray(ops)) fail(where, "body_patch must be a list");
    effect.body_patch = ops.map((op, i) => parsePatchOp(op, `${where}.body_patch[${i}]`));
  }
  if (raw["body_ignore"] !== undefined) {
    if (typeof raw["body_ignore"] !== "boolean") fail(where, "body_ignore must be true or false");
    effect.body_ignore = raw["body_ignore"];
  }
  if (Object.hasOwn(raw, "body_raw")) {
    const value = raw["body_raw"];
    if (value !== null && typeof value !== "string") fail(where, "body_raw must be a string or null");
    effect.body_raw = value;
  }
  if (raw["response_from_step"] !== undefined) {
    const from = raw["response_from_step"];
    if (typeof from !== "string" && !isIndex(from))
      fail(where, "response_from_step must be a step name or a 1-based index");
    effect.response_from_step = from;
  }
  return effect;
}

function parseMatch(raw: Json, where: string): MatchSpec {
  if (!isJsonObject(raw)) fail(where, "must be an object");
  checkKeys(raw, ["request", "golden", "config", "step"], where);
  const spec: MatchSpec = {};
  for (const root of ["request", "golden", "config", "step"] as const) {
    if (raw[root] !== undefined) spec[root] = parseConditionList(raw[root], `${where}.${root}`);
  }
  return spec;
}

const RULE_KEYS = [
  "id",
  "reason",
  "scenario",
  "step",
  "index",
  "match",
  "skip",
  "request",
  "expect",
  "sleep_before",
  "ambiguous",
  "note",
];

function parseRule(raw: Json, where: string): DeviationRule {
  if (!isJsonObject(raw)) fail(where, "a rule must be an object");
  checkKeys(raw, RULE_KEYS, where);
  const id = raw["id"];
  const reason = raw["reason"];
  if (typeof id !== "string" || id === "") fail(where, "id is required");
  if (typeof reason !== "string" || reason === "") fail(`${where} (${id})`, "reason is required");
  const at = `rule ${id}`;
  const rule: DeviationRule = { id, reason };
  const scenario = asList(raw["scenario"], isSelector, at + ".scenario", "a file name, glob or number");
  if (scenario !== undefined) rule.scenario = scenario;
  const step = asList(raw["step"], isString, at + ".step", "a step name");
  if (step !== undefined) rule.step = step;
  const index = asList(raw["index"], isIndex, at + ".index", "a 1-based step number");
  if (index !== undefined) rule.index = index;
  if (raw["match"] !== undefined) rule.match = parseMatch(raw["match"], at + ".match");
  if (raw["skip"] !== undefined) {
    if (typeof raw["skip"] !== "boolean") fail(at, "skip must be true or false");
    rule.skip = raw["skip"];
  }
  if (raw["request"] !== undefined) rule.request = parseRequestEffect(raw["request"], at + ".request");
  if (raw["expect"] !== undefined) rule.expect = parseExpectEffect(raw["expect"], at + ".expect");
  if (raw["sleep_before"] !== undefined) {
    if (typeof raw["sleep_before"] !== "number" || raw["sleep_before"] < 0)
      fail(at, "sleep_before must be a number ≥ 0");
    rule.sleep_before = raw["sleep_before"];
  }
  for (const key of ["ambiguous", "note"] as const) {
    if (raw[key] === undefined) continue;
    const text = raw[key];
    if (typeof text !== "string") fail(at, `${key} must be a text`);
    rule[key] = text;
  }
  return rule;
}

function checkFragmentReferences(value: unknown, fragments: Record<string, Json>, where: string): void {
  if (Array.isArray(value)) {
    for (const item of value) checkFragmentReferences(item, fragments, where);
  } else if (isJsonObject(value)) {
    const name = value["$fragment"];
    if (name !== undefined && (typeof name !== "string" || !Object.hasOwn(fragments, name))) {
      fail(where, `unknown fragment ${JSON.stringify(name)}`);
    }
    for (const item of Object.values(value)) checkFragmentReferences(item, fragments, where);
  }
}

/** Validates a parsed deviations file. Unknown keys anywhere are errors. */
export function parseDeviations(raw: unknown): DeviationSet {
  if (!isJsonObject(raw)) fail("deviations", "must be a JSON object");
  checkKeys(raw, ["description", "applies_to", "fragments", "rules"], "deviations");
  const fragments = raw["fragments"] ?? {};
  if (!isJsonObject(fragments)) fail("deviations", "fragments must be an object");
  const rulesRaw = raw["rules"] ?? [];
  if (!Array.isArray(rulesRaw)) fail("deviations", "rules must be a list");
  const rules = rulesRaw.map((rule, i) => parseRule(rule, `rules[${i}]`));
  const ids = new Set<string>();
  for (const rule of rules) {
    if (ids.has(rule.id)) fail(`rule ${rule.id}`, "duplicate id");
    ids.add(rule.id);
    checkFragmentReferences(rule, fragments, `rule ${rule.id}`);
  }
  const set: DeviationSet = { fragments, rules };
  if (typeof raw["description"] === "string") set.description = raw["description"];
  return set;
}
