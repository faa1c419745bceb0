/**
 * Reads and Basic checks as Kirby 5.5.2 answers them (recorded scenarios 57 and 59), and the decided differences
 * that go with them (deviations z-uuid-not-writable, zz-no-500-for-bad-input).
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN,
  basicAuth,
  cleanUp,
  type Client,
  copySite,
  dataOf,
  INVALID_LOGIN,
  itemsOf,
  LOCALHOST_IP_HASH,
  OK,
  paginationOf,
  readJsonFile,
  send,
  startSite,
  type TestSite,
} from "./helpers.js";

afterAll(cleanUp);

const INVALID_ARGUMENT = { status: "error", code: 400, key: "error.invalidArgument", details: [] };

describe("reads (57)", () => {
  let site: TestSite;
  let admin: Client;
  beforeAll(async () => {
    site = await startSite({ exclude: [] });
    admin = await site.client().loginOrThrow(ADMIN);
  });

  it("answers an empty collection on page 0, also when page 1 is asked for", async () => {
    for (const url of ["/api/pages/about/children", "/api/pages/about/children?page=1"]) {
      expect(paginationOf(await admin.get(url))).toEqual({ page: 0, total: 0, offset: 0, limit: 100 });
    }
    const beyond = await admin.get("/api/pages/about/children?page=2");
    expect([beyond.status, (beyond.body as Record<string, unknown>)["message"]]).toEqual([
      404,
      "Pagination page 2 does not exist, expected 0-0",
    ]);
  });

  it("applies query[offset], query[limit], query[search] and query[paginate] before page and limit", async () => {
    const ids = async (url: string) => itemsOf(await admin.get(url)).map((item) => item["id"]);
    expect(await ids("/api/site/children?query[offset]=1&query[limit]=2&select=id")).toEqual(["about", "bulk"]);
    expect(await ids("/api/site/children?query[limit]=2&query[search]=bulk&select=id")).toEqual([]);
    expect(await ids("/api/pages/notes/children?query[search]=first&select=id")).toEqual(["notes/first-note"]);
    const queried = await admin.get("/api/pages/bulk/children?query[limit]=5&page=2&limit=2&select=id");
    expect(itemsOf(queried).map((item) => item["id"])).toEqual(["bulk/item-003", "bulk/item-004"]);
    expect(paginationOf(queried)).toEqual({ page: 2, total: 5, offset: 2, limit: 2 });
    const paginated = await admin.get("/api/pages/bulk/children?query[paginate][limit]=2&page=5&limit=7&select=id");
    expect(paginationOf(paginated)).toEqual({ page: 1, total: 200, offset: 0, limit: 2 });
    expect(await ids("/api/users?query[search]=editor&select=id")).toEqual(["editor01"]);
  });

  it("reads select as a PHP array, with sub-views and sub-selections", async () => {
    expect(dataOf(await admin.get("/api/pages/notes?select[]=id&select[]=num"))).toEqual({ id: "notes", num: 1 });
    const nested = dataOf(
      await admin.get("/api/pages/notes?select[]=id&select[children][]=id&select[children][]=status"),
    );
    expect(nested["children"]).toEqual([
      { id: "notes/first-note", status: "listed" },
      { id: "notes/second-note", status: "listed" },
    ]);
    const parent = dataOf(await admin.get("/api/pages/notes+first-note?select[]=id&select[parent]=compact"));
    expect(Object.keys(parent["parent"] as object)).toEqual(["id", "num", "title", "url", "uuid"]);
  });

  it("refuses the sub view any with 400 (deviation zz) instead of Kirby's 500", async () => {
    const reply = await admin.get("/api/pages/notes+first-note?select[parent]=any");
    expect(reply.body).toMatchObject(INVALID_ARGUMENT);
  });

  it("finds users by id as sent, then lower-cased", async () => {
    expect(dataOf(await admin.get("/api/users/ADMIN001?select=id"))).toEqual({ id: "admin001" });
    const created = await admin.request("POST", "/api/users?select=id", {
      withCsrf: true,
      json: { id: "Mixed_Case", email: "mixed@example.com", password: "Secret-pass-1", role: "editor" },
    });
    expect(dataOf(created)).toEqual({ id: "Mixed_Case" });
    expect((await admin.get("/api/users/Mixed_Case?select=id")).status).toBe(200);
    expect((await admin.get("/api/users/mixed_case?select=id")).status).toBe(404);
  });

  it("POST site/find: ids with / and page:// UUIDs (drafts only by UUID), once each, in the order asked", async () => {
    const find = async (body: unknown, query = "?select=id") =>
      admin.request("POST", `/api/site/find${query}`, { withCsrf: true, json: body });
    const ids = (reply: Awaited<ReturnType<typeof find>>) => itemsOf(reply).map((item) => item["id"]);
    expect(ids(await find(["about", "notes", "about", "nope"]))).toEqual(["about", "notes"]);
    expect(ids(await find(["notes+first-note", "notes/secret-draft"]))).toEqual([]);
    expect(ids(await find(["page://firstnote0000001", "page://secretdraft00001"]))).toEqual([
      "notes/first-note",
      "notes/secret-draft",
    ]);
    expect(paginationOf(await find(["nope"]))).toEqual({ page: 0, total: 0, offset: 0, limit: 100 });
    expect((await admin.get("/api/site/find?ids=notes")).status).toBe(404);
  });

  it("refuses a site/find body that is not a non-empty list with 400 (deviation zz)", async () => {
    for (const body of [[], { ids: ["notes"] }, [["notes"]], [1]]) {
      const reply = await admin.request("POST", "/api/site/find", { withCsrf: true, json: body });
      expect(reply.body, JSON.stringify(body)).toMatchObject(INVALID_ARGUMENT);
    }
  });
});

describe("decided differences of content writes (58)", () => {
  it("refuses a uuid in a content update and a list for a textarea, and writes nothing", async () => {
    const site = await startSite();
    const admin = await site.client().loginOrThrow(ADMIN);
    const file = path.join(site.root, "content", "2_about", "default.txt");
    const before = await readFile(file, "utf8");
    for (const body of [{ uuid: "" }, { uuid: 0 }, { uuid: true }, { text: ["x", "y"] }, { text: { a: 1 } }]) {
      const reply = await admin.request("PATCH", "/api/pages/about", { withCsrf: true, json: body });
      expect(reply.body, JSON.stringify(body)).toMatchObject(INVALID_ARGUMENT);
    }
    expect(await readFile(file, "utf8")).toBe(before);
  });
});

describe("a page found with an empty or 0 UUID gets a new one when read, as in Kirby", () => {
  it("writes the new UUID in place and answers it", async () => {
    const site = await startSite();
    const admin = await site.client().loginOrThrow(ADMIN);
    const file = path.join(site.root, "content", "2_about", "default.txt");
    for (const empty of ["0", ""]) {
      await writeFile(file, `Title: About\n\n----\n\nUuid: ${empty}\n\n----\n\nText: Hi`);
      await site.sheaf.content.reload();
      const uuid = String(dataOf(await admin.get("/api/pages/about?select=uuid"))["uuid"]);
      expect(uuid).toMatch(/^page:\/\/[a-z0-9]{16}$/);
      expect(await readFile(file, "utf8")).toBe(
        `Title: About\n\n----\n\nUuid: ${uuid.slice("page://".length)}\n\n----\n\nText: Hi`,
      );
    }
  });
});

describe("Basic credentials are checked before routing (59)", () => {
  it("counts wrong credentials on public and unknown routes, and refuses where the user is asked for", async () => {
    const site = await startSite({ config: { api: { basicAuth: true, allowInsecure: true } } });
    const wrong = { authorization: basicAuth(ADMIN.email, "WrongPass999!") };
    const right = { authorization: basicAuth(ADMIN.email, ADMIN.password) };
    const get = (url: string, headers: Record<string, string>) => send(site.sheaf, "GET", url, { headers });
    const post = (url: string, headers: Record<string, string>) => send(site.sheaf, "POST", url, { headers });

    expect((await get("/api/system", wrong)).body).toEqual(INVALID_LOGIN);
    expect((await get("/api/system?select=title,isOk", wrong)).status).toBe(200);
    expect((await get("/api/translations", wrong)).status).toBe(200);
    expect((await post("/api/auth/ping", wrong)).body).toEqual(OK);
    expect((await post("/api/auth/logout", wrong)).body).toEqual(INVALID_LOGIN);
    expect((await get("/api/nope", wrong)).status).toBe(404);
    expect((await get("/api/system?select=authStatus", { authorization: "Bearer abc" })).status).toBe(200);
    const logins = path.join(site.root, "site", "accounts", ".logins");
    const counted = await readJsonFile<Record<string, Record<string, { trials: number }>>>(logins);
    expect(counted["by-ip"]?.[LOCALHOST_IP_HASH]?.trials).toBe(6);
    expect(counted["by-email"]?.[ADMIN.email]?.trials).toBe(6);

    expect(dataOf(await get("/api/auth?select=id", right))).toEqual({ id: "admin001" });
    for (let trial = 7; trial <= 10; trial++) await get("/api/translations/en", wrong);
    expect((await get("/api/auth?select=id", right)).body).toEqual(INVALID_LOGIN);
    expect(dataOf(await get("/api/system?select=title,user", right))["user"]).toBeNull();
  });
});

describe("interface translations are Sheaf's own set, extended by the site (deviation z-translations-own-set)", () => {
  it("lists English and the site's translations, from files and the option, and answers unknown codes with 404", async () => {
    const root = await copySite(undefined, ["content/3_bulk"]);
    await mkdir(path.join(root, "site", "translations"), { recursive: true });
    await writeFile(
      path.join(root, "site", "translations", "de.json"),
      JSON.stringify({ "translation.name": "Deutsch", login: "Anmelden" }),
    );
    const site = await startSite({
      root,
      config: { translations: { he: { "translation.name": "עברית", "translation.direction": "rtl" } } },
    });
    const list = await send(site.sheaf, "GET", "/api/translations");
    expect(itemsOf(list)).toEqual([
      { direction: "ltr", id: "de", name: "Deutsch" },
      { direction: "ltr", id: "en", name: "English" },
      { direction: "rtl", id: "he", name: "עברית" },
    ]);
    expect(dataOf(await send(site.sheaf, "GET", "/api/translations/de"))["data"]).toMatchObject({ login: "Anmelden" });
    expect((await send(site.sheaf, "GET", "/api/translations/fr")).status).toBe(404);
    // a user whose language has no translation gets English
    const admin = await site.client().loginOrThrow(ADMIN);
    const system = dataOf(await admin.get("/api/system?select=translation"));
    expect((system["translation"] as Record<string, unknown>)["id"]).toBe("en");
  });
});
