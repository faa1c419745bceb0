import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN,
  cleanUp,
  dataOf,
  EDITOR,
  goldenBody,
  itemsOf,
  paginationOf,
  send,
  startSite,
  UNAUTHENTICATED,
  type Client,
  type Reply,
  type TestSite,
} from "./helpers.js";

const ORIGIN = "http://127.0.0.1:8081";
const GENERIC_404 = { status: "error", message: expect.any(String), code: 404, key: null, details: [] };

let site: TestSite;
let admin: Client;
let editor: Client;

beforeAll(async () => {
  site = await startSite({ memorySessions: true, exclude: [], config: { url: ORIGIN } });
  admin = await site.client().loginOrThrow(ADMIN);
  editor = await site.client().loginOrThrow(EDITOR);
});

afterAll(cleanUp);

function ids(items: Array<Record<string, unknown>>): unknown[] {
  return items.map((item) => item["id"]);
}

describe("read routes against the Kirby recording (22-read-endpoints)", () => {
  it.each([
    "/api/site",
    "/api/site/children",
    "/api/pages/notes",
    "/api/pages/notes+first-note",
    "/api/pages/notes+secret-draft",
    "/api/pages/notes?select=id,title,hasChildren",
    "/api/pages/notes?view=compact",
    "/api/users",
    "/api/users/admin001",
    "/api/users/admin@example.com",
    "/api/users/nobody",
    "/api/roles",
    "/api/roles/editor",
    "/api/roles/nope",
  ])("GET %s answers what Kirby answered", async (url) => {
    const reply = await admin.get(url);
    const expected = await goldenBody("22-read-endpoints.json", "GET", url, ORIGIN);
    expect(reply.body).toEqual(expected);
    expect(reply.headers["content-type"]).toBe("application/json; charset=UTF-8");
    expect(reply.headers["cache-control"]).toBe("no-store, private");
  });
});

describe("envelopes, select and view (docs/kirby-compat/routes-and-envelopes.md–7.3)", () => {
  it("wraps a model as {code, data, status, type: model} with data keys sorted", async () => {
    const reply = await admin.get("/api/site");
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body as object)).toEqual(["code", "data", "status", "type"]);
    expect(reply.body).toMatchObject({ code: 200, status: "ok", type: "model" });
    expect(Object.keys(dataOf(reply))).toEqual(["content", "options", "title", "url"]);
  });

  it("wraps a collection with pagination", async () => {
    const reply = await admin.get("/api/site/children");
    expect(Object.keys(reply.body as object)).toEqual(["code", "data", "pagination", "status", "type"]);
    expect(reply.body).toMatchObject({ code: 200, status: "ok", type: "collection" });
    expect(paginationOf(reply)).toEqual({ page: 1, total: 5, offset: 0, limit: 100 });
  });

  it("lets view win over select for a model and select win for a collection (row 59)", async () => {
    expect(dataOf(await admin.get("/api/site?select=title&view=compact"))).toEqual({
      title: "Oracle Site",
      url: ORIGIN,
    });
    expect(itemsOf(await admin.get("/api/site/children?select=id&view=compact"))).toEqual([
      { id: "notes" },
      { id: "about" },
      { id: "bulk" },
      { id: "error" },
      { id: "home" },
    ]);
  });

  it("restricts a model to the selected fields", async () => {
    expect(dataOf(await admin.get("/api/site?select=title,url"))).toEqual({ title: "Oracle Site", url: ORIGIN });
  });

  it("renders a selection of unknown fields as an empty list, as PHP encodes an empty map (docs/kirby-compat/routes-and-envelopes.md)", async () => {
    expect((await admin.get("/api/pages/notes?select=nonexistent")).body).toMatchObject({ data: [] });
    expect((await admin.get("/api/site?select=nonexistent")).body).toMatchObject({ data: [] });
    expect(itemsOf(await admin.get("/api/users?select=nonexistent&limit=1"))).toEqual([[]]);
  });

  it("lists a user's assignable roles in select=roles, as GET users/<id>/roles does (docs/kirby-compat/routes-and-envelopes.md)", async () => {
    const names = (reply: Reply): string[] =>
      ((dataOf(reply)["roles"] as Array<{ name: string }>) ?? []).map((role) => role.name);
    const viaRoute = itemsOf(await admin.get("/api/users/editor01/roles")).map((role) => role["name"]);
    expect(viaRoute.length).toBeGreaterThan(1);
    expect(names(await admin.get("/api/users/editor01?select=roles"))).toEqual(viaRoute);
    // the only admin cannot be given another role
    expect(names(await admin.get("/api/account?select=roles"))).toEqual(["admin"]);
  });

  it("pretty-prints for any truthy pretty, including pretty=false (row 60)", async () => {
    expect((await admin.get("/api/site?pretty=true")).text).toContain('\n    "data": {');
    expect((await admin.get("/api/site?pretty=false")).text).toContain("\n");
    expect((await admin.get("/api/site?pretty=0")).text).not.toContain("\n");
    expect((await admin.get("/api/site")).text).not.toContain("\n");
  });
});

describe("pagination (docs/kirby-compat/routes-and-envelopes.md)", () => {
  it("defaults to 100 of the 200 bulk pages", async () => {
    const reply = await admin.get("/api/pages/bulk/children");
    expect(itemsOf(reply)).toHaveLength(100);
    expect(paginationOf(reply)).toEqual({ page: 1, total: 200, offset: 0, limit: 100 });
  });

  it("pages with page and limit", async () => {
    const reply = await admin.get("/api/pages/notes/children?limit=1&page=2");
    expect(ids(itemsOf(reply))).toEqual(["notes/second-note"]);
    expect(paginationOf(reply)).toEqual({ page: 2, total: 2, offset: 1, limit: 1 });
    const bulk = await admin.get("/api/pages/bulk/children?limit=50&page=4");
    expect(itemsOf(bulk)).toHaveLength(50);
    expect(paginationOf(bulk)).toEqual({ page: 4, total: 200, offset: 150, limit: 50 });
  });

  it("uses limit 20 for limit=0", async () => {
    const reply = await admin.get("/api/pages/bulk/children?limit=0");
    expect(itemsOf(reply)).toHaveLength(20);
    expect(paginationOf(reply).limit).toBe(20);
  });

  it("answers a page past the end with 404 naming the range", async () => {
    const reply = await admin.get("/api/pages/bulk/children?limit=2&page=101");
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({
      status: "error",
      message: "Pagination page 101 does not exist, expected 1-100",
      code: 404,
      key: "error.errorPage",
      details: [],
    });
  });

  it("reports expected 0-0 for an empty collection", async () => {
    expect((await admin.get("/api/pages/about/children")).body).toMatchObject({
      data: [],
      pagination: { page: 0, total: 0, offset: 0, limit: 100 },
    });
    const reply = await admin.get("/api/pages/about/children?page=2");
    expect(reply.status).toBe(404);
    expect(reply.body).toMatchObject({
      message: "Pagination page 2 does not exist, expected 0-0",
      key: "error.errorPage",
    });
  });

  it("answers a negative limit and limit=abc with 400 error.invalidArgument (deviation w)", async () => {
    const negative = await admin.get("/api/pages/notes/children?limit=-1");
    expect(negative.status).toBe(400);
    expect(negative.body).toEqual({
      status: "error",
      message: "Invalid pagination limit: -1",
      code: 400,
      key: "error.invalidArgument",
      details: [],
    });
    const text = await admin.get("/api/pages/notes/children?limit=abc");
    expect(text.status).toBe(400);
    expect(text.body).toMatchObject({ code: 400, key: "error.invalidArgument", details: [] });
  });
});

describe("children status filters (docs/kirby-compat/routes-and-envelopes.md)", () => {
  it.each([
    ["", ["notes/first-note", "notes/second-note"]],
    ["?status=published", ["notes/first-note", "notes/second-note"]],
    ["?status=listed", ["notes/first-note", "notes/second-note"]],
    ["?status=unlisted", []],
    ["?status=all", ["notes/first-note", "notes/second-note", "notes/secret-draft"]],
    ["?status=draft", ["notes/secret-draft"]],
    ["?status=drafts", ["notes/secret-draft"]],
    // the values are lower-case: anything else is the default
    ["?status=ALL", ["notes/first-note", "notes/second-note"]],
    ["?status=Drafts", ["notes/first-note", "notes/second-note"]],
  ])("pages/notes/children%s", async (query, expected) => {
    expect(ids(itemsOf(await admin.get(`/api/pages/notes/children${query}`)))).toEqual(expected);
  });

  it.each([
    ["?status=listed", ["notes", "about", "bulk"]],
    ["?status=unlisted", ["error", "home"]],
    ["?status=drafts", []],
  ])("site/children%s", async (query, expected) => {
    expect(ids(itemsOf(await admin.get(`/api/site/children${query}`)))).toEqual(expected);
  });
});

describe("lookups and 404s (docs/kirby-compat/permissions.md)", () => {
  it("finds pages case-insensitively with + as separator, drafts included (row 58)", async () => {
    expect(dataOf(await admin.get("/api/pages/NOTES+First-Note"))["id"]).toBe("notes/first-note");
    expect(dataOf(await admin.get("/api/pages/Notes+Secret-Draft"))["status"]).toBe("draft");
  });

  it.each([
    ["/api/pages/does-not-exist", 'The page "does-not-exist" cannot be found'],
    ["/api/pages/notes+does-not-exist", 'The page "notes/does-not-exist" cannot be found'],
    ["/api/pages/notes%2Bfirst-note", 'The page "notes%2Bfirst-note" cannot be found'],
    ["/api/pages/notes%2Ffirst-note", 'The page "notes%2Ffirst-note" cannot be found'],
    ["/api/pages/..+..+site", 'The page "../../site" cannot be found'],
  ])("GET %s ⇒ 404 page.notFound", async (url, message) => {
    const reply = await admin.get(url);
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual({ status: "error", message, code: 404, key: "error.page.notFound", details: [] });
  });

  it("does not route page ids with slashes (generic 404)", async () => {
    const reply = await admin.get("/api/pages/notes/first-note");
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual(GENERIC_404);
  });

  it("drops path segments with ':' before routing", async () => {
    expect((await admin.get("/api/pages/page:abc")).body).toEqual(GENERIC_404);
    expect(dataOf(await admin.get("/api/site/sort:asc"))["title"]).toBe("Oracle Site");
  });

  it("answers unknown users and roles with 404", async () => {
    expect((await admin.get("/api/users/nobody@example.com")).body).toMatchObject({
      code: 404,
      key: "error.user.notFound",
    });
    expect((await admin.get("/api/roles/nope")).body).toMatchObject({ code: 404, key: "error.role.notFound" });
  });

  it("finds a user by e-mail as the path has it, without percent-decoding (docs/kirby-compat/routes-and-envelopes.md)", async () => {
    expect(dataOf(await admin.get("/api/users/admin@example.com"))["id"]).toBe("admin001");
    const encoded = await admin.get("/api/users/admin%40example.com");
    expect(encoded.status).toBe(404);
    expect(encoded.body).toMatchObject({
      key: "error.user.notFound",
      message: 'The user "admin%40example.com" cannot be found',
    });
  });
});

describe("editor visibility (docs/kirby-compat/permissions.md)", () => {
  it("lists only the editor itself in GET /api/users", async () => {
    const reply = await editor.get("/api/users");
    expect(ids(itemsOf(reply))).toEqual(["editor01"]);
    expect(paginationOf(reply)).toEqual({ page: 1, total: 1, offset: 0, limit: 100 });
    expect(ids(itemsOf(await admin.get("/api/users")))).toEqual(["admin001", "editor01", "noacc001"]);
  });

  it("hides other users as 404 but shows the editor's own account", async () => {
    const other = await editor.get("/api/users/admin001");
    expect(other.status).toBe(404);
    expect(other.body).toEqual({
      status: "error",
      message: 'The user "admin001" cannot be found',
      code: 404,
      key: "error.user.notFound",
      details: [],
    });
    expect(dataOf(await editor.get("/api/users/editor01"))["email"]).toBe(EDITOR.email);
    expect(dataOf(await editor.get("/api/account"))["id"]).toBe("editor01");
  });

  it("narrows roles with canBe to those a non-admin could give; admins see them all (docs/kirby-compat/permissions.md)", async () => {
    const names = (reply: Reply): unknown[] => itemsOf(reply).map((role) => role["name"]);
    const all = names(await admin.get("/api/roles"));
    expect(names(await admin.get("/api/roles?canBe=changed"))).toEqual(all);
    expect(names(await admin.get("/api/roles?canBe=created"))).toEqual(all);
    // the fixture's editor may neither create users nor change roles
    expect(names(await editor.get("/api/roles?canBe=changed"))).toEqual([]);
    expect(names(await editor.get("/api/roles?canBe=created"))).toEqual([]);
    expect(names(await editor.get("/api/roles?canBe=other"))).toEqual(["editor"]);
  });

  it("shows the editor only its own role", async () => {
    expect(itemsOf(await editor.get("/api/roles")).map((role) => role["name"])).toEqual(["editor"]);
    expect((await editor.get("/api/roles/admin")).status).toBe(404);
  });

  it("evaluates page options for the editor: role permissions, overridden by blueprint options", async () => {
    const about = dataOf(await editor.get("/api/pages/about"))["options"] as Record<string, boolean>;
    expect(about).toMatchObject({ delete: false, changeSlug: false, update: true, changeTitle: true });
    // notes.yml sets options.changeSlug: true, which wins over the role's pages.changeSlug: false
    const notes = dataOf(await editor.get("/api/pages/notes"))["options"] as Record<string, boolean>;
    expect(notes).toMatchObject({ delete: false, changeSlug: true });
    const adminOptions = dataOf(await admin.get("/api/pages/about"))["options"] as Record<string, boolean>;
    expect(adminOptions).toMatchObject({ delete: true, changeSlug: true });
  });
});

describe("routing (docs/kirby-compat/routes-and-envelopes.md)", () => {
  it("honours X-HTTP-Method-Override", async () => {
    const overridden = await admin.request("POST", "/api/pages/notes", {
      withCsrf: true,
      headers: { "x-http-method-override": "GET" },
    });
    expect(overridden.status).toBe(200);
    expect(dataOf(overridden)["id"]).toBe("notes");
    const invalid = await admin.request("GET", "/api/pages/notes", {
      withCsrf: true,
      headers: { "x-http-method-override": "FOO" },
    });
    expect(invalid.status).toBe(200);
    const toPost = await admin.request("GET", "/api/auth/logout", {
      headers: { "x-http-method-override": "POST" },
      withCsrf: true,
    });
    expect(toPost.body).toMatchObject({ status: "ok", code: 200 });
  });

  it("answers methods without a route with the generic 404", async () => {
    for (const method of ["PUT", "DELETE", "OPTIONS"]) {
      const reply = await send(site.sheaf, method, "/api/site", {
        headers: { cookie: editor.cookie!, "x-csrf": editor.csrf! },
      });
      expect(reply.status, method).toBe(404);
      expect(reply.body, method).toEqual(GENERIC_404);
    }
  });

  it("answers an unknown route with 404 before authentication (row 8)", async () => {
    const reply = await send(site.sheaf, "GET", "/api/this-route-does-not-exist");
    expect(reply.status).toBe(404);
    expect(reply.body).toEqual(GENERIC_404);
    expect(reply.headers["vary"]).toBe("Cookie");
    expect(reply.headers["cache-control"]).toBeUndefined();
    expect(reply.setCookies).toEqual([]);
    expect((await send(site.sheaf, "GET", "/api/site")).body).toEqual(UNAUTHENTICATED);
  });

  it("does not treat /api and /api/ as API routes", async () => {
    for (const url of ["/api", "/api/", "/api?x=1", "/api/site:foo", "/api/a:b?select=id"]) {
      const reply = await send(site.sheaf, "GET", url);
      expect(reply.status, url).toBe(404);
      expect(String(reply.headers["content-type"]), url).toContain("text/html");
    }
  });
});

describe("options that change the API", () => {
  it("adds exception, file, line and route to errors with debug: true", async () => {
    const debug = await startSite({ memorySessions: true, config: { debug: true } });
    const unknown = await send(debug.sheaf, "GET", "/api/nope");
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({
      status: "error",
      message: 'No route found for path: "nope" and request method: "GET"',
      code: 404,
      key: null,
      details: [],
      route: null,
      exception: expect.any(String),
      file: expect.any(String),
      line: expect.any(Number),
    });
    const client = await debug.client().loginOrThrow(ADMIN);
    const missing = await client.get("/api/pages/nope");
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({
      message: 'The page "nope" cannot be found',
      key: "error.page.notFound",
      exception: expect.any(String),
      file: expect.any(String),
      line: expect.any(Number),
      route: expect.any(String),
    });
    expect(
      (await send(site.sheaf, "GET", "/api/pages/nope", { headers: { cookie: admin.cookie!, "x-csrf": admin.csrf! } }))
        .body,
    ).not.toHaveProperty("exception");
  });

  it("serves the API under api.slug", async () => {
    const custom = await startSite({ memorySessions: true, config: { api: { slug: "rest" } } });
    expect((await send(custom.sheaf, "GET", "/rest/site")).body).toEqual(UNAUTHENTICATED);
    expect((await send(custom.sheaf, "GET", "/api/site")).status).toBe(404);
    expect(String((await send(custom.sheaf, "GET", "/api/site")).headers["content-type"])).toContain("text/html");
  });

  it("serves no API at all with api: false", async () => {
    const off = await startSite({ memorySessions: true, config: { api: false } });
    const reply = await send(off.sheaf, "GET", "/api/site");
    expect(reply.status).toBe(404);
    expect(String(reply.headers["content-type"])).toContain("text/html");
  });

  it("answers every API request with The environment is not allowed when the host is not on the allow-list (row 81)", async () => {
    const listed = await startSite({ memorySessions: true, config: { url: ["http://a.example", "http://b.example"] } });
    const refused = await send(listed.sheaf, "GET", "/api/system", { headers: { host: "c.example" } });
    expect(refused.status).toBe(400);
    expect(refused.body).toEqual({
      status: "error",
      code: "error.invalidArgument",
      details: [],
      message: "The environment is not allowed",
    });
    const allowed = await send(listed.sheaf, "GET", "/api/system", { headers: { host: "b.example" } });
    expect(allowed.status).toBe(200);
  });
});
