/** Turns a planned request into the exact bytes to send: placeholders filled, body encoded, headers added. */

import type { GoldenRequest } from "./golden.js";
import { isJsonObject, pythonJsonDumps, type Json, type JsonObject } from "./json.js";
import { substitute, type Bindings, type MissingPlaceholder, type ServerAddress } from "./placeholders.js";

export interface OutgoingRequest {
  method: string;
  path: string;
  /** In sending order, names as recorded. */
  headers: [string, string][];
  body: Buffer | null;
}

export type PreparedRequest =
  | { kind: "ready"; request: OutgoingRequest; ambiguities: string[] }
  | { kind: "blocked"; reason: string };

const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

function describeMissing(missing: MissingPlaceholder): string {
  return missing.neverSet
    ? `${missing.placeholder}, which was never set (a deviation removed it, or the step that produces it was skipped)`
    : `${missing.placeholder}, which an earlier step did not capture`;
}

class Blocked extends Error {
  constructor(
    readonly missing: MissingPlaceholder,
    readonly where: string,
  ) {
    super(`blocked: ${where} needs ${describeMissing(missing)}`);
  }
}

function substituteJson(value: Json, bindings: Bindings, server: ServerAddress): Json {
  if (typeof value === "string") {
    const result = substitute(value, bindings, server);
    if (!result.ok) throw new Blocked(result.missing, "the body");
    return result.value;
  }
  if (Array.isArray(value)) return value.map((item) => substituteJson(item, bindings, server));
  if (isJsonObject(value)) {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) out[key] = substituteJson(item, bindings, server);
    return out;
  }
  return value;
}

/**
 * A JSON body is serialised like Python's json.dumps; a string body is sent as its bytes (Latin-1 when every
 * character fits, as Python's http.client encodes `str` bodies, else UTF-8).
 */
export function encodeBody(body: Json): Buffer | null {
  if (body === null) return null;
  if (typeof body === "string") {
    const latin1 = [...body].every((ch) => (ch.codePointAt(0) ?? 0) <= 0xff);
    return Buffer.from(body, latin1 ? "latin1" : "utf8");
  }
  return Buffer.from(pythonJsonDumps(body), "utf8");
}

/** Cookie pairs whose placeholder was never set are left out; a never-captured one blocks the step. */
function substituteCookie(
  value: string,
  bindings: Bindings,
  server: ServerAddress,
  ambiguities: string[],
): string | null {
  const kept: string[] = [];
  for (const pair of value
    .split(";")
    .map((p) => p.trim())
    .filter((p) => p !== "")) {
    const result = substitute(pair, bindings, server);
    if (result.ok) kept.push(result.value);
    else if (result.missing.neverSet) {
      const name = pair.split("=")[0] ?? pair;
      ambiguities.push(
        `cookie ${name} left out: it needs ${describeMissing(result.missing)}; the recorded outcome was produced with it`,
      );
    } else throw new Blocked(result.missing, "the Cookie header");
  }
  return kept.length === 0 ? null : kept.join("; ");
}

/** Fills placeholders and builds the headers the recorder's client sent (Host, Accept-Encoding, Content-Length). */
export function prepareRequest(planned: GoldenRequest, bindings: Bindings, server: ServerAddress): PreparedRequest {
  const ambiguities: string[] = [];
  try {
    const pathResult = substitute(planned.path, bindings, server);
    if (!pathResult.ok) throw new Blocked(pathResult.missing, "the path");
    const body = encodeBody(substituteJson(planned.body, bindings, server));
    const method = planned.method.toUpperCase();
    // Same order as Python's http.client: Host, Accept-Encoding, Content-Length, then the caller's headers.
    const headers: [string, string][] = [
      ["Host", server.host],
      ["Accept-Encoding", "identity"],
    ];
    if (body !== null) headers.push(["Content-Length", String(body.length)]);
    else if (BODY_METHODS.has(method)) headers.push(["Content-Length", "0"]);
    for (const [name, template] of Object.entries(planned.headers)) {
      if (name.toLowerCase() === "cookie") {
        const cookie = substituteCookie(template, bindings, server, ambiguities);
        if (cookie !== null) headers.push([name, cookie]);
        continue;
      }
      const result = substitute(template, bindings, server);
      if (result.ok) headers.push([name, result.value]);
      else if (result.missing.neverSet) {
        ambiguities.push(
          `header ${name} left out: it needs ${describeMissing(result.missing)}; the recorded outcome was produced with it`,
        );
      } else throw new Blocked(result.missing, `header ${name}`);
    }
    return { kind: "ready", request: { method: planned.method, path: pathResult.value, headers, body }, ambiguities };
  } catch (error) {
    if (error instanceof Blocked) return { kind: "blocked", reason: error.message };
    throw error;
  }
}

/** The sent headers as an object, for `$request_header` lookups. */
export function headerRecord(headers: readonly [string, string][]): Record<string, string> {
  const record: Record<string, string> = {};
  for (const [name, value] of headers) record[name] = value;
  return record;
}
