import type { User } from "../../accounts/types.js";
import { generateRecoveryCodes, hashRecoveryCode } from "../../accounts/recovery-codes.js";
import type { Identity } from "../../auth/index.js";
import {
  acceptTotpOnce,
  checkSecondFactor,
  codeInput,
  PENDING_TOTP_KEY,
  pendingTotpSecret,
  startTotpEnrolment,
  totpIssuer,
} from "../../auth/totp-enrolment.js";
import { InvalidArgumentError, NotFoundError, PermissionError } from "../../errors.js";
import type { Session } from "../../session/index.js";
import { unixNow } from "../../session/index.js";
import type { ApiContext } from "../context.js";
import { route, type ApiResult, type RouteDefinition } from "../route.js";
import { siteTitle } from "../views/site.js";
import { findAccessibleUser } from "./lookup.js";

/**
 * Sheaf's own two-factor routes (beyond Kirby): setting up time-based codes for one's own account, turning them
 * off, and an admin's reset. The secret is stored where Kirby keeps it (`.htpasswd` line 2, `{"totp": "…"}`), so a
 * site can go back to PHP Kirby; the recovery codes live in a file of Sheaf's own (accounts/recovery-codes.ts).
 * Rewriting `.htpasswd` logs the user out everywhere else, as a password change does.
 */

function hasTotp(user: User): boolean {
  return typeof user.secrets["totp"] === "string" && user.secrets["totp"] !== "";
}

function withoutTotp(secrets: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(secrets).filter(([key]) => key !== "totp"));
}

function refuseApplicationPasswords(identity: Identity | null): void {
  if (identity?.kind === "token" || (identity?.kind === "basic" && identity.token !== undefined)) {
    throw new PermissionError({ message: "Two-factor authentication cannot be changed with an application password" });
  }
}

/** The caller, logged in with a session: a setup is kept in the session until it is confirmed. */
function sessionCaller(context: ApiContext): { user: User; session: Session } {
  const identity = context.identity;
  refuseApplicationPasswords(identity);
  if (identity?.kind !== "session") {
    throw new PermissionError({ message: "Setting up two-factor authentication needs a session login" });
  }
  return { user: identity.user, session: identity.session };
}

function current(context: ApiContext, id: string): User {
  const user = context.services.findUser(id);
  if (!user) throw new NotFoundError({ key: "user.notFound", data: { name: id } });
  return user;
}

function client(context: ApiContext): { ip: string; userAgent: string | null } {
  return { ip: context.auth.clientIp, userAgent: context.auth.userAgent };
}

function passwordInput(context: ApiContext): string {
  return context.request.body.string("password") ?? "";
}

/**
 * After `.htpasswd` changed: the acting session (when it belongs to the target) stays logged in with a new token,
 * every other session and application password of the target ends, and the change is audited.
 */
async function afterSecretsChange(
  context: ApiContext,
  target: User,
  event: "totp.enable" | "totp.disable" | "totp.reset",
): Promise<void> {
  const identity = context.identity;
  const own = identity?.kind === "session" && identity.user.id === target.id ? identity.session : null;
  if (own) context.auth.renewLoginAfterPasswordChange(own, current(context, target.id).passwordTimestamp);
  const revoked = await context.services.security.revokeUserAccess(
    target.id,
    own ? { exceptStoreKey: own.storeKey } : {},
  );
  const actor = identity?.user;
  void context.auth.audit({
    event,
    actor: actor ? { id: actor.id, email: actor.email } : null,
    target: { user: target.id },
    details: { revokedSessions: revoked.sessions, revokedTokens: revoked.tokens },
  });
}

/** `GET account/totp`: whether time-based codes are on, and how many recovery codes are left. */
async function status(context: ApiContext): Promise<ApiResult> {
  const user = context.identity?.user;
  if (!user) throw new NotFoundError({ key: "user.undefined" });
  const enabled = hasTotp(user);
  const recoveryCodesLeft = enabled ? await context.services.accountWriter.recoveryCodesLeft(user.id) : 0;
  return { code: 200, status: "ok", data: { enabled, recoveryCodesLeft } };
}

/** `POST account/totp`: a fresh secret, its URI and QR code; nothing is stored on disk until it is confirmed. */
async function start(context: ApiContext): Promise<ApiResult> {
  const { user, session } = sessionCaller(context);
  if (hasTotp(user)) {
    throw new InvalidArgumentError({ message: "Two-factor authentication is already on; turn it off first" });
  }
  const host = new URL(context.baseUrl).hostname;
  const enrolment = await startTotpEnrolment(session, {
    issuer: totpIssuer(siteTitle(context.services.content.site), host),
    email: user.email,
    now: unixNow(),
  });
  return { code: 200, status: "ok", data: enrolment };
}

/** `POST account/totp/enable` `{code, password}`: stores the pending secret and answers the ten recovery codes. */
async function enable(context: ApiContext): Promise<ApiResult> {
  const { user, session } = sessionCaller(context);
  const { services } = context;
  if (hasTotp(user)) {
    throw new InvalidArgumentError({ message: "Two-factor authentication is already on; turn it off first" });
  }
  const secret = pendingTotpSecret(session, unixNow());
  const code = codeInput(context.request.body.string("code"));
  await context.auth.checkPasswordChange(context.identity, user, passwordInput(context), { resetting: false });
  const checks = services.security.passwords;
  await checkSecondFactor(checks, user, client(context), () =>
    acceptTotpOnce(checks.users, user, secret, code, unixNow()),
  );
  const recoveryCodes = generateRecoveryCodes();
  await services.accountWriter.updateSecrets(user.id, (secrets) => ({
    secrets: { ...secrets, totp: secret },
    recoveryHashes: recoveryCodes.map(hashRecoveryCode),
  }));
  session.remove(PENDING_TOTP_KEY);
  await afterSecretsChange(context, user, "totp.enable");
  return { code: 200, status: "ok", data: { enabled: true, recoveryCodes } };
}

/** Removes the secret and the recovery codes of `target`. */
async function removeTotp(context: ApiContext, target: User, event: "totp.disable" | "totp.reset"): Promise<void> {
  await context.services.accountWriter.updateSecrets(target.id, (secrets) => ({
    secrets: withoutTotp(secrets),
    recoveryHashes: null,
  }));
  await afterSecretsChange(context, target, event);
}

/** `DELETE account/totp` `{password, code}`: the user's own, with a TOTP code or a recovery code. */
async function disableOwn(context: ApiContext, user: User): Promise<ApiResult> {
  refuseApplicationPasswords(context.identity);
  if (!hasTotp(user)) throw new InvalidArgumentError({ message: "Two-factor authentication is not on" });
  const code = codeInput(context.request.body.string("code"));
  await context.auth.checkPasswordChange(context.identity, user, passwordInput(context), { resetting: false });
  const { passwords: checks } = context.services.security;
  const secret = user.secrets["totp"] as string;
  await checkSecondFactor(
    checks,
    user,
    client(context),
    async () =>
      acceptTotpOnce(checks.users, user, secret, code, unixNow()) ||
      (await context.services.accountWriter.consumeRecoveryCode(user.id, code)),
  );
  await removeTotp(context, user, "totp.disable");
  return true;
}

/**
 * `DELETE users/<id>/totp`: for oneself as `DELETE account/totp`; for another user only by an admin (Kirby's
 * changeTotp rule), who confirms with their own password.
 */
async function resetUser(context: ApiContext, key: string): Promise<ApiResult> {
  const actor = context.identity?.user;
  if (!actor) throw new NotFoundError({ key: "user.undefined" });
  const target = findAccessibleUser(context, key);
  if (target.id === actor.id) return disableOwn(context, actor);
  if (context.identity?.role.name !== "admin") {
    throw new PermissionError({ message: `You cannot change the time-based code for ${target.email}` });
  }
  refuseApplicationPasswords(context.identity);
  if (!hasTotp(target)) throw new InvalidArgumentError({ message: "Two-factor authentication is not on" });
  await context.auth.checkPasswordChange(context.identity, actor, passwordInput(context), { resetting: false });
  await removeTotp(context, target, "totp.reset");
  return true;
}

/**
 * Uses up a recovery code in the login challenge (`auth/code`) and audits it: for `ChallengeDependencies`.
 */
export function recoveryCodeConsumer(context: ApiContext): (user: User, input: string) => Promise<boolean> {
  return async (user, input) => {
    const used = await context.services.accountWriter.consumeRecoveryCode(user.id, input);
    if (used) void context.auth.audit({ event: "totp.recovery", actor: { id: user.id, email: user.email } });
    return used;
  };
}

export const twoFactorRoutes: readonly RouteDefinition[] = [
  route("GET", "account/totp", status),
  route("POST", "account/totp", start),
  route("POST", "account/totp/enable", enable),
  route("DELETE", "account/totp", (context) => {
    const user = context.identity?.user;
    if (!user) throw new NotFoundError({ key: "user.undefined" });
    return disableOwn(context, user);
  }),
  route("DELETE", "users/(:any)/totp", (context, [key = ""]) => resetUser(context, key)),
];
