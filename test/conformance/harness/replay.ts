/** Replays planned steps in order over a transport, capturing placeholders and judging each answer. */

import { compareResponse, type LiveResponse } from "./compare.js";
import type { Expectation } from "./expectation.js";
import {
  collectNumberedPlaceholders,
  Bindings,
  NUMBERED_KINDS,
  type NumberedKind,
  type ServerAddress,
} from "./placeholders.js";
import type { StepPlan } from "./plan.js";
import { headerRecord, prepareRequest, type OutgoingRequest } from "./request.js";

export type Outcome = "PASS" | "DEVIATION-OK" | "FAIL" | "SKIP";

export interface StepResult {
  index: number;
  label: string;
  /** What was (or would have been) sent. */
  method: string;
  path: string;
  outcome: Outcome;
  /** Live status, or null when nothing was received. */
  status: number | null;
  diffs: string[];
  warnings: string[];
  ambiguous: string[];
  /** Rules that selected the step. */
  rules: string[];
  skipReason: string | null;
}

export type Transport = (request: OutgoingRequest) => Promise<LiveResponse>;

export interface ReplayOptions extends ServerAddress {
  transport: Transport;
  sleep?: (seconds: number) => Promise<void>;
  now?: () => number;
}

const realSleep = (seconds: number) => new Promise<void>((resolve) => setTimeout(resolve, seconds * 1000));

function splitKey(key: string): [NumberedKind, string] | null {
  const hash = key.indexOf("#");
  const kind = key.slice(0, hash) as NumberedKind;
  return NUMBERED_KINDS.includes(kind) ? [kind, key.slice(hash + 1)] : null;
}

function expectationPlaceholders(expect: Expectation): Set<string> {
  const found = new Set<string>();
  for (const spec of Object.values(expect.headers))
    if (spec.kind === "values") collectNumberedPlaceholders(spec.values, found);
  collectNumberedPlaceholders(expect.body.value, found);
  if (expect.bodyRaw !== null) collectNumberedPlaceholders(expect.bodyRaw, found);
  return found;
}

/** Placeholders of the recorded response that the step will not produce are "never set" (unless bound). */
function markUnproduced(plan: StepPlan, bindings: Bindings, produced: Set<string>): void {
  const recorded = collectNumberedPlaceholders([
    plan.recorded.response.headers,
    plan.recorded.response.body,
    plan.recorded.response.body_raw ?? "",
  ]);
  for (const key of recorded) {
    if (produced.has(key)) continue;
    const parsed = splitKey(key);
    if (parsed) bindings.markNeverSet(parsed[0], parsed[1]);
  }
}

export async function replaySteps(plans: readonly StepPlan[], options: ReplayOptions): Promise<StepResult[]> {
  const bindings = new Bindings();
  const sleep = options.sleep ?? realSleep;
  const now = options.now ?? Date.now;
  let scenarioStart: number | null = null;
  const results: StepResult[] = [];
  for (const plan of plans) {
    const result: StepResult = {
      index: plan.index,
      label: plan.label,
      method: plan.request.method,
      path: plan.request.path,
      outcome: "FAIL",
      status: null,
      diffs: [],
      warnings: [],
      ambiguous: [...plan.ambiguous],
      rules: [...plan.rules],
      skipReason: null,
    };
    results.push(result);
    if (plan.skip !== null) {
      markUnproduced(plan, bindings, new Set());
      result.outcome = "SKIP";
      result.skipReason = plan.skip;
      continue;
    }
    const prepared = prepareRequest(plan.request, bindings, options);
    if (prepared.kind === "blocked") {
      result.diffs.push(prepared.reason);
      continue;
    }
    result.path = prepared.request.path;
    result.ambiguous.push(...prepared.ambiguities);
    if (plan.sleepBefore > 0) await sleep(plan.sleepBefore);
    scenarioStart ??= now();
    let live: LiveResponse;
    try {
      live = await options.transport(prepared.request);
    } catch (error) {
      result.diffs.push(`request failed: ${(error as Error).message}`);
      continue;
    }
    result.status = live.status;
    const comparison = compareResponse(plan.expect, live, {
      bindings,
      origin: options.origin,
      host: options.host,
      ageSeconds: (live.receivedAt - scenarioStart) / 1000,
      receivedAt: live.receivedAt,
      sentHeaders: headerRecord(prepared.request.headers),
    });
    markUnproduced(plan, bindings, expectationPlaceholders(plan.expect));
    result.diffs.push(...comparison.diffs);
    result.warnings.push(...comparison.warnings);
    result.outcome = result.diffs.length > 0 ? "FAIL" : plan.changed ? "DEVIATION-OK" : "PASS";
  }
  return results;
}

export function stepFailed(result: StepResult): boolean {
  return result.outcome === "FAIL";
}

/** One line per step, the README's layout, with differences and ambiguities indented below. */
export function formatStepResult(result: StepResult): string {
  const outcome = result.outcome.padEnd(13);
  const blocked = result.diffs[0]?.startsWith("blocked:") === true;
  const arrow =
    result.status !== null
      ? ` -> ${result.status}`
      : result.outcome === "SKIP"
        ? ""
        : blocked
          ? "  (blocked)"
          : " -> no answer";
  let line = `  ${outcome} ${result.index} ${result.label}  ${result.method} ${result.path}${arrow}`;
  if (result.outcome === "SKIP" && result.skipReason !== null) line += `  (${result.skipReason})`;
  else if (result.rules.length > 0) line += `  [${result.rules.join(", ")}]`;
  const lines = [line];
  for (const diff of result.diffs) lines.push(`      ${diff}`);
  for (const warning of result.warnings) lines.push(`      warning: ${warning}`);
  for (const note of result.ambiguous) lines.push(`      AMBIGUOUS: ${note}`);
  return lines.join("\n");
}

export function summarise(results: readonly StepResult[]): { passed: number; failed: number; skipped: number } {
  return {
    passed: results.filter((r) => r.outcome === "PASS" || r.outcome === "DEVIATION-OK").length,
    failed: results.filter(stepFailed).length,
    skipped: results.filter((r) => r.outcome === "SKIP").length,
  };
}
