import type { Static, TObject } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { InvalidArgumentError } from "../../errors.js";
import "./formats.js";

/** Where a body's values come from: the request's `Params` (names looked up as Kirby does, case-insensitively). */
export interface BodyValues {
  get(name: string): unknown;
}

/**
 * Reads a body's declared fields and checks them against the route's declaration (the schema the OpenAPI document
 * shows). The first problem is the message: the failing schema's own `errorMessage` when it has one (so a route keeps
 * the wording it always had), else the field and what is wrong. Answers the declared fields, typed.
 */
export function checkBody<T extends TObject>(schema: T, body: BodyValues): Static<T> {
  const values: Record<string, unknown> = {};
  for (const name of Object.keys(schema.properties)) {
    const value = body.get(name);
    if (value !== undefined) values[name] = value;
  }
  const first = Value.Errors(schema, values).First();
  if (first === undefined) return values as Static<T>;
  const own = (first.schema as { errorMessage?: unknown }).errorMessage;
  const field = first.path.replace(/^\//, "").replaceAll("/", ".");
  throw new InvalidArgumentError({
    message: typeof own === "string" ? own : `Invalid value${field ? ` of "${field}"` : ""}: ${first.message}`,
  });
}
