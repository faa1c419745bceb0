import type { AuditRecord } from "../audit/index.js";
import { PermissionError } from "../errors.js";
import { resolveEnvironment, type Environment } from "./environment.js";
import type { RequestInfo } from "./request-info.js";
import type { AuthServices } from "./services.js";

/** Where the cookies of a response apply; the defaults when the host is not allowed (that answer is an error). */
export interface CookieScope {
  readonly path: string;
  readonly secure: boolean;
}

/** Who is on the other end of the connection: host and HTTPS detection, client address, user agent, audit. */
export class RequestCaller {
  private environmentValue: Environment | null = null;

  constructor(
    private readonly services: Pick<AuthServices, "options" | "proxies" | "audit">,
    readonly info: RequestInfo,
  ) {}

  get environment(): Environment {
    this.environmentValue ??= resolveEnvironment(this.info, this.services.options.url, {
      viaTrustedProxy: this.viaTrustedProxy,
    });
    return this.environmentValue;
  }

  private get viaTrustedProxy(): boolean {
    return !this.services.proxies.isEmpty && this.services.proxies.isTrusted(this.info.remoteAddress);
  }

  /** The client's address: the peer, or across trusted proxies the right-most untrusted forwarded address. */
  get clientIp(): string {
    const proxies = this.services.proxies;
    return proxies.isEmpty
      ? this.info.remoteAddress
      : proxies.clientAddress(this.info.remoteAddress, this.info.headers);
  }

  get userAgent(): string | null {
    return this.info.headers["user-agent"] ?? null;
  }

  /** Writes an audit entry with this request's address and user agent (never awaited by callers' answers). */
  audit(record: AuditRecord): Promise<void> {
    return (
      this.services.audit?.record({ ip: this.clientIp, userAgent: this.userAgent, ...record }) ?? Promise.resolve()
    );
  }

  /** Path and `Secure` flag for cookies, given the configured cookie domain (a domain cookie covers every path). */
  cookieScope(cookieDomain: string | null): CookieScope {
    try {
      return { path: cookieDomain ? "/" : this.environment.indexPath, secure: this.environment.isHttps };
    } catch {
      return { path: "/", secure: false };
    }
  }

  /** Refuses credentials sent over plain HTTP (unless `api.allowInsecure`), saying what was seen when asked to. */
  requireSecureTransport(scheme: "Basic" | "Bearer"): void {
    if (this.environment.isHttps || this.services.options.api.allowInsecure) return;
    // Kirby's answer has no details; a site that configures Sheaf's trusted proxies is told what was seen
    const explain = !this.services.proxies.isEmpty;
    throw new PermissionError({
      message: `${scheme} authentication is only allowed over HTTPS`,
      ...(explain
        ? {
            details: {
              scheme: "http",
              peer: this.info.remoteAddress,
              trustedProxy: this.viaTrustedProxy,
              forwardedProto: this.info.headers["x-forwarded-proto"] ?? this.info.headers["forwarded"] ?? null,
            },
          }
        : {}),
    });
  }
}
