import { FormatRegistry, type TProperties, type TString, Type } from "@sinclair/typebox";
import { isIP } from "node:net";

/**
 * The building blocks of the option schema (config/schema.ts). Every block states in words what it accepts
 * (`expected`), which is what a problem report says; `doc` is the option's one-line effect in the options reference.
 * Values are in Kirby's form (what a config file holds); Transform decodes turn them into what the server uses.
 */

declare module "@sinclair/typebox" {
  interface SchemaOptions {
    /** What the option accepts, in words: "true or false", "a positive whole number". */
    expected?: string;
    /** A secret: problem reports never echo its value. */
    secret?: boolean;
    /** The value an explicit `null` stands for, when it differs from leaving the option out. */
    nullMeans?: unknown;
    /** One option however it is written, though one of its forms is a map (`content.uuid: { format }`). */
    leaf?: boolean;
  }
}

/** Readonly at every depth, as the frozen options object is. */
export type DeepReadonly<T> = T extends (...args: never[]) => unknown
  ? T
  : T extends readonly (infer Item)[]
    ? readonly DeepReadonly<Item>[]
    : T extends object
      ? { readonly [Key in keyof T]: DeepReadonly<T[Key]> }
      : T;

export function isIpOrCidr(entry: string): boolean {
  const [address = "", bits, ...rest] = entry.trim().split("/");
  if (rest.length) return false;
  const family = isIP(address);
  if (family === 0) return false;
  if (bits === undefined) return true;
  if (!/^\d{1,3}$/.test(bits)) return false;
  return Number(bits) <= (family === 4 ? 32 : 128);
}

const EMAIL_FORMAT = /^[^\s@<>"]+@[^\s@<>"]+$/;
FormatRegistry.Set("sheaf-ip-or-cidr", (value) => value.length <= 64 && isIpOrCidr(value));
FormatRegistry.Set("sheaf-port", (value) => Number(value) <= 65535);
FormatRegistry.Set("sheaf-email", (value) => value.length <= 254 && EMAIL_FORMAT.test(value));

export const bool = (fallback: boolean) => Type.Boolean({ default: fallback, expected: "true or false" });

export const positiveInt = (fallback: number, options: { maximum?: number } = {}) =>
  Type.Integer({ minimum: 1, ...options, default: fallback, expected: "a positive whole number" });

export const nonNegativeInt = (fallback: number) =>
  Type.Integer({ minimum: 0, default: fallback, expected: "a whole number (0 or more)" });

export const positiveIntOrFalse = (fallback: number | false) =>
  Type.Union([Type.Literal(false), Type.Integer({ minimum: 1 })], {
    default: fallback,
    expected: "a positive whole number, or false",
  });

export const text = (fallback: string, options: { secret?: boolean } = {}) =>
  Type.String({ minLength: 1, maxLength: 4096, default: fallback, expected: "a non-empty string", ...options });

/** A string that may be left out (null then). */
export const optionalText = (options: { format?: string; expected?: string; secret?: boolean } = {}) =>
  Type.Union(
    [
      Type.String({ minLength: 1, maxLength: 4096, ...options, expected: options.expected ?? "a non-empty string" }),
      Type.Null(),
    ],
    { default: null, expected: options.expected ?? "a non-empty string", secret: options.secret ?? false },
  );

/** A list of strings; a single string is a list of one, as Kirby's `A::wrap()` reads it. */
export const stringList = (fallback: readonly string[], item: TString = Type.String({ expected: "a string" })) =>
  Type.Transform(
    Type.Union([Type.String(), Type.Array(item, { expected: "a list of strings" })], {
      default: [...fallback],
      expected: "a list of strings",
    }),
  )
    .Decode((value): string[] => (typeof value === "string" ? [value] : value))
    .Encode((value) => value);

/** A list given as a list or as one comma-separated string (CORS headers and methods). */
export const commaList = (fallback: readonly string[]) =>
  Type.Transform(
    Type.Union([Type.String(), Type.Array(Type.String({ expected: "a string" }), { expected: "a list of strings" })], {
      default: [...fallback],
      expected: "a list of strings or one comma-separated string",
    }),
  )
    .Decode((value): string[] => (typeof value === "string" ? splitList(value) : value))
    .Encode((value) => value);

export function splitList(value: string): string[] {
  return value
    .split(",")
    .map((part) => part.trim())
    .filter(Boolean);
}

/** A group of options (`api`, `session`): a map, created empty when left out so its options get their defaults. */
export const group = <Properties extends TProperties>(properties: Properties) =>
  Type.Object(properties, { default: {}, expected: "a map of options" });
