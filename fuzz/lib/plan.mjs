// Turns a request index into one hostile request: which caller, which route of Sheaf's route table, which
// mutations. Every request that could change the site is built so that it must be refused, by at least one
// "poison" the spec guarantees (no valid CSRF, a target that does not exist, a body that is not JSON, or a
// non-string where a string argument is required); so after the run the content must be exactly as before.

import { CALLER_WEIGHTS, isAuthenticated, isSessionCaller } from "./callers.mjs";
import { framingCase } from "./framing.mjs";
import {
  anyBody,
  brokenAuthorization,
  contentTypeFor,
  forgedCookie,
  hostileHeaders,
  hostileHost,
  hostileObjectJson,
  hostileQuery,
  invalidJsonBody,
  mutatePath,
  nonScalarJson,
  SITE_TARGETS,
} from "./hostile.mjs";
import { Rng } from "./random.mjs";

/** Ids that exist in the fixture, by the literal segment before the placeholder. */
const EXISTING_IDS = {
  pages: ["notes", "notes+first-note", "notes+second-note", "about", "home", "bulk", "bulk+item-001", "error"],
  users: ["admin001", "editor01", "noacc001", "admin@example.com", "ADMIN001"],
  roles: ["admin", "editor", "noaccess", "nobody"],
  translations: ["en", "de", "__proto__"],
  tokens: ["0000"],
  sessions: ["0000"],
};

/**
 * String arguments of routes with a narrow job: a non-string there must be refused (Kirby: a type error).
 * Keyed by the route pattern's last literal part.
 */
const STRING_ARGUMENTS = {
  "/title": ["title"],
  "site/title": ["title"],
  "/slug": ["slug"],
  "/status": ["status"],
  "/template": ["template"],
  "/email": ["email"],
  "/name": ["name"],
  "/language": ["language"],
  "/password": ["password", "currentPassword"],
  "/role": ["role"],
  "/children": ["slug", "template"],
  "/duplicate": ["slug"],
  users: ["email", "password"],
};

/** Auth-free routes that answer 2xx without changing anything; every other write must be refused. */
const HARMLESS_WRITES = new Set(["POST auth/logout", "POST auth/ping"]);
/** Sessions must survive the run: a logout with a real session cookie would end it. */
const SESSION_ENDING = new Set(["POST auth/logout"]);

function stringArgumentsOf(pattern, method) {
  if (method === "POST" && pattern === "users") return STRING_ARGUMENTS.users;
  for (const [suffix, fields] of Object.entries(STRING_ARGUMENTS))
    if (suffix.startsWith("/") && pattern.endsWith(suffix)) return fields;
  return pattern === "site/title" ? STRING_ARGUMENTS["site/title"] : null;
}

/** The literal segment before each `(:any)` of a pattern. */
function placeholderKinds(pattern) {
  const segments = pattern.split("/");
  return segments.flatMap((segment, index) => (segment.includes("(:") ? [segments[index - 1] ?? "pages"] : []));
}

function fillPattern(pattern, ids) {
  let index = 0;
  return pattern.replace(/\(:[a-z?]+\)/g, () => ids[index++]);
}

function missingId(rng) {
  return `zz-missing-${rng.text(8)}`;
}

function isWrite(method) {
  return method !== "GET" && method !== "HEAD" && method !== "OPTIONS";
}

/**
 * Builds request `index`. `context`: { seed, port, routes, credentials }. Returns a plan:
 * { index, kind: "http" | "framing", caller, method, effectiveMethod, route, target, headers, body, labels,
 *   poison, mustRefuse, expect: "answer" | "answer-or-close", expected, halfClose, headMethods, payload? }
 */
export function planRequest(index, context) {
  const rng = new Rng(context.seed, index);
  const kind = rng.weighted([
    [86, "api"],
    [8, "site"],
    [6, "framing"],
  ]);
  if (kind === "framing") return { index, ...framingCase(rng, context) };
  const caller = rng.weighted(CALLER_WEIGHTS);
  return finishPlan(
    kind === "site" ? planSiteRequest(index, rng, caller, context) : planApiRequest(index, rng, caller, context),
  );
}

function planSiteRequest(index, rng, caller, context) {
  const method = rng.weighted([
    [8, "GET"],
    [1, "HEAD"],
    [1, "POST"],
    [1, "OPTIONS"],
  ]);
  const plan = basePlan(index, caller, method, "site-frontend");
  plan.target = rng.pick(SITE_TARGETS) + (rng.chance(0.3) ? `?${hostileQuery(rng)}` : "");
  addCommonHeaders(rng, plan, context, { csrf: true });
  if (method === "POST") setBody(plan, anyBody(rng), contentTypeFor(rng, { allowForm: true }));
  return plan;
}

function basePlan(index, caller, method, route) {
  return {
    index,
    kind: "http",
    caller,
    method,
    effectiveMethod: method,
    route,
    target: "/",
    headers: [],
    body: null,
    labels: [],
    poison: null,
    mustRefuse: false,
    expect: "answer",
    expected: 1,
    halfClose: false,
    headMethods: [method === "HEAD"],
  };
}

function planApiRequest(index, rng, initialCaller, context) {
  const route = rng.pick(context.routes);
  const effectiveMethod = rng.pick(route.methods);
  const routeKey = `${effectiveMethod} ${route.pattern}`;
  // a real session must not be logged out
  const caller = SESSION_ENDING.has(routeKey) && isSessionCaller(initialCaller) ? "anonymous" : initialCaller;
  const write = isWrite(effectiveMethod);
  const kinds = placeholderKinds(route.pattern);
  const stringArguments = write ? stringArgumentsOf(route.pattern, effectiveMethod) : null;

  // writes that reach their action (an authenticated caller, or a route without auth) need a poison
  const reachesAction = isAuthenticated(caller) || !route.auth;
  const needsPoison = write && reachesAction && !HARMLESS_WRITES.has(routeKey);
  // a write sent as GET/HEAD with X-HTTP-Method-Override: its body is never read
  const viaOverride = write && rng.chance(0.12);
  const wireMethod = viaOverride ? rng.pick(["GET", "POST", "HEAD"]) : effectiveMethod;
  const bodyRead = wireMethod !== "GET" && wireMethod !== "HEAD";

  let poison = null;
  if (needsPoison) {
    const options = [];
    if (isSessionCaller(caller) && route.auth) options.push("csrf");
    if (kinds.length > 0 && !["roles", "translations"].includes(kinds[0])) options.push("missing-target");
    if (bodyRead) options.push("invalid-json");
    if (bodyRead && stringArguments) options.push("non-string", "non-string");
    // auth/login, auth/code and system/install refuse random input by themselves
    if (!route.auth) options.push("auth-free-refuses");
    poison = options.length ? rng.pick(options) : "invalid-json";
  }
  // without a poison that works on a GET, send the write with its own method
  const method =
    poison === "invalid-json" || poison === "non-string" ? (bodyRead ? wireMethod : effectiveMethod) : wireMethod;

  const plan = basePlan(index, caller, method, route.pattern);
  plan.effectiveMethod = effectiveMethod;
  plan.poison = poison;
  plan.mustRefuse = needsPoison || (write && !reachesAction);
  plan.routeNeedsAuth = route.auth;
  if (method !== effectiveMethod) {
    plan.headers.push([
      "X-HTTP-Method-Override",
      rng.pick([effectiveMethod, effectiveMethod.toLowerCase(), ` ${effectiveMethod} `]),
    ]);
    plan.labels.push("override");
  }

  const ids = kinds.map((kind) =>
    poison === "missing-target" || rng.chance(0.25) ? missingId(rng) : rng.pick(EXISTING_IDS[kind] ?? ["x"]),
  );
  let path = fillPattern(route.pattern, ids);
  if (rng.chance(0.3)) {
    const mutated = mutatePath(rng, path);
    path = mutated.path;
    plan.labels.push(mutated.label);
  }
  const query = rng.chance(write ? 0.3 : 0.6) ? `?${hostileQuery(rng)}` : "";
  if (query) plan.labels.push("query");
  plan.target = Buffer.isBuffer(path)
    ? Buffer.concat([Buffer.from("/api/"), path, Buffer.from(query)])
    : `/api/${path}${query}`;

  // Node's parser refuses raw non-ASCII bytes in the request line (400, then closes)
  if (Buffer.isBuffer(path)) plan.expect = "answer-or-close";

  addCommonHeaders(rng, plan, context, { csrf: poison !== "csrf" });
  if (poison === "csrf") plan.labels.push(rng.chance(0.5) ? "csrf:missing" : "csrf:wrong");
  if (plan.labels.includes("csrf:wrong"))
    plan.headers.push(["X-CSRF", rng.pick(["0".repeat(64), "x", "", "a".repeat(5000)])]);

  if (method === "HEAD" || method === "GET") {
    if (rng.chance(0.05)) setBody(plan, anyBody(rng), "application/json");
    return plan;
  }
  if (poison === "invalid-json") {
    setBody(
      plan,
      { label: "invalid-json", body: invalidJsonBody(rng) },
      contentTypeFor(rng, { allowForm: false }) ?? "application/json",
    );
  } else if (poison === "non-string") {
    // the poisoned fields come last: with duplicate keys, JSON's last value wins
    const extra = hostileObjectJson(rng).slice(1, -1);
    const fields = stringArguments.map((field) => `${JSON.stringify(field)}:${nonScalarJson(rng)}`);
    setBody(
      plan,
      { label: "non-string", body: Buffer.from(`{${[extra, ...fields].filter(Boolean).join(",")}}`) },
      "application/json",
    );
  } else {
    setBody(plan, anyBody(rng), contentTypeFor(rng, { allowForm: true }));
  }
  maybeLieAboutLength(rng, plan);
  return plan;
}

/** Node refuses request heads over 16 KB (431, then closes). */
const MAX_HEAD_BYTES = 16 * 1024;

export function finishPlan(plan) {
  if (plan.kind !== "http") return plan;
  const headBytes =
    (Buffer.isBuffer(plan.target) ? plan.target.length : Buffer.byteLength(plan.target)) +
    plan.headers.reduce((sum, [name, value]) => sum + name.length + Buffer.byteLength(String(value)) + 4, 0);
  if (headBytes > MAX_HEAD_BYTES - 512) plan.expect = "answer-or-close";
  return plan;
}

function setBody(plan, { label, body, contentType: ownType }, fallbackType) {
  const contentType = ownType ?? fallbackType;
  plan.body = body;
  plan.labels.push(`body:${label}${body.length > 100_000 ? ":large" : ""}`);
  if (contentType !== null) plan.headers.push(["Content-Type", contentType]);
  if (contentType !== "application/json" && contentType !== null) plan.labels.push("content-type");
}

/**
 * Content-Length that does not match the body. A longer length leaves the server waiting, so the client
 * half-closes; a shorter one cuts the body, which may turn broken JSON into valid JSON, so only for writes whose
 * poison does not depend on the body.
 */
function maybeLieAboutLength(rng, plan) {
  if (!rng.chance(0.05) || !plan.body) return;
  const bodyDependent = plan.poison === "invalid-json" || plan.poison === "non-string";
  const lie = rng.pick(bodyDependent ? ["longer", "malformed"] : ["longer", "shorter", "malformed"]);
  plan.labels.push(`content-length:${lie}`);
  plan.contentLength =
    lie === "longer"
      ? String(plan.body.length + rng.int(1, 1000))
      : lie === "shorter"
        ? String(Math.max(0, plan.body.length - rng.int(1, 10)))
        : rng.pick(["-1", "abc", "1e3", " 12", "0x10"]);
  plan.expect = "answer-or-close";
  // the server may wait for bytes that never come: end the upload so it sees the end of the stream
  plan.halfClose = lie !== "shorter";
}

/** Host, Connection, the caller's credentials, and random hostile headers. */
function addCommonHeaders(rng, plan, context, { csrf }) {
  const host = rng.chance(0.08) ? hostileHost(rng, context.port) : null;
  if (host) plan.labels.push(`host:${host[0]}`);
  plan.headers.unshift(["Host", host ? host[1] : `127.0.0.1:${context.port}`], ["Connection", "close"]);

  const credentials = context.credentials[plan.caller];
  if (isSessionCaller(plan.caller)) {
    plan.headers.push(
      credentials.cookie ? ["Cookie", credentials.cookie] : ["Authorization", credentials.authorization],
    );
    if (csrf) plan.headers.push(["X-CSRF", credentials.csrf]);
  } else if (credentials?.authorization) {
    plan.headers.push(["Authorization", credentials.authorization]);
  } else if (plan.caller === "broken-basic" || plan.caller === "broken-bearer") {
    plan.headers.push(["Authorization", brokenAuthorization(rng, plan.caller)]);
  } else if (plan.caller === "forged-cookie") {
    const [label, cookie] = forgedCookie(rng);
    plan.headers.push(["Cookie", cookie]);
    plan.labels.push(`cookie:${label}`);
  }

  const extra = hostileHeaders(rng);
  plan.headers.push(...extra.headers);
  plan.labels.push(...extra.labels);
  // a valid override in the junk list would change the route: leave junk overrides out of writes' plans
  if (extra.labels.includes("header:override-junk") && plan.labels.includes("override")) {
    plan.headers = plan.headers.filter(
      ([name], position, all) =>
        name !== "X-HTTP-Method-Override" || all.findIndex(([other]) => other === name) === position,
    );
  }
}
