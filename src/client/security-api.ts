import { collectionOf, okOf } from "./envelopes.js";
import { unexpectedAnswer } from "./errors.js";
import { userPath } from "./paths.js";
import type {
  ApplicationPassword,
  AuditEntry,
  AuditQuery,
  CreatedApplicationPassword,
  CreateTokenInput,
  DisableTwoFactorInput,
  EnableTwoFactorInput,
  SessionInfo,
  TwoFactorSetup,
  TwoFactorStatus,
} from "./security-types.js";
import type { ApiAnswer, Transport } from "./transport.js";
import type { AuthUser } from "./types.js";
import type { Collection } from "./wire-types.js";
import type { PendingLogin } from "./security-types.js";

/**
 * Sheaf's security routes: `client.tokens`, `client.sessions`, `client.audit` and `client.twoFactor`. Methods act on
 * the logged-in user's account; pass `{ user }` (an id or e-mail) to act on another user's (admins).
 */

export interface ForUser {
  /** Another user's id or e-mail address (admins); default: the logged-in user. */
  readonly user?: string;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** `{"status":"ok","data":…}` ⇒ the data. */
function dataOf<T>(answer: ApiAnswer): T {
  const { body } = answer;
  if (!isRecord(body) || body["status"] !== "ok" || !("data" in body))
    throw unexpectedAnswer(answer, answer.status, "no data in the answer");
  return body["data"] as T;
}

/** `account/<suffix>` or `users/<id>/<suffix>`; called inside the promise so that a bad id rejects. */
function ownerPath(options: ForUser | undefined, suffix: string): string {
  return options?.user === undefined ? `account/${suffix}` : `${userPath(options.user)}/${suffix}`;
}

/** A login answer: the user, or the challenge the server started (a code to type, then `verifyCode()`). */
export function loginOutcomeOf(answer: ApiAnswer): AuthUser | PendingLogin {
  const { body } = answer;
  if (isRecord(body) && isRecord(body["user"])) return body["user"] as unknown as AuthUser;
  if (isRecord(body) && typeof body["challenge"] === "string")
    return { status: "pending", challenge: body["challenge"] };
  throw unexpectedAnswer(answer, answer.status, "not a login answer");
}

/** Whether `login()` is waiting for a code (`verifyCode()`) rather than done. */
export function isPendingLogin(result: AuthUser | PendingLogin): result is PendingLogin {
  return (result as { status?: unknown }).status === "pending";
}

export function tokensApi(transport: Transport) {
  return {
    /** The application passwords of the account (without their secrets). */
    list: async (options?: ForUser): Promise<ApplicationPassword[]> =>
      dataOf(await transport.send({ method: "GET", path: ownerPath(options, "tokens") })),
    /** Creates one; its `token` is shown this once. Needs a login with the password, not an application password. */
    create: async (input: CreateTokenInput, options?: ForUser): Promise<CreatedApplicationPassword> =>
      dataOf(await transport.send({ method: "POST", path: ownerPath(options, "tokens"), body: input })),
    revoke: async (id: string, options?: ForUser): Promise<void> =>
      okOf(await transport.send({ method: "DELETE", path: ownerPath(options, `tokens/${encodeURIComponent(id)}`) })),
  };
}

export function sessionsApi(transport: Transport) {
  return {
    /** The account's sessions; `current` marks the one this client uses. */
    list: async (options?: ForUser): Promise<SessionInfo[]> =>
      dataOf(await transport.send({ method: "GET", path: ownerPath(options, "sessions") })),
    revoke: async (id: string, options?: ForUser): Promise<void> =>
      okOf(await transport.send({ method: "DELETE", path: ownerPath(options, `sessions/${encodeURIComponent(id)}`) })),
    /** Ends every session of the account but this client's; answers how many ended. */
    revokeOthers: async (options?: ForUser): Promise<number> => {
      const answer = await transport.send({ method: "DELETE", path: ownerPath(options, "sessions") });
      const revoked = isRecord(answer.body) ? answer.body["revoked"] : undefined;
      if (typeof revoked !== "number") throw unexpectedAnswer(answer, answer.status, "no count in the answer");
      return revoked;
    },
  };
}

export function auditApi(transport: Transport) {
  return {
    /** `GET system/audit` (admins): the newest entries first, paginated. */
    list: async (query: AuditQuery = {}): Promise<Collection<AuditEntry>> =>
      collectionOf<AuditEntry>(
        await transport.send({
          method: "GET",
          path: "system/audit",
          query: {
            ...(query.page === undefined ? {} : { page: query.page }),
            ...(query.limit === undefined ? {} : { limit: query.limit }),
          },
        }),
      ),
  };
}

export function twoFactorApi(transport: Transport) {
  return {
    status: async (): Promise<TwoFactorStatus> => dataOf(await transport.send({ method: "GET", path: "account/totp" })),
    /** Starts a setup (session logins only): a new secret, its URI and QR code. Nothing is stored yet. */
    start: async (): Promise<TwoFactorSetup> => dataOf(await transport.send({ method: "POST", path: "account/totp" })),
    /**
     * Confirms the setup with the first code and the password; answers the ten recovery codes, shown only now.
     * The account's other sessions end.
     */
    enable: async (input: EnableTwoFactorInput): Promise<string[]> =>
      dataOf<{ recoveryCodes: string[] }>(
        await transport.send({
          method: "POST",
          path: "account/totp/enable",
          body: { code: input.code, password: input.password },
        }),
      ).recoveryCodes,
    /** Turns time-based codes off with the password and a code (or a recovery code). */
    disable: async (input: DisableTwoFactorInput): Promise<void> =>
      okOf(
        await transport.send({
          method: "DELETE",
          path: "account/totp",
          body: { password: input.password, code: input.code },
        }),
      ),
    /** An admin turns another user's time-based codes off (a lost phone), confirming with the admin's password. */
    reset: async (user: string, input: { readonly password: string }): Promise<void> =>
      okOf(
        await transport.send({
          method: "DELETE",
          path: `${userPath(user)}/totp`,
          body: { password: input.password },
        }),
      ),
  };
}

export type TokensApi = ReturnType<typeof tokensApi>;
export type SessionsApi = ReturnType<typeof sessionsApi>;
export type AuditApi = ReturnType<typeof auditApi>;
export type TwoFactorApi = ReturnType<typeof twoFactorApi>;
