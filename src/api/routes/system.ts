import type { User } from "../../accounts/types.js";
import type { Session } from "../../session/index.js";
import { authStatusOf, type AuthStatus } from "../../auth/challenges/challenge-session.js";
import type { ApiContext } from "../context.js";
import { ModelResult } from "../result.js";
import { route, type RouteDefinition } from "../route.js";
import { systemSchema, type SystemState } from "../views/system.js";
import { CollectionResult } from "../result.js";
import { authView } from "./auth.js";
import { normaliseEmail, normaliseName } from "../../accounts/user-fields.js";
import { checkCreate } from "../../permissions/user-rules.js";
import { hashPassword } from "../../accounts/passwords.js";
import { PermissionError } from "../../errors.js";
import { TRANSLATIONS, translationSchema } from "../views/translation-model.js";

const LOCAL_HOST = /^(localhost|127\.0\.0\.1|\[::1\]|.*\.local|.*\.test|.*\.ddev\.site)(:\d+)?$/i;

function isLoopback(address: string): boolean {
  return address === "127.0.0.1" || address === "::1";
}

/** Local environment: a local host name, or a loopback client with no proxy in between. */
function isLocal(context: ApiContext): boolean {
  const host = /^https?:\/\/([^/]+)/i.exec(context.baseUrl)?.[1] ?? "";
  if (LOCAL_HOST.test(host)) return true;
  const headers = context.auth.info.headers;
  const forwarded = [headers["x-forwarded-for"], headers["client-ip"]].filter((value) => value !== undefined);
  return (
    isLoopback(context.auth.info.remoteAddress) &&
    forwarded.every((value) => value!.split(",").every((ip) => isLoopback(ip.trim())))
  );
}

const LOCAL_NAME = /^(localhost|.*\.local|.*\.test)$/i;

function isLoopbackAddress(address: string): boolean {
  const plain = address
    .trim()
    .replace(/^\[|\]$/g, "")
    .replace(/^::ffff:/i, "");
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(plain) || plain === "::1";
}

/** Every client address the request's headers name (`Forwarded: for=`, `X-Forwarded-For`, `Client-IP`, `X-Real-IP`). */
function forwardedAddresses(headers: Readonly<Record<string, string | undefined>>): string[] {
  const addresses: string[] = [];
  for (const name of ["x-forwarded-for", "client-ip", "x-real-ip"]) {
    const value = headers[name];
    if (value !== undefined) addresses.push(...value.split(","));
  }
  const forwarded = headers["forwarded"];
  if (forwarded !== undefined) {
    for (const element of forwarded.split(/[,;]/)) {
      const [key = "", value = ""] = element.split("=");
      if (key.trim().toLowerCase() === "for") addresses.push(value.trim().replace(/^"|"$/g, "").replace(/:\d+$/, ""));
    }
  }
  return addresses;
}

/**
 * Whether the first admin may be created over HTTP. Stricter than Kirby's `isLocal` (which trusts the bind address
 * `127.0.0.1`, so a same-host reverse proxy made every visitor local): the Host header must name the machine itself
 * (`localhost`, `*.local`, `*.test`), the peer must be a loopback address, and so must every forwarded address.
 */
function installIsLocal(context: ApiContext): boolean {
  const { headers, remoteAddress } = context.auth.info;
  const host = (headers["host"] ?? "").replace(/:\d+$/, "");
  if (!LOCAL_NAME.test(host)) return false;
  return isLoopbackAddress(remoteAddress) && forwardedAddresses(headers).every(isLoopbackAddress);
}

/**
 * The session of a request that may see what it holds: with its CSRF token (or none of a session at all). Without
 * the token a cross-site request could read who is logged in (or the e-mail of a pending challenge).
 */
async function provenSession(context: ApiContext): Promise<Session | null> {
  const session = await context.auth.currentSession();
  return session && (await context.auth.isCsrfValid()) ? session : null;
}

/** The user of the request without requiring authentication: the session's user, else Basic (errors ignored). */
async function silentUser(context: ApiContext): Promise<User | null> {
  const { auth } = context;
  if (auth.authType === "basic") return auth.basicUser().catch(() => null);
  const session = await provenSession(context);
  return session ? auth.sessionUser(session) : null;
}

/** The refusal of the request's Basic credentials (checked once per request), or null when they passed or none came. */
async function basicFailure(context: ApiContext): Promise<Error | null> {
  if (context.auth.authType !== "basic") return null;
  return context.auth.basicUser().then(
    () => null,
    (error: unknown) => (error instanceof Error ? error : new Error(String(error))),
  );
}

/** Logged in, or a login challenge pending in the session (docs/kirby-compat/auth-and-sessions.md#auth-status). */
async function authStatus(context: ApiContext, user: User | null): Promise<AuthStatus> {
  const session = user ? null : await provenSession(context);
  return authStatusOf(user, session, context.services.options.auth.challenges);
}

/**
 * `GET system`: the public login view, or the panel view for a logged-in user
 * (docs/kirby-compat/routes-and-envelopes.md#system-and-translations).
 */
/**
 * `POST system/install`: the first user of a site without users, an admin, logged in at once
 * (docs/kirby-compat/auth-and-sessions.md#first-user).
 */
async function install(context: ApiContext): Promise<Record<string, unknown>> {
  const { auth, services, request } = context;
  if (auth.authType === "session") await auth.openCookieSession();
  if (!installIsLocal(context) && !services.options.panel.install) {
    throw new PermissionError({
      message:
        "The first account can only be created from this machine (http://localhost). Use `sheaf init` or `sheaf user:create` on the server, or set panel.install",
    });
  }
  if (services.users().length > 0) throw new PermissionError({ message: "The Panel is already installed" });
  const text = (name: string): string => request.body.string(name) ?? "";
  const draft = () => ({
    id: null,
    email: normaliseEmail(text("email")),
    role: "admin",
    language: (request.body.string("language") ?? services.options.panel.language).trim(),
    password: text("password") === "" ? null : text("password"),
  });
  checkCreate(services, null, draft());
  const passwordHash = await hashPassword(text("password"));
  const id = await services.accountWriter.create(async () => {
    const checked = draft();
    checkCreate(services, null, checked);
    if (services.users().length > 0) throw new PermissionError({ message: "The Panel is already installed" });
    return {
      id: await services.accountWriter.newUserId(),
      account: {
        email: checked.email,
        language: checked.language,
        name: request.body.string("name") ? normaliseName(text("name")) : null,
        role: "admin",
        passwordHash,
      },
    };
  });
  const user = services.findUser(id);
  if (!user) throw new PermissionError({ message: "The Panel cannot be installed" });
  await auth.logIn(user, { long: false });
  void auth.audit({
    event: "user.create",
    actor: { id: user.id, email: user.email },
    target: { user: user.id },
    details: { install: true },
  });
  return { status: "ok", token: true, user: authView(context, user) };
}

export const systemRoutes: readonly RouteDefinition[] = [
  route("POST", "system/install", install, { auth: false, csrf: "login" }),
  route(
    "GET",
    "translations",
    (context) => new CollectionResult(translationSchema, context.services.translations ?? TRANSLATIONS),
    { auth: false },
  ),
  // an unknown code is Kirby's plain `null` answer: 404 {"status":"error","message":"not found","code":404}
  route(
    "GET",
    "translations/(:any)",
    (context, [code = ""]) => {
      const translations = context.services.translations ?? TRANSLATIONS;
      const translation = translations.find((candidate) => candidate.id === code);
      return translation ? new ModelResult(translationSchema, translation) : null;
    },
    { auth: false },
  ),
  route(
    "GET",
    "system",
    async (context) => {
      const user = await silentUser(context);
      const credentialError = await basicFailure(context);
      const state: SystemState = {
        authStatus: await authStatus(context, user),
        user,
        isLocal: isLocal(context),
        ...(credentialError ? { credentialError } : {}),
      };
      if (!user) return new ModelResult(systemSchema, state, "login");
      const actorContext = { ...context, actor: { user, role: context.services.roleOf(user) } };
      return new ModelResult(systemSchema, state, "panel").withContext(actorContext);
    },
    { auth: false },
  ),
];
