import http from "node:http";
import { fileURLToPath } from "node:url";
import { getAtPath } from "./harness/json.js";
import { describe, expect, it } from "vitest";
import {
  AnyValue,
  Bindings,
  compareBody,
  compareContentType,
  compareHeaders,
  compareResponse,
  compareSetCookies,
  compareTokenSet,
  encodeBody,
  evaluateCondition,
  loadDeviationsFile,
  loadGoldenFile,
  matchesScenarioSelector,
  matchTemplate,
  parseCondition,
  parseDeviations,
  parseGoldenFile,
  planScenario,
  prepareRequest,
  pythonJsonDumps,
  replaySteps,
  sendRequest,
  type CompareContext,
  type Expectation,
  type GoldenFile,
  type LiveResponse,
  type OutgoingRequest,
  type StepPlan,
  type TemplateContext,
} from "./harness.js";

const ORIGIN = "http://127.0.0.1:9999";
const HOST = "127.0.0.1:9999";
const SERVER = { origin: ORIGIN, host: HOST };

const TOKEN_A = `1700000000.${"a".repeat(20)}.${"b".repeat(64)}`;
const TOKEN_B = `1700000001.${"c".repeat(20)}.${"d".repeat(64)}`;
const COOKIE_A = `${"1".repeat(40)}%2B${TOKEN_A}`;
const COOKIE_B = `${"2".repeat(40)}%2B${TOKEN_B}`;
const CSRF_A = "e".repeat(64);

function templateContext(bindings = new Bindings(), ageSeconds = 0): TemplateContext {
  return { bindings, origin: ORIGIN, host: HOST, ageSeconds };
}

function compareContext(
  bindings = new Bindings(),
  receivedAt = Date.now(),
  sentHeaders: Record<string, string> = {},
): CompareContext {
  return { ...templateContext(bindings), receivedAt, sentHeaders };
}

function expectation(partial: Partial<Expectation> = {}): Expectation {
  return { status: 200, headers: {}, body: { kind: "json", value: {} }, bodyIgnored: false, bodyRaw: null, ...partial };
}

function live(
  status: number,
  headers: [string, string][],
  body: string | object,
  receivedAt = Date.now(),
): LiveResponse {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return { status, headers, body: Buffer.from(text), receivedAt };
}

function httpDate(ms: number): string {
  return new Date(ms).toUTCString();
}

const SESSION_SET_COOKIE = (label: string, maxAge = "<max-age:7200>") =>
  `kirby_session=<session-cookie#${label}>; expires=<http-date>; Max-Age=${maxAge}; path=/; HttpOnly; SameSite=Lax`;

function liveSessionCookie(value: string, now: number, maxAge = 7200): string {
  return `kirby_session=${value}; expires=${httpDate(now + maxAge * 1000)}; Max-Age=${maxAge}; path=/; HttpOnly; SameSite=Lax`;
}

describe("pythonJsonDumps", () => {
  it("uses Python's separators and escapes non-ASCII as \\uXXXX", () => {
    expect(pythonJsonDumps({ email: "admin@example.com", long: false, n: [1, 2.5, null] })).toBe(
      '{"email": "admin@example.com", "long": false, "n": [1, 2.5, null]}',
    );
    expect(pythonJsonDumps({ title: "Über 😀" })).toBe('{"title": "\\u00dcber \\ud83d\\ude00"}');
    expect(pythonJsonDumps('a"b\\c\n\t\u0001\u007f/')).toBe('"a\\"b\\\\c\\n\\t\\u0001\\u007f/"');
    expect(pythonJsonDumps({})).toBe("{}");
    expect(pythonJsonDumps([])).toBe("[]");
  });
});

describe("placeholders", () => {
  it("captures a session cookie and binds its token part", () => {
    const bindings = new Bindings();
    expect(
      matchTemplate("kirby_session=<session-cookie#1>", `kirby_session=${COOKIE_A}`, templateContext(bindings)),
    ).toEqual([]);
    expect(bindings.get("session-cookie", "1")).toBe(COOKIE_A);
    expect(bindings.get("session-token", "1")).toBe(TOKEN_A);
  });

  it("rejects a value of the wrong format and binds nothing", () => {
    const bindings = new Bindings();
    const problems = matchTemplate("<csrf-token#1>", "ABC", templateContext(bindings));
    expect(problems).toHaveLength(1);
    expect(bindings.get("csrf-token", "1")).toBeUndefined();
  });

  it("requires the same label to carry the same value", () => {
    const bindings = new Bindings();
    matchTemplate("<session-cookie#1>", COOKIE_A, templateContext(bindings));
    const problems = matchTemplate("<session-cookie#1>", COOKIE_B, templateContext(bindings));
    expect(problems.join()).toContain("<session-cookie#1> must be the same value as captured before");
  });

  it("requires a new label to carry a value no other label holds", () => {
    const bindings = new Bindings();
    matchTemplate("<session-cookie#1>", COOKIE_A, templateContext(bindings));
    const problems = matchTemplate("<session-cookie#2>", COOKIE_A, templateContext(bindings));
    expect(problems.join()).toContain("<session-cookie#2> must differ from <session-cookie#1>");
    expect(bindings.get("session-cookie", "2")).toBeUndefined();
  });

  it("fills <origin> and <host> literally", () => {
    expect(matchTemplate("<origin>/api", `${ORIGIN}/api`, templateContext())).toEqual([]);
    expect(matchTemplate('"url":"http:\\/\\/<host>"', '"url":"http:\\/\\/127.0.0.1:9999"', templateContext())).toEqual(
      [],
    );
    expect(matchTemplate("<origin>", "http://127.0.0.1:1", templateContext())).not.toEqual([]);
  });

  it("accepts Max-Age in N − age − 2 … N + 2 only", () => {
    expect(matchTemplate("<max-age:7200>", "7198", templateContext(new Bindings(), 0))).toEqual([]);
    expect(matchTemplate("<max-age:7200>", "7202", templateContext(new Bindings(), 0))).toEqual([]);
    expect(matchTemplate("<max-age:7200>", "7203", templateContext(new Bindings(), 0))).not.toEqual([]);
    expect(matchTemplate("<max-age:7200>", "7197", templateContext(new Bindings(), 0))).not.toEqual([]);
    expect(matchTemplate("<max-age:7200>", "7190", templateContext(new Bindings(), 9))).toEqual([]);
    expect(matchTemplate("<max-age:7200>", "1209600", templateContext(new Bindings(), 9))).not.toEqual([]);
  });

  it("derives <csrf-upper#N> from <csrf-token#N>", () => {
    const bindings = new Bindings();
    matchTemplate("<csrf-token#1>", CSRF_A, templateContext(bindings));
    expect(bindings.get("csrf-upper", "1")).toBe(CSRF_A.toUpperCase());
  });
});

describe("prepareRequest", () => {
  function bound(): Bindings {
    const bindings = new Bindings();
    matchTemplate("<session-cookie#1>", COOKIE_A, templateContext(bindings));
    matchTemplate("<csrf-token#1>", CSRF_A, templateContext(bindings));
    return bindings;
  }

  it("adds Host, Accept-Encoding and the Content-Length rules of http.client", () => {
    const post = prepareRequest({ method: "POST", path: "/api/auth/ping", headers: {}, body: null }, bound(), SERVER);
    const get = prepareRequest({ method: "GET", path: "/api/site", headers: {}, body: null }, bound(), SERVER);
    const json = prepareRequest(
      {
        method: "POST",
        path: "/api/auth/login",
        headers: { "Content-Type": "application/json" },
        body: { long: false, email: "é" },
      },
      bound(),
      SERVER,
    );
    expect(post.kind === "ready" && post.request.headers).toEqual([
      ["Host", HOST],
      ["Accept-Encoding", "identity"],
      ["Content-Length", "0"],
    ]);
    expect(get.kind === "ready" && get.request.headers.map(([n]) => n)).toEqual(["Host", "Accept-Encoding"]);
    expect(json.kind === "ready" && json.request.body?.toString()).toBe('{"long": false, "email": "\\u00e9"}');
    if (json.kind !== "ready") throw new Error("not ready");
    expect(json.request.body?.length).toBe(34);
    expect(json.request.headers).toContainEqual(["Content-Length", "34"]);
  });

  it("sends string bodies byte for byte, including the empty string", () => {
    expect(encodeBody("email=a%40b&long=0")?.toString()).toBe("email=a%40b&long=0");
    expect(encodeBody("{bad json")?.length).toBe(9);
    const empty = prepareRequest({ method: "POST", path: "/api/auth/login", headers: {}, body: "" }, bound(), SERVER);
    expect(empty.kind === "ready" && empty.request.body?.length).toBe(0);
    expect(empty.kind === "ready" && empty.request.headers).toContainEqual(["Content-Length", "0"]);
  });

  it("substitutes placeholders in path, headers and body, and keeps the path verbatim", () => {
    const prepared = prepareRequest(
      {
        method: "GET",
        path: "/api/../api/pages/notes%2Ffirst?csrf=<csrf-token#1>",
        headers: {
          Cookie: "kirby_session=<session-cookie#1>",
          "X-CSRF": "<csrf-upper#1>",
          Authorization: "Session <session-token#1>",
        },
        body: null,
      },
      bound(),
      SERVER,
    );
    expect(prepared.kind).toBe("ready");
    if (prepared.kind !== "ready") return;
    expect(prepared.request.path).toBe(`/api/../api/pages/notes%2Ffirst?csrf=${CSRF_A}`);
    expect(prepared.request.headers).toContainEqual(["Cookie", `kirby_session=${COOKIE_A}`]);
    expect(prepared.request.headers).toContainEqual(["X-CSRF", CSRF_A.toUpperCase()]);
    expect(prepared.request.headers).toContainEqual(["Authorization", `Session ${TOKEN_A}`]);
  });

  it("leaves out a never-set cookie or header and reports the ambiguity", () => {
    const bindings = bound();
    bindings.markNeverSet("session-cookie", "2");
    const prepared = prepareRequest(
      {
        method: "GET",
        path: "/api/auth",
        headers: {
          Cookie: "kirby_session=<session-cookie#2>",
          Authorization: "Session <session-token#2>",
          "X-CSRF": "<csrf-token#1>",
        },
        body: null,
      },
      bindings,
      SERVER,
    );
    expect(prepared.kind).toBe("ready");
    if (prepared.kind !== "ready") return;
    expect(prepared.request.headers.map(([n]) => n)).toEqual(["Host", "Accept-Encoding", "X-CSRF"]);
    expect(prepared.ambiguities).toHaveLength(2);
  });

  it("blocks a step whose path or body needs a never-set placeholder, or any never-captured one", () => {
    const bindings = bound();
    bindings.markNeverSet("page-uuid", "1");
    const path = prepareRequest(
      { method: "GET", path: "/api/pages/<page-uuid#1>", headers: {}, body: null },
      bindings,
      SERVER,
    );
    const body = prepareRequest(
      { method: "POST", path: "/x", headers: {}, body: { id: "<page-uuid#1>" } },
      bindings,
      SERVER,
    );
    const cookie = prepareRequest(
      { method: "GET", path: "/x", headers: { Cookie: "kirby_session=<session-cookie#9>" }, body: null },
      bindings,
      SERVER,
    );
    expect(path.kind).toBe("blocked");
    expect(body.kind).toBe("blocked");
    expect(cookie.kind === "blocked" && cookie.reason).toContain(
      "<session-cookie#9>, which an earlier step did not capture",
    );
  });
});

describe("sendRequest", () => {
  it("sends the path verbatim and exactly the prepared headers and body", async () => {
    let seen: { url?: string; rawHeaders: string[]; body: string } = { rawHeaders: [], body: "" };
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (chunk: Buffer) => (body += chunk.toString()));
      req.on("end", () => {
        seen = { url: req.url, rawHeaders: req.rawHeaders, body };
        res.setHeader("Set-Cookie", ["a=1", "b=2"]);
        res.end("ok");
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address !== null ? address.port : 0;
    try {
      const request: OutgoingRequest = {
        method: "POST",
        path: "/api/../api/site%2F?x=$y",
        headers: [
          ["Host", `127.0.0.1:${port}`],
          ["Accept-Encoding", "identity"],
          ["Content-Length", "4"],
          ["X-CSRF", ""],
        ],
        body: Buffer.from("{a=b"),
      };
      const response = await sendRequest(port, request);
      expect(seen.url).toBe("/api/../api/site%2F?x=$y");
      expect(seen.body).toBe("{a=b");
      expect(seen.rawHeaders).toEqual(expect.arrayContaining(["X-CSRF", "", "Accept-Encoding", "identity"]));
      expect(response.headers.filter(([n]) => n.toLowerCase() === "set-cookie")).toHaveLength(2);
      expect(response.body.toString()).toBe("ok");
    } finally {
      server.close();
    }
  });
});

describe("set-cookie comparison", () => {
  const now = Date.now();

  it("accepts a matching session cookie and captures it", () => {
    const bindings = new Bindings();
    const problems = compareSetCookies(
      [SESSION_SET_COOKIE("1")],
      [liveSessionCookie(COOKIE_A, now)],
      compareContext(bindings, now),
    );
    expect(problems).toEqual([]);
    expect(bindings.get("session-token", "1")).toBe(TOKEN_A);
  });

  it("tolerates attribute order and SameSite case, but not a missing flag or another path", () => {
    const reordered = `kirby_session=${COOKIE_A}; SameSite=lax; HttpOnly; path=/; Max-Age=7200; expires=${httpDate(now + 7_200_000)}`;
    expect(compareSetCookies([SESSION_SET_COOKIE("1")], [reordered], compareContext(new Bindings(), now))).toEqual([]);
    const noHttpOnly = `kirby_session=${COOKIE_A}; expires=${httpDate(now + 7_200_000)}; Max-Age=7200; path=/; SameSite=Lax`;
    expect(
      compareSetCookies([SESSION_SET_COOKIE("1")], [noHttpOnly], compareContext(new Bindings(), now)).join(),
    ).toContain("attribute HttpOnly missing");
    const secure = liveSessionCookie(COOKIE_A, now) + "; Secure";
    expect(
      compareSetCookies([SESSION_SET_COOKIE("1")], [secure], compareContext(new Bindings(), now)).join(),
    ).toContain("unexpected attribute Secure");
    const otherPath = liveSessionCookie(COOKIE_A, now).replace("path=/", "path=/api");
    expect(compareSetCookies([SESSION_SET_COOKIE("1")], [otherPath], compareContext(new Bindings(), now))).not.toEqual(
      [],
    );
  });

  it("checks the Max-Age class and the expires window", () => {
    const long = liveSessionCookie(COOKIE_A, now, 1209600);
    expect(compareSetCookies([SESSION_SET_COOKIE("1")], [long], compareContext(new Bindings(), now)).join()).toContain(
      "Max-Age",
    );
    const farExpires = `kirby_session=${COOKIE_A}; expires=${httpDate(now + 7_200_000 + 60_000)}; Max-Age=7200; path=/; HttpOnly; SameSite=Lax`;
    expect(
      compareSetCookies([SESSION_SET_COOKIE("1")], [farExpires], compareContext(new Bindings(), now)).join(),
    ).toContain("expires");
    const badDate = `kirby_session=${COOKIE_A}; expires=tomorrow; Max-Age=7200; path=/; HttpOnly; SameSite=Lax`;
    expect(compareSetCookies([SESSION_SET_COOKIE("1")], [badDate], compareContext(new Bindings(), now))).not.toEqual(
      [],
    );
  });

  it("compares deletion cookies by kind, not by value", () => {
    const expectedDeletion =
      "kirby_session=deleted; expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; path=/; HttpOnly; SameSite=Lax";
    const liveDeletion =
      "kirby_session=x; expires=Thu, 01 Jan 1970 00:00:01 GMT; Max-Age=0; path=/; HttpOnly; SameSite=Lax";
    expect(compareSetCookies([expectedDeletion], [liveDeletion], compareContext(new Bindings(), now))).toEqual([]);
    expect(
      compareSetCookies(
        [expectedDeletion],
        [liveSessionCookie(COOKIE_A, now)],
        compareContext(new Bindings(), now),
      ).join(),
    ).toContain("deletion");
    expect(
      compareSetCookies([SESSION_SET_COOKIE("1")], [liveDeletion], compareContext(new Bindings(), now)).join(),
    ).toContain("deletion");
  });

  it("requires the same number of cookies per name and no unexpected names", () => {
    const two = [SESSION_SET_COOKIE("1"), SESSION_SET_COOKIE("2")];
    expect(
      compareSetCookies(two, [liveSessionCookie(COOKIE_A, now)], compareContext(new Bindings(), now)).join(),
    ).toContain("expected 2 cookie(s), got 1");
    const extra = compareSetCookies(
      [SESSION_SET_COOKIE("1")],
      [liveSessionCookie(COOKIE_A, now), "other=1; path=/"],
      compareContext(new Bindings(), now),
    );
    expect(extra.join()).toContain("set-cookie other: not expected");
  });
});

describe("header comparison", () => {
  it("compares token headers as sets, warning on repeats only", () => {
    expect(compareTokenSet("vary", "Origin, Cookie", "cookie,origin", false)).toEqual({ diffs: [], warnings: [] });
    const repeated = compareTokenSet("vary", "Cookie", "Cookie, cookie", false);
    expect(repeated.diffs).toEqual([]);
    expect(repeated.warnings).toHaveLength(1);
    expect(compareTokenSet("vary", "Origin", "Origin, Access-Control-Request-Headers", false).diffs).toEqual([
      "header vary: expected {origin}, got {origin, access-control-request-headers} (extra access-control-request-headers)",
    ]);
    expect(compareTokenSet("access-control-allow-methods", "GET, POST", "get, post", true).diffs).toHaveLength(1);
  });

  it("compares content-type by media type and charset only", () => {
    expect(compareContentType("application/json; charset=UTF-8", "application/json;charset=utf-8")).toEqual([]);
    expect(compareContentType("application/json; charset=UTF-8", "text/html; charset=UTF-8")).toHaveLength(1);
    expect(compareContentType("application/json; charset=UTF-8", "application/json")).toHaveLength(1);
  });

  it("requires recorded family headers, refuses unrecorded ones, and ignores unrecorded x-*", () => {
    const expect_ = expectation({
      headers: {
        "cache-control": { kind: "values", values: ["no-store, private"] },
        "x-fiber": { kind: "values", values: ["true"] },
      },
    });
    const ok = compareHeaders(
      expect_,
      new Map([
        ["cache-control", ["private, no-store"]],
        ["x-fiber", ["true"]],
        ["x-request-id", ["1"]],
        ["etag", ["x"]],
      ]),
      compareContext(),
    );
    expect(ok.diffs).toEqual([]);
    const bad = compareHeaders(
      expect_,
      new Map([
        ["x-fiber", ["false"]],
        ["vary", ["Cookie"]],
        ["www-authenticate", ["Basic"]],
      ]),
      compareContext(),
    );
    expect(bad.diffs).toEqual(
      expect.arrayContaining([
        'header cache-control: expected "no-store, private", got none',
        'header x-fiber: expected "true", got "false"',
        'header vary: not expected, got "Cookie"',
        'header www-authenticate: not expected, got "Basic"',
      ]),
    );
  });

  it("enforces absence for null, skips $ignore and resolves $request_header from the sent request", () => {
    const expect_ = expectation({
      headers: {
        "x-fiber": { kind: "absent" },
        "content-type": { kind: "ignore" },
        "access-control-allow-headers": {
          kind: "request-header",
          name: "Access-Control-Request-Headers",
          extraTokens: [],
        },
      },
    });
    const sent = { "Access-Control-Request-Headers": "content-type,x-csrf" };
    const good = new Map([
      ["content-type", ["text/html"]],
      ["access-control-allow-headers", ["X-CSRF, Content-Type"]],
    ]);
    expect(compareHeaders(expect_, good, compareContext(new Bindings(), Date.now(), sent)).diffs).toEqual([]);
    const withFiber = new Map([...good, ["x-fiber", ["true"]]]);
    expect(compareHeaders(expect_, withFiber, compareContext(new Bindings(), Date.now(), sent)).diffs).toEqual([
      'header x-fiber: not expected, got "true"',
    ]);
    expect(compareHeaders(expect_, good, compareContext(new Bindings(), Date.now(), {})).diffs).toHaveLength(1);
  });
});

describe("body comparison", () => {
  it("ignores key order but reports missing, unexpected and differing values with their path", () => {
    const expect_ = expectation({
      body: { kind: "json", value: { code: 200, data: { name: "Ada Admn", tags: ["a", "b"] } } },
    });
    expect(
      compareBody(
        expect_,
        JSON.stringify({ data: { tags: ["a", "b"], name: "Ada Admn" }, code: 200 }),
        templateContext(),
      ),
    ).toEqual([]);
    const diffs = compareBody(
      expect_,
      JSON.stringify({ code: "200", data: { name: "Ada Admin", tags: ["a"], extra: 1 } }),
      templateContext(),
    );
    expect(diffs).toEqual(
      expect.arrayContaining([
        'body.code: expected 200, got "200"',
        'body.data.name: expected "Ada Admn", got "Ada Admin"',
        "body.data.tags: expected 2 item(s), got 1",
        "body.data.extra: unexpected key (got 1)",
      ]),
    );
    expect(compareBody(expect_, JSON.stringify({ code: 200 }), templateContext())).toContain(
      'body.data: missing (expected {"name":"Ada Admn","tags":["a","b"]})',
    );
  });

  it("requires JSON when the recording is JSON, and matches placeholders in strings", () => {
    const bindings = new Bindings();
    const expect_ = expectation({ body: { kind: "json", value: { csrf: "<csrf-token#1>", url: "<origin>" } } });
    expect(compareBody(expect_, "<h1>Error</h1>", templateContext(bindings))).toHaveLength(1);
    expect(compareBody(expect_, JSON.stringify({ csrf: CSRF_A, url: ORIGIN }), templateContext(bindings))).toEqual([]);
    expect(bindings.get("csrf-token", "1")).toBe(CSRF_A);
  });

  it("matches $any by JSON type", () => {
    const expect_ = expectation({
      body: { kind: "json", value: { line: new AnyValue(["number"]), route: new AnyValue(["string", "null"]) } },
    });
    expect(compareBody(expect_, JSON.stringify({ line: 12, route: null }), templateContext())).toEqual([]);
    expect(compareBody(expect_, JSON.stringify({ line: "12", route: null }), templateContext())).toHaveLength(1);
  });

  it('compares text bodies exactly up to 1024 characters, and "" means empty', () => {
    const text = (value: string) => expectation({ body: { kind: "text", value } });
    expect(compareBody(text(""), "", templateContext())).toEqual([]);
    expect(compareBody(text(""), "x", templateContext())).toHaveLength(1);
    expect(compareBody(text("<h1>Error</h1>\n"), "<h1>Error</h1>\n", templateContext())).toEqual([]);
    expect(compareBody(text("<h1>Error</h1>\n"), "<h1>Oops</h1>\n", templateContext())).toHaveLength(1);
    expect(compareBody(text("x".repeat(1025)), "anything", templateContext())).toEqual([]);
    expect(compareBody(text("<html>… <truncated, 9000 bytes total>"), "anything", templateContext())).toEqual([]);
    expect(compareBody({ ...text("<h1>Error</h1>\n"), bodyIgnored: true }, "other", templateContext())).toEqual([]);
  });

  it("checks body_raw byte for byte and reports where it first differs", () => {
    const expect_ = expectation({
      body: { kind: "json", value: { url: "<origin>" } },
      bodyRaw: '{"url":"http:\\/\\/<host>"}',
    });
    expect(
      compareResponse(expect_, live(200, [], '{"url":"http:\\/\\/127.0.0.1:9999"}'), compareContext()).diffs,
    ).toEqual([]);
    const diffs = compareResponse(expect_, live(200, [], '{"url":"http://127.0.0.1:9999"}'), compareContext()).diffs;
    expect(diffs).toHaveLength(1);
    expect(diffs[0]).toMatch(/^body_raw: /);
  });
});

describe("conditions", () => {
  const root = {
    method: "POST",
    path: "/api/auth/login",
    headers: { origin: "x" },
    body: { email: "a", password: "p" },
    status: 500,
  };

  it("supports every test", () => {
    const holds = (raw: unknown) => evaluateCondition(parseCondition(raw, "t"), root);
    expect(holds({ path: ["headers", "origin"], exists: true })).toBe(true);
    expect(holds({ path: ["headers", "cookie"], exists: false })).toBe(true);
    expect(holds({ path: ["method"], equals: "POST" })).toBe(true);
    expect(holds({ path: ["method"], not_equals: "POST" })).toBe(false);
    expect(holds({ path: ["missing"], not_equals: false })).toBe(true);
    expect(holds({ path: ["status"], in: [400, 500] })).toBe(true);
    expect(holds({ path: ["status"], not_in: [400, 500] })).toBe(false);
    expect(holds({ path: ["path"], regex: "^/API/", flags: "i" })).toBe(true);
    expect(holds({ path: ["body"], type: "object" })).toBe(true);
    expect(holds({ path: ["body"], has: "email" })).toBe(true);
    expect(holds({ path: ["body"], lacks: "long" })).toBe(true);
    expect(holds({ path: ["body"], type: "object", lacks: "email" })).toBe(false);
    expect(
      holds({
        anyOf: [
          { path: ["status"], equals: 401 },
          {
            allOf: [
              { path: ["status"], equals: 500 },
              { path: ["method"], equals: "POST" },
            ],
          },
        ],
      }),
    ).toBe(true);
    expect(holds({ not: { path: ["status"], equals: 500 } })).toBe(false);
  });

  it("refuses unknown keys and tests without a path", () => {
    expect(() => parseCondition({ path: ["x"], equal: 1 }, "t")).toThrow(/unknown condition key "equal"/);
    expect(() => parseCondition({ exists: true }, "t")).toThrow(/needs a path/);
    expect(() => parseCondition({ path: ["x"] }, "t")).toThrow(/needs a test/);
  });
});

describe("deviation files", () => {
  it("refuses unknown keys, missing reasons and unknown fragments", () => {
    expect(() => parseDeviations({ rules: [{ id: "x", reason: "r", expekt: {} }] })).toThrow(/unknown key "expekt"/);
    expect(() => parseDeviations({ rules: [{ id: "x", reason: "r", expect: { stauts: 200 } }] })).toThrow(
      /unknown key "stauts"/,
    );
    expect(() => parseDeviations({ rules: [{ id: "x" }] })).toThrow(/reason is required/);
    expect(() =>
      parseDeviations({ rules: [{ id: "x", reason: "r", expect: { body: { $fragment: "nope" } } }] }),
    ).toThrow(/unknown fragment/);
    expect(() => parseDeviations({ rulez: [] })).toThrow(/unknown key "rulez"/);
  });

  it("selects scenarios by number, name or glob", () => {
    expect(matchesScenarioSelector("5", "05-login.json")).toBe(true);
    expect(matchesScenarioSelector(5, "05-login.json")).toBe(true);
    expect(matchesScenarioSelector("05", "15-x.json")).toBe(false);
    expect(matchesScenarioSelector("*cors*", "26-cors-true.json")).toBe(true);
    expect(matchesScenarioSelector("1[0-3]*", "12-session.json")).toBe(true);
    expect(matchesScenarioSelector("26-cors-true", "26-cors-true.json")).toBe(true);
    expect(matchesScenarioSelector("26-cors-true.json", "25-cors-disabled.json")).toBe(false);
  });
});

const LOGIN_BODY = { email: "admin@example.com", password: "AdminPass123!", long: false };
const ERROR_401 = { status: "error", message: "Unauthenticated", code: 401, key: "error.auth", details: [] };

function golden(steps: unknown[], config: GoldenFile["config"] = {}): GoldenFile {
  return parseGoldenFile({ scenario: "test", config, steps }, "99-test.json");
}

function jsonResponse(status: number, body: object, setCookie?: string | string[]) {
  const headers: Record<string, string | string[]> = {
    "content-type": "application/json; charset=UTF-8",
    "x-powered-by": "PHP/8.2.36",
  };
  if (setCookie !== undefined) headers["set-cookie"] = setCookie;
  return { status, headers, body };
}

const bootstrapStep = {
  name: "bootstrap",
  request: { method: "GET", path: "/panel/login?_json=1&_only=$system.csrf", headers: {}, body: null },
  response: {
    ...jsonResponse(200, { $system: { csrf: "<csrf-token#1>" } }, SESSION_SET_COOKIE("1")),
    headers: {
      "set-cookie": SESSION_SET_COOKIE("1"),
      "x-fiber": "true",
      "content-type": "application/json; charset=UTF-8",
    },
  },
};
const loginStep = (cookie: string, newCookie: string, status = 200) => ({
  name: `login with ${cookie}`,
  request: {
    method: "POST",
    path: "/api/auth/login",
    headers: {
      Cookie: `kirby_session=<session-cookie#${cookie}>`,
      "X-CSRF": "<csrf-token#1>",
      "Content-Type": "application/json",
    },
    body: LOGIN_BODY,
  },
  response: jsonResponse(
    status,
    { code: status, status: "ok" },
    status === 200 ? SESSION_SET_COOKIE(newCookie) : undefined,
  ),
});
const authStep = (cookie: string, name = `auth with ${cookie}`) => ({
  name,
  request: {
    method: "GET",
    path: "/api/auth",
    headers: { Cookie: `kirby_session=<session-cookie#${cookie}>`, "X-CSRF": "<csrf-token#1>" },
    body: null,
  },
  response: jsonResponse(200, { code: 200, data: { id: "admin001" } }),
});

describe("planning with deviation rules", () => {
  it("applies global rules first, then scenario rules; later rules override", () => {
    const deviations = parseDeviations({
      rules: [
        { id: "specific", reason: "r", scenario: "99", expect: { status: 201 } },
        { id: "global", reason: "r", expect: { status: 202, headers: { "x-a": "1" } } },
      ],
    });
    const [plan] = planScenario("99-test.json", golden([authStep("1")]), deviations);
    expect(plan?.expect.status).toBe(201);
    expect(plan?.rules).toEqual(["global", "specific"]);
    expect(plan?.expect.headers["x-a"]).toEqual({ kind: "values", values: ["1"] });
    expect(plan?.changed).toBe(true);
  });

  it('selects by step name, "METHOD path" for unnamed steps, and index', () => {
    const unnamed = { ...authStep("1"), name: "" };
    const deviations = parseDeviations({
      rules: [
        { id: "by-name", reason: "r", scenario: "99-test.json", step: "auth with 1", expect: { status: 500 } },
        { id: "by-method-path", reason: "r", scenario: "99", step: "GET /api/auth", index: 2, expect: { status: 501 } },
      ],
    });
    const plans = planScenario("99-test.json", golden([authStep("1"), unnamed, unnamed]), deviations);
    expect(plans.map((p) => p.expect.status)).toEqual([500, 501, 200]);
  });

  it("rewrites the request and resolves $golden, $fragment and <kind#new>", () => {
    const deviations = parseDeviations({
      fragments: { cookie: "kirby_session=<session-cookie#new>; path=/" },
      rules: [
        {
          id: "a",
          reason: "r",
          match: { request: { path: ["path"], regex: "^/panel/" } },
          request: {
            method: "GET",
            path: "/api/auth/csrf",
            remove_headers: ["x-fiber"],
            set_headers: { "X-Extra": "1" },
          },
          expect: {
            headers: { "x-fiber": null, "set-cookie": { $fragment: "cookie" } },
            body: { csrf: { $golden: ["body", "$system", "csrf"] } },
          },
        },
      ],
    });
    const step = { ...bootstrapStep, request: { ...bootstrapStep.request, headers: { "X-Fiber": "true" } } };
    const [plan] = planScenario("99-test.json", golden([step]), deviations);
    expect(plan?.request).toMatchObject({ method: "GET", path: "/api/auth/csrf", headers: { "X-Extra": "1" } });
    expect(plan?.request.headers).not.toHaveProperty("X-Fiber");
    expect(plan?.expect.body).toEqual({ kind: "json", value: { csrf: "<csrf-token#1>" } });
    expect(plan?.expect.headers["set-cookie"]).toEqual({
      kind: "values",
      values: ["kirby_session=<session-cookie#new@1>; path=/"],
    });
    expect(plan?.expect.headers["x-fiber"]).toEqual({ kind: "absent" });
  });

  it("supports add_tokens, $request_header, $ignore, body_patch, body_ignore and body_raw: null", () => {
    const recorded = {
      name: "s",
      request: { method: "OPTIONS", path: "/api/site", headers: { Origin: "o" }, body: null },
      response: {
        status: 200,
        headers: { vary: "Origin", "content-type": "text/html" },
        body: { message: "m", data: { version: "5.5.2", drop: 1 } },
        body_raw: "{}",
      },
    };
    const deviations = parseDeviations({
      rules: [
        {
          id: "x",
          reason: "r",
          expect: {
            headers: {
              vary: { add_tokens: ["Access-Control-Request-Headers"] },
              "access-control-allow-headers": { $request_header: "ACRH" },
              "content-type": { $ignore: true },
            },
            body_patch: [
              { op: "type_only", path: ["data", "version"] },
              { op: "remove", path: ["data", "drop"] },
              { op: "set", path: ["data", "line"], value: { $any: "number" } },
            ],
            body_raw: null,
          },
        },
        { id: "y", reason: "r", expect: { body_ignore: true } },
      ],
    });
    const [plan] = planScenario("99-test.json", golden([recorded]), deviations);
    expect(plan?.expect.headers["vary"]).toEqual({
      kind: "values",
      values: ["Origin, Access-Control-Request-Headers"],
    });
    expect(plan?.expect.headers["access-control-allow-headers"]).toEqual({
      kind: "request-header",
      name: "ACRH",
      extraTokens: [],
    });
    expect(plan?.expect.headers["content-type"]).toEqual({ kind: "ignore" });
    expect(plan?.expect.body).toEqual({
      kind: "json",
      value: { message: "m", data: { version: new AnyValue(["string"]), line: new AnyValue(["number"]) } },
    });
    expect(plan?.expect.body.kind === "json" && getAtPath(plan.expect.body.value, ["data", "line"])).toBeInstanceOf(
      AnyValue,
    );
    expect(plan?.expect.bodyRaw).toBeNull();
    expect(plan?.expect.bodyIgnored).toBe(true);
  });

  it("takes response_from_step as the new base, keeping later effects", () => {
    const failing = {
      ...authStep("1", "header session"),
      response: jsonResponse(401, ERROR_401, SESSION_SET_COOKIE("3")),
    };
    const deviations = parseDeviations({
      rules: [
        {
          id: "b",
          reason: "r",
          match: { golden: { path: ["status"], equals: 401 } },
          expect: { headers: { "set-cookie": null } },
        },
        { id: "g", reason: "r", scenario: "99", step: "header session", expect: { response_from_step: "auth with 1" } },
      ],
    });
    const plans = planScenario("99-test.json", golden([authStep("1"), failing]), deviations);
    expect(plans[1]?.expect.status).toBe(200);
    expect(plans[1]?.expect.body).toEqual({ kind: "json", value: { code: 200, data: { id: "admin001" } } });
    expect(plans[1]?.expect.headers).not.toHaveProperty("set-cookie");
  });

  it("records skip, sleep_before, ambiguous and the scenario table's skips", () => {
    const deviations = parseDeviations({
      rules: [
        { id: "s", reason: "not supported", index: 1, skip: true },
        { id: "z", reason: "r", index: 2, sleep_before: 3, ambiguous: "maybe" },
      ],
    });
    const plans = planScenario(
      "99-test.json",
      golden([authStep("1"), authStep("1", "b"), authStep("1", "c")]),
      deviations,
      {
        extraSkips: new Map([[3, "later"]]),
      },
    );
    expect(plans.map((p) => p.skip)).toEqual(["s: not supported", null, "later"]);
    expect(plans[1]?.sleepBefore).toBe(3);
    expect(plans[1]?.ambiguous).toEqual(["z: maybe"]);
  });

  it("knows pre-login sessions: those a successful login was sent with and that got a different cookie", () => {
    const deviations = parseDeviations({
      rules: [
        {
          id: "f",
          reason: "r",
          match: { request: { path: ["pre_login_session"], equals: true } },
          expect: { status: 401 },
        },
      ],
    });
    const plans = planScenario(
      "99-test.json",
      golden([
        bootstrapStep,
        authStep("1", "before login"),
        loginStep("1", "2"),
        authStep("1", "old"),
        authStep("2", "new"),
      ]),
      deviations,
    );
    expect(plans.map((p) => p.expect.status)).toEqual([200, 200, 200, 401, 200]);
    const header = {
      ...authStep("1", "header"),
      request: {
        method: "GET",
        path: "/api/auth",
        headers: { Authorization: "Session <session-token#1>" },
        body: null,
      },
    };
    expect(
      planScenario("99-test.json", golden([bootstrapStep, loginStep("1", "2"), header]), deviations)[2]?.expect.status,
    ).toBe(401);
  });

  it("judges a login's success after deviations", () => {
    const pre = {
      id: "f",
      reason: "r",
      match: { request: { path: ["pre_login_session"], equals: true } },
      expect: { status: 401 },
    };
    const failedLogin = loginStep("1", "2", 500);
    const recorded = golden([bootstrapStep, failedLogin, authStep("1", "after")]);
    expect(planScenario("99-test.json", recorded, parseDeviations({ rules: [pre] }))[2]?.expect.status).toBe(200);
    const fixLogin = {
      id: "c",
      reason: "r",
      match: { golden: { path: ["status"], equals: 500 } },
      expect: { status: 200, headers: { "set-cookie": "kirby_session=<session-cookie#new>; path=/" } },
    };
    expect(planScenario("99-test.json", recorded, parseDeviations({ rules: [fixLogin, pre] }))[2]?.expect.status).toBe(
      401,
    );
  });

  it('restores the wrong-HMAC cookie and derives sleeps from "N s later"', () => {
    const steps = golden([
      { ...authStep("2", "cookie with a wrong HMAC prefix -> ignored") },
      { ...authStep("2", "same request 31 s later") },
    ]).steps;
    expect(steps[0]?.request.headers["Cookie"]).toBe(`kirby_session=${"0".repeat(40)}%2B<session-token#2>`);
    expect(steps[1]?.sleep_before).toBe(31);
    expect(steps[0]?.sleep_before).toBeUndefined();
  });
});

/** A transport that answers from a list, recording what was sent. */
function scripted(answers: ((request: OutgoingRequest) => LiveResponse)[]) {
  const sent: OutgoingRequest[] = [];
  const transport = async (request: OutgoingRequest) => {
    sent.push(request);
    const answer = answers[sent.length - 1];
    if (answer === undefined) throw new Error("unexpected request");
    return answer(request);
  };
  return { sent, transport };
}

function replay(plans: StepPlan[], answers: ((request: OutgoingRequest) => LiveResponse)[], sleeps: number[] = []) {
  const script = scripted(answers);
  const results = replaySteps(plans, {
    ...SERVER,
    transport: script.transport,
    sleep: async (s) => void sleeps.push(s),
  });
  return { results, sent: script.sent };
}

const JSON_HEADERS: [string, string][] = [["Content-Type", "application/json; charset=UTF-8"]];

describe("replaySteps", () => {
  const noDeviations = parseDeviations({ rules: [] });

  it("captures, substitutes and passes a faithful server; a reused session cookie fails", async () => {
    const plans = planScenario(
      "99-test.json",
      golden([bootstrapStep, loginStep("1", "2"), authStep("2")]),
      parseDeviations({
        rules: [
          {
            id: "a",
            reason: "r",
            match: { request: { path: ["path"], regex: "^/panel/" } },
            expect: { headers: { "x-fiber": null } },
          },
        ],
      }),
    );
    const now = Date.now();
    const faithful = [
      () =>
        live(200, [...JSON_HEADERS, ["Set-Cookie", liveSessionCookie(COOKIE_A, now)]], { $system: { csrf: CSRF_A } }),
      () => live(200, [...JSON_HEADERS, ["Set-Cookie", liveSessionCookie(COOKIE_B, now)]], { code: 200, status: "ok" }),
      () => live(200, JSON_HEADERS, { code: 200, data: { id: "admin001" } }),
    ];
    const good = replay(plans, faithful);
    const results = await good.results;
    expect(results.map((r) => r.outcome)).toEqual(["DEVIATION-OK", "PASS", "PASS"]);
    expect(good.sent[1]?.headers).toContainEqual(["Cookie", `kirby_session=${COOKIE_A}`]);
    expect(good.sent[1]?.headers).toContainEqual(["X-CSRF", CSRF_A]);
    expect(good.sent[2]?.headers).toContainEqual(["Cookie", `kirby_session=${COOKIE_B}`]);

    const sameCookie = [
      faithful[0]!,
      () => live(200, [...JSON_HEADERS, ["Set-Cookie", liveSessionCookie(COOKIE_A, now)]], { code: 200, status: "ok" }),
      faithful[2]!,
    ];
    const bad = await replay(plans, sameCookie).results;
    expect(bad[1]?.outcome).toBe("FAIL");
    expect(bad[1]?.diffs.join()).toContain("<session-cookie#2> must differ from <session-cookie#1>");
    expect(bad[2]?.diffs[0]).toMatch(/^blocked: .*<session-cookie#2>, which an earlier step did not capture/);
  });

  it("sends without a cookie that a deviation removed, and flags the step AMBIGUOUS", async () => {
    const anonymous = {
      name: "anon",
      request: { method: "GET", path: "/api/site", headers: {}, body: null },
      response: jsonResponse(401, ERROR_401, SESSION_SET_COOKIE("1")),
    };
    const reuse = {
      name: "reuse",
      request: {
        method: "GET",
        path: "/api/site",
        headers: { Cookie: "kirby_session=<session-cookie#1>", "X-Other": "<session-token#1>" },
        body: null,
      },
      response: jsonResponse(401, ERROR_401),
    };
    const deviations = parseDeviations({
      rules: [
        {
          id: "b",
          reason: "r",
          match: { golden: { path: ["status"], equals: 401 } },
          expect: { headers: { "set-cookie": null } },
        },
      ],
    });
    const plans = planScenario("99-test.json", golden([anonymous, reuse]), deviations);
    const run = replay(plans, [() => live(401, JSON_HEADERS, ERROR_401), () => live(401, JSON_HEADERS, ERROR_401)]);
    const results = await run.results;
    expect(results.map((r) => r.outcome)).toEqual(["DEVIATION-OK", "PASS"]);
    expect(run.sent[1]?.headers.map(([n]) => n)).toEqual(["Host", "Accept-Encoding"]);
    expect(results[1]?.ambiguous).toHaveLength(2);

    const withCookie = await replay(plans, [
      () => live(401, [...JSON_HEADERS, ["Set-Cookie", liveSessionCookie(COOKIE_A, Date.now())]], ERROR_401),
      () => live(401, JSON_HEADERS, ERROR_401),
    ]).results;
    expect(withCookie[0]?.outcome).toBe("FAIL");
    expect(withCookie[0]?.diffs.join()).toContain("header set-cookie: not expected");
  });

  it("blocks steps that need a value an earlier failing step did not capture", async () => {
    const plans = planScenario("99-test.json", golden([bootstrapStep, loginStep("1", "2")]), noDeviations);
    const results = await replay(plans, [() => live(404, [], "not found")]).results;
    expect(results.map((r) => r.outcome)).toEqual(["FAIL", "FAIL"]);
    expect(results[1]?.diffs[0]).toMatch(/^blocked: /);
  });

  it("skips steps without sending them, and what they would have produced is never set", async () => {
    const uuidStep = {
      name: "create",
      request: { method: "POST", path: "/api/pages", headers: {}, body: {} },
      response: jsonResponse(200, { uuid: "<page-uuid#1>" }),
    };
    const useStep = {
      name: "use",
      request: { method: "GET", path: "/api/pages/<page-uuid#1>", headers: {}, body: null },
      response: jsonResponse(200, {}),
    };
    const plans = planScenario("99-test.json", golden([uuidStep, useStep]), noDeviations, {
      extraSkips: new Map([[1, "later"]]),
    });
    const run = replay(plans, []);
    const results = await run.results;
    expect(results.map((r) => r.outcome)).toEqual(["SKIP", "FAIL"]);
    expect(results[1]?.diffs[0]).toContain("<page-uuid#1>, which was never set");
    expect(run.sent).toHaveLength(0);
  });

  it('honours sleep_before and the "N s later" convention', async () => {
    const plans = planScenario(
      "99-test.json",
      golden([authStep("x", "first"), { ...authStep("x", "again 31 s later"), sleep_before: undefined }]),
      noDeviations,
    );
    const cookieless = plans.map((p) => ({ ...p, request: { ...p.request, headers: {} } }));
    const sleeps: number[] = [];
    const answer = () => live(200, JSON_HEADERS, { code: 200, data: { id: "admin001" } });
    const results = await replay(cookieless, [answer, answer], sleeps).results;
    expect(results.map((r) => r.outcome)).toEqual(["PASS", "PASS"]);
    expect(sleeps).toEqual([31]);
  });

  it("reports every differing path of a step", async () => {
    const plans = planScenario(
      "99-test.json",
      golden([{ ...authStep("x"), request: { method: "GET", path: "/api/auth", headers: {}, body: null } }]),
      noDeviations,
    );
    const results = await replay(plans, [
      () =>
        live(
          403,
          [
            ["Content-Type", "text/html"],
            ["Cache-Control", "no-store"],
          ],
          { code: 403, data: { id: "x" } },
        ),
    ]).results;
    expect(results[0]?.diffs).toEqual([
      "status: expected 200, got 403",
      'header content-type: expected "application/json; charset=UTF-8", got "text/html"',
      'header cache-control: not expected, got "no-store"',
      "body.code: expected 200, got 403",
      'body.data.id: expected "admin001", got "x"',
    ]);
  });
});

describe("the vendored deviations file on recorded steps", () => {
  const here = fileURLToPath(new URL(".", import.meta.url));
  const load = async (file: string, config?: GoldenFile["config"]) => {
    const deviations = await loadDeviationsFile(`${here}deviations.sheaf.json`);
    const recorded = await loadGoldenFile(`${here}golden/${file}`, file);
    return planScenario(file, config === undefined ? recorded : { ...recorded, config }, deviations);
  };

  it("26 step 2: a preflight reflects the requested headers and adds them to Vary", async () => {
    const plan = (await load("26-cors-true.json"))[1]!;
    const sent = { "Access-Control-Request-Headers": "content-type,x-csrf" };
    const answer = (headers: [string, string][]) =>
      compareResponse(plan.expect, live(204, headers, ""), compareContext(new Bindings(), Date.now(), sent)).diffs;
    const good: [string, string][] = [
      ["Access-Control-Allow-Origin", "*"],
      ["Access-Control-Allow-Methods", "GET, HEAD, PUT, POST, DELETE, PATCH"],
      ["Access-Control-Allow-Headers", "content-type, x-csrf"],
      ["Vary", "Access-Control-Request-Headers"],
    ];
    expect(answer(good)).toEqual([]);
    expect(answer(good.filter(([n]) => n !== "Vary"))).toEqual([
      'header vary: expected "Access-Control-Request-Headers", got none',
    ]);
    expect(answer([...good, ["Access-Control-Allow-Credentials", "true"]])).toHaveLength(1);
  });

  it("j: with debug on, error envelopes need exception, file, line and route of the right types", async () => {
    const recorded = await loadGoldenFile(`${here}golden/23-errors-debug-false.json`, "24-debug.json");
    const step = recorded.steps[2]!;
    const withDebug = {
      ...recorded,
      config: { debug: true },
      steps: [
        {
          ...step,
          response: {
            ...step.response,
            body: {
              ...(step.response.body as object),
              exception: "Kirby\\Exception\\NotFoundException",
              file: "x.php",
              line: 3,
              route: "pages/(:any)",
            },
          },
        },
      ],
    };
    const deviations = await loadDeviationsFile(`${here}deviations.sheaf.json`);
    const plan = planScenario("24-debug.json", withDebug, deviations)[0]!;
    expect(plan.rules).toContain("j-debug-error-fields");
    const envelope = {
      ...(step.response.body as object),
      exception: "NotFoundError",
      file: "src/api/pages.ts",
      line: 12,
      route: null,
    };
    expect(compareBody(plan.expect, JSON.stringify(envelope), templateContext())).toEqual([]);
    expect(compareBody(plan.expect, JSON.stringify({ ...envelope, line: "12" }), templateContext())).toEqual([
      'body.line: expected any number, got string "12"',
    ]);
    const { route: _route, ...withoutRoute } = envelope;
    expect(compareBody(plan.expect, JSON.stringify(withoutRoute), templateContext())).toEqual([
      "body.route: missing (expected any string or null)",
    ]);
  });

  it("c: a login without long must issue a new session cookie", async () => {
    const plans = await load("09-login-missing-fields.json");
    expect(plans[5]?.expect.headers["set-cookie"]).toEqual({ kind: "values", values: [SESSION_SET_COOKIE("new@6")] });
    const bindings = new Bindings();
    const now = Date.now();
    matchTemplate("<session-cookie#1>", COOKIE_A, templateContext(bindings));
    const reused = compareHeaders(
      plans[5]!.expect,
      new Map([
        ["set-cookie", [liveSessionCookie(COOKIE_A, now)]],
        ["cache-control", ["no-store, private"]],
        ["content-type", ["application/json; charset=UTF-8"]],
      ]),
      compareContext(bindings, now),
    );
    expect(reused.diffs.join()).toContain("<session-cookie#new@6> must differ from <session-cookie#1>");
    expect(plans.slice(6).map((p) => p.rules)).toEqual([
      ["f-pre-login-token-dead-on-login"],
      ["f-pre-login-token-dead-on-login"],
    ]);
  });
});
