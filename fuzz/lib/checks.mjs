// What every answer is checked for. Each check returns a failure ({ check, detail }) or nothing.

import { hasNoSession, isAuthenticated } from "./callers.mjs";

/** Patterns that must never appear in an answer (body or head): hashes, stack frames, server paths. */
export function leakPatterns(paths) {
  return [
    { name: "bcrypt-hash", pattern: /\$2[aby]\$\d\d\$/ },
    // `at fn (/file.js:1:2)` or `at file:///file.js:1:2`, also inside a JSON string
    { name: "stack-frame", pattern: /\bat (?:[\w$.<>[\] ]{1,200} \()?(?:file:\/\/|node:|\/)[^\s"()]*:\d+:\d+/ },
    { name: "node-internal", pattern: /node:internal/ },
    ...paths.filter(Boolean).map((value) => ({ name: `path:${value}`, literal: value })),
  ];
}

/** Bodies above this size may be cut off by an early answer and close (see reset-during-upload). */
const LARGE_BODY_BYTES = 256 * 1024;

const DEBUG_FIELDS = ["exception", "file", "line", "trace"];

/** Checks one exchange against its plan. `context`: { leaks }. */
export function checkExchange(plan, result, context) {
  const failures = [];
  const fail = (check, detail) => failures.push({ check, detail });
  const answered = result.responses.length >= plan.expected;

  if (
    !answered &&
    plan.expect === "answer" &&
    result.outcome !== "timeout" &&
    (plan.body?.length ?? 0) > LARGE_BODY_BYTES
  ) {
    // the server answered (or gave up) before the whole body was sent, then closed: the client never sees the answer
    fail(
      "reset-during-upload",
      `${result.outcome}${result.error ? ` (${result.error})` : ""} while sending ${plan.body.length} bytes, after ${result.elapsedMs} ms`,
    );
  } else if (!answered && plan.expect === "answer") {
    fail(
      "unanswered",
      `${result.outcome}${result.error ? ` (${result.error})` : ""} after ${result.elapsedMs} ms, ${result.responses.length}/${plan.expected} answers`,
    );
  }
  if (!answered && plan.expect === "answer-or-close" && result.outcome === "timeout") {
    fail("hang", `connection neither answered nor closed in ${result.elapsedMs} ms`);
  }
  for (const response of result.responses) {
    if (response.status >= 500) fail("5xx", `${response.status} ${excerpt(response.body)}`);
    const text = `${response.head}\r\n\r\n${response.body.toString("utf8")}`;
    for (const leak of context.leaks) {
      const hit = leak.literal ? text.includes(leak.literal) : leak.pattern.test(text);
      if (hit) fail("leak", `${leak.name}: ${excerptAround(text, leak)}`);
    }
    checkEnvelope(response, fail);
  }
  for (const position of plan.mustNotSucceed ?? []) {
    const response = result.responses[position];
    if (response && response.status >= 200 && response.status < 300) {
      fail(
        "auth-bypass",
        `answer ${position + 1} of a pipeline without credentials, after a logged-in request on the same connection: ${response.status}`,
      );
    }
  }
  const first = result.responses[0];
  if (first && plan.kind === "http") {
    const success = first.status >= 200 && first.status < 300;
    if (success && plan.mustRefuse)
      fail(
        "write-accepted",
        `${first.status} for ${plan.effectiveMethod} ${plan.route} (poison ${plan.poison ?? "none: not authenticated"})`,
      );
    if (success && plan.route !== "site-frontend" && plan.routeNeedsAuth && !isAuthenticated(plan.caller))
      fail("auth-bypass", `${first.status} for ${plan.caller}`);
    if (hasNoSession(plan.caller) && givesNewSession(first) && !isCsrfRequest(plan))
      fail(
        "anonymous-session",
        `Set-Cookie for ${plan.caller}: ${[].concat(first.headers["set-cookie"]).join(" | ").slice(0, 160)}`,
      );
  }
  return failures;
}

/** API answers are Kirby envelopes: JSON, and without debug fields (debug is off). */
function checkEnvelope(response, fail) {
  const type = String(response.headers["content-type"] ?? "");
  if (!type.includes("application/json") || response.body.length === 0) return;
  let parsed;
  try {
    parsed = JSON.parse(response.body.toString("utf8"));
  } catch (error) {
    fail("malformed-json", `${error.message}: ${excerpt(response.body)}`);
    return;
  }
  if (parsed && typeof parsed === "object" && parsed.status === "error") {
    const present = DEBUG_FIELDS.filter((field) => field in parsed);
    if (present.length) fail("leak", `debug fields ${present.join(", ")} in ${excerpt(response.body)}`);
  }
}

/** A Set-Cookie that starts a session (not one that removes it). */
export function givesNewSession(response) {
  return []
    .concat(response.headers["set-cookie"] ?? [])
    .some((line) => /^kirby_session=(?!deleted)[^;]+/.test(line) && !/max-age=0\b|max-age=-/i.test(line));
}

/** Only `GET auth/csrf` may start a session for a caller without one (spec deviation a). */
export function isCsrfRequest(plan) {
  return plan.effectiveMethod === "GET" && plan.route === "auth/csrf";
}

export function excerpt(buffer, length = 240) {
  const text = Buffer.isBuffer(buffer) ? buffer.subarray(0, length * 4).toString("utf8") : String(buffer);
  return text.length > length ? `${text.slice(0, length)}…` : text;
}

function excerptAround(text, leak) {
  const index = leak.literal ? text.indexOf(leak.literal) : text.search(leak.pattern);
  return JSON.stringify(text.slice(Math.max(0, index - 80), index + 120));
}
