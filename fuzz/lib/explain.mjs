// Replays the requests that got a 5xx against a second Sheaf with `debug: true` (on its own copy of the site),
// whose error envelopes name the exception, the message and the source line. Kirby answers some wrong argument
// types and pagination values with a 500 too (spec §11.9 and §11.17); such answers are told apart here.

import { prepareCallers } from "./callers.mjs";
import { execute } from "./execute.mjs";
import { planRequest } from "./plan.mjs";
import { copyFixture, removeSite, startServer, stopServer } from "./site.mjs";

/** Debug messages of the 500s Kirby gives as well: PHP type errors of typed route arguments, invalid pagination. */
const KIRBY_PARITY_MESSAGES = [
  /^Argument "\w+" must be of type \w+, \w+ given$/,
  /^Invalid pagination limit: /,
  // a model without a default view: an unknown view name is a plain error (spec §7.2, `view`)
  /^The view "[^"]*" does not exist for the (?:role|translation) model$/,
];

export function isKirbyParity(debug) {
  return debug !== null && KIRBY_PARITY_MESSAGES.some((pattern) => pattern.test(debug.message ?? ""));
}

/** Index → { message, exception, file, line } (or null when the replay did not give a 5xx JSON answer). */
export async function explainServerErrors(indexes, { seed, routes, serverConfig, timeoutMs }) {
  const explained = new Map();
  if (indexes.length === 0) return explained;
  const root = await copyFixture();
  const server = await startServer(root, { ...serverConfig, debug: true });
  try {
    const credentials = await prepareCallers(server.port);
    const context = { seed, port: server.port, routes, credentials };
    for (const index of indexes) {
      const plan = planRequest(index, context);
      // a HEAD answer has no body to read the exception from; Sheaf routes GET and HEAD alike
      if (plan.method === "HEAD") {
        plan.method = "GET";
        plan.headMethods = [false];
      }
      const { result } = await execute(plan, { port: server.port, timeoutMs, leaks: [] });
      explained.set(index, debugFieldsOf(result.responses.find((response) => response.status >= 500)));
    }
  } finally {
    await stopServer(server).catch(() => undefined);
    await removeSite(root).catch(() => undefined);
  }
  return explained;
}

function debugFieldsOf(response) {
  if (!response) return null;
  try {
    const body = JSON.parse(response.body.toString("utf8"));
    return {
      status: response.status,
      message: body.message,
      exception: body.exception,
      file: body.file,
      line: body.line,
    };
  } catch {
    return { status: response.status, message: response.body.toString("utf8").slice(0, 200) };
  }
}
