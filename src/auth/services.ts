import type { Role, User } from "../accounts/types.js";
import type { AuditLog } from "../audit/index.js";
import type { SheafOptions } from "../config/index.js";
import type { SessionManager } from "../session/index.js";
import type { TokenStore } from "../tokens/index.js";
import type { BasicAuthCache } from "./basic-cache.js";
import type { Mailer } from "../mail/mailer.js";
import type { DeviceCookies } from "./device-cookie.js";
import type { PasswordCheckOptions, UserLookup } from "./passwords.js";
import type { TrustedProxies } from "./trusted-proxies.js";

/** The long-lived services every request's authentication works with. */
export interface AuthServices {
  readonly options: SheafOptions;
  readonly sessions: SessionManager;
  readonly users: UserLookup;
  roleOf(user: User): Role;
  readonly passwords: PasswordCheckOptions;
  readonly proxies: TrustedProxies;
  /** Application passwords, or null when `api.tokens` is off. */
  readonly tokens: TokenStore | null;
  readonly basicCache: BasicAuthCache;
  readonly audit: AuditLog | null;
  /** Delivers login-challenge codes. */
  readonly mailer: Mailer;
  /** Signs and checks known-device cookies (a per-process key when absent). */
  readonly devices?: DeviceCookies;
}
