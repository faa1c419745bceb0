// Who sends a fuzz request: anonymous, session (cookie + X-CSRF) for admin and editor, Basic for admin and
// editor, and callers with broken credentials. Sessions are opened over the wire before the fuzz starts.

import { exchange, serialiseRequest } from "./wire.mjs";

export const ACCOUNTS = {
  admin: { email: "admin@example.com", password: "AdminPass123!" },
  editor: { email: "editor@example.com", password: "EditorPass123!" },
};

/** Caller kinds and how often each sends a request. `sessionCookie` callers carry a real session. */
export const CALLER_WEIGHTS = [
  [20, "anonymous"],
  [18, "admin-session"],
  [12, "editor-session"],
  [4, "admin-header-session"],
  [9, "admin-basic"],
  [5, "editor-basic"],
  [5, "admin-bearer"],
  [3, "editor-bearer"],
  [10, "broken-basic"],
  [6, "broken-bearer"],
  [8, "forged-cookie"],
];

const AUTHENTICATED = new Set([
  "admin-session",
  "editor-session",
  "admin-header-session",
  "admin-basic",
  "editor-basic",
  "admin-bearer",
  "editor-bearer",
]);
const SESSIONS = new Set(["admin-session", "editor-session", "admin-header-session"]);

/** True for callers that present a valid identity (their writes reach the route's action). */
export function isAuthenticated(caller) {
  return AUTHENTICATED.has(caller);
}

/** Callers with a logged-in session (cookie, or `Authorization: Session`): CSRF applies to them. */
export function isSessionCaller(caller) {
  return SESSIONS.has(caller);
}

/** True for callers that send no usable session: they must never be given a new one (except by auth/csrf). */
export function hasNoSession(caller) {
  return !isSessionCaller(caller);
}

function basic(account) {
  return `Basic ${Buffer.from(`${account.email}:${account.password}`).toString("base64")}`;
}

async function call(port, method, target, headers, body) {
  const payload = serialiseRequest({
    method,
    target,
    headers: [
      ["Host", `127.0.0.1:${port}`],
      ["Connection", "close"],
      ...headers,
      ...(body ? [["Content-Length", String(body.length)]] : []),
    ],
    body,
  });
  const result = await exchange({ port, payload, timeoutMs: 10_000 });
  const response = result.responses[0];
  if (!response) throw new Error(`${method} ${target}: no answer (${result.outcome})`);
  return response;
}

function sessionCookieOf(response) {
  const cookies = [].concat(response.headers["set-cookie"] ?? []);
  const cookie = cookies
    .map((line) => line.split(";")[0])
    .filter((pair) => pair.startsWith("kirby_session="))
    .at(-1);
  if (!cookie) throw new Error(`no session cookie in answer ${response.status}`);
  return cookie;
}

/** Opens a logged-in session: GET auth/csrf, then POST auth/login with the cookie and X-CSRF. */
export async function logIn(port, account) {
  const csrfAnswer = await call(port, "GET", "/api/auth/csrf", []);
  const csrf = JSON.parse(csrfAnswer.body.toString("utf8")).csrf;
  const preLogin = sessionCookieOf(csrfAnswer);
  const body = Buffer.from(JSON.stringify({ email: account.email, password: account.password, long: false }));
  const loginAnswer = await call(
    port,
    "POST",
    "/api/auth/login",
    [
      ["Cookie", preLogin],
      ["X-CSRF", csrf],
      ["Content-Type", "application/json"],
    ],
    body,
  );
  if (loginAnswer.status !== 200)
    throw new Error(`login of ${account.email} answered ${loginAnswer.status}: ${loginAnswer.body}`);
  const cookie = sessionCookieOf(loginAnswer);
  // the CSRF token belongs to the session data, which moves to the new token on login
  const check = await call(port, "GET", "/api/auth", [
    ["Cookie", cookie],
    ["X-CSRF", csrf],
  ]);
  if (check.status !== 200) throw new Error(`session of ${account.email} does not work: ${check.status} ${check.body}`);
  return { cookie, csrf };
}

/** Creates an application password for a session's user (`scope`: "full" or "read"). */
async function createToken(port, session, scope) {
  const body = Buffer.from(JSON.stringify({ name: `fuzz-${scope}`, scope }));
  const answer = await call(
    port,
    "POST",
    "/api/account/tokens",
    [
      ["Cookie", session.cookie],
      ["X-CSRF", session.csrf],
      ["Content-Type", "application/json"],
    ],
    body,
  );
  if (answer.status !== 200) throw new Error(`creating a ${scope} token answered ${answer.status}: ${answer.body}`);
  return JSON.parse(answer.body.toString("utf8")).data.token;
}

/** The session token inside a `kirby_session=<hmac>%2B<token>` cookie pair. */
function sessionTokenOf(cookie) {
  const value = decodeURIComponent(cookie.slice(cookie.indexOf("=") + 1));
  return value.slice(value.indexOf("+") + 1);
}

/** Credentials of every caller kind; sessions and application passwords are made here, before the baseline. */
export async function prepareCallers(port) {
  const admin = await logIn(port, ACCOUNTS.admin);
  const editor = await logIn(port, ACCOUNTS.editor);
  const adminHeader = await logIn(port, ACCOUNTS.admin);
  return {
    "admin-session": admin,
    "editor-session": editor,
    "admin-header-session": { authorization: `Session ${sessionTokenOf(adminHeader.cookie)}`, csrf: adminHeader.csrf },
    "admin-basic": { authorization: basic(ACCOUNTS.admin) },
    "editor-basic": { authorization: basic(ACCOUNTS.editor) },
    "admin-bearer": { authorization: `Bearer ${await createToken(port, admin, "full")}` },
    "editor-bearer": { authorization: `Bearer ${await createToken(port, editor, "read")}` },
  };
}

/** A session check used before and after the fuzz: GET /api/site as the admin session. */
export async function healthCheck(port, admin) {
  const started = Date.now();
  const response = await call(port, "GET", "/api/site", [
    ["Cookie", admin.cookie],
    ["X-CSRF", admin.csrf],
  ]);
  return { status: response.status, elapsedMs: Date.now() - started };
}
