import { InvalidArgumentError } from "../errors.js";
import type { SheafOptions } from "../config/index.js";
import type { RequestInfo } from "./request-info.js";

/**
 * Base URL of the site for this request and whether it counts as HTTPS
 * (docs/kirby-compat/auth-and-sessions.md#https-detection).
 */
export interface Environment {
  readonly baseUrl: string;
  readonly isHttps: boolean;
  /** Path of the site index with trailing slash (cookie path). */
  readonly indexPath: string;
}

const OFF_VALUES = new Set(["off", "", "0", "false", "-1"]);

/** `HTTPS` / `X-Forwarded-Ssl` values: everything is "on" except the off list, compared exactly (`OFF` is on). */
export function isOnValue(value: string | undefined): boolean {
  return value !== undefined && !OFF_VALUES.has(value);
}

/** Longest host name (with port) believed from a request: a DNS name has at most 253 characters. */
export const MAX_HOST_LENGTH = 255;

/**
 * A host name from request headers as Kirby cleans it: lower-cased, `<…>` tags removed, only word characters,
 * `.`, `:`, `[`, `]` and `-` kept, no leading or trailing `-`/`.`. Written as one pass (the obvious regular
 * expressions are quadratic on hostile input) and refused beyond MAX_HOST_LENGTH before any work.
 */
export function sanitizeHost(host: string): string {
  if (host.length > MAX_HOST_LENGTH)
    throw new InvalidArgumentError({ message: `The host name is longer than ${MAX_HOST_LENGTH} characters` });
  let kept = "";
  let tagStart = -1;
  const lower = host.toLowerCase();
  const lastTagEnd = lower.lastIndexOf(">");
  for (let index = 0; index < lower.length; index++) {
    const char = lower[index] as string;
    if (tagStart >= 0) {
      if (char === ">") tagStart = -1;
      continue;
    }
    // an opening `<` without a closing `>` is no tag: it is dropped like any other character
    if (char === "<" && index < lastTagEnd) {
      tagStart = index;
      continue;
    }
    if (/[\w.:[\]-]/.test(char)) kept += char;
  }
  let start = 0;
  let end = kept.length;
  while (start < end && (kept[start] === "-" || kept[start] === ".")) start++;
  while (end > start && (kept[end - 1] === "-" || kept[end - 1] === ".")) end--;
  return kept.slice(start, end);
}

function formatHost(address: string, port: number, https: boolean): string {
  const host = address.includes(":") && !address.startsWith("[") ? `[${address}]` : address;
  const defaultPort = https ? 443 : 80;
  return port === defaultPort ? host : `${host}:${port}`;
}

interface ForwardedInfo {
  host?: string;
  port?: number;
  https?: boolean;
}

/** First element of a `Forwarded` header as a lower-cased key map (quotes removed). */
export function parseForwarded(header: string): Record<string, string> {
  const first: string[] = [];
  let inQuotes = false;
  let current = "";
  for (const char of header) {
    if (char === '"') inQuotes = !inQuotes;
    if (char === "," && !inQuotes) break;
    current += char;
  }
  first.push(current);
  const result: Record<string, string> = {};
  for (const pair of (first[0] ?? "").split(";")) {
    const eq = pair.indexOf("=");
    if (eq < 0) continue;
    const key = pair.slice(0, eq).trim().toLowerCase();
    const value = pair
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, "$1");
    if (key) result[key] = value;
  }
  return result;
}

function splitHostPort(value: string): { host: string; port?: number } {
  const match = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(value.trim());
  if (!match) return { host: value.trim() };
  return match[2] ? { host: match[1] as string, port: Number(match[2]) } : { host: match[1] as string };
}

function readProxyHeaders(headers: RequestInfo["headers"]): ForwardedInfo | null {
  const info: ForwardedInfo = {};
  const forwarded = headers["forwarded"];
  if (forwarded) {
    const fields = parseForwarded(forwarded);
    if (fields["host"]) Object.assign(info, splitHostPort(fields["host"]));
    if (fields["proto"]) info.https = fields["proto"].toLowerCase() === "https";
  } else {
    const host = headers["x-forwarded-host"];
    if (host) Object.assign(info, splitHostPort(host.split(",")[0] ?? ""));
    const ssl = headers["x-forwarded-ssl"];
    // only `https` and `https, http` (any case) mean HTTPS
    const proto = headers["x-forwarded-proto"]?.toLowerCase();
    if (ssl !== undefined || proto !== undefined) {
      info.https = isOnValue(ssl) || proto === "https" || proto === "https, http";
    }
    const port = headers["x-forwarded-port"];
    if (port && /^\d+$/.test(port.trim())) info.port = Number(port.trim());
  }
  if (info.host === undefined && info.port === undefined && info.https === undefined) return null;
  return info;
}

function insecureDetection(request: RequestInfo): { base: string; https: boolean } {
  const proxy = readProxyHeaders(request.headers);
  if (proxy) {
    const https = proxy.https === true;
    const hostHeader = request.headers["host"];
    const fallback = hostHeader ? splitHostPort(hostHeader) : { host: request.localAddress, port: request.localPort };
    const host = sanitizeHost(proxy.host ?? fallback.host);
    // forwarded port, else the port in the forwarded host, else 443 for HTTPS, else the Host header's port
    const port = proxy.port ?? (https ? 443 : proxy.host !== undefined ? 80 : (fallback.port ?? 80));
    return { base: `${https ? "https" : "http"}://${formatHost(host, port, https)}`, https };
  }
  const https = request.encrypted;
  const hostHeader = request.headers["host"];
  if (hostHeader) {
    const { host, port } = splitHostPort(hostHeader);
    return {
      base: `${https ? "https" : "http"}://${formatHost(sanitizeHost(host), port ?? (https ? 443 : 80), https)}`,
      https,
    };
  }
  return { base: `${https ? "https" : "http"}://${formatHost(request.localAddress, request.localPort, https)}`, https };
}

function pathOf(url: string): string {
  const match = /^https?:\/\/[^/]+(\/.*)?$/i.exec(url);
  const path = match?.[1] ?? "/";
  return path.endsWith("/") ? path : `${path}/`;
}

/**
 * Resolves the base URL by the `url` option's mode: unset = secure detection (the socket only, headers ignored);
 * `*` = insecure detection (proxy headers, then Host); one URL = fixed; several = insecure detection that must
 * match one of them.
 */
export function resolveEnvironment(
  request: RequestInfo,
  url: SheafOptions["url"],
  { viaTrustedProxy = false } = {},
): Environment {
  if (url === null && viaTrustedProxy) {
    // Sheaf: behind a proxy listed in `trustedProxies`, its forwarded scheme and host are believed.
    const detected = insecureDetection(request);
    return { baseUrl: detected.base, isHttps: detected.https, indexPath: "/" };
  }
  if (url === null) {
    const https = request.encrypted;
    const base = `${https ? "https" : "http"}://${formatHost(request.localAddress, request.localPort, https)}`;
    return { baseUrl: base, isHttps: https, indexPath: "/" };
  }
  if (typeof url === "string" && url !== "*") {
    return { baseUrl: url, isHttps: url.toLowerCase().startsWith("https://"), indexPath: pathOf(url) };
  }
  const detected = insecureDetection(request);
  if (Array.isArray(url)) {
    const match = url.find(
      (candidate) =>
        candidate.toLowerCase() === detected.base.toLowerCase() ||
        new URL(candidate).origin.toLowerCase() === detected.base.toLowerCase(),
    );
    if (!match) throw new InvalidArgumentError({ message: "The environment is not allowed" });
    return { baseUrl: match, isHttps: match.toLowerCase().startsWith("https://"), indexPath: pathOf(match) };
  }
  return { baseUrl: detected.base, isHttps: detected.https, indexPath: "/" };
}
