import type { CorsOptions } from "../config/index.js";

/**
 * CORS headers as Kirby computes them (docs/kirby-compat/csrf-and-cors.md#cors), with one deliberate difference: when
 * `allowHeaders` is not configured, a preflight reflects the requested headers (else browsers refuse `X-CSRF` and JSON
 * bodies).
 */

export interface CorsRequest {
  readonly origin: string | undefined;
  /** `Access-Control-Request-Headers` of a preflight. */
  readonly requestHeaders: string | undefined;
}

export interface CorsHeaders {
  /** Header name → value, in Kirby's order. */
  readonly headers: ReadonlyArray<readonly [string, string]>;
  /** Tokens to merge into `Vary`. */
  readonly vary: readonly string[];
}

function allowedOrigin(options: CorsOptions, origin: string | undefined): string | null {
  if (options.allowOrigin === "*") return "*";
  if (!origin) return null;
  const lower = origin.toLowerCase();
  return options.allowOrigin.some((allowed) => allowed.toLowerCase() === lower) ? origin : null;
}

function splitTokens(value: string): string[] {
  return value
    .split(",")
    .map((token) => token.trim())
    .filter(Boolean);
}

/** Headers for a normal response or a preflight; null when the origin is not allowed. */
export function corsHeaders(
  options: CorsOptions,
  request: CorsRequest,
  { preflight }: { preflight: boolean },
): CorsHeaders | null {
  const origin = allowedOrigin(options, request.origin);
  if (origin === null) return null;
  const headers: Array<[string, string]> = [["access-control-allow-origin", origin]];
  const vary: string[] = origin === "*" ? [] : ["Origin"];
  if (options.allowCredentials) headers.push(["access-control-allow-credentials", "true"]);
  if (options.exposeHeaders.length) headers.push(["access-control-expose-headers", options.exposeHeaders.join(", ")]);
  if (preflight) {
    if (options.maxAge !== null) headers.push(["access-control-max-age", String(options.maxAge)]);
    if (options.allowMethods.length) headers.push(["access-control-allow-methods", options.allowMethods.join(", ")]);
    const allowed = Array.isArray(options.allowHeaders)
      ? options.allowHeaders
      : splitTokens(request.requestHeaders ?? "");
    if (allowed.length) headers.push(["access-control-allow-headers", allowed.join(", ")]);
    // Kirby adds the Vary token whenever it sends Allow-Headers; when Sheaf reflects the requested headers because
    // none are configured, the answer depends on that request header even when it is absent
    if (allowed.length || options.allowHeaders === null) vary.push("Access-Control-Request-Headers");
  }
  return { headers, vary };
}

/** Merges Vary tokens case-insensitively, keeping the first spelling. */
export function mergeVary(...lists: ReadonlyArray<readonly string[]>): string[] {
  const seen = new Set<string>();
  const result: string[] = [];
  for (const token of lists.flat()) {
    const key = token.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    result.push(token);
  }
  return result;
}
