import { unexpectedAnswer } from "./errors.js";
import type { ApiAnswer } from "./transport.js";
import type { AuthUser } from "./types.js";
import type { Collection, Pagination } from "./wire-types.js";

/**
 * Success envelopes ⇒ the data callers want. Each check is only as deep as needed to tell a Sheaf/Kirby answer
 * from something else; the model itself is trusted to be what the API documents.
 */

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isPagination(value: unknown): value is Pagination {
  return isRecord(value) && ["page", "total", "offset", "limit"].every((key) => typeof value[key] === "number");
}

/** `{"type":"model","data":…}` ⇒ the model. */
export function modelOf<T>(answer: ApiAnswer): T {
  const { body } = answer;
  if (!isRecord(body) || body["type"] !== "model" || !("data" in body)) {
    throw unexpectedAnswer(answer, answer.status, "not a model envelope");
  }
  return body["data"] as T;
}

/** `{"type":"collection","data":[…],"pagination":…}` ⇒ `{data, pagination}`. */
export function collectionOf<T>(answer: ApiAnswer): Collection<T> {
  const { body } = answer;
  if (
    !isRecord(body) ||
    body["type"] !== "collection" ||
    !Array.isArray(body["data"]) ||
    !isPagination(body["pagination"])
  ) {
    throw unexpectedAnswer(answer, answer.status, "not a collection envelope");
  }
  return { data: body["data"] as T[], pagination: body["pagination"] };
}

/** `{"status":"ok",…}` without data (logout, ping, deletes). */
export function okOf(answer: ApiAnswer): void {
  if (!isRecord(answer.body) || answer.body["status"] !== "ok")
    throw unexpectedAnswer(answer, answer.status, "not an ok answer");
}

/** The user of a login answer; a challenge (code or two-factor login) is reported as an error the caller can read. */
export function loginUserOf(answer: ApiAnswer): AuthUser {
  const { body } = answer;
  if (isRecord(body) && isRecord(body["user"])) return body["user"] as unknown as AuthUser;
  if (isRecord(body) && typeof body["challenge"] === "string") {
    throw unexpectedAnswer(
      answer,
      answer.status,
      `the server started a "${body["challenge"]}" login challenge, which this client does not complete`,
    );
  }
  throw unexpectedAnswer(answer, answer.status, "not a login answer");
}
