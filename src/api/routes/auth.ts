import type { User } from "../../accounts/types.js";
import { validatePassword } from "../../auth/index.js";
import { createChallenge, verifyChallenge, type ChallengeDependencies } from "../../auth/challenges/challenge-flow.js";
import { authStatusOf, RESET_PASSWORD_KEY } from "../../auth/challenges/challenge-session.js";
import type { ChallengeMode } from "../../auth/challenges/email.js";
import { InvalidArgumentError, PermissionError } from "../../errors.js";
import { unixNow } from "../../session/index.js";
import type { ApiContext, Params } from "../context.js";
import { ModelResult } from "../result.js";
import { route, type RouteDefinition } from "../route.js";
import { renderModel, viewSelection } from "../views/engine.js";
import { siteTitle } from "../views/site.js";
import { userSchema } from "../views/user.js";

/** Kirby reads `long` with PHP's bool coercion: true, "yes", "1", 1 ⇒ true; false, "0", "", 0 ⇒ false. */
export function coerceLong(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "boolean") return value;
  if (typeof value === "number") return value !== 0;
  if (typeof value === "string") return value !== "" && value !== "0";
  return true;
}

function stringInput(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return "";
}

/**
 * A body value Kirby hands on as a typed argument (`email`, `code`: string; `long`: bool). Null, a list or a map
 * there is a PHP type error, which Kirby answers with the generic 500 (spec §2.2); so does Sheaf. Only a value that
 * is missing altogether may be `optional` (Sheaf's deliberate reading of a login without `email` or `long`).
 */
function typedInput(body: Params, name: string, type: "string" | "bool", { optional }: { optional: boolean }): unknown {
  const value = body.get(name);
  if (value === undefined && optional) return undefined;
  if (value === undefined || value === null || typeof value === "object") {
    const given = value === undefined || value === null ? "null" : Array.isArray(value) ? "array" : "object";
    throw new TypeError(`Argument "${name}" must be of type ${type}, ${given} given`);
  }
  return value;
}

export function authView(context: ApiContext, user: User): Record<string, unknown> {
  const actor = { user, role: context.services.roleOf(user) };
  return renderModel(userSchema, user, viewSelection(userSchema, "auth"), { ...context, actor });
}

/** `auth/login`, `auth/code` and `system/install` check CSRF for session requests with 400 (spec §1.10). */
export async function requireLoginCsrf(context: ApiContext): Promise<void> {
  if (context.auth.authType === "session" && !(await context.auth.isCsrfValid())) {
    throw new InvalidArgumentError({ message: "Invalid CSRF token" });
  }
}

function hostOf(baseUrl: string): string {
  try {
    return new URL(baseUrl).hostname;
  } catch {
    return "localhost";
  }
}

function challengeDependencies(context: ApiContext): ChallengeDependencies {
  const { auth, services } = context;
  const check = services.passwordCheck;
  return {
    options: services.options,
    users: check.users,
    throttle: check.throttle,
    mailer: auth.mailer,
    clientIp: auth.clientIp,
    userAgent: auth.userAgent,
    siteTitle: siteTitle(services.content.site),
    siteHost: hostOf(context.baseUrl),
    failureDelayMs: check.failureDelayMs,
    ...(check.onRefusal ? { onRefusal: check.onRefusal } : {}),
    ...(check.log ? { log: check.log } : {}),
    now: unixNow,
  };
}

/** Starts a challenge in the cookie session (long when asked) and answers with the type the client should ask for. */
async function startChallenge(context: ApiContext, email: string, mode: ChallengeMode, long: boolean): Promise<Record<string, unknown>> {
  const { auth, services } = context;
  const session = await auth.openCookieSession({ long });
  if (long) services.security.sessions.extendToLong(session);
  await createChallenge(challengeDependencies(context), session, { email, mode });
  const status = authStatusOf(auth.sessionUser(session), session, services.options.auth.challenges);
  return { code: 200, status: "ok", challenge: status.status === "pending" ? status.challenge : null };
}

async function login(context: ApiContext): Promise<Record<string, unknown>> {
  const { auth, request, services } = context;
  await requireLoginCsrf(context);
  if (auth.authType === "session") await auth.openCookieSession();
  const methods = services.options.auth.methods;
  const password = stringInput(request.body.get("password"));
  // read where Kirby passes them on as typed arguments: after the checks of the enabled methods
  const typed = (): { email: string; long: boolean } => ({
    email: stringInput(typedInput(request.body, "email", "string", { optional: true })),
    long: coerceLong(typedInput(request.body, "long", "bool", { optional: true })),
  });

  if (password !== "") {
    if (!("password" in methods)) throw new InvalidArgumentError({ message: "Login with password is not enabled" });
    const { email, long } = typed();
    const user = await validatePassword(context.services.passwordCheck, email, password, auth.clientIp, auth.userAgent);
    if (methods["password"]?.["2fa"] === true) return startChallenge(context, email, "2fa", long);
    if (user.id === "kirby") {
      throw new PermissionError({
        message: 'The almighty user "kirby" cannot be used for login, only for raising permissions in code via `$kirby->impersonate()`',
      });
    }
    await auth.logIn(user, { long });
    void auth.audit({ event: "login.success", actor: { id: user.id, email: user.email }, details: { method: "password", long } });
    return { code: 200, status: "ok", user: authView(context, user) };
  }
  const mode: ChallengeMode | null = "code" in methods ? "login" : "password-reset" in methods ? "password-reset" : null;
  if (mode === null) throw new InvalidArgumentError({ message: "Login without password is not enabled" });
  const { email, long } = typed();
  return startChallenge(context, email, mode, long);
}

/** `auth/code`: the code of the pending challenge logs its user in (a password-reset code also allows a new password). */
async function verifyCode(context: ApiContext): Promise<Record<string, unknown>> {
  const { auth } = context;
  await requireLoginCsrf(context);
  const session = await auth.cookieSession();
  const code = stringInput(typedInput(context.request.body, "code", "string", { optional: false }));
  const { user, mode } = await verifyChallenge(challengeDependencies(context), session, code, { logOut: () => auth.logOut() });
  const loggedIn = await auth.logIn(user, { long: session?.isLong ?? false });
  if (mode === "password-reset") loggedIn.set(RESET_PASSWORD_KEY, true);
  void auth.audit({ event: "login.success", actor: { id: user.id, email: user.email }, details: { method: "code", mode } });
  return { code: 200, status: "ok", user: authView(context, user) };
}

/** Login (password or challenge), code, logout, ping, the current user and the CSRF token (spec §2, deviation a). */
export const authRoutes: readonly RouteDefinition[] = [
  route("GET", "auth", (context) => new ModelResult(userSchema, context.identity?.user, "auth")),
  route("GET", "auth/csrf", async (context) => ({ code: 200, status: "ok", csrf: await context.auth.csrfToken() }), { auth: false }),
  route("POST", "auth/login", login, { auth: false }),
  route("POST", "auth/code", verifyCode, { auth: false }),
  route("POST", "auth/logout", async (context) => {
    const session = await context.auth.cookieSession();
    const user = session ? context.auth.sessionUser(session) : null;
    await context.auth.logOut();
    if (user) void context.auth.audit({ event: "logout", actor: { id: user.id, email: user.email } });
    return true;
  }, { auth: false }),
  route("POST", "auth/ping", async (context) => {
    await context.auth.cookieSession();
    return true;
  }, { auth: false }),
];
