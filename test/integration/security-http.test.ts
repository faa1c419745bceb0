/**
 * Attacks on the HTTP layer itself: bodies that are large, deep or slow, hostile Host headers, sockets held open,
 * the first-admin route from afar, and what the operator's log shows of all that.
 */
import { connect, type Socket } from "node:net";
import { rm } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ADMIN, cleanUp, copySite, send, startSite, type TestSite } from "./helpers.js";

afterEach(cleanUp);

interface RawAnswer {
  readonly text: string;
  /** The socket was closed by the server. */
  readonly closed: boolean;
  /** Socket errors the client saw (a reset, a write after the server closed). */
  readonly errors: readonly string[];
}

/**
 * Opens a socket to a listening site, writes `chunks` (a number is a pause in ms, after which the next chunk is
 * written only once the earlier ones have left), and collects what comes back until close or `waitMs`.
 */
async function rawExchange(
  url: string,
  chunks: readonly (string | Buffer | number)[],
  waitMs: number,
): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  const socket: Socket = connect(Number(port), hostname);
  let text = "";
  const errors: string[] = [];
  socket.on("data", (chunk: Buffer) => (text += chunk.toString("latin1")));
  socket.on("error", (error: NodeJS.ErrnoException) => errors.push(error.code ?? error.message));
  const closing = new Promise<true>((resolve) => socket.once("close", () => resolve(true)));
  await new Promise<void>((resolve) => socket.once("connect", () => resolve()));
  for (const chunk of chunks) {
    if (typeof chunk === "number") await new Promise((resolve) => setTimeout(resolve, chunk));
    else if (!socket.destroyed) await new Promise<void>((resolve) => socket.write(chunk, () => resolve()));
  }
  let timer: NodeJS.Timeout | undefined;
  const closed = await Promise.race([
    closing,
    new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), waitMs))),
  ]);
  clearTimeout(timer);
  socket.destroy();
  return { text, closed, errors };
}

async function listening(site: TestSite): Promise<string> {
  return site.sheaf.listen(0);
}

async function adminCookieAndCsrf(site: TestSite): Promise<Record<string, string>> {
  const client = site.client();
  await client.loginOrThrow(ADMIN);
  return { cookie: client.cookie ?? "", "x-csrf": client.csrf ?? "" };
}

function nested(depth: number): string {
  return `{"title":${"[".repeat(depth)}${"]".repeat(depth)}}`;
}

describe("request bodies", () => {
  it("answers an anonymous 15 MB PATCH with 401 without reading the body", async () => {
    const site = await startSite({ config: {} });
    const url = await listening(site);
    const head =
      "PATCH /api/pages/notes HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n" +
      `Content-Length: ${15 * 1024 * 1024}\r\n\r\n`;
    // only the first kilobyte is ever sent: an answer proves the server did not wait for the rest
    const answer = await rawExchange(url, [head, `{"title":"${"x".repeat(1024)}`], 10_000);
    expect(answer.text).toMatch(/^HTTP\/1\.1 401 /);
    // and the connection is not held open for a body that never comes
    expect(answer.closed).toBe(true);
  });

  it("lets a refused client finish sending a body of a few MB and read its answer, on a connection that stays usable", async () => {
    const site = await startSite({ config: {} });
    const url = await listening(site);
    const body = `{"text":"${"z".repeat(3 * 1024 * 1024)}"}`;
    const patch = `PATCH /api/pages/notes HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const next = "GET /api/system HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";
    const answer = await rawExchange(url, [patch, body, next], 10_000);
    const statuses = [...answer.text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => match[1]);
    expect(statuses).toEqual(["401", "200"]);
  });

  it("lets a refused client that asked for Connection: close finish sending and read its answer (no reset)", async () => {
    const site = await startSite({ config: {} });
    const url = await listening(site);
    const body = `{"text":"${"c".repeat(2 * 1024 * 1024)}"}`;
    for (const target of ["/api/pages/notes", "/api/no/such/route"]) {
      const head = `PATCH ${target} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
      // the answer comes after the first part; the client goes on sending the rest, as clients do
      const answer = await rawExchange(url, [head, body.slice(0, 1000), 300, body.slice(1000)], 10_000);
      expect(answer.text).toMatch(/^HTTP\/1\.1 (401|404) /);
      expect(answer.text).toMatch(/\r\n\r\n\{"status":"error"/);
      expect(answer.errors).toEqual([]);
      expect(answer.closed).toBe(true);
    }
  });

  it("answers a request Node cannot parse in Kirby's error shape, without resetting a client that is still sending", async () => {
    const site = await startSite({ config: {} });
    const url = await listening(site);
    const body = `{"a":"${"x".repeat(600 * 1024)}"}`;
    const head = `POST /api/auth/login?limit= 5 HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const answer = await rawExchange(url, [head, body], 10_000);
    expect(answer.errors).toEqual([]);
    expect(answer.text).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(answer.text).toContain('{"status":"error","message":"Bad Request","code":400,"key":null,"details":[]}');
    expect(answer.closed).toBe(true);
  });

  it("answers 413 to a client that sends its whole over-large body, without a reset", async () => {
    const site = await startSite({ config: { "api.maxBodySize": 1024 } });
    const url = await listening(site);
    const body = `{"email":"${"e".repeat(512 * 1024)}"}`;
    const head = `POST /api/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`;
    const answer = await rawExchange(url, [head, body], 3_000);
    expect(answer.text).toMatch(/^HTTP\/1\.1 413 /);
    expect(answer.text).toContain("The request body is larger than 1024 bytes");
  });

  it("refuses a body over api.maxBodySize with 413 before reading it, and changes nothing", async () => {
    const site = await startSite({ config: { "api.maxBodySize": 2048 } });
    const headers = await adminCookieAndCsrf(site);
    const reply = await send(site.sheaf, "PATCH", "/api/pages/notes", { headers, json: { text: "x".repeat(4096) } });
    expect(reply.status).toBe(413);
    expect(reply.body).toMatchObject({
      status: "error",
      code: 413,
      key: "error.invalidArgument",
      message: "The request body is larger than 2048 bytes",
    });
    const page = await send(site.sheaf, "GET", "/api/pages/notes?select=content", { headers });
    expect(JSON.stringify(page.body)).not.toContain("xxxx");
  });

  it("has a 1 MB default body limit", async () => {
    const site = await startSite({ config: {} });
    const headers = await adminCookieAndCsrf(site);
    const big = await send(site.sheaf, "PATCH", "/api/pages/notes", {
      headers,
      json: { text: "y".repeat(1024 * 1024 + 1) },
    });
    expect(big.status).toBe(413);
    const fine = await send(site.sheaf, "PATCH", "/api/pages/notes", { headers, json: { text: "y".repeat(1000) } });
    expect(fine.status).toBe(200);
  });

  it("refuses JSON nested deeper than 512 levels with 400 (a 5 MB `[[[…` used to stall every client)", async () => {
    const site = await startSite({ config: {} });
    const headers = await adminCookieAndCsrf(site);
    const deep = await send(site.sheaf, "PATCH", "/api/pages/notes", {
      headers,
      raw: { body: nested(513), contentType: "application/json" },
    });
    expect(deep.status).toBe(400);
    expect(deep.body).toMatchObject({
      key: "error.invalidArgument",
      message: "The JSON body is nested deeper than 512 levels",
    });
    const huge = await send(site.sheaf, "POST", "/api/auth/login", {
      raw: { body: "[".repeat(900_000), contentType: "application/json" },
    });
    expect(huge.status).toBe(400);
  });

  it("refuses a JSON body that is not UTF-8", async () => {
    const site = await startSite({ config: {} });
    const url = await listening(site);
    const body = Buffer.concat([
      Buffer.from('{"email":"'),
      Buffer.from([0xc3, 0x28]),
      Buffer.from('","password":"x"}'),
    ]);
    const head = `POST /api/auth/login HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
    const answer = await rawExchange(url, [head, body], 5_000);
    expect(answer.text).toMatch(/^HTTP\/1\.1 400 /);
    expect(answer.text).toContain("The request body is not valid UTF-8");
  });
});

describe("Host header", () => {
  it("refuses a Host header longer than 255 characters with 400", async () => {
    const site = await startSite({ config: { url: "*" } });
    const reply = await send(site.sheaf, "GET", "/api/system", { headers: { host: `${"a".repeat(300)}.example.com` } });
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ status: "error", message: "The Host header is longer than 255 characters" });
  });

  it('answers hostile forwarded hosts at once with url "*" (the cleaning used to be quadratic)', async () => {
    const site = await startSite({ config: { url: "*" } });
    const started = performance.now();
    const reply = await send(site.sheaf, "GET", "/api/system", { headers: { "x-forwarded-host": "<".repeat(12_000) } });
    expect(reply.status).toBe(400);
    expect(performance.now() - started).toBeLessThan(2_000);
  });
});

describe("slow and many clients", () => {
  it("applies the server options to the socket layer", async () => {
    const site = await startSite({
      config: { "server.headersTimeout": 3000, "server.requestTimeout": 4000, "server.maxConnections": 7 },
    });
    const http = site.sheaf.server.httpServer;
    expect([http.headersTimeout, http.requestTimeout, http.maxConnections]).toEqual([3000, 4000, 7]);
  });

  it("closes a connection whose headers never end (slowloris)", async () => {
    const site = await startSite({ config: { "server.headersTimeout": 1000, "server.requestTimeout": 1500 } });
    const url = await listening(site);
    const answer = await rawExchange(url, ["GET /api/system HTTP/1.1\r\nHost: localhost\r\nX-Slow: 1"], 8_000);
    expect(answer.closed).toBe(true);
  });

  it("closes connections beyond server.maxConnections at once", async () => {
    const site = await startSite({ config: { "server.maxConnections": 1 } });
    const url = await listening(site);
    const { hostname, port } = new URL(url);
    const first = connect(Number(port), hostname);
    await new Promise<void>((resolve) => first.once("connect", () => resolve()));
    try {
      const answer = await rawExchange(url, ["GET /api/system HTTP/1.1\r\nHost: localhost\r\n\r\n"], 3_000);
      expect(answer.closed).toBe(true);
      expect(answer.text).toBe("");
    } finally {
      first.destroy();
    }
  });
});

describe("POST /api/system/install from afar (first-admin takeover)", () => {
  async function installable(config: Record<string, unknown> = {}): Promise<TestSite> {
    const root = await copySite();
    await rm(path.join(root, "site", "accounts"), { recursive: true, force: true });
    return startSite({ root, config });
  }

  async function install(site: TestSite, request: { remoteAddress?: string; headers?: Record<string, string> }) {
    const csrf = await site.sheaf.server.inject({ method: "GET", url: "/api/auth/csrf", ...request });
    const cookie = String(csrf.headers["set-cookie"]).split(";")[0] ?? "";
    const token = (JSON.parse(csrf.body) as { csrf: string }).csrf;
    return site.sheaf.server.inject({
      method: "POST",
      url: "/api/system/install",
      ...request,
      headers: { ...request.headers, cookie, "x-csrf": token, "content-type": "application/json" },
      payload: JSON.stringify({ email: "first@example.com", password: "first-password" }),
    });
  }

  const refusal = /can only be created from this machine/;

  it("refuses a loopback peer that names a public host (a same-host reverse proxy)", async () => {
    const site = await installable();
    const reply = await install(site, { remoteAddress: "127.0.0.1", headers: { host: "cms.example.com" } });
    expect(reply.statusCode).toBe(403);
    expect(JSON.parse(reply.body)).toMatchObject({ key: "error.permission", message: expect.stringMatching(refusal) });
    expect(site.sheaf.accounts.users()).toHaveLength(0);
  });

  it("refuses when the bind address is the host name (127.0.0.1 is not local by name)", async () => {
    const site = await installable();
    const reply = await install(site, { remoteAddress: "127.0.0.1", headers: { host: "127.0.0.1:8080" } });
    expect(reply.statusCode).toBe(403);
  });

  it("refuses a forwarded client address that is not loopback, and a remote peer", async () => {
    const site = await installable();
    const forwarded = await install(site, {
      remoteAddress: "127.0.0.1",
      headers: { host: "localhost", "x-forwarded-for": "203.0.113.9" },
    });
    expect(forwarded.statusCode).toBe(403);
    const rfc7239 = await install(site, {
      remoteAddress: "127.0.0.1",
      headers: { host: "localhost", forwarded: "for=203.0.113.9;proto=https" },
    });
    expect(rfc7239.statusCode).toBe(403);
    const remote = await install(site, { remoteAddress: "203.0.113.9", headers: { host: "localhost" } });
    expect(remote.statusCode).toBe(403);
    expect(site.sheaf.accounts.users()).toHaveLength(0);
  });

  it("installs from localhost on this machine, or anywhere with panel.install", async () => {
    const local = await installable();
    expect((await install(local, { remoteAddress: "127.0.0.1", headers: { host: "localhost:8080" } })).statusCode).toBe(
      200,
    );
    const opened = await installable({ "panel.install": true });
    expect(
      (await install(opened, { remoteAddress: "203.0.113.9", headers: { host: "cms.example.com" } })).statusCode,
    ).toBe(200);
  });
});

describe("the operator's log", () => {
  async function loggedSite(
    config: Record<string, unknown>,
  ): Promise<{ site: TestSite; lines: Array<Record<string, unknown>> }> {
    const lines: Array<Record<string, unknown>> = [];
    const site = await startSite({
      config,
      extra: { log: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
    });
    return { site, lines };
  }

  it("gives every answer an X-Request-Id, and believes one only from a trusted proxy", async () => {
    const plain = await startSite({ config: {} });
    const own = await send(plain.sheaf, "GET", "/api/system", { headers: { "x-request-id": "forged-id" } });
    expect(own.headers["x-request-id"]).toMatch(/^[0-9a-f]{12}-[0-9a-z]+$/);
    const other = await send(plain.sheaf, "GET", "/api/system");
    expect(other.headers["x-request-id"]).not.toBe(own.headers["x-request-id"]);

    const proxied = await startSite({ config: { trustedProxies: ["127.0.0.1"] } });
    const kept = await send(proxied.sheaf, "GET", "/api/system", { headers: { "x-request-id": "edge-7f3a" } });
    expect(kept.headers["x-request-id"]).toBe("edge-7f3a");
    const odd = await send(proxied.sheaf, "GET", "/api/system", { headers: { "x-request-id": "a b\u001b[31m" } });
    expect(odd.headers["x-request-id"]).not.toContain(" ");
  });

  it("logs a 500 with its stack and request id at error level, and answers the generic message", async () => {
    const { site, lines } = await loggedSite({});
    const headers = await adminCookieAndCsrf(site);
    vi.spyOn(site.sheaf.services.writer, "exclusive").mockRejectedValue(new Error("disk on fire"));
    const reply = await send(site.sheaf, "PATCH", "/api/pages/notes", { headers, json: { text: "new" } });
    expect(reply.status).toBe(500);
    expect(reply.text).not.toContain("disk on fire");
    const entry = lines.find((line) => line["msg"] === "Request failed");
    expect(entry).toMatchObject({ level: 50, requestId: reply.headers["x-request-id"], method: "PATCH" });
    expect((entry?.["err"] as { stack: string } | undefined)?.stack).toMatch(/disk on fire\n\s+at /);
  });

  it("logs refusals at debug level only", async () => {
    const quiet = await loggedSite({});
    await send(quiet.site.sheaf, "GET", "/api/pages/notes");
    expect(quiet.lines.filter((line) => line["status"] === 401)).toEqual([]);
    const verbose = await loggedSite({ "log.level": "debug" });
    const reply = await send(verbose.site.sheaf, "GET", "/api/pages/notes");
    expect(verbose.lines.find((line) => line["status"] === 401)).toMatchObject({
      level: 20,
      key: "error.auth",
      requestId: reply.headers["x-request-id"],
    });
  });

  it("writes one access line per request when log.access is on", async () => {
    const { site, lines } = await loggedSite({ "log.access": true });
    const reply = await send(site.sheaf, "GET", "/api/system?x=1");
    const access = lines.filter((line) => line["msg"] === "request");
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({
      level: 30,
      method: "GET",
      url: "/api/system?x=1",
      status: 200,
      requestId: reply.headers["x-request-id"],
    });
  });
});
