// Sends one planned request and checks its answer.

import { checkExchange } from "./checks.mjs";
import { exchange, serialiseRequest } from "./wire.mjs";

/** The bytes of a planned request (framing cases carry their own). */
export function payloadOf(plan) {
  if (plan.payload) return plan.payload;
  const headers = [...plan.headers];
  if (plan.body !== null) headers.push(["Content-Length", plan.contentLength ?? String(plan.body.length)]);
  return serialiseRequest({ method: plan.method, target: plan.target, headers, body: plan.body });
}

export async function execute(plan, { port, timeoutMs, leaks }) {
  const result = await exchange({
    port,
    payload: payloadOf(plan),
    expected: plan.expected,
    headMethods: plan.headMethods,
    halfClose: plan.halfClose,
    gapMs: plan.gapMs ?? 0,
    timeoutMs,
  });
  return { result, failures: checkExchange(plan, result, { leaks }) };
}
