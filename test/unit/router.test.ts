import { describe, expect, it } from "vitest";
import type { ApiContext, SiteServices } from "../../src/api/context.js";
import { GENERIC_ERROR_MESSAGE, renderError, renderResult } from "../../src/api/envelope.js";
import { effectiveMethod, handleApiCall, type ApiCall, type ParsedBody } from "../../src/api/handle.js";
import { route } from "../../src/api/route.js";
import { Router, routablePath } from "../../src/api/router.js";
import type { RequestAuth } from "../../src/auth/index.js";
import { resolveOptions } from "../../src/config/index.js";
import { AuthError, captureErrorStacks, NotFoundError, PermissionError, UnexpectedError } from "../../src/errors.js";

const noop = (): true => true;

/** Status and body of a response (extra response headers are not part of Kirby's envelope). */
function envelope(response: { status: number; body: unknown }): { status: number; body: unknown } {
  return { status: response.status, body: response.body };
}

function routerOf(...patterns: Array<[string, string]>): Router {
  return new Router(patterns.map(([method, pattern]) => route(method, pattern, noop)));
}

describe("Router patterns (docs/kirby-compat/routes-and-envelopes.md)", () => {
  const router = routerOf(["GET", "pages/(:any)"], ["GET", "pages/(:any)/children"], ["GET", "files/(:all)"]);

  it.each(["notes", "notes+first-note", "a.b-c_d", "100%25", "a=b", "with space", "x@example.com", "(round)", "A-Z09"])(
    "(:any) matches %j",
    (segment) => {
      const match = router.match("GET", `pages/${segment}`);
      expect(match?.route.definition.pattern).toBe("pages/(:any)");
      expect(match?.params).toEqual([segment]);
    },
  );

  it.each(["a,b", "a~b", "a!b", "a'b", "a;b", "a*b", "ä", "a#b", "a&b"])("(:any) does not match %j", (segment) => {
    expect(router.match("GET", `pages/${segment}`)).toBeUndefined();
  });

  it("(:any) is one segment; the next pattern takes the longer path", () => {
    expect(router.match("GET", "pages/notes/first-note")).toBeUndefined();
    const match = router.match("GET", "pages/notes+first-note/children");
    expect(match?.route.definition.pattern).toBe("pages/(:any)/children");
    expect(match?.params).toEqual(["notes+first-note"]);
  });

  it("(:any) does not match an empty segment", () => {
    expect(router.match("GET", "pages/")).toBeUndefined();
  });

  it("(:all) takes the rest including slashes", () => {
    expect(router.match("GET", "files/a/b/c.png")?.params).toEqual(["a/b/c.png"]);
  });

  it("matches the whole path, not a prefix or a suffix", () => {
    expect(router.match("GET", "xpages/notes")).toBeUndefined();
    expect(router.match("GET", "pages/notes/childrenx")).toBeUndefined();
  });

  it("escapes regex characters in the literal part of a pattern", () => {
    const dotted = routerOf(["GET", "a.b"]);
    expect(dotted.match("GET", "a.b")).toBeDefined();
    expect(dotted.match("GET", "axb")).toBeUndefined();
  });

  it("matches only the listed methods", () => {
    expect(router.match("POST", "pages/notes")).toBeUndefined();
    expect(router.match("DELETE", "pages/notes")).toBeUndefined();
  });

  it("lets the first matching route in registration order win", () => {
    const first = route("GET", "users/(:any)", () => ({ which: "first" }));
    const second = route("GET", "users/me", () => ({ which: "second" }));
    const ordered = new Router([first, second]);
    expect(ordered.match("GET", "users/me")?.route.definition).toBe(first);
    expect(new Router([second, first]).match("GET", "users/me")?.route.definition).toBe(second);
    expect(ordered.size).toBe(2);
  });

  it("keeps registration order between routes with a literal first segment and routes starting with a placeholder", () => {
    const open = route("GET", "(:any)/children", () => ({ which: "open" }));
    const literal = route("GET", "pages/children", () => ({ which: "literal" }));
    const catchAll = route("GET", "(:all)", () => ({ which: "all" }));
    expect(new Router([open, literal]).match("GET", "pages/children")?.route.definition).toBe(open);
    expect(new Router([literal, open]).match("GET", "pages/children")?.route.definition).toBe(literal);
    // a first segment no literal route uses still reaches the routes that start with a placeholder
    expect(new Router([literal, catchAll]).match("GET", "other/thing")?.route.definition).toBe(catchAll);
    expect(new Router([literal, catchAll]).match("GET", "")?.route.definition).toBe(catchAll);
    expect(new Router([literal]).match("GET", "pages")).toBeUndefined();
  });

  it("skips a route of another method and tries the next", () => {
    const post = route("POST", "site", noop);
    const get = route("GET", "site", noop);
    expect(new Router([post, get]).match("GET", "site")?.route.definition).toBe(get);
  });
});

describe("routablePath", () => {
  it("removes surrounding and repeated slashes", () => {
    expect(routablePath("/pages/notes/")).toBe("pages/notes");
    expect(routablePath("pages//notes")).toBe("pages/notes");
    expect(routablePath("")).toBe("");
  });

  it("removes segments containing ':' (URL parameters)", () => {
    expect(routablePath("pages/page:abc")).toBe("pages");
    expect(routablePath("pages/notes/sort:asc/children")).toBe("pages/notes/children");
  });

  it("does not decode anything", () => {
    expect(routablePath("pages/notes%2Ffirst-note")).toBe("pages/notes%2Ffirst-note");
  });
});

describe("effectiveMethod", () => {
  it("honours X-HTTP-Method-Override in any case", () => {
    expect(effectiveMethod("POST", "GET")).toBe("GET");
    expect(effectiveMethod("POST", "patch")).toBe("PATCH");
    expect(effectiveMethod("GET", " delete ")).toBe("DELETE");
  });

  it("ignores an invalid or empty override", () => {
    expect(effectiveMethod("POST", "FOO")).toBe("POST");
    expect(effectiveMethod("POST", "")).toBe("POST");
    expect(effectiveMethod("POST", undefined)).toBe("POST");
  });

  it("treats unknown request methods as GET", () => {
    expect(effectiveMethod("PROPFIND", undefined)).toBe("GET");
    expect(effectiveMethod("get", undefined)).toBe("GET");
  });
});

describe("handleApiCall", () => {
  const services = { options: resolveOptions({}) } as unknown as SiteServices;
  const debugServices = { options: resolveOptions({ debug: true }) } as unknown as SiteServices;

  function call(
    method: string,
    path: string,
    {
      body = { ok: true, values: {} },
      bodyReads = [],
      ...extra
    }: Partial<ApiCall> & { identityCalls?: string[]; body?: ParsedBody; bodyReads?: number[] } = {},
  ): ApiCall {
    const calls = extra.identityCalls ?? [];
    const auth = {
      identity: async () => {
        calls.push(path);
        throw new AuthError();
      },
    } as unknown as RequestAuth;
    const readBody = async (limitBytes: number): Promise<ParsedBody> => {
      bodyReads.push(limitBytes);
      return body;
    };
    return {
      method,
      path,
      query: {},
      readBody,
      methodOverride: undefined,
      auth,
      baseUrl: "http://localhost",
      ...extra,
    };
  }

  const seen: string[] = [];
  const router = new Router([
    route(
      "GET",
      "open",
      (context: ApiContext) => {
        seen.push(context.request.method);
        return {
          method: context.request.method,
          query: context.request.query.string("Q") ?? null,
          body: context.request.body.get("email") ?? null,
        };
      },
      { auth: false },
    ),
    route("POST", "open", (context: ApiContext) => ({ posted: context.request.method }), { auth: false }),
    route("GET", "closed", noop),
    route(
      "GET",
      "boom",
      () => {
        throw new Error("kaboom at /secret/path");
      },
      { auth: false },
    ),
  ]);

  it("answers an unknown route with 404, generic message and key null, before any authentication", async () => {
    const identityCalls: string[] = [];
    const response = await handleApiCall(services, router, call("GET", "nope", { identityCalls }), "/project");
    expect(envelope(response)).toEqual({
      status: 404,
      body: { status: "error", message: GENERIC_ERROR_MESSAGE, code: 404, key: null, details: [] },
    });
    expect(identityCalls).toEqual([]);
  });

  it("treats a known path with an unrouted method as unknown (404)", async () => {
    const response = await handleApiCall(services, router, call("DELETE", "closed"), "/project");
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ key: null });
  });

  it("authenticates routes that need it, before reading the body", async () => {
    const identityCalls: string[] = [];
    const bodyReads: number[] = [];
    const response = await handleApiCall(
      services,
      router,
      call("GET", "closed", { identityCalls, bodyReads }),
      "/project",
    );
    expect(identityCalls).toEqual(["closed"]);
    expect(bodyReads).toEqual([]);
    expect(envelope(response)).toEqual({
      status: 401,
      body: { status: "error", message: "Unauthenticated", code: 401, key: "error.auth", details: [] },
    });
  });

  it("routes by X-HTTP-Method-Override", async () => {
    const response = await handleApiCall(services, router, call("POST", "open", { methodOverride: "GET" }), "/project");
    expect(response.body).toEqual({ method: "GET", query: null, body: null });
    const posted = await handleApiCall(services, router, call("GET", "open", { methodOverride: "post" }), "/project");
    expect(posted.body).toEqual({ posted: "POST" });
  });

  it("looks query and body keys up case-insensitively", async () => {
    const response = await handleApiCall(
      services,
      router,
      call("GET", "open", { query: { q: "found" }, body: { ok: true, values: { EMAIL: "a@b.c" } } }),
      "/project",
    );
    expect(response.body).toEqual({ method: "GET", query: "found", body: "a@b.c" });
  });

  it("strips surrounding slashes and parameter segments before routing", async () => {
    expect((await handleApiCall(services, router, call("GET", "/open/"), "/project")).status).toBe(200);
    expect((await handleApiCall(services, router, call("GET", "open/sort:asc"), "/project")).status).toBe(200);
  });

  it("refuses a body that could not be parsed, after routing", async () => {
    const bad: ParsedBody = { ok: false, message: "Invalid JSON in request body" };
    const response = await handleApiCall(services, router, call("GET", "open", { body: bad }), "/project");
    expect(envelope(response)).toEqual({
      status: 400,
      body: {
        status: "error",
        message: "Invalid JSON in request body",
        code: 400,
        key: "error.invalidArgument",
        details: [],
      },
    });
    const bodyReads: number[] = [];
    expect(
      (await handleApiCall(services, router, call("GET", "nope", { body: bad, bodyReads }), "/project")).status,
    ).toBe(404);
    expect(bodyReads).toEqual([]);
  });

  it("checks a login route's CSRF from its declaration, after the body and before the action", async () => {
    const acted: string[] = [];
    const loginRouter = new Router([
      route(
        "POST",
        "start",
        () => {
          acted.push("start");
          return { ok: true };
        },
        { auth: false, csrf: "login" },
      ),
    ]);
    const withCsrf = (valid: boolean) =>
      ({
        ...call("POST", "start"),
        auth: { authType: "session", isCsrfValid: async () => valid } as unknown as RequestAuth,
      }) as ApiCall;
    const refused = await handleApiCall(services, loginRouter, withCsrf(false), "/project");
    expect(envelope(refused)).toEqual({
      status: 400,
      body: { status: "error", message: "Invalid CSRF token", code: 400, key: "error.invalidArgument", details: [] },
    });
    expect(acted).toEqual([]);
    expect((await handleApiCall(services, loginRouter, withCsrf(true), "/project")).status).toBe(200);
    expect(acted).toEqual(["start"]);
    expect(route("GET", "x", () => null).csrf).toBe("session");
    expect(route("GET", "x", () => null, { auth: false }).csrf).toBe("none");
  });

  it("reads the body with the api.maxBodySize limit", async () => {
    const bodyReads: number[] = [];
    const limited = { options: resolveOptions({ "api.maxBodySize": 4096 }) } as unknown as SiteServices;
    await handleApiCall(limited, router, call("POST", "open", { bodyReads }), "/project");
    expect(bodyReads).toEqual([4096]);
  });

  it("hides a plain exception behind the generic 500 without debug (row 51)", async () => {
    const response = await handleApiCall(services, router, call("GET", "boom"), "/project");
    expect(envelope(response)).toEqual({
      status: 500,
      body: { status: "error", message: GENERIC_ERROR_MESSAGE, code: 500, key: null, details: [] },
    });
    expect(JSON.stringify(response.body)).not.toContain("kaboom");
  });

  it("exposes message, exception, file, line and route with debug (row 52)", async () => {
    const response = await handleApiCall(debugServices, router, call("GET", "boom"), "/project");
    const body = response.body as Record<string, unknown>;
    expect(response.status).toBe(500);
    expect(body).toMatchObject({
      status: "error",
      message: "kaboom at /secret/path",
      code: 500,
      key: null,
      details: [],
    });
    expect(body["exception"]).toBeTypeOf("string");
    expect(body["file"]).toBeTypeOf("string");
    expect(body["line"]).toBeTypeOf("number");
    expect(body["route"]).toBeTypeOf("string");
  });

  it("names path and method of an unknown route with debug, route null", async () => {
    const response = await handleApiCall(debugServices, router, call("GET", "nope/deeper"), "/project");
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({
      message: 'No route found for path: "nope/deeper" and request method: "GET"',
      code: 404,
      key: null,
      route: null,
    });
  });
});

describe("renderResult (docs/kirby-compat/routes-and-envelopes.md)", () => {
  const context = {} as ApiContext;
  const query = { select: undefined, view: undefined, page: undefined, limit: undefined };

  it("maps true, false and null to Kirby's fixed bodies", () => {
    expect(envelope(renderResult(true, query, context))).toEqual({
      status: 200,
      body: { status: "ok", message: "ok", code: 200 },
    });
    expect(envelope(renderResult(false, query, context))).toEqual({
      status: 400,
      body: { status: "error", message: "bad request", code: 400 },
    });
    expect(envelope(renderResult(null, query, context))).toEqual({
      status: 404,
      body: { status: "error", message: "not found", code: 404 },
    });
  });

  it("sends plain arrays and maps as they are", () => {
    expect(envelope(renderResult([{ name: "default", title: "Page" }], query, context))).toEqual({
      status: 200,
      body: [{ name: "default", title: "Page" }],
    });
    expect(envelope(renderResult({ code: 200, status: "ok", csrf: "x" }, query, context))).toEqual({
      status: 200,
      body: { code: 200, status: "ok", csrf: "x" },
    });
  });

  it("uses the code of an error map, clamped to 400–599", () => {
    expect(renderResult({ status: "error", code: 409 }, query, context).status).toBe(409);
    expect(renderResult({ status: "error" }, query, context).status).toBe(400);
    expect(renderResult({ status: "error", code: 1000 }, query, context).status).toBe(500);
  });
});

describe("renderError (rows 51–54)", () => {
  const plain = { debug: false, route: null, projectRoot: "/project" };

  it("keeps key, message and details of a Kirby-style error (row 54)", () => {
    const error = new NotFoundError({ key: "test", message: "Test", details: { a: "A" } });
    expect(envelope(renderError(error, plain))).toEqual({
      status: 404,
      body: { status: "error", message: "Test", code: 404, key: "error.test", details: { a: "A" } },
    });
  });

  it("sends empty details as []", () => {
    expect(renderError(new PermissionError({ message: "No" }), plain).body).toMatchObject({ details: [] });
  });

  it("sends HTTP 500 for a code outside 400–599 but keeps the code in the body (row 53)", () => {
    expect(envelope(renderError(new UnexpectedError("odd", 1000), plain))).toEqual({
      status: 500,
      body: { status: "error", message: GENERIC_ERROR_MESSAGE, code: 1000, key: null, details: [] },
    });
    expect(renderError(new PermissionError({ httpCode: 1000 }), plain).status).toBe(500);
  });

  it("renders a thrown non-Error value as a generic 500", () => {
    expect(envelope(renderError("just a string", plain))).toEqual({
      status: 500,
      body: { status: "error", message: GENERIC_ERROR_MESSAGE, code: 500, key: null, details: [] },
    });
  });

  it("fills message placeholders: a missing value shows as -, an empty one stays empty (Appendix A)", () => {
    expect(new NotFoundError({ key: "user.notFound", data: { name: "" } }).message).toBe('The user "" cannot be found');
    expect(new NotFoundError({ key: "user.notFound", data: { name: null } }).message).toBe(
      'The user "-" cannot be found',
    );
    expect(new NotFoundError({ key: "user.notFound" }).message).toBe('The user "-" cannot be found');
  });

  it("captures stacks of Sheaf errors only while a debug site asks for them", () => {
    expect(new PermissionError().stack).not.toContain("\n    at ");
    const release = captureErrorStacks();
    expect(new PermissionError().stack).toContain("\n    at ");
    release();
    release(); // a second release changes nothing
    expect(new PermissionError().stack).not.toContain("\n    at ");
    // errors that are not Sheaf's keep their stack
    expect(new Error("x").stack).toContain("\n    at ");
  });

  it("adds exception, file (relative to the project), line and route in debug mode", () => {
    // a site with `debug: true` makes errors capture their stack
    const release = captureErrorStacks();
    const error = new PermissionError({ message: "No" });
    release();
    const body = renderError(error, { debug: true, route: "^site$", projectRoot: process.cwd() }).body as Record<
      string,
      unknown
    >;
    expect(body).toMatchObject({ status: "error", message: "No", code: 403, key: "error.permission", route: "^site$" });
    expect(body["exception"]).toContain("PermissionError");
    expect(body["file"]).toMatch(/^\//);
    expect(String(body["file"])).not.toContain(process.cwd());
    expect(body["line"]).toBeTypeOf("number");
  });
});
