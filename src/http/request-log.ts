import type { IncomingMessage, ServerResponse } from "node:http";
import { SheafError } from "../errors.js";
import type { Logger } from "../log/logger.js";
import { safeValue } from "../log/safe-value.js";

/** What the operator's log says about requests: failures (5xx with their stack), refusals, and the access log. */

export function requestIdOf(response: ServerResponse): string {
  return String(response.getHeader("x-request-id") ?? "");
}

/** 5xx answers are bugs: logged with their stack. Refusals are the client's business: debug level only. */
export function logFailure(
  logger: Logger,
  response: ServerResponse,
  error: unknown,
  status: number,
  method: string,
  path: string,
): void {
  const requestId = requestIdOf(response);
  if (status >= 500) {
    logger.error({ requestId, method, path: safeValue(path), err: error }, "Request failed");
  } else if (logger.isLevelEnabled("debug")) {
    const key = error instanceof SheafError ? error.key : null;
    logger.debug(
      { requestId, method, path: safeValue(path), status, key },
      error instanceof Error ? error.message : "Request refused",
    );
  }
}

/** One line per request, written when the answer is finished. */
export function logAccess(logger: Logger, request: IncomingMessage, response: ServerResponse, startedAt: bigint): void {
  response.once("finish", () => {
    const ms = Number(process.hrtime.bigint() - startedAt) / 1e6;
    logger.info(
      {
        requestId: requestIdOf(response),
        method: request.method,
        url: safeValue(request.url ?? ""),
        status: response.statusCode,
        ms: Math.round(ms * 100) / 100,
      },
      "request",
    );
  });
}
