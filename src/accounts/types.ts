/** Users and roles as Sheaf holds them in memory. */

export type PermissionCategory = "access" | "files" | "languages" | "pages" | "site" | "users" | "user";

/** Fully normalised permission map: every category and action present, booleans only. */
export type PermissionMap = Record<string, Record<string, boolean>>;

export interface Role {
  readonly name: string;
  readonly title: string;
  readonly description: string | null;
  readonly permissions: PermissionMap;
}

export interface UserCredentials {
  readonly email: string;
  readonly language: string | null;
  readonly name: string | null;
  /** Stored role name; may name a role that does not exist (then the user acts as `nobody`). */
  readonly role: string;
}

export interface User extends UserCredentials {
  readonly id: string;
  /** Absolute folder `site/accounts/<id>`. */
  readonly dir: string;
  /** bcrypt hash from `.htpasswd` line 1, or null when the user has no password. */
  readonly passwordHash: string | null;
  /** Other secrets from `.htpasswd` line 2 (e.g. `totp`). */
  readonly secrets: Readonly<Record<string, string>>;
  /** mtime of `.htpasswd` in whole Unix seconds, or null when the file does not exist. */
  readonly passwordTimestamp: number | null;
  /** Fields of `user.txt`; on a multi-language site those of the default language's `user.<code>.txt`. */
  readonly content: Readonly<Record<string, string>>;
  /** Multi-language sites: every language's own `user.<code>.txt`, by code (as stored, not merged). */
  /** The file of the default language's content when it is not `user.txt` (a multi-language site: `user.en.txt`). */
  readonly contentFileName?: string;
  readonly translations?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** The avatar `profile.<ext>` of the account folder (the first by name) and its mtime; absent without one. */
  readonly avatar?: UserAvatar;
}

export interface UserAvatar {
  readonly filename: string;
  readonly mtimeMs: number;
}
