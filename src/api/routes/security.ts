import type { User } from "../../accounts/types.js";
import { InvalidArgumentError, NotFoundError, PermissionError } from "../../errors.js";
import { unixNow } from "../../session/index.js";
import { describeToken, parseScope, type TokenScope } from "../../tokens/index.js";
import type { ApiContext } from "../context.js";
import { paginate } from "../pagination.js";
import { route, type ApiResult, type RouteDefinition } from "../route.js";
import { findAccessibleUser } from "./lookup.js";
import { checkBody } from "../openapi/index.js";
import { CreateTokenBody } from "../openapi/declarations/security.js";

/**
 * Sheaf's own security routes (beyond Kirby): application passwords, session management and the audit log.
 * A user manages their own; an admin manages anyone's.
 */

function isAdmin(context: ApiContext): boolean {
  return context.identity?.role.name === "admin";
}

/** Changing sessions or tokens with an application password needs a token of `full` scope. */
function requireFullScopeForChanges(context: ApiContext): void {
  const identity = context.identity;
  const token = identity?.kind === "token" ? identity.token : identity?.kind === "basic" ? identity.token : undefined;
  if (token && token.scope !== "full") {
    throw new PermissionError({
      message: "This application password may not change sessions or application passwords",
    });
  }
}

/** The user whose tokens/sessions a route manages: `account…` = the caller, `users/<id>…` = self or any (admins). */
function managedUser(context: ApiContext, key: string | null): User {
  const identity = context.identity;
  if (!identity) throw new NotFoundError({ key: "user.undefined" });
  if (key === null) return identity.user;
  const user = findAccessibleUser(context, key);
  if (user.id !== identity.user.id && !isAdmin(context)) {
    throw new PermissionError({ message: `You are not allowed to manage the access of "${user.email}"` });
  }
  return user;
}

function ok(data: unknown): ApiResult {
  return { code: 200, status: "ok", data };
}

function tokensOrFail(context: ApiContext) {
  const tokens = context.services.security.tokens;
  if (!tokens) throw new NotFoundError({ message: "Application passwords are disabled (option api.tokens)" });
  return tokens;
}

function expiryFrom(context: ApiContext): number | null {
  const { body } = context.request;
  const inSeconds = body.get("expiresIn");
  const at = body.get("expiresAt");
  if (inSeconds !== undefined && inSeconds !== null && inSeconds !== "") {
    const seconds = Number(inSeconds);
    if (!Number.isInteger(seconds) || seconds <= 0)
      throw new InvalidArgumentError({ message: "expiresIn must be a positive number of seconds" });
    return unixNow() + seconds;
  }
  if (typeof at === "string" && at !== "") {
    const time = Date.parse(at);
    if (Number.isNaN(time) || time <= Date.now())
      throw new InvalidArgumentError({ message: "expiresAt must be a date in the future (ISO 8601)" });
    return Math.floor(time / 1000);
  }
  return null;
}

async function createToken(context: ApiContext, key: string | null): Promise<ApiResult> {
  const tokens = tokensOrFail(context);
  const identity = context.identity;
  if (identity?.kind === "token" || (identity?.kind === "basic" && identity.token)) {
    throw new PermissionError({
      message: "An application password cannot create application passwords; log in with the account password",
    });
  }
  const user = managedUser(context, key);
  const input = checkBody(CreateTokenBody, context.request.body);
  const name = input.name.trim();
  let scope: TokenScope;
  try {
    scope = parseScope(input.scope);
  } catch (error) {
    throw new InvalidArgumentError({ message: error instanceof Error ? error.message : String(error) });
  }
  const { record, token } = await tokens.create({
    userId: user.id,
    name,
    scope,
    expiresAt: expiryFrom(context),
    now: unixNow(),
  });
  void context.auth.audit({
    event: "token.create",
    actor: { id: identity!.user.id, email: identity!.user.email },
    target: { user: user.id, token: record.id },
    details: { name, scope: typeof scope === "string" ? scope : "custom", expiresAt: record.expiresAt },
  });
  return ok({ ...describeToken(record), token });
}

async function revokeToken(context: ApiContext, key: string | null, tokenId: string): Promise<ApiResult> {
  requireFullScopeForChanges(context);
  const tokens = tokensOrFail(context);
  const user = managedUser(context, key);
  const record = tokens.get(tokenId);
  if (!record || record.userId !== user.id)
    throw new NotFoundError({ message: `The application password "${tokenId}" cannot be found` });
  await tokens.revoke(tokenId);
  const actor = context.identity!.user;
  void context.auth.audit({
    event: "token.revoke",
    actor: { id: actor.id, email: actor.email },
    target: { user: user.id, token: tokenId },
  });
  return true;
}

function currentStoreKeys(context: ApiContext): Set<string> {
  const identity = context.identity;
  if (identity?.kind !== "session") return new Set();
  const keys = new Set([identity.session.storeKey]);
  if (identity.session.loadedToken)
    keys.add(`${identity.session.loadedToken.expiresAtUnix}.${identity.session.loadedToken.id}`);
  return keys;
}

async function listSessions(context: ApiContext, key: string | null): Promise<ApiResult> {
  const user = managedUser(context, key);
  const current = currentStoreKeys(context);
  const entries = await context.services.security.sessions.listUserSessions(user.id);
  return ok(
    entries.map((entry) => ({
      id: entry.storeKey.split(".")[1],
      createdAt: new Date(entry.createdAt * 1000).toISOString(),
      lastSeenAt: new Date(entry.lastSeenAt * 1000).toISOString(),
      expiresAt: new Date(Number(entry.storeKey.split(".")[0]) * 1000).toISOString(),
      ip: entry.ip,
      userAgent: entry.userAgent,
      current: current.has(entry.storeKey),
    })),
  );
}

async function revokeSession(context: ApiContext, key: string | null, sessionId: string): Promise<ApiResult> {
  requireFullScopeForChanges(context);
  const user = managedUser(context, key);
  if (!(await context.services.security.sessions.revokeUserSession(user.id, sessionId))) {
    throw new NotFoundError({ message: `The session "${sessionId}" cannot be found` });
  }
  const actor = context.identity!.user;
  void context.auth.audit({
    event: "session.revoke",
    actor: { id: actor.id, email: actor.email },
    target: { user: user.id, session: sessionId },
  });
  return true;
}

async function revokeOtherSessions(context: ApiContext, key: string | null): Promise<ApiResult> {
  requireFullScopeForChanges(context);
  const user = managedUser(context, key);
  const identity = context.identity;
  const except = identity?.kind === "session" && identity.user.id === user.id ? identity.session.loadedToken : null;
  const count = await context.services.security.sessions.revokeUserSessions(
    user.id,
    except ? { exceptStoreKey: `${except.expiresAtUnix}.${except.id}` } : {},
  );
  const actor = identity!.user;
  void context.auth.audit({
    event: "session.revoke",
    actor: { id: actor.id, email: actor.email },
    target: { user: user.id },
    details: { count },
  });
  return { code: 200, status: "ok", message: "ok", revoked: count };
}

async function readAudit(context: ApiContext): Promise<ApiResult> {
  if (!isAdmin(context)) throw new PermissionError({ message: "Only admins can read the audit log" });
  const entries = await context.services.security.audit.read();
  const pagination = paginate(
    entries.length,
    context.request.query.textOrList("page"),
    context.request.query.textOrList("limit"),
  );
  return {
    code: 200,
    data: entries.slice(pagination.offset, pagination.offset + pagination.limit),
    pagination,
    status: "ok",
    type: "collection",
  };
}

/** The same action for `account/<suffix>` and `users/<id>/<suffix>`. */
function both(
  method: string,
  suffix: string,
  action: (context: ApiContext, key: string | null, ...rest: string[]) => ApiResult | Promise<ApiResult>,
): RouteDefinition[] {
  return [
    route(method, `account/${suffix}`, (context, params) => action(context, null, ...params)),
    route(method, `users/(:any)/${suffix}`, (context, [key = "", ...params]) => action(context, key, ...params)),
  ];
}

export const securityRoutes: readonly RouteDefinition[] = [
  ...both("GET", "tokens", async (context, key) => {
    const tokens = tokensOrFail(context);
    await tokens.syncUsage();
    return ok(tokens.list(managedUser(context, key).id).map(describeToken));
  }),
  ...both("POST", "tokens", createToken),
  ...both("DELETE", "tokens/(:any)", (context, key, id = "") => revokeToken(context, key, id)),
  ...both("GET", "sessions", listSessions),
  ...both("DELETE", "sessions", revokeOtherSessions),
  ...both("DELETE", "sessions/(:any)", (context, key, id = "") => revokeSession(context, key, id)),
  route("GET", "system/audit", readAudit),
];
