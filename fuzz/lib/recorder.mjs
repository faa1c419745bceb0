// Counts, failure groups with reproducers, the JSON report and the printed summary.

import { excerpt, givesNewSession, isCsrfRequest } from "./checks.mjs";
import { isSessionCaller } from "./callers.mjs";

const MAX_STORED_FAILURES = 5000;
/** Checks that are reported but are not failures: Kirby answers the same way. */
export const NOT_FAILURES = new Set();
const EXAMPLES_PER_GROUP = 3;
const SLOWEST_KEPT = 10;
const MAX_VALUE_CHARS = 300;

/** A string safe for JSON and short enough to read; Buffers that are not UTF-8 as base64. */
function printable(value) {
  if (Buffer.isBuffer(value)) {
    const text = value.toString("utf8");
    if (Buffer.from(text, "utf8").equals(value)) return printable(text);
    return { base64: value.subarray(0, 2048).toString("base64"), bytes: value.length };
  }
  const text = String(value);
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}… (${text.length} chars)` : text;
}

function reproducer(plan, result, failure, seed) {
  const first = result?.responses[0];
  return {
    check: failure.check,
    detail: failure.detail,
    index: plan.index,
    replay: `npm run fuzz -- --seed ${seed} --only ${plan.index}`,
    caller: plan.caller,
    method: plan.method,
    effectiveMethod: plan.effectiveMethod,
    route: plan.route,
    target: printable(plan.target),
    headers: plan.headers?.map(([name, value]) => [name, printable(value)]),
    bodyPrefix: plan.body ? printable(plan.body.subarray(0, 512)) : null,
    // poisoned fields come last in a body, so its end is kept too
    bodySuffix:
      plan.body && plan.body.length > 512
        ? printable(plan.body.subarray(Math.max(512, plan.body.length - 256)))
        : undefined,
    bodyBytes: plan.body ? plan.body.length : 0,
    rawPrefix: plan.payload ? plan.payload.map((piece) => printable(piece.subarray(0, 512))) : undefined,
    labels: plan.labels,
    poison: plan.poison ?? null,
    status: first?.status ?? null,
    outcome: result?.outcome ?? null,
    response: first ? excerpt(first.body, 300) : null,
    ...(failure.debug ? { debug: failure.debug } : {}),
  };
}

/** An exception message without the request's values, so one bug makes one group. */
function messageShape(message) {
  const firstLine = String(message).split("\n")[0] ?? "";
  return firstLine
    .replace(/"[^"]*"/g, '"…"')
    .replace(/: .*$/, ": …")
    .slice(0, 100);
}

function signatureOf(plan, result, failure) {
  const first = result?.responses[0];
  const outcome = first ? String(first.status) : (result?.outcome ?? "-");
  const leakKind =
    failure.check === "leak"
      ? ` ${failure.detail.split(":")[0]}`
      : failure.debug?.message
        ? ` ${messageShape(failure.debug.message)}`
        : "";
  return `${failure.check}${leakKind} | ${plan?.effectiveMethod ?? "-"} ${plan?.route ?? "-"} | ${outcome}`;
}

export class Recorder {
  constructor(options) {
    this.options = options;
    this.requests = 0;
    this.statuses = new Map();
    this.callers = new Map();
    this.checks = new Map();
    this.groups = new Map();
    this.stored = [];
    this.sessionsGrantedToCsrf = 0;
    this.sessionsGrantedToSessionCallers = 0;
    this.sessionsGrantedFlagged = 0;
    this.slowloris = null;
    this.health = null;
    this.newSessionFiles = null;
    this.serverLog = [];
    /** The slowest answered requests (a hint of expensive inputs), and the server's memory before and after. */
    this.slowest = [];
    this.memory = null;
  }

  noteLatency(plan, result) {
    if (this.slowest.length >= SLOWEST_KEPT && result.elapsedMs <= this.slowest.at(-1).elapsedMs) return;
    this.slowest.push({
      elapsedMs: result.elapsedMs,
      index: plan.index,
      route: `${plan.effectiveMethod} ${plan.route}`,
      outcome: result.outcome,
      labels: plan.labels,
    });
    this.slowest.sort((a, b) => b.elapsedMs - a.elapsedMs);
    this.slowest.length = Math.min(this.slowest.length, SLOWEST_KEPT);
  }

  record(plan, result, failures) {
    this.requests++;
    this.noteLatency(plan, result);
    bump(this.callers, plan.caller);
    if (result.responses.length === 0) bump(this.statuses, `no answer (${result.outcome})`);
    for (const response of result.responses) bump(this.statuses, String(response.status));
    const first = result.responses[0];
    if (first && plan.kind === "http" && givesNewSession(first)) {
      if (isSessionCaller(plan.caller)) this.sessionsGrantedToSessionCallers++;
      else if (isCsrfRequest(plan)) this.sessionsGrantedToCsrf++;
      else this.sessionsGrantedFlagged++;
    }
    for (const failure of failures) this.fail(failure, plan, result);
  }

  /** Records a failure; `plan` and `result` are absent for failures of the run as a whole. */
  fail(failure, plan = null, result = null) {
    bump(this.checks, failure.check);
    const signature = plan ? signatureOf(plan, result, failure) : `${failure.check} | run`;
    const entry = plan
      ? reproducer(plan, result, failure, this.options.seed)
      : { check: failure.check, detail: failure.detail, ...(failure.examples ? { examples: failure.examples } : {}) };
    const group = this.groups.get(signature) ?? { signature, check: failure.check, count: 0, examples: [] };
    group.count++;
    if (group.examples.length < EXAMPLES_PER_GROUP) group.examples.push(entry);
    this.groups.set(signature, group);
    if (this.stored.length < MAX_STORED_FAILURES) this.stored.push(entry);
  }

  failureCount() {
    return [...this.checks.entries()].reduce((sum, [check, count]) => sum + (NOT_FAILURES.has(check) ? 0 : count), 0);
  }

  report({ durationMs, root }) {
    return {
      seed: this.options.seed,
      requestsPlanned: this.options.only !== null ? 1 : this.options.requests,
      requestsSent: this.requests,
      concurrency: this.options.concurrency,
      durationMs,
      site: root,
      statuses: Object.fromEntries(sorted(this.statuses)),
      callers: Object.fromEntries(sorted(this.callers)),
      checks: Object.fromEntries(sorted(this.checks)),
      sessions: {
        newFiles: this.newSessionFiles,
        grantedToAnonymousCsrf: this.sessionsGrantedToCsrf,
        grantedToSessionCallers: this.sessionsGrantedToSessionCallers,
        grantedToOthers: this.sessionsGrantedFlagged,
      },
      slowloris: this.slowloris,
      slowest: this.slowest,
      memory: this.memory,
      health: this.health,
      groups: [...this.groups.values()].sort((a, b) => b.count - a.count),
      failures: this.stored,
      failuresTruncated: this.failureCount() > this.stored.length,
      serverLog: this.serverLog,
    };
  }

  summary({ durationMs, reportFile }) {
    const lines = [];
    lines.push(
      `Sheaf fuzz: seed ${this.options.seed}, ${this.requests} requests, concurrency ${this.options.concurrency}, ${(durationMs / 1000).toFixed(1)} s`,
    );
    lines.push(
      `statuses: ${sorted(this.statuses)
        .map(([status, count]) => `${status}=${count}`)
        .join("  ")}`,
    );
    lines.push(
      `callers:  ${sorted(this.callers)
        .map(([caller, count]) => `${caller}=${count}`)
        .join("  ")}`,
    );
    if (this.slowloris)
      lines.push(
        `slowloris: GET /api/site answered ${this.slowloris.health.status} in ${this.slowloris.health.elapsedMs} ms with ${this.slowloris.connections} slow connections open`,
      );
    if (this.health) lines.push(`final health: ${this.health.status} in ${this.health.elapsedMs} ms`);
    const slowest = this.slowest[0];
    if (slowest)
      lines.push(`slowest request: #${slowest.index} ${slowest.route} ${slowest.elapsedMs} ms (${slowest.outcome})`);
    if (this.memory)
      lines.push(`server memory (RSS): ${this.memory.beforeMb} MB before, ${this.memory.afterMb} MB after`);
    lines.push(this.failureCount() === 0 ? "no failures" : `FAILURES: ${this.failureCount()}`);
    if (this.checks.size > 0) {
      lines.push(
        `checks: ${sorted(this.checks)
          .map(([check, count]) => `${check}=${count}${NOT_FAILURES.has(check) ? " (not a failure)" : ""}`)
          .join("  ")}`,
      );
      const exceptions = new Map();
      for (const group of this.groups.values()) {
        if (group.check !== "5xx") continue;
        const shape = messageShape(group.examples[0]?.debug?.message ?? "(no debug message)");
        exceptions.set(shape, (exceptions.get(shape) ?? 0) + group.count);
      }
      if (exceptions.size)
        lines.push(
          `5xx by exception: ${sorted(exceptions)
            .map(([shape, count]) => `${count}× ${shape}`)
            .join("  |  ")}`,
        );
      const failuresFirst = [...this.groups.values()].sort(
        (a, b) => Number(NOT_FAILURES.has(a.check)) - Number(NOT_FAILURES.has(b.check)) || b.count - a.count,
      );
      for (const group of failuresFirst.slice(0, 40)) {
        const example = group.examples[0];
        lines.push(`  ${String(group.count).padStart(6)}  ${group.signature}`);
        lines.push(
          `          e.g. ${example.index !== undefined ? `#${example.index} ` : ""}${example.detail.slice(0, 160).replace(/\s+/g, " ")}`,
        );
      }
      if (this.groups.size > 40) lines.push(`  … ${this.groups.size - 40} more groups in the report`);
    }
    lines.push(`report: ${reportFile}`);
    return `${lines.join("\n")}\n`;
  }
}

function bump(map, key) {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function sorted(map) {
  return [...map.entries()].sort((a, b) => b[1] - a[1]);
}
