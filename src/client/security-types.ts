/**
 * Wire types of Sheaf's own security routes (beyond Kirby): application passwords, sessions, the audit log and
 * two-factor authentication.
 */

/** What an application password may do: everything its owner may, read only, or a permission map of its own. */
export type TokenScope =
  | "read"
  | "full"
  | { readonly permissions: Readonly<Record<string, Readonly<Record<string, boolean>>>> };

/** An application password as listed (never the secret itself). */
export interface ApplicationPassword {
  readonly id: string;
  readonly name: string;
  readonly scope: TokenScope;
  /** ISO 8601. */
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly lastUsedIp: string | null;
  readonly userId: string;
}

/** A new application password: the secret `token` is answered this once. */
export interface CreatedApplicationPassword extends ApplicationPassword {
  readonly token: string;
}

export interface CreateTokenInput {
  /** 1–100 characters, e.g. the script's name. */
  readonly name: string;
  /** Default `full`. */
  readonly scope?: TokenScope;
  /** Lifetime in seconds; or `expiresAt`; neither: no expiry. */
  readonly expiresIn?: number;
  /** ISO 8601 date in the future. */
  readonly expiresAt?: string;
}

/** One logged-in session of a user. */
export interface SessionInfo {
  readonly id: string;
  readonly createdAt: string;
  readonly lastSeenAt: string;
  readonly expiresAt: string;
  readonly ip: string | null;
  readonly userAgent: string | null;
  /** The session this client is using. */
  readonly current: boolean;
}

/** One entry of the audit log (admins only). */
export interface AuditEntry {
  readonly time: string;
  readonly event: string;
  readonly actor: { readonly id: string; readonly email: string } | null;
  readonly target?: Readonly<Record<string, string>>;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly details?: Readonly<Record<string, unknown>>;
}

export interface AuditQuery {
  readonly page?: number;
  readonly limit?: number;
}

/** Whether the logged-in user has time-based codes on. */
export interface TwoFactorStatus {
  readonly enabled: boolean;
  readonly recoveryCodesLeft: number;
}

/** A started setup: show `qr` (an SVG document) or `secret`, then confirm with `enable()`. */
export interface TwoFactorSetup {
  /** 32 base32 characters. */
  readonly secret: string;
  /** `otpauth://totp/…` */
  readonly uri: string;
  /** The URI as a QR code: SVG markup of paths only. */
  readonly qr: string;
  /** Until when `enable()` can confirm it (ISO 8601). */
  readonly expiresAt: string;
}

export interface EnableTwoFactorInput {
  /** The first code the authenticator app shows. */
  readonly code: string;
  /** The account's current password. */
  readonly password: string;
}

export interface DisableTwoFactorInput {
  readonly password: string;
  /** A code of the authenticator app, or one of the recovery codes. */
  readonly code: string;
}

/** A login that waits for a code: a mailed code (`email`) or the authenticator app's (`totp`). */
export interface PendingLogin {
  readonly status: "pending";
  readonly challenge: string;
}

/** The first user of a site without users: an admin, logged in at once. */
export interface InstallInput {
  readonly email: string;
  readonly password: string;
  readonly name?: string;
  readonly language?: string;
}
