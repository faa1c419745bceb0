import { fail, isPlainObject, type Reader } from "./reader.js";

/** Kirby's `cors` option (docs/kirby-compat/csrf-and-cors.md#cors): off, Kirby's defaults, or a map. */

/**
 * Kirby fails every response of a site whose CORS options allow credentials with the wildcard origin
 * (docs/kirby-compat/csrf-and-cors.md#headers).
 */
export function corsCredentialsWithWildcard(cors: CorsOptions | false): boolean {
  return cors !== false && cors.allowCredentials && cors.allowOrigin === "*";
}

export const CORS_WILDCARD_CREDENTIALS_MESSAGE = "Cannot allow credentials when using wildcard origin (*)";

export interface CorsOptions {
  allowOrigin: "*" | readonly string[];
  allowMethods: readonly string[];
  /** `null` = not configured; `true` = echo the request's Access-Control-Request-Headers. */
  allowHeaders: readonly string[] | true | null;
  maxAge: number | null;
  allowCredentials: boolean;
  exposeHeaders: readonly string[];
}

const DEFAULT_CORS: CorsOptions = {
  allowOrigin: "*",
  allowMethods: ["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH"],
  allowHeaders: null,
  maxAge: null,
  allowCredentials: false,
  exposeHeaders: [],
};

export function readCors(reader: Reader): CorsOptions | false {
  const value = reader.get("cors");
  if (value === undefined || value === null || value === false) return false;
  if (value === true) return DEFAULT_CORS;
  if (!isPlainObject(value)) return fail("cors", "true, false or a map of CORS options", value);

  const origin = reader.get("cors.allowOrigin");
  let allowOrigin: CorsOptions["allowOrigin"] = "*";
  if (origin !== undefined && origin !== null && origin !== "*") {
    // only the string "*" is the wildcard: in a list, "*" is compared with the origin like any entry
    allowOrigin = reader.stringList("cors.allowOrigin", []);
  }
  const headers = reader.get("cors.allowHeaders");
  const methods = reader.get("cors.allowMethods");
  const splitList = (text: string): string[] =>
    text
      .split(",")
      .map((part) => part.trim())
      .filter(Boolean);
  const maxAge = reader.get("cors.maxAge");
  if (
    maxAge !== undefined &&
    maxAge !== null &&
    (typeof maxAge !== "number" || !Number.isInteger(maxAge) || maxAge < 0)
  ) {
    fail("cors.maxAge", "a whole number of seconds", maxAge);
  }
  const cors: CorsOptions = {
    allowOrigin,
    allowMethods:
      typeof methods === "string"
        ? splitList(methods)
        : reader.stringList("cors.allowMethods", DEFAULT_CORS.allowMethods),
    // absent: not configured (requested headers are reflected); an explicit null sends none, as in Kirby
    allowHeaders:
      headers === true
        ? true
        : typeof headers === "string"
          ? splitList(headers)
          : headers === undefined
            ? null
            : headers === null
              ? []
              : reader.stringList("cors.allowHeaders", []),
    maxAge: typeof maxAge === "number" ? maxAge : null,
    allowCredentials: reader.bool("cors.allowCredentials", false),
    exposeHeaders:
      typeof reader.get("cors.exposeHeaders") === "string"
        ? splitList(reader.get("cors.exposeHeaders") as string)
        : reader.stringList("cors.exposeHeaders", []),
  };
  return cors;
}
