import { describe, expect, it } from "vitest";
import { createClient, type FetchFunction } from "../../src/client/index.js";

interface Seen {
  readonly method: string;
  readonly url: URL;
  readonly body: unknown;
}

const COLLECTION = {
  code: 200,
  data: [{ id: "notes" }],
  pagination: { page: 1, total: 1, offset: 0, limit: 100 },
  status: "ok",
  type: "collection",
};
const BLUEPRINT = { name: "pages/note", title: "Note", options: {}, tabs: [] };

function fakeServer(answer: (seen: Seen) => unknown): { fetch: FetchFunction; seen: Seen[] } {
  const seen: Seen[] = [];
  const fetch: FetchFunction = async (input, init) => {
    const request = {
      method: init.method ?? "GET",
      url: new URL(input),
      body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
    };
    seen.push(request);
    return new Response(JSON.stringify(answer(request)), {
      status: 200,
      headers: { "content-type": "application/json; charset=UTF-8" },
    });
  };
  return { fetch, seen };
}

function client(fetch: FetchFunction) {
  return createClient({ url: "http://sheaf.test", fetch, auth: { type: "session", csrf: "fixed" } });
}

describe("client.search", () => {
  it("sends a plain query as GET q with the collection options", async () => {
    const { fetch, seen } = fakeServer(() => COLLECTION);
    const result = await client(fetch).search.pages("note taking", { select: ["id"], limit: 5, page: 2 });
    expect(result.data).toEqual([{ id: "notes" }]);
    expect(seen[0]?.method).toBe("GET");
    expect(seen[0]?.url.pathname).toBe("/api/site/search");
    expect(Object.fromEntries(seen[0]?.url.searchParams ?? [])).toEqual({
      q: "note taking",
      select: "id",
      limit: "5",
      page: "2",
    });
  });

  it("sends search options in a POST body", async () => {
    const { fetch, seen } = fakeServer(() => COLLECTION);
    await client(fetch).search.users("example", { options: { fields: ["email"] } });
    expect(seen[0]?.method).toBe("POST");
    expect(seen[0]?.url.pathname).toBe("/api/users/search");
    expect(seen[0]?.body).toEqual({ search: { query: "example", options: { fields: ["email"] } } });
  });

  it("searches the children of a page or of the site", async () => {
    const { fetch, seen } = fakeServer(() => COLLECTION);
    await client(fetch).search.children("notes/first-note", "x1", { status: "all" });
    await client(fetch).search.children(null, "x1");
    expect(seen.map((request) => request.url.pathname)).toEqual([
      "/api/pages/notes+first-note/children/search",
      "/api/site/children/search",
    ]);
    expect(seen[0]?.url.searchParams.get("status")).toBe("all");
    await expect(client(fetch).search.children("", "x1")).rejects.toThrow(TypeError);
  });
});

describe("client.blueprints", () => {
  it("reads the blueprints of pages, the site, users and the account", async () => {
    const { fetch, seen } = fakeServer(() => ({ code: 200, data: BLUEPRINT, status: "ok", type: "model" }));
    const api = client(fetch).blueprints;
    expect(await api.page("notes/first-note")).toEqual(BLUEPRINT);
    await api.site();
    await api.user("admin@example.com");
    await api.account();
    expect(seen.map((request) => request.url.pathname)).toEqual([
      "/api/pages/notes+first-note/blueprint",
      "/api/site/blueprint",
      "/api/users/admin@example.com/blueprint",
      "/api/account/blueprint",
    ]);
  });

  it("reads template choices as a bare list, with an optional section", async () => {
    const { fetch, seen } = fakeServer(() => [{ name: "note", title: "Note" }]);
    const api = client(fetch).blueprints;
    expect(await api.pageTemplates("notes", "published")).toEqual([{ name: "note", title: "Note" }]);
    await api.siteTemplates();
    expect(seen[0]?.url.search).toBe("?section=published");
    expect(seen[1]?.url.pathname).toBe("/api/site/blueprints");
  });

  it("rejects an answer that is not a list", async () => {
    const { fetch } = fakeServer(() => ({ status: "ok" }));
    await expect(client(fetch).blueprints.siteTemplates()).rejects.toThrow(/not a list/);
  });
});
