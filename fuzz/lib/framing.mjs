// Requests broken at the HTTP framing level, written as raw bytes: bad request lines, headers without a colon,
// broken chunked bodies, conflicting lengths, pipelining. Only reads (or requests no route accepts), so they
// cannot change the site. The server may answer 400 or close the connection, but must not leave it hanging.

const CRLF = "\r\n";

export function framingCase(rng, context) {
  if (rng.chance(0.2)) return pipelined(rng, context);
  const host = `Host: 127.0.0.1:${context.port}`;
  const login = `POST /api/auth/login HTTP/1.1${CRLF}${host}${CRLF}`;
  const cases = [
    { label: "no-version", text: `GET /api/site${CRLF}${CRLF}` },
    { label: "bad-version", text: `GET /api/site HTTP/9.9${CRLF}${host}${CRLF}${CRLF}` },
    { label: "nul-in-method", text: `G\u0000T /api/site HTTP/1.1${CRLF}${host}${CRLF}${CRLF}` },
    { label: "lower-method", text: `get /api/site HTTP/1.1${CRLF}${host}${CRLF}${CRLF}` },
    { label: "unknown-method", text: `FROB /api/site HTTP/1.1${CRLF}${host}${CRLF}Connection: close${CRLF}${CRLF}` },
    { label: "long-method", text: `${"G".repeat(5000)} /api/site HTTP/1.1${CRLF}${host}${CRLF}${CRLF}` },
    { label: "extra-token", text: `GET /api/site HTTP/1.1 extra${CRLF}${host}${CRLF}${CRLF}` },
    {
      label: "leading-blank-lines",
      text: `${CRLF}${CRLF}GET /api/site HTTP/1.1${CRLF}${host}${CRLF}Connection: close${CRLF}${CRLF}`,
    },
    { label: "header-no-colon", text: `GET /api/site HTTP/1.1${CRLF}${host}${CRLF}X-Junk${CRLF}${CRLF}` },
    { label: "space-before-colon", text: `GET /api/site HTTP/1.1${CRLF}Host : x${CRLF}${CRLF}` },
    { label: "obs-fold", text: `GET /api/site HTTP/1.1${CRLF}${host}${CRLF}X-A: b${CRLF} folded${CRLF}${CRLF}` },
    { label: "bare-lf", text: `GET /api/site HTTP/1.1\n${host}\nConnection: close\n\n` },
    { label: "ctl-in-header", text: `GET /api/site HTTP/1.1${CRLF}${host}${CRLF}X-A: a\u0001\u0000b${CRLF}${CRLF}` },
    {
      label: "huge-header",
      text: `GET /api/site HTTP/1.1${CRLF}${host}${CRLF}X-Big: ${"x".repeat(70000)}${CRLF}${CRLF}`,
    },
    { label: "no-host-http11", text: `GET /api/site HTTP/1.1${CRLF}Connection: close${CRLF}${CRLF}` },
    { label: "http10", text: `GET /api/site HTTP/1.0${CRLF}${CRLF}` },
    {
      label: "absolute-form",
      text: `GET http://evil.example/api/site HTTP/1.1${CRLF}${host}${CRLF}Connection: close${CRLF}${CRLF}`,
    },
    { label: "asterisk-form", text: `OPTIONS * HTTP/1.1${CRLF}${host}${CRLF}Connection: close${CRLF}${CRLF}` },
    {
      label: "chunked-bad-size",
      text: `${login}Transfer-Encoding: chunked${CRLF}${CRLF}zz${CRLF}abc${CRLF}0${CRLF}${CRLF}`,
    },
    {
      label: "chunked-huge-size",
      text: `${login}Transfer-Encoding: chunked${CRLF}${CRLF}fffffffffffffffffff${CRLF}abc${CRLF}0${CRLF}${CRLF}`,
    },
    {
      label: "chunked-negative",
      text: `${login}Transfer-Encoding: chunked${CRLF}${CRLF}-1${CRLF}abc${CRLF}0${CRLF}${CRLF}`,
    },
    {
      label: "chunked-unterminated",
      text: `${login}Transfer-Encoding: chunked${CRLF}${CRLF}5${CRLF}{"a":${CRLF}`,
      halfClose: true,
    },
    {
      label: "chunked-long-extension",
      text: `${login}Transfer-Encoding: chunked${CRLF}Connection: close${CRLF}${CRLF}2;${"e".repeat(20000)}${CRLF}{}${CRLF}0${CRLF}${CRLF}`,
    },
    {
      label: "te-and-cl",
      text: `${login}Content-Length: 4${CRLF}Transfer-Encoding: chunked${CRLF}${CRLF}0${CRLF}${CRLF}GET /api/site HTTP/1.1${CRLF}${host}${CRLF}${CRLF}`,
    },
    { label: "two-content-lengths", text: `${login}Content-Length: 2${CRLF}Content-Length: 5${CRLF}${CRLF}{}` },
    { label: "te-unknown", text: `${login}Transfer-Encoding: gzip, chunked, x${CRLF}${CRLF}0${CRLF}${CRLF}` },
    {
      label: "split-bytes",
      pieces: splitEvery(`GET /api/site HTTP/1.1${CRLF}${host}${CRLF}Connection: close${CRLF}${CRLF}`, 7),
      gapMs: 5,
      mustAnswer: true,
    },
  ];
  const chosen = rng.pick(cases);
  const pieces = chosen.pieces ?? [chosen.text];
  return {
    kind: "framing",
    caller: "anonymous",
    method: "RAW",
    effectiveMethod: "RAW",
    route: `framing:${chosen.label}`,
    target: "-",
    labels: [`framing:${chosen.label}`],
    payload: pieces.map((piece) => Buffer.from(piece, "latin1")),
    gapMs: chosen.gapMs ?? 0,
    expect: chosen.mustAnswer ? "answer" : "answer-or-close",
    expected: 1,
    headMethods: [],
    halfClose: chosen.halfClose ?? false,
    mustRefuse: false,
  };
}

function splitEvery(text, size) {
  const pieces = [];
  for (let i = 0; i < text.length; i += size) pieces.push(text.slice(i, i + size));
  return pieces;
}

/**
 * 2–4 reads in one write; each must be answered, in order. Half of them start with a logged-in request and go
 * on without credentials: those later requests must not be served as the logged-in user.
 */
function pipelined(rng, context) {
  const count = rng.int(2, 4);
  const mixed = rng.chance(0.5);
  const targets = ["/api/site", "/api/pages/notes", "/api/nope", "/api/translations", "/", "/api/auth/csrf-nope"];
  const protectedTargets = ["/api/site", "/api/pages/notes", "/api/users", "/api/account", "/api/system/audit"];
  const headMethods = [];
  const mustNotSucceed = [];
  let text = "";
  for (let i = 0; i < count; i++) {
    const method = rng.chance(0.2) ? "HEAD" : "GET";
    headMethods.push(method === "HEAD");
    const target = mixed && i > 0 ? rng.pick(protectedTargets) : rng.pick(targets);
    const credentials =
      mixed && i === 0
        ? credentialHeaders(context.credentials[rng.pick(["admin-session", "admin-basic", "admin-bearer"])])
        : "";
    if (mixed && i > 0 && method === "GET") mustNotSucceed.push(i);
    text += `${method} ${target} HTTP/1.1${CRLF}Host: 127.0.0.1:${context.port}${CRLF}${credentials}${i === count - 1 ? `Connection: close${CRLF}` : ""}${CRLF}`;
  }
  return {
    kind: "framing",
    caller: mixed ? "mixed" : "anonymous",
    method: "PIPELINE",
    effectiveMethod: "GET",
    route: mixed ? "framing:pipelined-after-login" : "framing:pipelined",
    target: "-",
    labels: [`framing:pipelined-${count}${mixed ? "-after-login" : ""}`],
    payload: [Buffer.from(text, "latin1")],
    gapMs: 0,
    expect: "answer",
    expected: count,
    headMethods,
    mustNotSucceed,
    halfClose: false,
    mustRefuse: false,
  };
}

function credentialHeaders(credentials) {
  if (credentials.cookie) return `Cookie: ${credentials.cookie}${CRLF}X-CSRF: ${credentials.csrf}${CRLF}`;
  return `Authorization: ${credentials.authorization}${CRLF}`;
}
