/** The golden transcript format, its loader, and the recording fix-ups the README describes. */

import { isJsonObject, type Json, type JsonObject } from "./json.js";

export interface GoldenRequest {
  method: string;
  /** Sent verbatim, query string included. */
  path: string;
  headers: Record<string, string>;
  /** JSON to serialise, a raw string to send byte for byte, or `null` for no body. */
  body: Json;
}

export interface GoldenResponse {
  status: number;
  /** Lower-case names; `set-cookie` is a list when it was sent more than once. */
  headers: Record<string, string | string[]>;
  body: Json;
  body_raw?: string;
}

export interface GoldenStep {
  name?: string;
  sleep_before?: number;
  request: GoldenRequest;
  response: GoldenResponse;
  note?: string;
}

export interface GoldenFile {
  scenario: string;
  config: JsonObject;
  notes?: string[];
  placeholders?: Record<string, string>;
  steps: GoldenStep[];
}

export class GoldenFormatError extends Error {}

function fail(where: string, problem: string): never {
  throw new GoldenFormatError(`${where}: ${problem}`);
}

function readHeaders(value: unknown, where: string, allowLists: boolean): Record<string, string | string[]> {
  if (value === undefined || value === null) return {};
  if (!isJsonObject(value)) fail(where, "headers must be an object");
  const headers: Record<string, string | string[]> = {};
  for (const [name, item] of Object.entries(value)) {
    if (typeof item === "string") headers[name] = item;
    else if (allowLists && Array.isArray(item) && item.every((v) => typeof v === "string"))
      headers[name] = item as string[];
    else fail(where, `header ${name} has an unsupported value`);
  }
  return headers;
}

function readStep(raw: unknown, where: string): GoldenStep {
  if (!isJsonObject(raw)) fail(where, "a step must be an object");
  const request = raw["request"];
  const response = raw["response"];
  if (!isJsonObject(request)) fail(where, "request missing");
  if (!isJsonObject(response)) fail(where, "response missing");
  if (typeof request["method"] !== "string" || typeof request["path"] !== "string")
    fail(where, "request method/path missing");
  if (typeof response["status"] !== "number") fail(where, "response status missing");
  const step: GoldenStep = {
    request: {
      method: request["method"],
      path: request["path"],
      headers: readHeaders(request["headers"], where + ".request", false) as Record<string, string>,
      body: request["body"] ?? null,
    },
    response: {
      status: response["status"],
      headers: readHeaders(response["headers"], where + ".response", true),
      body: response["body"] ?? "",
    },
  };
  if (typeof response["body_raw"] === "string") step.response.body_raw = response["body_raw"];
  if (typeof raw["name"] === "string") step.name = raw["name"];
  if (typeof raw["note"] === "string") step.note = raw["note"];
  if (raw["sleep_before"] !== undefined) {
    if (typeof raw["sleep_before"] !== "number" || raw["sleep_before"] < 0)
      fail(where, "sleep_before must be a number ≥ 0");
    step.sleep_before = raw["sleep_before"];
  }
  return step;
}

/** Validates the parsed JSON of a golden file and applies the recording fix-ups. */
export function parseGoldenFile(raw: unknown, fileName: string): GoldenFile {
  if (!isJsonObject(raw)) fail(fileName, "not a JSON object");
  const steps = raw["steps"];
  if (!Array.isArray(steps)) fail(fileName, "steps missing");
  const config = raw["config"] ?? {};
  if (!isJsonObject(config)) fail(fileName, "config must be an object");
  const golden: GoldenFile = {
    scenario: typeof raw["scenario"] === "string" ? raw["scenario"] : fileName,
    config,
    steps: steps.map((step, i) => readStep(step, `${fileName} step ${i + 1}`)),
  };
  if (Array.isArray(raw["notes"])) golden.notes = raw["notes"].filter((n): n is string => typeof n === "string");
  return applyRecordingFixups(golden);
}

/** The label deviation rules and reports use for a step: its name, or "METHOD path" when it has none. */
export function stepLabel(step: GoldenStep): string {
  return step.name !== undefined && step.name !== "" ? step.name : `${step.request.method} ${step.request.path}`;
}

const LATER_IN_NAME = /(\d+(?:\.\d+)?)\s?s later\b/;
const SINGLE_SESSION_COOKIE = /^\s*([^=;\s]+)=<session-cookie#([^<>\s]+)>\s*$/;

/** The seconds the recorder slept before a step: `sleep_before`, else "N s later" in the step's name. */
export function impliedSleep(step: GoldenStep): number {
  if (step.sleep_before !== undefined) return step.sleep_before;
  const match = step.name === undefined ? null : LATER_IN_NAME.exec(step.name);
  return match ? Number(match[1]) : 0;
}

/**
 * Makes explicit what the recorder did but the recording does not say: implied sleeps, and the "wrong HMAC"
 * cookie, which the recorder's normaliser had turned into the valid session cookie placeholder.
 * (`<csrf-upper#N>` needs no rewrite: the placeholder module derives it from `<csrf-token#N>`.)
 */
export function applyRecordingFixups(golden: GoldenFile): GoldenFile {
  const steps = golden.steps.map((step) => {
    const fixed: GoldenStep = { ...step, request: { ...step.request, headers: { ...step.request.headers } } };
    const sleep = impliedSleep(step);
    if (sleep > 0) fixed.sleep_before = sleep;
    if (step.name?.includes("wrong HMAC")) {
      for (const [name, value] of Object.entries(fixed.request.headers)) {
        if (name.toLowerCase() !== "cookie") continue;
        const match = SINGLE_SESSION_COOKIE.exec(value);
        if (match) fixed.request.headers[name] = `${match[1]}=${"0".repeat(40)}%2B<session-token#${match[2]}>`;
      }
    }
    return fixed;
  });
  return { ...golden, steps };
}
