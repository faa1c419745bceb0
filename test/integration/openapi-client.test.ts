/**
 * The SDK (`sheaf/client`) checked against the OpenAPI document (docs/openapi.md#the-sdk): every method of the
 * client is called against a running Sheaf, each request it sends must be an operation of the served document,
 * and every answer must match the schema the document declares for it (the success envelope, or the error
 * envelope). The client's own types are checked against the declared schemas by the typecheck (expectTypeOf).
 */
import type { Static, TSchema } from "@sinclair/typebox";
import { Value } from "@sinclair/typebox/value";
import { afterEach, describe, expect, it } from "vitest";
import { routeSpecs, specKey } from "../../src/api/openapi/index.js";
import { ErrorEnvelope, type Pagination as DeclaredPagination } from "../../src/api/openapi/envelopes.js";
import type * as Declared from "../../src/api/openapi/models.js";
import { apiRoutes } from "../../src/api/routes/index.js";
import { routablePath, Router } from "../../src/api/router.js";
import {
  createClient,
  type ApplicationPassword,
  type AuditEntry,
  type CreatedApplicationPassword,
  type FetchFunction,
  type SessionInfo,
  type SheafClient,
  type TwoFactorSetup,
  type TwoFactorStatus,
} from "../../src/client/index.js";
import type { CompactRole, Page, Permissions, Role, Site, User } from "../../src/client/types.js";
import type { Pagination } from "../../src/client/wire-types.js";
import { ADMIN, cleanUp, EDITOR, startSite, type TestSite } from "./helpers.js";

afterEach(cleanUp);

const CONFIG = { api: { basicAuth: true, allowInsecure: true } };

interface Exchange {
  readonly method: string;
  /** Below the API root, without the query. */
  readonly path: string;
  readonly status: number;
  readonly body: unknown;
}

/** A fetch that hands each request to the site's server in-process and keeps what went back and forth. */
function recordingFetch(site: TestSite, exchanges: Exchange[]): FetchFunction {
  return async (input, init) => {
    const url = new URL(input);
    // a Request reads every kind of body the client sends (JSON text, multipart form data) into bytes
    const request = new Request(input, init);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    const method = request.method;
    const payload =
      init.body === undefined || init.body === null ? undefined : Buffer.from(await request.arrayBuffer());
    const reply = await site.sheaf.server.inject({
      method: method as "GET",
      url: `${url.pathname}${url.search}`,
      headers,
      ...(payload === undefined ? {} : { payload }),
    });
    exchanges.push({
      method,
      path: url.pathname.replace(/^\/api\//, ""),
      status: reply.statusCode,
      body: JSON.parse(reply.body) as unknown,
    });
    const out = new Headers({ "content-type": "application/json" });
    const cookies = reply.headers["set-cookie"];
    for (const cookie of cookies === undefined ? [] : Array.isArray(cookies) ? cookies : [String(cookies)]) {
      out.append("set-cookie", cookie);
    }
    return new Response(reply.body, { status: reply.statusCode, headers: out });
  };
}

type Call = (client: SheafClient) => Promise<unknown>;

const PROBE = "openapi-probe";
/** A small text file to upload. */
const text = (content: string) => new File([content], "probe.txt", { type: "text/plain" });
const PASSWORD = { password: ADMIN.password };

/**
 * One call of every SDK method, in an order that works on the fixture (a session logged in as the admin). Calls
 * that the server refuses (a wrong code, the last admin) still send their request, and the refusal is checked too.
 */
const CALLS: Readonly<Record<string, Call>> = {
  csrf: (c) => c.csrf(),
  "system.get": (c) => c.system.get(),
  install: (c) => c.install({ email: "new@example.com", password: "NewPass123!" }),
  login: (c) => c.login({ email: ADMIN.email, password: ADMIN.password }),
  verifyCode: (c) => c.verifyCode("000000"),
  "auth.me": (c) => c.auth.me(),
  ping: (c) => c.ping(),
  request: (c) => c.request("GET", "site"),
  inLanguage: (c) => c.inLanguage("en").site.get(),
  "site.get": (c) => c.site.get(),
  "site.children": (c) => c.site.children(),
  "pages.get": (c) => c.pages.get("notes"),
  "pages.children": (c) => c.pages.children("notes"),
  "search.pages": (c) => c.search.pages("note"),
  "search.children": (c) => c.search.children("notes", "note", { options: { words: false } }),
  "search.users": (c) => c.search.users("admin"),
  "blueprints.page": (c) => c.blueprints.page("notes"),
  "blueprints.pageTemplates": (c) => c.blueprints.pageTemplates("notes"),
  "blueprints.site": (c) => c.blueprints.site(),
  "blueprints.siteTemplates": (c) => c.blueprints.siteTemplates(),
  "blueprints.user": (c) => c.blueprints.user(EDITOR.id),
  "blueprints.account": (c) => c.blueprints.account(),
  "users.list": (c) => c.users.list(),
  "users.get": (c) => c.users.get(EDITOR.id),
  "account.get": (c) => c.account.get(),
  "roles.list": (c) => c.roles.list(),
  "roles.get": (c) => c.roles.get("admin"),
  "users.roles": (c) => c.users.roles(EDITOR.id),
  "account.roles": (c) => c.account.roles(),
  "pages.create": (c) => c.pages.create(null, { slug: PROBE, template: "default", content: { title: "Probe" } }),
  "pages.update": (c) => c.pages.update(PROBE, { text: "Probed" }),
  "pages.changeTitle": (c) => c.pages.changeTitle(PROBE, "Probe two"),
  "pages.changeTemplate": (c) => c.pages.changeTemplate(PROBE, "default"),
  "pages.changeStatus": (c) => c.pages.changeStatus(PROBE, "unlisted"),
  "pages.duplicate": (c) => c.pages.duplicate(PROBE, `${PROBE}-copy`),
  "pages.changeSlug": (c) => c.pages.changeSlug(`${PROBE}-copy`, `${PROBE}-moved`),
  "pages.delete": (c) => c.pages.delete(`${PROBE}-moved`),
  "site.update": (c) => c.site.update({ description: "Probed" }),
  "site.changeTitle": (c) => c.site.changeTitle("Probed site"),
  "changes.page": (c) => c.changes.page(PROBE).save({ text: "Draft" }),
  "changes.page().save": (c) => c.changes.page(PROBE).save({ text: "Draft again" }),
  "changes.page().publish": (c) => c.changes.page(PROBE).publish({ text: "Published" }),
  "changes.page().discard": (c) => c.changes.page(PROBE).discard(),
  "changes.page().unlock": (c) => c.changes.page(PROBE).unlock(),
  "changes.site": (c) => c.changes.site().discard(),
  "changes.account": (c) => c.changes.account().discard(),
  "changes.user": (c) => c.changes.user(EDITOR.id).discard(),
  "site.files.upload": (c) => c.site.files.upload(text("probe")),
  "site.files.uploadMany": (c) => c.site.files.uploadMany([{ source: text("more"), filename: "probe-more.txt" }]),
  "site.files.list": (c) => c.site.files.list(),
  "site.files.search": (c) => c.site.files.search("probe", { select: ["filename", "url"], limit: 5 }),
  "site.files.get": (c) => c.site.files.get("probe.txt"),
  "site.files.update": (c) => c.site.files.update("probe.txt", { alt: "Probe" }),
  "site.files.sort": (c) => c.site.files.sort({ files: ["probe.txt", "probe-more.txt"] }),
  "site.files.rename": (c) => c.site.files.rename("probe.txt", "probe-renamed"),
  "site.files.replace": (c) => c.site.files.replace("probe-renamed.txt", text("replaced")),
  "changes.file": (c) => c.changes.file("site", "probe-renamed.txt").discard(),
  "blueprints.section": (c) => c.blueprints.section("site", "pages"),
  "blueprints.fileSection": (c) => c.blueprints.fileSection("site", "probe-renamed.txt", "content"),
  "site.files.delete": (c) => c.site.files.delete("probe-renamed.txt"),
  "account.files.upload": (c) => c.account.files.upload(text("mine")),
  "account.files.uploadMany": (c) => c.account.files.uploadMany([{ source: text("more"), filename: "mine-2.txt" }]),
  "account.files.list": (c) => c.account.files.list(),
  "account.files.search": (c) => c.account.files.search("probe", { options: { fields: ["id"] } }),
  "account.files.get": (c) => c.account.files.get("probe.txt"),
  "account.files.update": (c) => c.account.files.update("probe.txt", { alt: "Mine" }),
  "account.files.sort": (c) => c.account.files.sort({ files: [] }),
  "account.files.rename": (c) => c.account.files.rename("probe.txt", "mine"),
  "account.files.replace": (c) => c.account.files.replace("mine.txt", text("again")),
  "account.files.delete": (c) => c.account.files.delete("mine.txt"),
  "account.avatar.get": (c) => c.account.avatar.get(),
  "account.avatar.set": (c) => c.account.avatar.set(text("not an image"), { filename: "profile.png" }),
  "account.avatar.remove": (c) => c.account.avatar.remove(),
  "pages.files": (c) => c.pages.files("notes").list(),
  "users.files": (c) => c.users.files(EDITOR.id).list(),
  "pages.files().search": (c) => c.pages.files("notes").search("note", { options: { words: true } }),
  "users.files().search": (c) => c.users.files(EDITOR.id).search("cv"),
  "users.avatar": (c) => c.users.avatar(EDITOR.id).get(),
  "users.create": (c) => c.users.create({ email: "probe@example.com", password: "ProbePass123!", role: "editor" }),
  "users.update": (c) => c.users.update("probe@example.com", { about: "Probed" }),
  "users.changeName": (c) => c.users.changeName("probe@example.com", "Probe"),
  "users.changeLanguage": (c) => c.users.changeLanguage("probe@example.com", "en"),
  "users.changeRole": (c) => c.users.changeRole("probe@example.com", "editor"),
  "users.changePassword": (c) =>
    c.users.changePassword("probe@example.com", { password: "ProbePass456!", currentPassword: ADMIN.password }),
  "users.changeEmail": (c) => c.users.changeEmail("probe@example.com", "probe2@example.com"),
  "users.delete": (c) => c.users.delete("probe2@example.com"),
  "account.update": (c) => c.account.update({ about: "Admin" }),
  "account.changeName": (c) => c.account.changeName("Admin"),
  "account.changeLanguage": (c) => c.account.changeLanguage("en"),
  "account.changeEmail": (c) => c.account.changeEmail(ADMIN.email),
  "account.changeRole": (c) => c.account.changeRole("editor"),
  "account.changePassword": (c) =>
    c.account.changePassword({ password: ADMIN.password, currentPassword: ADMIN.password }),
  "tokens.create": (c) => c.tokens.create({ name: "probe", scope: "read", expiresIn: 3600 }),
  "tokens.list": (c) => c.tokens.list(),
  "tokens.revoke": async (c) => c.tokens.revoke((await c.tokens.list())[0]?.id ?? "none"),
  "sessions.list": (c) => c.sessions.list({ user: ADMIN.id }),
  "sessions.revoke": (c) => c.sessions.revoke("no-such-session"),
  "sessions.revokeOthers": (c) => c.sessions.revokeOthers(),
  "audit.list": (c) => c.audit.list({ limit: 5 }),
  "twoFactor.status": (c) => c.twoFactor.status(),
  "twoFactor.start": (c) => c.twoFactor.start(),
  "twoFactor.enable": (c) => c.twoFactor.enable({ code: "000000", ...PASSWORD }),
  "twoFactor.disable": (c) => c.twoFactor.disable({ code: "000000", ...PASSWORD }),
  "twoFactor.reset": (c) => c.twoFactor.reset(EDITOR.id, PASSWORD),
  "account.delete": (c) => c.account.delete(),
  "users.delete(last admin)": (c) => c.users.delete(ADMIN.id),
  logout: (c) => c.logout(),
};

/** Compiles only when the SDK's type fits the declared schema's: the typecheck (`npm run lint`) is the assertion. */
function agrees<Sdk extends Declared, Declared>(_sdk?: Sdk): void {}

/** Every method of a client, by path (`pages.get`); the factories of `changes` are followed into what they make. */
function methodsOf(client: SheafClient): string[] {
  const found: string[] = [];
  const walk = (value: object, prefix: string): void => {
    for (const [name, member] of Object.entries(value)) {
      if (typeof member === "function") found.push(`${prefix}${name}`);
      else if (member !== null && typeof member === "object") walk(member, `${prefix}${name}.`);
    }
  };
  walk(client, "");
  walk(client.changes.page("x"), "changes.page().");
  return found;
}

/** The document's operations as matchers: `pages/{id}` matches `pages/notes+first-note`. */
function operationMatchers(document: { paths: Record<string, Record<string, unknown>> }) {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((method) => ["get", "post", "patch", "delete"].includes(method))
      .map((method) => ({
        method: method.toUpperCase(),
        path,
        regex: new RegExp(`^${path.slice(1).replace(/\{\w+\}/g, "[^/]+")}$`),
      })),
  );
}

describe("the SDK against the OpenAPI document", () => {
  it("has a call for every SDK method in this test, so a new method cannot go unchecked", () => {
    const client = createClient({ url: "http://127.0.0.1", fetch: () => Promise.reject(new Error("offline")) });
    const missing = methodsOf(client).filter((method) => CALLS[method] === undefined);
    expect(missing).toEqual([]);
  });

  it("sends only requests the document describes, and gets answers of the declared shapes", async () => {
    const site = await startSite({ config: CONFIG });
    const exchanges: Exchange[] = [];
    const client = createClient({ url: "http://127.0.0.1", fetch: recordingFetch(site, exchanges) });
    const document = (await site.sheaf.server.inject({ method: "GET", url: "/api/openapi.json" })).json() as {
      paths: Record<string, Record<string, unknown>>;
    };
    const matchers = operationMatchers(document);
    const router = new Router(apiRoutes);
    const problems: string[] = [];
    let successes = 0;
    for (const [name, call] of Object.entries(CALLS)) {
      const before = exchanges.length;
      await call(client).catch(() => undefined);
      const sent = exchanges.slice(before);
      if (sent.length === 0 && name !== "csrf") problems.push(`${name}: sent no request`);
      for (const exchange of sent) {
        const where = `${name}: ${exchange.method} ${exchange.path} (${exchange.status})`;
        const path = decodeURI(exchange.path);
        if (
          !matchers.some((m) => m.method === exchange.method && (m.regex.test(exchange.path) || m.regex.test(path)))
        ) {
          problems.push(`${where}: not in the document`);
          continue;
        }
        const route = router.match(exchange.method, routablePath(exchange.path))?.route.definition;
        const spec = route ? routeSpecs[specKey(exchange.method, route.pattern)] : undefined;
        if (!spec) {
          problems.push(`${where}: no declaration`);
          continue;
        }
        const schema: TSchema = exchange.status < 400 ? spec.response : ErrorEnvelope;
        if (exchange.status < 400) successes++;
        const error = Value.Errors(schema, exchange.body).First();
        if (error)
          problems.push(`${where}: ${error.path} ${error.message} in ${JSON.stringify(exchange.body).slice(0, 300)}`);
      }
    }
    expect(problems).toEqual([]);
    // most calls succeed: the shapes checked are those of real answers, not only of refusals
    expect(successes).toBeGreaterThan(60);
  });

  it("declares the models with the types the SDK gives them (checked by the typecheck)", () => {
    // each line is a compile-time check; the test itself only runs them
    agrees<Page, Static<typeof Declared.Page>>();
    agrees<Site, Static<typeof Declared.Site>>();
    agrees<User, Static<typeof Declared.User>>();
    agrees<Role, Static<typeof Declared.Role>>();
    agrees<CompactRole, Static<typeof Declared.CompactRole>>();
    agrees<Permissions, Static<typeof Declared.Permissions>>();
    agrees<ApplicationPassword, Static<typeof Declared.ApplicationPassword>>();
    agrees<CreatedApplicationPassword, Static<typeof Declared.CreatedApplicationPassword>>();
    agrees<SessionInfo, Static<typeof Declared.SessionInfo>>();
    agrees<AuditEntry, Static<typeof Declared.AuditEntry>>();
    agrees<TwoFactorStatus, Static<typeof Declared.TwoFactorStatus>>();
    agrees<TwoFactorSetup, Static<typeof Declared.TwoFactorSetup>>();
    agrees<Pagination, Static<typeof DeclaredPagination>>();
  });
});
