// Generators of hostile input: JSON bodies (as text, so they can hold what JSON.stringify cannot write: lone
// surrogates, 1e999, integers past 2^53), query strings, paths and header values. Each returns a label too, so a
// failure says what kind of input caused it.

import { LOG_INJECTION_MARKER } from "./site.mjs";

const KB = 1024;
const MB = 1024 * KB;

/** Strings that mean something to some layer: paths, templates, the content file format, YAML, HTML. */
const NASTY_STRINGS = [
  "",
  " ",
  "../../../../etc/passwd",
  "..\\..\\windows\\win.ini",
  "%00",
  "\u0000",
  "a\u0000b",
  "<script>alert(1)</script>",
  "{{ site.title }}",
  "<%= it.secret %>",
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template placeholder is the hostile input
  "${process.env.HOME}",
  "Title: injected\n\n----\n\nUuid: injected",
  "----",
  "--- !!js/function 'function(){}'",
  "&anchor *alias",
  "\u202etxt.exe",
  "\ufeffbom",
  "ＮＦＫＣ．．／",
  "🦄".repeat(50),
  "__proto__",
  "constructor",
  "toString",
  "admin@example.com",
  `x@example.com\n${LOG_INJECTION_MARKER} as an e-mail`,
  `x\r${LOG_INJECTION_MARKER} after a carriage return`,
  "NaN",
  "-0",
];

/** JSON text for one string: the escapes are written by hand where JSON.stringify would not produce them. */
function hostileStringJson(rng) {
  return rng.weighted([
    [10, () => JSON.stringify(rng.pick(NASTY_STRINGS))],
    [3, () => `"\\ud800"`],
    [2, () => `"x\\udc00y\\ud83d"`],
    [2, () => JSON.stringify("x".repeat(rng.pick([256, 4 * KB, 64 * KB])))],
    [1, () => JSON.stringify("y".repeat(rng.pick([512 * KB, MB])))],
    [4, () => JSON.stringify(rng.text(rng.int(1, 40)))],
  ])();
}

function hostileNumberJson(rng) {
  return rng.pick([
    "0",
    "-1",
    "1e308",
    "-1e308",
    "1e999",
    "-1e999",
    "9007199254740993",
    "123456789012345678901234567890",
    "0.1",
    "-0",
    "5e-324",
  ]);
}

/** Arrays or objects nested `depth` levels deep. */
function deepJson(rng, depth) {
  return rng.chance(0.5) ? "[".repeat(depth) + "]".repeat(depth) : '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
}

/** Objects whose keys touch the prototype chain or coercion. */
function prototypeObjectJson(rng) {
  return rng.pick([
    '{"__proto__":{"isAdmin":true,"role":"admin"}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    '{"toString":"x","valueOf":1,"hasOwnProperty":null}',
    '{"toJSON":"x","then":"y","length":-1}',
    '{"__proto__":null}',
  ]);
}

/** One hostile JSON value (text). `depth` bounds recursion of nested containers. */
export function hostileValueJson(rng, depth = 0) {
  const scalar = [
    [3, () => rng.pick(["null", "true", "false"])],
    [3, () => hostileNumberJson(rng)],
    [6, () => hostileStringJson(rng)],
  ];
  const containers = [
    [2, () => "[]"],
    [2, () => "{}"],
    [2, () => prototypeObjectJson(rng)],
    [1, () => deepJson(rng, rng.pick([100, 1000, 3000]))],
    [2, () => `[${Array.from({ length: rng.int(1, 4) }, () => hostileValueJson(rng, depth + 1)).join(",")}]`],
    [2, () => hostileObjectJson(rng, depth + 1)],
  ];
  return rng.weighted(depth >= 2 ? scalar : [...scalar, ...containers])();
}

/**
 * An array or object: refused wherever a string argument is required (null is not here: some of those
 * arguments are optional, e.g. the slug of a duplicate).
 */
export function nonScalarJson(rng) {
  return rng.weighted([
    [2, () => "[]"],
    [2, () => `[${hostileStringJson(rng)}]`],
    [2, () => "{}"],
    [2, () => prototypeObjectJson(rng)],
    [1, () => deepJson(rng, rng.pick([100, 1000, 3000]))],
  ])();
}

const FIELD_NAMES = [
  "title",
  "slug",
  "status",
  "template",
  "email",
  "name",
  "role",
  "language",
  "password",
  "currentPassword",
  "content",
  "position",
  "long",
  "code",
  "scope",
  "expiresIn",
  "Title",
  "TITLE",
  "__proto__",
  "constructor",
  "prototype",
  "toString",
  "0",
  "",
];

/** A JSON object with hostile values under field names the routes read (and some they do not). */
export function hostileObjectJson(rng, depth = 0) {
  const count = rng.weighted([
    [8, rng.int(1, 4)],
    [1, 100],
  ]);
  const entries = [];
  for (let i = 0; i < count; i++) {
    // many fields get small values, so one body stays around a megabyte at most
    const value =
      count > 10
        ? rng.pick(["null", "1e999", '"\\ud800"', "[]", JSON.stringify(rng.text(8))])
        : hostileValueJson(rng, depth + 1);
    entries.push(`${JSON.stringify(count > 10 ? `field${i}` : rng.pick(FIELD_NAMES))}:${value}`);
  }
  return `{${entries.join(",")}}`;
}

/** Request body text that is not JSON (for a non-form content type this must be refused). */
export function invalidJsonBody(rng) {
  return rng.weighted([
    [
      3,
      () =>
        Buffer.from(
          rng.pick([
            "{",
            '{"a":',
            "[1,2",
            "{'a':1}",
            "nul",
            "tru",
            '{"a":1}garbage',
            '{"a":1,}',
            "[,]",
            '{"a"1}',
            "\u0000{}",
            "+1",
            "0x10",
            "NaN",
            '"unterminated',
          ]),
          "utf8",
        ),
    ],
    [2, () => Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xff, 0xfe, 0x7b])],
    [1, () => Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00])],
    [1, () => Buffer.from("[".repeat(rng.pick([1000, 5000, 100000])), "utf8")],
    [1, () => Buffer.from(`{"a":"${"z".repeat(MB)}`, "utf8")],
    [1, () => Buffer.from("a=1&b=2", "utf8")],
  ])();
}

/**
 * A multipart/form-data body with hostile parts (prototype names, quotes in names, files, thousands of parts) or
 * broken framing (no closing boundary, parts without headers). Returns the body and its Content-Type.
 */
function multipartBody(rng) {
  const boundary = rng.pick(["b", "----fuzz", "x".repeat(70), "--", 'q"uote', "é"]);
  const count = rng.weighted([
    [8, rng.int(1, 5)],
    [1, 2000],
  ]);
  const names = ["title", "slug", "__proto__", "constructor", "", 'a"b', "ñame", "email", "password", "x".repeat(1000)];
  let text = rng.chance(0.2) ? "preamble\r\n" : "";
  for (let i = 0; i < count; i++) {
    const name = count > 10 ? `f${i}` : rng.pick(names);
    const file = rng.chance(0.2) ? `; filename="${rng.pick(["../../etc/passwd", "a.php", "\u0000.txt"])}"` : "";
    const headers = rng.chance(0.1) ? "" : `Content-Disposition: form-data; name="${name}"${file}\r\n\r\n`;
    text += `--${boundary}\r\n${headers}${rng.pick(NASTY_STRINGS)}\r\n`;
  }
  if (rng.chance(0.8)) text += `--${boundary}--\r\n`;
  const contentType = rng.chance(0.8)
    ? `multipart/form-data; boundary=${boundary}`
    : `multipart/form-data; boundary="${boundary}"`;
  return { label: "multipart", body: Buffer.from(text, "utf8"), contentType };
}

/**
 * Any hostile body: JSON (of any shape), broken JSON, form data, multipart, or raw bytes, with a fitting or a
 * wrong type. A body that needs its own Content-Type (multipart) says so.
 */
export function anyBody(rng) {
  return rng.weighted([
    [1, () => multipartBody(rng)],
    [6, () => ({ label: "json-object", body: Buffer.from(hostileObjectJson(rng), "utf8") })],
    [3, () => ({ label: "json-value", body: Buffer.from(hostileValueJson(rng), "utf8") })],
    [2, () => ({ label: "invalid-json", body: invalidJsonBody(rng) })],
    [
      1,
      () => ({
        label: "form",
        body: Buffer.from(
          `title=${"%zz"}&slug[]=a&slug[x]=b&__proto__[a]=1&email=${encodeURIComponent(rng.pick(NASTY_STRINGS))}`,
          "latin1",
        ),
      }),
    ],
    [1, () => ({ label: "empty", body: Buffer.alloc(0) })],
  ])();
}

export const JSON_TYPES = [
  "application/json",
  "application/json; charset=UTF-8",
  "text/plain",
  "application/JSON",
  "application/json; charset=utf-16",
  "*/*",
  "application/json, text/html",
  "x".repeat(5000),
];
const FORM_TYPES = [
  "application/x-www-form-urlencoded",
  "multipart/form-data",
  "multipart/form-data; boundary=",
  `multipart/form-data; boundary=${"-".repeat(200)}`,
  'multipart/form-data; boundary="a',
];

/** A Content-Type for a body: usually JSON, sometimes one that does not fit (form types only when `allowForm`). */
export function contentTypeFor(rng, { allowForm }) {
  return rng.weighted([
    [6, "application/json"],
    [3, rng.pick(JSON_TYPES)],
    [allowForm ? 2 : 0, rng.pick(FORM_TYPES)],
    [1, null],
  ]);
}

// ---- query strings --------------------------------------------------------------------------------------------

const PROTOTYPE_KEYS = [
  "constructor",
  "constructor",
  "id,constructor",
  "__proto__",
  "toString",
  "valueOf",
  "hasOwnProperty",
  "__defineGetter__",
];
const QUERY_KEYS = [
  "limit",
  "page",
  "select",
  "view",
  "pretty",
  "csrf",
  "language",
  "query[limit]",
  "query[page]",
  "query[offset]",
  "query[paginate][limit]",
  "select[]",
  "select[children][]",
  "search",
  "q",
  "__proto__",
  "constructor",
  "__proto__[polluted]",
  "constructor[prototype][polluted]",
  "toString",
];
const QUERY_VALUES = [
  "-Infinity",
  "Infinity",
  "NaN",
  "1e308",
  "-1e308",
  "99999999999999999999999",
  "9007199254740993",
  "-1",
  "0",
  "",
  " 5",
  "0x10",
  "1e3",
  "1.5",
  "+2",
  "%00",
  "%zz",
  "%c3%28",
  "__proto__",
  "constructor",
  "toString",
  "compact",
  "panel",
  "any",
  "id,title,children,content",
  "children.children.children",
  "false",
  "%E2%80%AE",
  "🦄",
];

export function hostileQuery(rng) {
  const count = rng.weighted([
    [10, rng.int(1, 4)],
    [1, 100],
  ]);
  const pairs = [];
  for (let i = 0; i < count; i++) {
    const key = count > 10 ? `unknown${i}` : rng.pick(QUERY_KEYS);
    const value = rng.weighted([
      [10, () => rng.pick(QUERY_VALUES)],
      [1, () => "a".repeat(rng.pick([1000, 10000]))],
      [1, () => "select,".repeat(500)],
      [1, () => `${"[a]".repeat(500)}`],
    ])();
    pairs.push(`${key}=${value}`);
  }
  if (rng.chance(0.1)) pairs.push(`select${"[x]".repeat(1000)}=id`);
  // names every plain object answers to: a lookup table indexed by request text must not find them
  if (rng.chance(0.25)) pairs.push(`${rng.pick(["select", "select", "view", "select[]"])}=${rng.pick(PROTOTYPE_KEYS)}`);
  return pairs.join(rng.chance(0.9) ? "&" : ";");
}

// ---- paths ----------------------------------------------------------------------------------------------------

/**
 * Mutates an API path below /api/. Every mutation keeps the path's own segments, so a missing target stays
 * missing. Returns the new path (string, or Buffer for raw bytes) and a label.
 */
export function mutatePath(rng, path) {
  const mutation = rng.pick([
    ["dotdot", () => `${path}/../../site`],
    ["dotdot-front", () => `../../${path}`],
    ["dotdot-encoded", () => `${path}/%2e%2e/%2E%2E/site`],
    ["dotdot-plus", () => path.replace(/\//, "/..+..+")],
    ["slash-encoded", () => path.replaceAll("/", "%2F")],
    ["nul", () => `${path}%00`],
    ["nul-mid", () => path.replace(/\//, "/%00")],
    ["pct-invalid", () => `${path}%zz`],
    ["pct-bad-utf8", () => `${path}%c3%28`],
    ["pct-truncated", () => `${path}%e2%82`],
    ["pct-alone", () => `${path}%`],
    ["long-segment", () => `${path}/${"a".repeat(rng.pick([1000, 8000]))}`],
    ["huge-segment", () => `${path}/${"b".repeat(rng.pick([20000, 70000]))}`],
    ["double-slash", () => path.replaceAll("/", "//")],
    ["trailing-slash", () => `${path}/`],
    ["unicode", () => `${path}/ñötës/🦄/\u202e`],
    ["fullwidth-dots", () => `${path}/\uff0e\uff0e/site`],
    ["backslash", () => `${path}\\..\\site`],
    ["url-param", () => `${path}/key:value/a:b:c`],
    ["semicolon", () => `${path};jsessionid=1`],
    ["upper-case", () => path.toUpperCase()],
    ["raw-bytes", () => Buffer.concat([Buffer.from(path, "latin1"), Buffer.from([0xff, 0xfe, 0x80])])],
    ["hash", () => `${path}#fragment`],
  ]);
  return { path: mutation[1](), label: `path:${mutation[0]}` };
}

/** Request targets outside the API, for the site frontend. */
export const SITE_TARGETS = [
  "/",
  "/notes",
  "/notes/first-note",
  "/about",
  "/%zz",
  "/%c3%28",
  "/../../etc/passwd",
  "/notes/%00",
  "/notes/..%2f..%2fsite",
  "/" + "s".repeat(9000),
  "/🦄",
  "/api",
  "/api/",
  "/api//",
  "/api/a:b",
  "/media/../content/site.txt",
  "/content/site.txt",
  "/site/accounts/admin001/.htpasswd",
  "/error",
];

// ---- headers --------------------------------------------------------------------------------------------------

/** Extra hostile headers, each with its own probability. */
export function hostileHeaders(rng) {
  const headers = [];
  const labels = [];
  const add = (label, name, value) => {
    headers.push([name, value]);
    labels.push(`header:${label}`);
  };
  if (rng.chance(0.15))
    add(
      "xff",
      "X-Forwarded-For",
      rng.pick([
        "1.2.3.4, garbage, ::ffff:1",
        "a".repeat(5000),
        "unknown",
        "127.0.0.1, 10.0.0.1",
        "::1",
        "[::1]:80",
        "999.999.999.999",
        ", , ,",
      ]),
    );
  if (rng.chance(0.08))
    add(
      "x-forwarded-host",
      "X-Forwarded-Host",
      rng.pick(["evil.example", "ä.example", "a".repeat(3000), "localhost:0"]),
    );
  if (rng.chance(0.08))
    add("x-forwarded-proto", "X-Forwarded-Proto", rng.pick(["https", "https, http", "javascript", ""]));
  if (rng.chance(0.1))
    add(
      "override-junk",
      "X-HTTP-Method-Override",
      rng.pick(["DELET", "GET, DELETE", "", "x".repeat(5000), "PUT PATCH", "🦄", "delete-me"]),
    );
  if (rng.chance(0.08)) add("origin", "Origin", rng.pick(["null", "http://evil.example", "file://", "a".repeat(2000)]));
  if (rng.chance(0.05)) add("expect", "Expect", rng.pick(["100-continue", "junk"]));
  if (rng.chance(0.05)) add("x-language", "X-Language", rng.pick(["../../etc", "de", "__proto__", "ää"]));
  if (rng.chance(0.05))
    add("accept-encoding", "Accept-Encoding", rng.pick(["gzip, deflate, br", "*;q=abc", "x".repeat(1000)]));
  if (rng.chance(0.04)) add("range", "Range", rng.pick(["bytes=0-1", "bytes=-1", "bytes=999999999999-"]));
  if (rng.chance(0.04)) add("many-headers", "X-Many", "1");
  if (labels.includes("header:many-headers")) for (let i = 0; i < 200; i++) headers.push([`X-Extra-${i}`, String(i)]);
  return { headers, labels };
}

/** A Host header that is not the server's. */
export function hostileHost(rng, port) {
  return rng.pick([
    ["huge", "h".repeat(rng.pick([1000, 8000, 20000]))],
    ["unicode", `exämple.com:${port}`],
    ["port-overflow", "127.0.0.1:99999"],
    ["ipv6-open", "[::1"],
    ["empty", ""],
    ["userinfo", `user:pass@127.0.0.1:${port}`],
    ["path", `127.0.0.1:${port}/../x`],
    ["evil", "evil.example"],
  ]);
}

/** Authorization values that must not authenticate anybody. */
export function brokenAuthorization(rng, kind) {
  if (kind === "broken-bearer") {
    return rng.pick([
      "Bearer",
      "Bearer ",
      `Bearer ${"t".repeat(5000)}`,
      "Bearer ../../etc/passwd",
      "Bearer 0000000000000000",
      "Bearer %00",
      "Session junk",
      "Bearer a.b.c",
    ]);
  }
  const b64 = (text) => Buffer.from(text, "utf8").toString("base64");
  return rng.pick([
    "Basic !!!notbase64!!!",
    "Basic",
    "Basic ",
    `Basic ${b64("no-colon-here")}`,
    `Basic ${b64(":")}`,
    `Basic ${b64("admin@example.com:")}`,
    `Basic ${b64("nobody@example.com:AdminPass123!x")}`,
    `Basic ${b64(`${"u".repeat(3000)}:${"p".repeat(3000)}`)}`,
    `Basic ${b64("\u0000:\u0000")}`,
    `basic ${b64("x@y.z:pw")}`,
    "Digest username=admin",
    `Basic ${b64("admin001:wrong-password")}`,
    `Basic ${b64(`a@b.c\n${LOG_INJECTION_MARKER} in Basic:wrong-password`)}`,
  ]);
}

/** Cookie headers with a forged or oversized session. */
export function forgedCookie(rng) {
  return rng.pick([
    ["forged", `kirby_session=${"0".repeat(40)}%2B${rng.text(50)}.${rng.text(40)}`],
    ["huge-value", `kirby_session=${"c".repeat(4096)}`],
    ["many", Array.from({ length: 200 }, (_, i) => `c${i}=${"v".repeat(20)}`).join("; ")],
    ["bad-encoding", "kirby_session=%zz%c3%28"],
    ["duplicate", "kirby_session=a; kirby_session=b"],
    ["separators", ";;;=;=="],
    ["no-plus", `kirby_session=${rng.text(64)}`],
  ]);
}
