import { formatToken, storeKeyOf, type SessionToken } from "./token.js";
import type { ActiveSessionRecord } from "./record.js";

/** How the client presented the session: the `kirby_session` cookie, or `Authorization: Session <token>`. */
export type SessionTransport = "cookie" | "header";

/**
 * One session during one request. Changes are collected here and written once by `SessionManager.commit`;
 * every token this request issued (creation, renewal, regeneration) is listed so `http/` can send a cookie for it.
 */
export class Session {
  /** The token the session had when it was loaded (null for a session created by this request). */
  readonly loadedToken: SessionToken | null;
  private currentToken: SessionToken;
  /** Tokens issued during this request, in order; the last one is current. */
  readonly issuedTokens: SessionToken[] = [];
  private changed = false;
  private privilegeChanged = false;
  private destroyedFlag = false;

  constructor(
    token: SessionToken,
    readonly record: ActiveSessionRecord,
    readonly transport: SessionTransport,
    loaded: boolean,
  ) {
    this.currentToken = token;
    this.loadedToken = loaded ? token : null;
    if (!loaded) {
      this.issuedTokens.push(token);
      this.changed = true;
    }
  }

  get token(): SessionToken {
    return this.currentToken;
  }

  get tokenString(): string {
    return formatToken(this.currentToken);
  }

  get storeKey(): string {
    return storeKeyOf(this.currentToken);
  }

  get isNew(): boolean {
    return this.loadedToken === null;
  }

  get isChanged(): boolean {
    return this.changed;
  }

  get isDestroyed(): boolean {
    return this.destroyedFlag;
  }

  /** True when a login or logout happened: the old token must stop working at once. */
  get hasPrivilegeChange(): boolean {
    return this.privilegeChanged;
  }

  get expiresAtUnix(): number {
    return this.record.expiresAtUnix;
  }

  get isLong(): boolean {
    return this.record.timeoutSeconds === false;
  }

  get(key: string): unknown {
    return this.record.data[key];
  }

  set(key: string, value: unknown): void {
    if (this.record.data[key] === value) return;
    this.record.data[key] = value;
    this.changed = true;
  }

  remove(key: string): void {
    if (!(key in this.record.data)) return;
    delete this.record.data[key];
    this.changed = true;
  }

  get isEmpty(): boolean {
    return Object.keys(this.record.data).length === 0;
  }

  markChanged(): void {
    this.changed = true;
  }

  /** Replaces the token (same data). Called by the manager only. */
  replaceToken(token: SessionToken, { privilegeChange }: { privilegeChange: boolean }): void {
    this.currentToken = token;
    this.issuedTokens.push(token);
    this.changed = true;
    if (privilegeChange) this.privilegeChanged = true;
  }

  markDestroyed(): void {
    this.destroyedFlag = true;
    this.changed = true;
    this.privilegeChanged = true;
  }
}
