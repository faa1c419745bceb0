import type { User } from "../../accounts/types.js";
import { validatePassword } from "../../auth/index.js";
import { createChallenge, verifyChallenge, type ChallengeDependencies } from "../../auth/challenges/challenge-flow.js";
import { codeField, loginFields, loginPassword } from "../../auth/login-input.js";
import { authStatusOf, RESET_PASSWORD_KEY } from "../../auth/challenges/challenge-session.js";
import type { ChallengeMode } from "../../auth/challenges/email.js";
import { InvalidArgumentError, PermissionError } from "../../errors.js";
import { unixNow } from "../../session/index.js";
import type { ApiContext } from "../context.js";
import { ModelResult } from "../result.js";
import { route, type RouteDefinition } from "../route.js";
import { renderModel, viewSelection } from "../views/engine.js";
import { siteTitle } from "../views/site.js";
import { userSchema } from "../views/user.js";
import { recoveryCodeConsumer } from "./two-factor.js";

export function authView(context: ApiContext, user: User): Record<string, unknown> {
  const actor = { user, role: context.services.roleOf(user) };
  return renderModel(userSchema, user, viewSelection(userSchema, "auth"), { ...context, actor });
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
  const check = services.security.passwords;
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
    consumeRecoveryCode: recoveryCodeConsumer(context),
  };
}

/** Starts a challenge in the cookie session (long when asked) and answers with the type the client should ask for. */
async function startChallenge(
  context: ApiContext,
  email: string,
  mode: ChallengeMode,
  long: boolean,
): Promise<Record<string, unknown>> {
  const { auth, services } = context;
  const session = await auth.openCookieSession({ long });
  if (long) services.security.sessions.extendToLong(session);
  await createChallenge(challengeDependencies(context), session, { email, mode });
  const status = authStatusOf(auth.sessionUser(session), session, services.options.auth.challenges);
  return { code: 200, status: "ok", challenge: status.status === "pending" ? status.challenge : null };
}

/** The end of every successful login: the device is remembered, the login audited, the user answered. */
function loggedIn(context: ApiContext, user: User, details: Record<string, unknown>): Record<string, unknown> {
  context.auth.rememberDevice(user);
  void context.auth.audit({ event: "login.success", actor: { id: user.id, email: user.email }, details });
  return { code: 200, status: "ok", user: authView(context, user) };
}

async function login(context: ApiContext): Promise<Record<string, unknown>> {
  const { auth, request, services } = context;
  // Kirby's CSRF check leaves a session behind; a refused body (wrong types) changes nothing
  const openSession = async (): Promise<void> => {
    if (auth.authType === "session") await auth.openCookieSession();
  };
  const refuse = async (message: string): Promise<never> => {
    await openSession();
    throw new InvalidArgumentError({ message });
  };
  const methods = services.options.auth.methods;
  const passwordInput = loginPassword(request.body);
  const { password } = passwordInput;
  const withPassword = password !== "" || passwordInput.wrongType !== null;
  if (withPassword && !("password" in methods)) await refuse("Login with password is not enabled");
  const mode: ChallengeMode | null = withPassword
    ? "2fa"
    : "code" in methods
      ? "login"
      : "password-reset" in methods
        ? "password-reset"
        : null;
  if (mode === null) await refuse("Login without password is not enabled");
  // read where Kirby passes them on as typed arguments: after the checks of the enabled methods
  const { email, long } = loginFields(request.body, passwordInput);
  await openSession();

  if (withPassword) {
    const user = await validatePassword(
      context.services.security.passwords,
      email,
      password,
      auth.clientIp,
      auth.userAgent,
      {
        knownDeviceUserId: auth.knownDeviceUserId(),
      },
    );
    if (methods["password"]?.["2fa"] === true) return startChallenge(context, email, "2fa", long);
    if (user.id === "kirby") {
      throw new PermissionError({
        message:
          'The almighty user "kirby" cannot be used for login, only for raising permissions in code via `$kirby->impersonate()`',
      });
    }
    await auth.logIn(user, { long });
    return loggedIn(context, user, { method: "password", long });
  }
  return startChallenge(context, email, mode as ChallengeMode, long);
}

/** `auth/code`: the code of the pending challenge logs its user in (a password-reset code also allows a new password). */
async function verifyCode(context: ApiContext): Promise<Record<string, unknown>> {
  const { auth } = context;
  const session = await auth.cookieSession();
  const code = codeField(context.request.body);
  // Kirby's TypeError 500 is a 400 here: a 500 only ever means a bug
  // (docs/kirby-compat/routes-and-envelopes.md#no-500-for-bad-input)
  if (code === undefined) throw new InvalidArgumentError({ message: 'The "code" field is missing' });
  const { user, mode } = await verifyChallenge(challengeDependencies(context), session, code, {
    logOut: () => auth.logOut(),
  });
  const started = await auth.logIn(user, { long: session?.isLong ?? false });
  if (mode === "password-reset") started.set(RESET_PASSWORD_KEY, true);
  return loggedIn(context, user, { method: "code", mode });
}

/**
 * Login (password or challenge), code, logout, ping, the current user and the CSRF token
 * (docs/kirby-compat/auth-and-sessions.md#login, docs/kirby-compat/csrf-and-cors.md#getting-the-token).
 */
export const authRoutes: readonly RouteDefinition[] = [
  route("GET", "auth", (context) => new ModelResult(userSchema, context.identity?.user, "auth")),
  route("GET", "auth/csrf", async (context) => ({ code: 200, status: "ok", csrf: await context.auth.csrfToken() }), {
    auth: false,
  }),
  route("POST", "auth/login", login, { auth: false, csrf: "login" }),
  route("POST", "auth/code", verifyCode, { auth: false, csrf: "login" }),
  route(
    "POST",
    "auth/logout",
    async (context) => {
      // logging out asks for the current user: wrong Basic credentials are refused here as on protected routes
      if (context.auth.authType === "basic") await context.auth.basicUser();
      const session = await context.auth.cookieSession();
      const user = session ? context.auth.sessionUser(session) : null;
      await context.auth.logOut();
      if (user) void context.auth.audit({ event: "logout", actor: { id: user.id, email: user.email } });
      return true;
    },
    { auth: false },
  ),
  route(
    "POST",
    "auth/ping",
    async (context) => {
      await context.auth.cookieSession();
      return true;
    },
    { auth: false },
  ),
];
