import type { ErrorDetails } from "./wire-types.js";

export interface SheafApiErrorInit {
  readonly message: string;
  /** HTTP status of the answer; 0 when no answer arrived (network failure, abort). */
  readonly status: number;
  /** The `code` of the error envelope (usually the HTTP status); the HTTP status when there is no envelope. */
  readonly code: number;
  readonly key: string | null;
  readonly details: ErrorDetails;
  readonly method: string;
  readonly url: string;
  readonly cause?: unknown;
}

/**
 * Every failure of a client call: an error envelope from the server, an answer that is not the JSON the API
 * promises, or no answer at all. `key` is the server's error key (`error.page.notFound`, `error.access.login`, …)
 * and null for failures that are not the server's own.
 */
export class SheafApiError extends Error {
  override readonly name = "SheafApiError";
  readonly status: number;
  readonly code: number;
  readonly key: string | null;
  /** What the server sent: a map, or `[]` when it has no details. */
  readonly details: ErrorDetails;
  readonly method: string;
  readonly url: string;

  constructor(init: SheafApiErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.status = init.status;
    this.code = init.code;
    this.key = init.key;
    this.details = init.details;
    this.method = init.method;
    this.url = init.url;
  }
}

interface RequestLine {
  readonly method: string;
  readonly url: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function detailsOf(value: unknown): ErrorDetails {
  if (isRecord(value)) return value;
  return [];
}

/** An error answer: the server's envelope when the body is one, else a description of the HTTP status. */
export function errorFromAnswer(
  request: RequestLine,
  status: number,
  statusText: string,
  body: unknown,
): SheafApiError {
  if (isRecord(body) && body["status"] === "error") {
    const code = typeof body["code"] === "number" ? body["code"] : status;
    const message = typeof body["message"] === "string" ? body["message"] : `HTTP ${status}`;
    const key = typeof body["key"] === "string" ? body["key"] : null;
    return new SheafApiError({ ...request, message, status, code, key, details: detailsOf(body["details"]) });
  }
  const reason = statusText === "" ? "" : ` ${statusText}`;
  return new SheafApiError({
    ...request,
    message: `HTTP ${status}${reason}`,
    status,
    code: status,
    key: null,
    details: [],
  });
}

/** A 2xx answer that is not the JSON this call expects (wrong server, proxy page, truncated body…). */
export function unexpectedAnswer(request: RequestLine, status: number, what: string, cause?: unknown): SheafApiError {
  return new SheafApiError({
    ...request,
    message: `Unexpected answer from ${request.method} ${request.url}: ${what}`,
    status,
    code: status,
    key: null,
    details: [],
    cause,
  });
}

/** No answer: the fetch itself failed (DNS, refused connection, CORS, abort…). */
export function networkFailure(request: RequestLine, cause: unknown): SheafApiError {
  const reason = cause instanceof Error ? describeCause(cause) : String(cause);
  return new SheafApiError({
    ...request,
    message: `${request.method} ${request.url} failed: ${reason}`,
    status: 0,
    code: 0,
    key: null,
    details: [],
    cause,
  });
}

/** Node's fetch says only "fetch failed"; the reason (e.g. ECONNREFUSED) is in its `cause`. */
function describeCause(error: Error): string {
  const inner: unknown = error.cause;
  if (inner instanceof Error && inner.message !== "" && inner.message !== error.message) {
    return `${error.message} (${inner.message})`;
  }
  return error.message;
}
