import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN,
  cleanUp,
  EDITOR,
  itemsOf,
  NOACCESS,
  NO_PANEL_ACCESS,
  paginationOf,
  send,
  startSite,
  UNAUTHENTICATED,
  type Client,
  type Reply,
  type TestSite,
} from "./helpers.js";

let site: TestSite;
let admin: Client;
let editor: Client;
let noaccess: Client;

beforeAll(async () => {
  site = await startSite({ memorySessions: true, exclude: [] });
  admin = await site.client().loginOrThrow(ADMIN);
  editor = await site.client().loginOrThrow(EDITOR);
  noaccess = site.client();
  await noaccess.login(NOACCESS);
});

afterAll(cleanUp);

function ids(reply: Reply): unknown[] {
  expect(reply.status, reply.text).toBe(200);
  return itemsOf(reply).map((item) => item["id"]);
}

function post(client: Client, url: string, json: unknown): Promise<Reply> {
  return client.request("POST", url, { withCsrf: true, json });
}

const BAD_REQUEST = { status: "error", code: 400, key: "error.invalidArgument" };

describe("site/search", () => {
  it("finds pages and drafts by any word, case-insensitively, best first", async () => {
    expect(ids(await admin.get("/api/site/search?q=NOTE&select=id"))).toEqual([
      "notes",
      "notes/first-note",
      "notes/second-note",
      "notes/secret-draft",
    ]);
    const ranked = ids(await admin.get("/api/site/search?q=item%20015&select=id&limit=3"));
    expect(ranked).toEqual(["bulk/item-015", "bulk/item-150", "bulk/item-151"]);
  });

  it("searches every content field and the id", async () => {
    expect(ids(await admin.get("/api/site/search?q=2024-01-15&select=id"))).toEqual(["notes/first-note"]);
    expect(ids(await admin.get("/api/site/search?q=bulkitem00000015&select=id"))).toEqual(["bulk/item-015"]);
    expect(ids(await admin.get("/api/site/search?q=alpha,gamma&select=id"))).toEqual(["notes/first-note"]);
  });

  it("answers an empty collection on page 0 for a query under two characters", async () => {
    for (const url of [
      "/api/site/search?q=a",
      "/api/site/search",
      "/api/site/search?q=%20%20x%20",
      "/api/site/search?q=,,",
    ]) {
      const reply = await admin.get(url);
      expect(reply.body).toMatchObject({ data: [], pagination: { page: 0, total: 0, offset: 0, limit: 100 } });
    }
  });

  it("paginates results with page and limit", async () => {
    const reply = await admin.get("/api/site/search?q=note&select=id&limit=2&page=2");
    expect(ids(reply)).toEqual(["notes/second-note", "notes/secret-draft"]);
    expect(paginationOf(reply)).toEqual({ page: 2, total: 4, offset: 2, limit: 2 });
  });

  it("takes POST bodies: a search string, options, limit before the search, paginate", async () => {
    expect(ids(await post(admin, "/api/site/search?select=id", { search: "first" }))).toEqual(["notes/first-note"]);
    expect(
      ids(
        await post(admin, "/api/site/search?select=id", { search: { query: "note", options: { fields: ["title"] } } }),
      ),
    ).toEqual(["notes", "notes/first-note", "notes/second-note"]);
    expect(ids(await post(admin, "/api/site/search?select=id", { search: "item", limit: 3 }))).toEqual([]);
    const paged = await post(admin, "/api/site/search?select=id", { search: "note", paginate: { page: 2, limit: 2 } });
    expect(ids(paged)).toEqual(["notes/second-note", "notes/secret-draft"]);
    expect(paginationOf(paged)).toEqual({ page: 2, total: 4, offset: 2, limit: 2 });
    expect(
      ids(await post(admin, "/api/site/search?select=id", { search: "note", offset: 1, limit: 2, sortBy: "x" })),
    ).toEqual(["notes/first-note", "notes/second-note"]);
  });

  it("applies query[…] of the query string after the search", async () => {
    expect(ids(await admin.get("/api/site/search?q=note&query[offset]=1&query[limit]=2&select=id"))).toEqual([
      "notes/first-note",
      "notes/second-note",
    ]);
    const paged = await admin.get("/api/site/search?q=note&query[paginate][limit]=1&query[paginate][page]=2&select=id");
    expect(ids(paged)).toEqual(["notes/first-note"]);
    expect(paginationOf(paged)).toEqual({ page: 2, total: 4, offset: 1, limit: 1 });
    expect(ids(await admin.get("/api/site/search?q=note&query[search]=second&select=id"))).toEqual([
      "notes/second-note",
    ]);
    expect(ids(await admin.get("/api/site/search?q=note&query=abc&select=id"))).toHaveLength(4);
  });

  it("finds what was just written (the index follows the content)", async () => {
    expect(ids(await admin.get("/api/site/search?q=zebracorn&select=id"))).toEqual([]);
    const patched = await admin.request("PATCH", "/api/pages/about", {
      withCsrf: true,
      json: { text: "A zebracorn." },
    });
    expect(patched.status, patched.text).toBe(200);
    expect(ids(await admin.get("/api/site/search?q=zebracorn&select=id"))).toEqual(["about"]);
  });
});

describe("children search", () => {
  it("searches listed and unlisted children by default, drafts by status", async () => {
    expect(ids(await admin.get("/api/pages/notes/children/search?q=note&select=id"))).toEqual([
      "notes/first-note",
      "notes/second-note",
    ]);
    expect(ids(await admin.get("/api/pages/notes/children/search?q=note&status=drafts&select=id"))).toEqual([
      "notes/secret-draft",
    ]);
    expect(ids(await admin.get("/api/site/children/search?q=about&select=id"))).toEqual(["about"]);
    expect(ids(await post(admin, "/api/pages/notes/children/search?select=id", { search: "second" }))).toEqual([
      "notes/second-note",
    ]);
  });

  it("answers 404 for a page that does not exist", async () => {
    const reply = await admin.get("/api/pages/nope/children/search?q=note");
    expect(reply.status).toBe(404);
    expect(reply.body).toMatchObject({ key: "error.page.notFound" });
  });
});

describe("users/search", () => {
  it("finds users by name, e-mail, role and id", async () => {
    expect(ids(await admin.get("/api/users/search?q=editor&select=id"))).toEqual(["editor01"]);
    expect(ids(await admin.get("/api/users/search?q=noaccess@example.com&select=id"))).toEqual(["noacc001"]);
    expect(ids(await admin.get("/api/users/search?q=admin001&select=id"))).toEqual(["admin001"]);
    expect(
      ids(
        await post(admin, "/api/users/search?select=id", {
          search: { query: "example", options: { fields: ["email"] } },
        }),
      ),
    ).toHaveLength(3);
  });

  it("searches only the users the caller may list", async () => {
    expect(ids(await editor.get("/api/users/search?q=example&select=id"))).toEqual(["editor01"]);
  });
});

describe("who may search", () => {
  it("editors search pages like admins", async () => {
    expect(ids(await editor.get("/api/site/search?q=secret&select=id"))).toEqual(["notes/secret-draft"]);
  });

  it.each(["/api/site/search?q=note", "/api/pages/notes/children/search?q=note", "/api/users/search?q=admin"])(
    "refuses %s to anonymous callers and roles without Panel access",
    async (url) => {
      const anonymous = await send(site.sheaf, "GET", url);
      expect(anonymous.status).toBe(401);
      expect(anonymous.body).toEqual(UNAUTHENTICATED);
      const refused = await noaccess.get(url);
      expect(refused.status).toBe(401);
      expect(refused.body).toEqual(NO_PANEL_ACCESS);
    },
  );
});

describe("hostile search input", () => {
  it.each([
    ["a query longer than 1000 characters", `/api/site/search?q=${"x".repeat(5_000)}`],
    [
      "a query of more than 32 words",
      `/api/site/search?q=${Array.from({ length: 40 }, (_, i) => `w${i}`).join("%20")}`,
    ],
    ["a non-numeric query[limit]", "/api/site/search?q=note&query[limit]=abc"],
    ["a non-numeric query[paginate][page]", "/api/site/search?q=note&query[paginate][page]=x"],
  ])("answers 400 to %s", async (_name, url) => {
    const reply = await admin.get(url);
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject(BAD_REQUEST);
  });

  it.each([
    ["a list as search", { search: ["note"] }],
    ["a boolean as search", { search: true }],
    ["an object as query", { search: { query: { $ne: 1 } } }],
    ["a 100 KB query", { search: "y".repeat(100_000) }],
    ["fields that are not names", { search: { query: "note", options: { fields: [1, 2] } } }],
    ["a negative minlength", { search: { query: "note", options: { minlength: -1 } } }],
    ["a huge minlength", { search: { query: "note", options: { minlength: 1e9 } } }],
    ["a score that is not a number", { search: { query: "note", options: { score: { title: "x" } } } }],
    ["a text offset", { search: "note", offset: "abc" }],
    ["an object limit", { search: "note", limit: {} }],
    ["a fractional limit", { search: "note", limit: 1.5 }],
  ])("answers 400 to a body with %s", async (_name, body) => {
    const reply = await post(admin, "/api/site/search", body);
    expect(reply.status, reply.text).toBe(400);
    expect(reply.body).toMatchObject(BAD_REQUEST);
  });

  it("treats pattern characters and prototype keys as plain text", async () => {
    for (const q of ["(.*)+", "[a-z]{1,}", "\\d+$", "note|about", "__proto__", "constructor"]) {
      const reply = await admin.get(`/api/site/search?q=${encodeURIComponent(q)}&select=id`);
      expect(reply.status, q).toBe(200);
      expect(ids(reply), q).toEqual([]);
    }
    const proto = await admin.get("/api/site/search?q=note&query[__proto__][limit]=1&query[constructor]=x&select=id");
    expect(ids(proto)).toHaveLength(4);
    expect(({} as Record<string, unknown>)["limit"]).toBeUndefined();
    const body = await post(
      admin,
      "/api/site/search?select=id",
      JSON.parse('{"__proto__":{"limit":1},"search":"note"}'),
    );
    expect(ids(body)).toHaveLength(4);
  });

  it("ignores null values and unknown keys of a body, and an empty body searches nothing away", async () => {
    expect(
      ids(await post(admin, "/api/site/search?select=id", { search: "first", limit: null, filterBy: [1] })),
    ).toEqual(["notes/first-note"]);
    const all = await post(admin, "/api/site/children/search?select=id", {});
    expect(ids(all)).toEqual(["notes", "about", "bulk", "error", "home"]);
  });
});

describe("query[…] on other collection routes", () => {
  it("applies offset, limit, search and paginate to children and users", async () => {
    expect(ids(await admin.get("/api/site/children?query[offset]=1&query[limit]=2&select=id"))).toEqual([
      "about",
      "bulk",
    ]);
    expect(ids(await admin.get("/api/pages/notes/children?query[search]=first&select=id"))).toEqual([
      "notes/first-note",
    ]);
    expect(ids(await admin.get("/api/site/children?query[limit]=2&query[search]=bulk&select=id"))).toEqual([]);
    const paged = await admin.get("/api/pages/bulk/children?query[paginate][limit]=2&page=5&limit=7&select=id");
    expect(ids(paged)).toEqual(["bulk/item-001", "bulk/item-002"]);
    expect(paginationOf(paged)).toEqual({ page: 1, total: 200, offset: 0, limit: 2 });
    expect(ids(await admin.get("/api/users?query[search]=editor&select=id"))).toEqual(["editor01"]);
    expect(ids(await admin.get("/api/roles?query[search]=editor"))).toEqual([]);
  });

  it("searches with the options of query[search][options] and keeps an empty query[paginate] inert", async () => {
    const byTitle = "/api/site/children?query[search][query]=notes&query[search][options][fields][]=title&select=id";
    expect(ids(await admin.get(byTitle))).toEqual(["notes"]);
    const byText = "/api/site/children?query[search][query]=notes&query[search][options][fields][]=nothing&select=id";
    expect(ids(await admin.get(byText))).toEqual([]);
    const inert = await admin.get("/api/pages/bulk/children?query[paginate]=&limit=3&select=id");
    expect(paginationOf(inert)).toEqual({ page: 1, total: 200, offset: 0, limit: 3 });
  });

  it.each([
    ["a query[search] longer than 1000 characters", `/api/site/children?query[search]=${"x".repeat(5_000)}`],
    [
      "a query[search] of more than 32 words",
      `/api/users?query[search]=${Array.from({ length: 40 }, (_, i) => `w${i}`).join("%20")}`,
    ],
    [
      "a query[search] minlength of 0",
      "/api/site/children?query[search][query]=ab&query[search][options][minlength]=0",
    ],
    ["a non-numeric query[offset]", "/api/pages/bulk/children?query[offset]=1e3"],
  ])("answers 400 to %s", async (_name, url) => {
    const reply = await admin.get(url);
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject(BAD_REQUEST);
  });
});
