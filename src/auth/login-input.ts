/**
 * Reading the fields of `auth/login` and `auth/code` bodies. Kirby hands them to PHP functions with typed
 * parameters: what PHP coerces (numbers, booleans) is read as PHP reads it, what it cannot (null, lists, maps, a
 * form field sent as `name[]`) is a 400 here instead of Kirby's 500 (deviation x-auth-body-wrong-type-400). Inputs
 * too long to be valid are refused before any work is spent on them.
 */
import { MAX_EMAIL_LENGTH, MAX_PASSWORD_UNITS } from "../accounts/user-fields.js";
import { InvalidArgumentError } from "../errors.js";

export { MAX_EMAIL_LENGTH, MAX_PASSWORD_UNITS };

/** Codes are 6 digits (with any spacing or separators a person types). */
export const MAX_CODE_LENGTH = 64;

/** Where the fields come from: the body's values, looked up case-insensitively. */
export interface BodyFields {
  get(name: string): unknown;
  readonly values: Readonly<Record<string, unknown>>;
}

/** What a field held that PHP cannot coerce, as the error message names it. */
export type WrongShape = "null" | "a list" | "an object";

function uncoercibleShape(value: unknown): WrongShape | null {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  return null;
}

/** A form body carries `email[]=…` (or `email[x]=…`) as a key of its own: PHP makes that field an array. */
function hasBracketedFormKey(fields: BodyFields, name: string): boolean {
  const prefix = `${name}[`;
  for (const key of Object.keys(fields.values)) {
    if (key.slice(0, prefix.length).toLowerCase() === prefix) return true;
  }
  return false;
}

function wrongType(name: string, expected: string, given: WrongShape): InvalidArgumentError {
  return new InvalidArgumentError({ message: `The "${name}" field must be ${expected}, not ${given}` });
}

/** PHP's string coercion of a scalar: `true` ⇒ "1", `false` ⇒ "". */
function scalarString(value: string | number | boolean): string {
  if (typeof value === "boolean") return value ? "1" : "";
  return String(value);
}

/** The field as PHP would pass it to a `string` parameter; `undefined` when the body has no such field. */
function stringField(fields: BodyFields, name: string): string | undefined {
  const value = fields.get(name);
  if (value === undefined) {
    if (hasBracketedFormKey(fields, name)) throw wrongType(name, "a string", "a list");
    return undefined;
  }
  const shape = uncoercibleShape(value);
  if (shape !== null) throw wrongType(name, "a string", shape);
  return scalarString(value as string | number | boolean);
}

/** `value`, unless it has more than `limit` UTF-16 units: then it is longer than `shownLimit` characters. */
function capped(name: string, value: string, limit: number, shownLimit: number = limit): string {
  if (value.length > limit) {
    throw new InvalidArgumentError({ message: `The "${name}" field must not be longer than ${shownLimit} characters` });
  }
  return value;
}

/** Kirby reads `long` with PHP's bool coercion: true, "yes", "1", 1 ⇒ true; false, "0", "", 0 ⇒ false. */
export function coerceLong(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value !== 0;
  if (typeof value === "string") return value !== "" && value !== "0";
  return true;
}

export interface LoginPassword {
  readonly password: string;
  /** Set when the field holds what PHP cannot pass as a string. */
  readonly wrongType: WrongShape | null;
}

/**
 * The password of a login: "" when it is falsy for PHP (missing, null, "", false, an empty list or object), which
 * takes the passwordless branch. A non-empty list or object is remembered as wrong-typed: Kirby only fails on it
 * when it is handed on, after the check of the enabled login methods (`loginFields`).
 */
export function loginPassword(fields: BodyFields): LoginPassword {
  const value = fields.get("password");
  if (value === undefined) {
    return { password: "", wrongType: hasBracketedFormKey(fields, "password") ? "a list" : null };
  }
  if (value === null) return { password: "", wrongType: null };
  if (typeof value === "object") {
    const empty = Array.isArray(value) ? value.length === 0 : Object.keys(value).length === 0;
    return { password: "", wrongType: empty ? null : Array.isArray(value) ? "a list" : "an object" };
  }
  const password = scalarString(value as string | number | boolean);
  return { password: capped("password", password, MAX_PASSWORD_UNITS, 1000), wrongType: null };
}

/**
 * `email` and `long` of a login, read where Kirby passes them on as typed arguments. A missing `email` is "" and a
 * missing `long` is false (deviation c); a body without `email` but with a password string is a failed login
 * whatever `long` holds (deviation c-login-missing-email).
 */
export function loginFields(
  fields: BodyFields,
  password: LoginPassword,
): { readonly email: string; readonly long: boolean } {
  const email = stringField(fields, "email");
  if (password.wrongType !== null) throw wrongType("password", "a string", password.wrongType);
  const missingEmailWithPassword = email === undefined && password.password !== "";
  const longValue = fields.get("long");
  let long = false;
  if (longValue !== undefined || hasBracketedFormKey(fields, "long")) {
    const shape = longValue === undefined ? "a list" : uncoercibleShape(longValue);
    if (shape !== null && !missingEmailWithPassword) throw wrongType("long", "a boolean", shape);
    long = shape === null && coerceLong(longValue);
  }
  return { email: capped("email", email ?? "", MAX_EMAIL_LENGTH), long };
}

/** The `code` of `auth/code`; undefined when missing (Kirby's 500 stays: no rule covers it). */
export function codeField(fields: BodyFields): string | undefined {
  const code = stringField(fields, "code");
  return code === undefined ? undefined : capped("code", code, MAX_CODE_LENGTH);
}
