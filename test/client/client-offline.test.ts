import { afterEach, describe, expect, expectTypeOf, it, vi } from "vitest";
import {
  createClient,
  isPendingLogin,
  SheafApiError,
  type CompactPage,
  type FetchFunction,
  type Page,
  type PageFields,
} from "../../src/client/index.js";

/** A request as the fake server saw it. */
interface Seen {
  readonly method: string;
  readonly url: URL;
  readonly headers: Headers;
  readonly body: unknown;
  readonly credentials: RequestCredentials | undefined;
}

type Handler = (request: Seen) => Response | Promise<Response>;

function json(body: unknown, status = 200, headers: ReadonlyArray<[string, string]> = []): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: [["content-type", "application/json; charset=UTF-8"], ...headers],
  });
}

const CSRF = "c".repeat(64);
const OK = { status: "ok", message: "ok", code: 200 };
const SITE = {
  code: 200,
  data: { content: { title: "T" }, options: {}, title: "T", url: "http://x" },
  status: "ok",
  type: "model",
};

/** A fetch that answers from `handler` and records every request. */
function fakeFetch(handler: Handler): { fetch: FetchFunction; seen: Seen[] } {
  const seen: Seen[] = [];
  const fetch: FetchFunction = async (input, init) => {
    const request: Seen = {
      method: init.method ?? "GET",
      url: new URL(input),
      headers: new Headers(init.headers),
      body: typeof init.body === "string" ? JSON.parse(init.body) : undefined,
      credentials: init.credentials,
    };
    seen.push(request);
    return handler(request);
  };
  return { fetch, seen };
}

/** A server that hands out a CSRF token and a session cookie, and answers everything else with the site. */
function sessionServer(): Handler {
  return (request) => {
    if (request.url.pathname === "/api/auth/csrf") {
      return json({ code: 200, status: "ok", csrf: CSRF }, 200, [
        ["set-cookie", "kirby_session=anon; Max-Age=7200; path=/; HttpOnly"],
      ]);
    }
    return json(SITE);
  };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("session mode", () => {
  it("asks for the CSRF token once, even for concurrent requests, and sends it with each", async () => {
    const { fetch, seen } = fakeFetch(sessionServer());
    const client = createClient({ url: "http://sheaf.test", fetch });
    await Promise.all([client.site.get(), client.site.get(), client.csrf()]);
    const paths = seen.map((request) => request.url.pathname);
    expect(paths.filter((path) => path === "/api/auth/csrf")).toHaveLength(1);
    expect(paths.filter((path) => path === "/api/site")).toHaveLength(2);
    for (const request of seen.filter((r) => r.url.pathname === "/api/site")) {
      expect(request.headers.get("x-csrf")).toBe(CSRF);
      expect(request.headers.get("cookie")).toBe("kirby_session=anon");
    }
  });

  it("posts the login with the token, keeps the last session cookie of the answer, and returns the user", async () => {
    const user = {
      avatar: null,
      email: "a@example.com",
      id: "a1",
      language: "en",
      name: "A",
      permissions: null,
      role: null,
    };
    const { fetch, seen } = fakeFetch((request) => {
      if (request.url.pathname === "/api/auth/login") {
        return json({ code: 200, status: "ok", user }, 200, [
          ["set-cookie", "kirby_session=first; Max-Age=7200; path=/"],
          ["set-cookie", "kirby_session=second; Max-Age=7200; path=/"],
        ]);
      }
      return sessionServer()(request);
    });
    const client = createClient({ url: "http://sheaf.test", fetch });
    expect(await client.login({ email: "a@example.com", password: "pw" })).toEqual(user);
    await client.site.get();

    const login = seen.find((request) => request.url.pathname === "/api/auth/login");
    expect(login?.method).toBe("POST");
    expect(login?.headers.get("x-csrf")).toBe(CSRF);
    expect(login?.headers.get("content-type")).toBe("application/json");
    expect(login?.body).toEqual({ email: "a@example.com", password: "pw", long: false });
    expect(seen.at(-1)?.headers.get("cookie")).toBe("kirby_session=second");
  });

  it("uses a fixed CSRF token without asking for one", async () => {
    const { fetch, seen } = fakeFetch(sessionServer());
    const client = createClient({ url: "http://sheaf.test", fetch, auth: { type: "session", csrf: "fixed" } });
    await client.site.get();
    expect(seen.map((request) => request.url.pathname)).toEqual(["/api/site"]);
    expect(seen[0]?.headers.get("x-csrf")).toBe("fixed");
  });

  it("logs out and pings without asking for a token first", async () => {
    const { fetch, seen } = fakeFetch(() => json(OK));
    const client = createClient({ url: "http://sheaf.test", fetch });
    await client.logout();
    await client.ping();
    expect(seen.map((request) => `${request.method} ${request.url.pathname}`)).toEqual([
      "POST /api/auth/logout",
      "POST /api/auth/ping",
    ]);
  });

  it("answers a login challenge as pending, and completes it with verifyCode()", async () => {
    const user = { id: "u1", email: "a@example.com" };
    const { fetch, seen } = fakeFetch((request) =>
      request.url.pathname === "/api/auth/login"
        ? json({ code: 200, status: "ok", challenge: "totp" })
        : request.url.pathname === "/api/auth/code"
          ? json({ code: 200, status: "ok", user })
          : sessionServer()(request),
    );
    const client = createClient({ url: "http://sheaf.test", fetch });
    const pending = await client.login({ email: "a@example.com", password: "pw" });
    expect(pending).toEqual({ status: "pending", challenge: "totp" });
    expect(isPendingLogin(pending)).toBe(true);
    expect(await client.verifyCode("123 456")).toEqual(user);
    expect(seen.at(-1)?.body).toEqual({ code: "123 456" });
  });

  it("asks the browser for cookies only when the API is on another origin", async () => {
    const { fetch, seen } = fakeFetch(sessionServer());
    vi.stubGlobal("location", { href: "https://www.example.com/admin/", origin: "https://www.example.com" });
    await createClient({ url: "/", fetch, auth: { type: "session", csrf: "t" } }).site.get();
    await createClient({ url: "https://cms.example.com", fetch, auth: { type: "session", csrf: "t" } }).site.get();
    expect(seen.map((request) => [request.url.href, request.credentials])).toEqual([
      ["https://www.example.com/api/site", "same-origin"],
      ["https://cms.example.com/api/site", "include"],
    ]);
  });
});

describe("Basic mode", () => {
  it("sends UTF-8 credentials with every request and neither a CSRF token nor cookies", async () => {
    const { fetch, seen } = fakeFetch((request) =>
      request.url.pathname === "/api/auth/csrf"
        ? json({ code: 200, status: "ok", csrf: CSRF })
        : json(SITE, 200, [["set-cookie", "x=1; path=/"]]),
    );
    const client = createClient({
      url: "http://sheaf.test",
      fetch,
      auth: { type: "basic", email: "zoë@example.com", password: "pässword" },
    });
    await client.site.get();
    await client.site.get();
    expect(seen.map((request) => request.url.pathname)).toEqual(["/api/site", "/api/site"]);
    const expected = `Basic ${Buffer.from("zoë@example.com:pässword", "utf8").toString("base64")}`;
    for (const request of seen) {
      expect(request.headers.get("authorization")).toBe(expected);
      expect(request.headers.has("x-csrf")).toBe(false);
      expect(request.headers.has("cookie")).toBe(false);
    }
  });

  it("refuses login() as a usage error", async () => {
    const { fetch, seen } = fakeFetch(() => json(OK));
    const client = createClient({
      url: "http://sheaf.test",
      fetch,
      auth: { type: "basic", email: "a@b.c", password: "p" },
    });
    await expect(client.login({ email: "a@b.c", password: "p" })).rejects.toBeInstanceOf(TypeError);
    expect(seen).toHaveLength(0);
  });
});

describe("paths and queries", () => {
  const basic = { type: "basic", email: "a@b.c", password: "p" } as const;

  it("writes page ids with + and keeps @, + and = in user paths", async () => {
    const { fetch, seen } = fakeFetch(() => json({ code: 200, data: {}, status: "ok", type: "model" }));
    const client = createClient({ url: "http://sheaf.test/sub/", apiSlug: "rest", fetch, auth: basic });
    await client.pages.get("blog/notes on/hello");
    await client.pages.get("blog+hello");
    await client.users.get("ann@example.com");
    await client.pages.changeStatus("blog/hello", "listed", 2);
    // the server does not decode user keys, so what its route accepts goes as it is
    await client.users.get("ann+news=1@example.com");
    expect(seen.map((request) => request.url.pathname)).toEqual([
      "/sub/rest/pages/blog+notes%20on+hello",
      "/sub/rest/pages/blog+hello",
      "/sub/rest/users/ann@example.com",
      "/sub/rest/pages/blog+hello/status",
      "/sub/rest/users/ann+news=1@example.com",
    ]);
    expect(seen[3]?.body).toEqual({ status: "listed", position: 2 });
  });

  it("sends select as a comma list and leaves out what is not given", async () => {
    const collection = {
      code: 200,
      data: [],
      pagination: { page: 2, total: 0, offset: 10, limit: 10 },
      status: "ok",
      type: "collection",
    };
    const { fetch, seen } = fakeFetch(() => json(collection));
    const client = createClient({ url: "http://sheaf.test", fetch, auth: basic });
    const result = await client.pages.children("notes", { select: ["id", "title"], page: 2, limit: 10, status: "all" });
    await client.users.list();
    expect(result).toEqual({ data: [], pagination: collection.pagination });
    expect(Object.fromEntries(seen[0]!.url.searchParams)).toEqual({
      select: "id,title",
      page: "2",
      limit: "10",
      status: "all",
    });
    expect(seen[1]?.url.search).toBe("");
  });

  it("types a read by its select or view, and sends both as given", async () => {
    const { fetch, seen } = fakeFetch(() =>
      json({ code: 200, data: { id: "a", hasChildren: false }, status: "ok", type: "model" }),
    );
    const client = createClient({ url: "http://sheaf.test", fetch, auth: basic });
    const plain = await client.pages.get("a");
    const selected = await client.pages.get("a", { select: ["id", "hasChildren"] });
    const compact = await client.pages.get("a", { view: "compact" });
    expectTypeOf(plain).toEqualTypeOf<Page>();
    expectTypeOf(selected).toEqualTypeOf<Pick<PageFields, "id" | "hasChildren">>();
    expectTypeOf(compact).toEqualTypeOf<CompactPage>();
    expect(selected).toEqual({ id: "a", hasChildren: false });
    expect(seen.map((request) => request.url.search)).toEqual(["", "?select=id%2ChasChildren", "?view=compact"]);
  });

  it("builds the paths of file changes and of model and file sections", async () => {
    const { fetch, seen } = fakeFetch(() => json({ status: "ok", code: 200, name: "s", type: "fields", fields: {} }));
    const client = createClient({ url: "http://sheaf.test", fetch, auth: basic });
    await client.changes.file({ page: "blog/hello" }, "my photo.jpg").save({ alt: "x" });
    await client.changes.file("site", "logo.png").publish();
    await client.changes.file({ user: "ann@example.com" }, "profile.jpg").unlock();
    await client.changes.file("account", "profile.jpg").discard();
    const section = await client.blueprints.section({ page: "gallery" }, "images", 2);
    await client.blueprints.section("site", "content");
    await client.blueprints.fileSection({ page: "gallery" }, "a-red.png", "meta");
    expect(section).toMatchObject({ name: "s", type: "fields" });
    expect(seen.map((request) => `${request.method} ${request.url.pathname}${request.url.search}`)).toEqual([
      "POST /api/pages/blog+hello/files/my%20photo.jpg/changes/save",
      "POST /api/site/files/logo.png/changes/publish",
      "POST /api/users/ann@example.com/files/profile.jpg/changes/unlock",
      "POST /api/account/files/profile.jpg/changes/discard",
      "GET /api/pages/gallery/sections/images?page=2",
      "GET /api/site/sections/content",
      "GET /api/pages/gallery/files/a-red.png/sections/meta",
    ]);
    await expect(client.changes.file("site", "").save({})).rejects.toBeInstanceOf(TypeError);
  });

  it("rejects an empty page id instead of throwing", async () => {
    const { fetch } = fakeFetch(() => json(SITE));
    const promise = createClient({ url: "http://sheaf.test", fetch, auth: basic }).pages.get("/");
    await expect(promise).rejects.toBeInstanceOf(TypeError);
  });
});

describe("errors", () => {
  const basic = { type: "basic", email: "a@b.c", password: "p" } as const;

  async function failure(handler: Handler): Promise<SheafApiError> {
    const { fetch } = fakeFetch(handler);
    const caught: unknown = await createClient({ url: "http://sheaf.test", fetch, auth: basic })
      .site.get()
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(caught).toBeInstanceOf(SheafApiError);
    return caught as SheafApiError;
  }

  it("carries the envelope's message, code, key and details", async () => {
    const details = { subtitle: { label: "Subtitle", message: { maxlength: "too long" } } };
    const error = await failure(() =>
      json(
        { status: "error", message: "Please fix all form errors", code: 400, key: "error.form.incomplete", details },
        400,
      ),
    );
    expect(error).toMatchObject({
      status: 400,
      code: 400,
      key: "error.form.incomplete",
      details,
      message: "Please fix all form errors",
    });
    expect(error.name).toBe("SheafApiError");
    expect(error.method).toBe("GET");
    expect(error.url).toBe("http://sheaf.test/api/site");
  });

  it("keeps a body code outside 400–599 apart from the HTTP status, and [] details as []", async () => {
    const error = await failure(() =>
      json({ status: "error", message: "odd", code: 1000, key: null, details: [] }, 500),
    );
    expect(error).toMatchObject({ status: 500, code: 1000, key: null, details: [] });
  });

  it("turns a non-JSON error page into an error with the HTTP status and no key", async () => {
    const error = await failure(() => new Response("<h1>Bad gateway</h1>", { status: 502, statusText: "Bad Gateway" }));
    expect(error).toMatchObject({ status: 502, code: 502, key: null, details: [], message: "HTTP 502 Bad Gateway" });
  });

  it("turns a non-JSON success into an error", async () => {
    const error = await failure(() => new Response("<html>login page</html>", { status: 200 }));
    expect(error).toMatchObject({ status: 200, key: null });
    expect(error.message).toContain("not JSON");
  });

  it("turns JSON that is not the expected envelope into an error", async () => {
    const error = await failure(() => json({ hello: "world" }));
    expect(error.message).toContain("not a model envelope");
  });

  it("turns a network failure into an error with status 0 and the cause", async () => {
    const cause = new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED 127.0.0.1:1") });
    const error = await failure(() => Promise.reject(cause));
    expect(error).toMatchObject({ status: 0, code: 0, key: null });
    expect(error.cause).toBe(cause);
    expect(error.message).toBe(
      "GET http://sheaf.test/api/site failed: fetch failed (connect ECONNREFUSED 127.0.0.1:1)",
    );
  });
});
