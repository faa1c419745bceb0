import type { User } from "../../accounts/types.js";
import { validatePassword } from "../../auth/index.js";
import { InvalidArgumentError, LogicError, PermissionError } from "../../errors.js";
import type { ApiContext } from "../context.js";
import { ModelResult } from "../result.js";
import { route, type RouteDefinition } from "../route.js";
import { renderModel, viewSelection } from "../views/engine.js";
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

function authView(context: ApiContext, user: User): Record<string, unknown> {
  const actor = { user, role: context.services.roleOf(user) };
  return renderModel(userSchema, user, viewSelection(userSchema, "auth"), { ...context, actor });
}

async function login(context: ApiContext): Promise<Record<string, unknown>> {
  const { auth, request, services } = context;
  if (auth.authType === "session") {
    if (!(await auth.isCsrfValid())) throw new InvalidArgumentError({ message: "Invalid CSRF token" });
    await auth.openCookieSession();
  }
  const methods = services.options.auth.methods;
  const email = stringInput(request.body.get("email"));
  const password = stringInput(request.body.get("password"));
  const long = coerceLong(request.body.get("long"));

  if (password !== "") {
    if (!("password" in methods)) throw new InvalidArgumentError({ message: "Login with password is not enabled" });
    if (methods["password"]?.["2fa"] === true) {
      throw new LogicError({ message: "Two-factor login challenges are not supported by this server" });
    }
    const user = await validatePassword(context.services.passwordCheck, email, password, auth.clientIp);
    if (user.id === "kirby") {
      throw new PermissionError({
        message: 'The almighty user "kirby" cannot be used for login, only for raising permissions in code via `$kirby->impersonate()`',
      });
    }
    await auth.logIn(user, { long });
    void auth.audit({ event: "login.success", actor: { id: user.id, email: user.email }, details: { method: "password", long } });
    return { code: 200, status: "ok", user: authView(context, user) };
  }
  if ("code" in methods || "password-reset" in methods) {
    throw new LogicError({ message: "Login codes are not supported by this server" });
  }
  throw new InvalidArgumentError({ message: "Login without password is not enabled" });
}

/** Login, logout, ping, the current user and the CSRF token (spec §2, deviation a). */
export const authRoutes: readonly RouteDefinition[] = [
  route("GET", "auth", (context) => new ModelResult(userSchema, context.identity?.user, "auth")),
  route("GET", "auth/csrf", async (context) => ({ code: 200, status: "ok", csrf: await context.auth.csrfToken() }), { auth: false }),
  route("POST", "auth/login", login, { auth: false }),
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
