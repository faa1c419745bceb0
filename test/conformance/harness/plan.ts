/**
 * Applies deviation rules to a scenario: for every step, the request to send and the response to expect.
 * Planning is static (it does not depend on live answers), so it can be listed and unit-tested.
 */

import { evaluateCondition, type Condition } from "./conditions.js";
import {
  RuleFormatError,
  type DeviationRule,
  type DeviationSet,
  type ExpectEffect,
  type RequestEffect,
} from "./deviations.js";
import {
  applyBodyPatch,
  applyHeaderEffect,
  cloneExpected,
  expectationFromRecorded,
  fingerprint,
  toExpectedValue,
  type Expectation,
} from "./expectation.js";
import { stepLabel, type GoldenFile, type GoldenRequest, type GoldenResponse, type GoldenStep } from "./golden.js";
import { getAtPath, isJsonObject, type Json, type JsonObject } from "./json.js";
import { parseTemplate, relabel } from "./placeholders.js";
import { matchesScenarioSelector } from "./selectors.js";

export interface StepPlan {
  /** 1-based. */
  index: number;
  label: string;
  recorded: GoldenStep;
  /** The request to send; placeholders are still unresolved. */
  request: GoldenRequest;
  expect: Expectation;
  /** Reason, when the step is not sent. */
  skip: string | null;
  sleepBefore: number;
  /** Ids of the rules that selected the step. */
  matchedRules: string[];
  /** Ids of the selecting rules that changed something (request, expectation, sleep, skip) or flag ambiguity. */
  rules: string[];
  /** True when a rule changed the request or the expectation (a pass is then DEVIATION-OK). */
  changed: boolean;
  ambiguous: string[];
  notes: string[];
}

export interface PlanOptions {
  /** 1-based step numbers not to send, with the reason (the scenario table's skips). */
  extraSkips?: ReadonlyMap<number, string>;
}

const LOGIN_PATH = "/api/auth/login";

function pathOnly(path: string): string {
  const q = path.indexOf("?");
  return q === -1 ? path : path.slice(0, q);
}

function headerValue(headers: Record<string, string>, name: string): string | undefined {
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

function mediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

/** Labels N of the sessions a request carries: `kirby_session=<session-cookie#N>`, `Session <session-token#N>`. */
export function requestSessionLabels(headers: Record<string, string>): string[] {
  const labels: string[] = [];
  const cookie = headerValue(headers, "cookie");
  if (cookie !== undefined) {
    for (const pair of cookie.split(";")) {
      const [name, ...rest] = pair.split("=");
      if (name?.trim() !== "kirby_session") continue;
      const parts = parseTemplate(rest.join("=").trim());
      const only = parts.length === 1 ? parts[0] : undefined;
      if (only?.type === "numbered" && only.kind === "session-cookie") labels.push(only.label);
    }
  }
  const authorization = headerValue(headers, "authorization");
  const session =
    authorization === undefined ? null : /^\s*Session\s+<session-token#([^<>\s#]+)>\s*$/i.exec(authorization);
  if (session?.[1] !== undefined) labels.push(session[1]);
  return labels;
}

function setCookieSessionLabels(expect: Expectation): string[] {
  const spec = expect.headers["set-cookie"];
  if (spec?.kind !== "values") return [];
  const labels: string[] = [];
  for (const line of spec.values) {
    const first = (line.split(";")[0] ?? "").trim();
    if (!first.startsWith("kirby_session=")) continue;
    for (const part of parseTemplate(first.slice("kirby_session=".length))) {
      if (part.type === "numbered" && part.kind === "session-cookie") labels.push(part.label);
    }
  }
  return labels;
}

function lowerCaseHeaders(headers: Record<string, string | string[]>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = value;
  return out;
}

function bodyKind(body: Json): "json" | "string" | "none" {
  if (body === null) return "none";
  return typeof body === "string" ? "string" : "json";
}

function isValidJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The `request` match root, built from the recorded request. */
export function requestMatchRoot(request: GoldenRequest, preLoginSession: boolean): JsonObject {
  const root: JsonObject = {
    method: request.method,
    path: request.path,
    path_only: pathOnly(request.path),
    headers: lowerCaseHeaders(request.headers) as JsonObject,
    body: request.body,
    body_kind: bodyKind(request.body),
    pre_login_session: preLoginSession,
  };
  const q = request.path.indexOf("?");
  if (q !== -1) root["query"] = request.path.slice(q + 1);
  if (typeof request.body === "string") root["body_valid_json"] = isValidJson(request.body);
  else if (request.body !== null) root["body_valid_json"] = true;
  const media = mediaType(headerValue(request.headers, "content-type"));
  if (media !== undefined) root["media_type"] = media;
  return root;
}

/** The `golden` match root, built from the recorded response. */
export function goldenMatchRoot(response: GoldenResponse): JsonObject {
  const headers = lowerCaseHeaders(response.headers);
  const root: JsonObject = { status: response.status, headers: headers as JsonObject, body: response.body };
  if (response.body_raw !== undefined) root["body_raw"] = response.body_raw;
  const contentType = headers["content-type"];
  const media = mediaType(Array.isArray(contentType) ? contentType[0] : contentType);
  if (media !== undefined) root["media_type"] = media;
  return root;
}

function allHold(conditions: Condition[] | undefined, root: unknown): boolean {
  return conditions === undefined || conditions.every((condition) => evaluateCondition(condition, root));
}

function ruleSelects(
  rule: DeviationRule,
  fileName: string,
  index: number,
  label: string,
  roots: Record<string, JsonObject>,
): boolean {
  if (rule.scenario !== undefined && !rule.scenario.some((s) => matchesScenarioSelector(s, fileName))) return false;
  if (rule.step !== undefined && !rule.step.includes(label)) return false;
  if (rule.index !== undefined && !rule.index.includes(index)) return false;
  const match = rule.match;
  if (match === undefined) return true;
  return (
    allHold(match.request, roots["request"]) &&
    allHold(match.golden, roots["golden"]) &&
    allHold(match.config, roots["config"]) &&
    allHold(match.step, roots["step"])
  );
}

/** Global rules (those without `scenario`) first, in file order, then the scenario rules, in file order. */
export function orderedRules(deviations: DeviationSet): DeviationRule[] {
  const global = deviations.rules.filter((r) => r.scenario === undefined);
  const specific = deviations.rules.filter((r) => r.scenario !== undefined);
  return [...global, ...specific];
}

interface ResolveContext {
  fragments: Record<string, Json>;
  golden: GoldenResponse;
  newLabel: string;
  where: string;
}

/** Resolves `$golden` and `$fragment` references, and gives `<kind#new>` its step-unique label. */
export function resolveRuleValue(value: Json, ctx: ResolveContext, depth = 0): Json {
  if (depth > 20) throw new RuleFormatError(`${ctx.where}: fragments nest too deeply`);
  if (typeof value === "string") return relabel(value, "new", ctx.newLabel);
  if (Array.isArray(value)) return value.map((item) => resolveRuleValue(item, ctx, depth));
  if (!isJsonObject(value)) return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === "$fragment") {
    const name = value["$fragment"];
    if (typeof name !== "string" || !Object.hasOwn(ctx.fragments, name)) {
      throw new RuleFormatError(`${ctx.where}: unknown fragment ${JSON.stringify(name)}`);
    }
    return resolveRuleValue(ctx.fragments[name] as Json, ctx, depth + 1);
  }
  if (keys.length === 1 && keys[0] === "$golden") {
    const path = value["$golden"];
    if (!Array.isArray(path) || !path.every((k) => typeof k === "string" || typeof k === "number")) {
      throw new RuleFormatError(`${ctx.where}: $golden needs a list of keys`);
    }
    const found = getAtPath(ctx.golden, path as (string | number)[]);
    if (found === undefined)
      throw new RuleFormatError(`${ctx.where}: $golden ${JSON.stringify(path)} is not in the recorded response`);
    return structuredClone(found as Json);
  }
  const out: JsonObject = {};
  for (const [key, item] of Object.entries(value)) out[key] = resolveRuleValue(item, ctx, depth);
  return out;
}

function applyRequestEffect(request: GoldenRequest, effect: RequestEffect, ctx: ResolveContext): void {
  if (effect.method !== undefined) request.method = effect.method;
  if (effect.path !== undefined) request.path = effect.path;
  for (const name of effect.remove_headers ?? []) {
    for (const key of Object.keys(request.headers))
      if (key.toLowerCase() === name.toLowerCase()) delete request.headers[key];
  }
  for (const [name, raw] of Object.entries(effect.set_headers ?? {})) {
    for (const key of Object.keys(request.headers))
      if (key.toLowerCase() === name.toLowerCase()) delete request.headers[key];
    const value = resolveRuleValue(raw, ctx);
    if (value === null) continue;
    if (typeof value !== "string") throw new RuleFormatError(`${ctx.where}: set_headers.${name} must be a string`);
    request.headers[name] = value;
  }
  if (Object.hasOwn(effect, "body")) request.body = resolveRuleValue(effect.body ?? null, ctx);
}

function findStep(golden: GoldenFile, ref: string | number, where: string): GoldenStep {
  const step = typeof ref === "number" ? golden.steps[ref - 1] : golden.steps.find((s) => stepLabel(s) === ref);
  if (step === undefined)
    throw new RuleFormatError(`${where}: response_from_step ${JSON.stringify(ref)} is not a step of the scenario`);
  return step;
}

/**
 * Applies one rule's `expect` effect. `response_from_step` swaps the base response and the effects that earlier
 * rules set are laid over the new base again; everything else is applied in order on top.
 */
function applyExpectEffect(state: ExpectState, effect: ExpectEffect, golden: GoldenFile, ctx: ResolveContext): void {
  if (effect.response_from_step !== undefined) {
    state.base = findStep(golden, effect.response_from_step, ctx.where).response;
  }
  const ops = state.ops;
  if (effect.status !== undefined) ops.push((e) => (e.status = effect.status as number));
  for (const [name, raw] of Object.entries(effect.headers ?? {})) {
    const spec = resolveRuleValue(raw, ctx);
    ops.push((e) => applyHeaderEffect(e, name, spec, ctx.where));
  }
  if (Object.hasOwn(effect, "body")) {
    const body = resolveRuleValue(effect.body ?? null, ctx);
    const value = toExpectedValue(body, ctx.where);
    ops.push((e) => {
      e.body = typeof body === "string" ? { kind: "text", value: body } : { kind: "json", value: cloneExpected(value) };
    });
  }
  for (const patch of effect.body_patch ?? []) {
    const value =
      patch.value === undefined ? undefined : toExpectedValue(resolveRuleValue(patch.value, ctx), ctx.where);
    ops.push((e) => applyBodyPatch(e, patch.op, patch.path, value === undefined ? undefined : cloneExpected(value)));
  }
  if (effect.body_ignore !== undefined) {
    const ignore = effect.body_ignore;
    ops.push((e) => (e.bodyIgnored = ignore));
  }
  if (Object.hasOwn(effect, "body_raw")) {
    const raw =
      effect.body_raw === undefined || effect.body_raw === null
        ? null
        : (resolveRuleValue(effect.body_raw, ctx) as string);
    ops.push((e) => (e.bodyRaw = raw));
  }
}

interface ExpectState {
  base: GoldenResponse;
  ops: ((expectation: Expectation) => void)[];
}

function compose(state: ExpectState): Expectation {
  const expectation = expectationFromRecorded(state.base);
  for (const op of state.ops) op(expectation);
  return expectation;
}

/** Plans every step of a scenario: deviation rules applied, sleeps and skips decided. */
export function planScenario(
  fileName: string,
  golden: GoldenFile,
  deviations: DeviationSet,
  options: PlanOptions = {},
): StepPlan[] {
  const rules = orderedRules(deviations);
  const preLoginLabels = new Set<string>();
  const plans: StepPlan[] = [];
  golden.steps.forEach((recorded, i) => {
    const index = i + 1;
    const label = stepLabel(recorded);
    const sessions = requestSessionLabels(recorded.request.headers);
    const requestRoot = requestMatchRoot(
      recorded.request,
      sessions.some((s) => preLoginLabels.has(s)),
    );
    const goldenRoot = goldenMatchRoot(recorded.response);
    const roots: Record<string, JsonObject> = {
      request: requestRoot,
      golden: goldenRoot,
      config: golden.config,
      step: { request: requestRoot, golden: goldenRoot, config: golden.config },
    };
    const request: GoldenRequest = { ...structuredClone(recorded.request) };
    const state: ExpectState = { base: recorded.response, ops: [] };
    const plan: StepPlan = {
      index,
      label,
      recorded,
      request,
      expect: compose(state),
      skip: null,
      sleepBefore: recorded.sleep_before ?? 0,
      matchedRules: [],
      rules: [],
      changed: false,
      ambiguous: [],
      notes: [],
    };
    const recordedPrint = fingerprint([recorded.request, plan.expect]);
    for (const rule of rules) {
      if (!ruleSelects(rule, fileName, index, label, roots)) continue;
      const ctx: ResolveContext = {
        fragments: deviations.fragments,
        golden: recorded.response,
        newLabel: `new@${index}`,
        where: `rule ${rule.id} on ${fileName} step ${index}`,
      };
      plan.matchedRules.push(rule.id);
      const before = fingerprint([request, compose(state)]);
      if (rule.request !== undefined) applyRequestEffect(request, rule.request, ctx);
      if (rule.expect !== undefined) applyExpectEffect(state, rule.expect, golden, ctx);
      const effective = fingerprint([request, compose(state)]) !== before;
      if (effective || rule.skip === true || rule.ambiguous !== undefined || rule.sleep_before !== undefined)
        plan.rules.push(rule.id);
      if (rule.skip === true) plan.skip = `${rule.id}: ${rule.reason}`;
      if (rule.sleep_before !== undefined) plan.sleepBefore = rule.sleep_before;
      if (rule.ambiguous !== undefined) plan.ambiguous.push(`${rule.id}: ${rule.ambiguous}`);
      if (rule.note !== undefined) plan.notes.push(`${rule.id}: ${rule.note}`);
    }
    plan.expect = compose(state);
    plan.changed = fingerprint([request, plan.expect]) !== recordedPrint;
    const extraSkip = options.extraSkips?.get(index);
    if (extraSkip !== undefined && plan.skip === null) plan.skip = extraSkip;

    const isLogin = request.method.toUpperCase() === "POST" && pathOnly(request.path) === LOGIN_PATH;
    if (plan.skip === null && isLogin && plan.expect.status === 200) {
      const issued = setCookieSessionLabels(plan.expect);
      for (const session of requestSessionLabels(request.headers)) {
        if (issued.some((label) => label !== session)) preLoginLabels.add(session);
      }
    }
    plans.push(plan);
  });
  return plans;
}
