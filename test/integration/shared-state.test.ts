/**
 * Two Sheaf processes on one site folder (docs/scaling.md), here two instances in one test process joined by the
 * cluster coordination over in-memory channels, with file watching off: whatever one learns of the other's changes
 * comes from the change notices. Sessions, throttle, tokens and content writes must behave as in one process.
 */
import { EventEmitter } from "node:events";
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Worker } from "node:cluster";
import { afterEach, describe, expect, it } from "vitest";
import type { Sheaf } from "../../src/app.js";
import { ClusterCoordinator, WorkerCoordination } from "../../src/coord/cluster-coordination.js";
import { parseTxt } from "../../src/content/txt.js";
import { ADMIN, cleanUp, copySite, startSite } from "./helpers.js";

afterEach(cleanUp);

/** A primary and `count` workers whose IPC channels are event emitters delivering in order. */
function cluster(count: number, primarySides: EventEmitter[] = []): WorkerCoordination[] {
  const coordinator = new ClusterCoordinator();
  return Array.from({ length: count }, () => {
    const workerSide = new EventEmitter();
    const primarySide = Object.assign(new EventEmitter(), {
      isConnected: () => true,
      send: (message: unknown) => {
        setImmediate(() => workerSide.emit("message", structuredClone(message)));
        return true;
      },
    });
    coordinator.attach(primarySide as unknown as Worker);
    primarySides.push(primarySide);
    const channel = {
      send: (message: unknown) => {
        setImmediate(() => primarySide.emit("message", structuredClone(message)));
        return true;
      },
      on: (event: string, listener: (message: unknown) => void) => workerSide.on(event, listener),
      off: (event: string, listener: (message: unknown) => void) => workerSide.off(event, listener),
    };
    return new WorkerCoordination(channel as unknown as NodeJS.Process);
  });
}

async function twoProcesses(config: Record<string, unknown> = {}): Promise<[Sheaf, Sheaf, string]> {
  const root = await copySite();
  const [first, second] = cluster(2) as [WorkerCoordination, WorkerCoordination];
  const settings = { api: { basicAuth: true, allowInsecure: true }, ...config };
  const a = await startSite({ root, config: settings, extra: { coordination: first } });
  const b = await startSite({ root, config: settings, extra: { coordination: second } });
  return [a.sheaf, b.sheaf, root];
}

type Headers = Record<string, string>;

async function logIn(sheaf: Sheaf, password = ADMIN.password): Promise<{ status: number; headers: Headers }> {
  const csrfReply = await sheaf.server.inject({ method: "GET", url: "/api/auth/csrf" });
  const csrf = (JSON.parse(csrfReply.body) as { csrf: string }).csrf;
  const firstCookie = String(csrfReply.headers["set-cookie"] ?? "").split(";")[0] ?? "";
  const login = await sheaf.server.inject({
    method: "POST",
    url: "/api/auth/login",
    headers: { cookie: firstCookie, "x-csrf": csrf, "content-type": "application/json" },
    payload: JSON.stringify({ email: ADMIN.email, password }),
  });
  const setCookie = login.headers["set-cookie"];
  const lines = Array.isArray(setCookie) ? setCookie : setCookie === undefined ? [] : [String(setCookie)];
  const cookie =
    lines
      .filter((line) => line.startsWith("kirby_session="))
      .at(-1)
      ?.split(";")[0] ?? "";
  return { status: login.statusCode, headers: { cookie, "x-csrf": csrf } };
}

/** Polls until `check` holds, for at most a second (notices are applied asynchronously). */
async function withinASecond(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 1000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("not within a second");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const get = (sheaf: Sheaf, url: string, headers: Headers) => sheaf.server.inject({ method: "GET", url, headers });

describe("the cluster coordination", () => {
  it("grants a lock to one worker at a time, with increasing fencing tokens", async () => {
    const [a, b] = cluster(2) as [WorkerCoordination, WorkerCoordination];
    const events: string[] = [];
    const fences: number[] = [];
    const hold = (who: string, coordination: WorkerCoordination) =>
      coordination.withLock("content", async (lease) => {
        fences.push(lease.fence);
        events.push(`${who} in`);
        await new Promise((resolve) => setTimeout(resolve, 20));
        events.push(`${who} out`);
      });
    await Promise.all([hold("a", a), hold("b", b), hold("a", a)]);
    for (let i = 0; i < events.length; i += 2) expect(events[i + 1]).toBe(events[i]?.replace("in", "out"));
    expect(fences).toEqual([...fences].sort((x, y) => x - y));
    expect(new Set(fences).size).toBe(3);
  });

  it("gives the lock of a worker that died to the next one waiting", async () => {
    const sides: EventEmitter[] = [];
    const [a, b] = cluster(2, sides) as [WorkerCoordination, WorkerCoordination];
    let entered = false;
    // a takes the lock and never gives it back
    void a.withLock("content", () => new Promise<never>(() => undefined));
    await new Promise((resolve) => setTimeout(resolve, 10));
    const waiting = b.withLock("content", async (lease) => {
      entered = true;
      return lease.fence;
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(entered).toBe(false);
    sides[0]?.emit("exit", 1, null);
    expect(await waiting).toBe(2);
  });

  it("hands a notice to the other workers, never back to its sender, and counts versions", async () => {
    const [a, b] = cluster(2) as [WorkerCoordination, WorkerCoordination];
    const heardByA: string[] = [];
    const heardByB: Array<[string, string, number]> = [];
    a.subscribe((topic, data) => heardByA.push(`${topic}:${data}`));
    b.subscribe((topic, data, version) => heardByB.push([topic, data, version]));
    expect(await a.publish("content", "x")).toBe(1);
    expect(await a.publish("content", "y")).toBe(2);
    expect(heardByB).toEqual([
      ["content", "x", 1],
      ["content", "y", 2],
    ]);
    expect(heardByA).toEqual([]);
    expect(await b.version("content")).toBe(2);
  });
});

describe("two processes sharing a site folder without Redis", () => {
  it("a session started on one is read on the other; ended there, the first refuses it", async () => {
    const [a, b] = await twoProcesses();
    const login = await logIn(a);
    expect(login.status).toBe(200);
    expect((await get(b, "/api/pages/notes", login.headers)).statusCode).toBe(200);
    // the first process holds the verified session in memory now
    expect((await get(a, "/api/pages/notes", login.headers)).statusCode).toBe(200);
    const logout = await b.server.inject({ method: "POST", url: "/api/auth/logout", headers: login.headers });
    expect(logout.statusCode).toBe(200);
    expect((await get(a, "/api/pages/notes", login.headers)).statusCode).toBe(401);
  });

  it("a CSRF token handed out by one process is accepted by the other for the login", async () => {
    const [a, b] = await twoProcesses();
    const csrfReply = await a.server.inject({ method: "GET", url: "/api/auth/csrf" });
    const csrf = (JSON.parse(csrfReply.body) as { csrf: string }).csrf;
    const cookie = String(csrfReply.headers["set-cookie"] ?? "").split(";")[0] ?? "";
    const login = await b.server.inject({
      method: "POST",
      url: "/api/auth/login",
      headers: { cookie, "x-csrf": csrf, "content-type": "application/json" },
      payload: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }),
    });
    expect(login.statusCode).toBe(200);
  });

  it("200 concurrent PATCHes through both processes lose no field", async () => {
    const [a, b, root] = await twoProcesses();
    const session = (await logIn(a)).headers;
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        (i % 2 ? a : b).server.inject({
          method: "PATCH",
          url: "/api/pages/notes",
          headers: { ...session, "content-type": "application/json" },
          payload: JSON.stringify({ [`f${i}`]: `v${i}` }),
        }),
      ),
    );
    expect(replies.filter((reply) => reply.statusCode !== 200).map((reply) => reply.body)).toEqual([]);
    const stored = parseTxt(await readFile(path.join(root, "content", "1_notes", "notes.txt"), "utf8"));
    const missing = (content: Record<string, unknown>) =>
      Array.from({ length: 200 }, (_, i) => i).filter((i) => content[`f${i}`] !== `v${i}`);
    expect(missing(stored)).toEqual([]);
    for (const sheaf of [a, b]) {
      await withinASecond(async () => {
        const reply = await get(sheaf, "/api/pages/notes", session);
        return (
          missing((JSON.parse(reply.body) as { data: { content: Record<string, unknown> } }).data.content).length === 0
        );
      });
    }
  });

  it("failed logins count across processes", async () => {
    const [a, b] = await twoProcesses({ auth: { trials: 3 } });
    for (const sheaf of [a, b, a]) expect((await logIn(sheaf, "wrong-password-1")).status).not.toBe(200);
    expect((await logIn(b)).status).not.toBe(200);
  });

  it("a token revoked on one process is refused by the other within a second", async () => {
    const [a, b] = await twoProcesses();
    const session = (await logIn(a)).headers;
    const created = await a.server.inject({
      method: "POST",
      url: "/api/account/tokens",
      headers: { ...session, "content-type": "application/json" },
      payload: JSON.stringify({ name: "shared", scope: "read" }),
    });
    const { id, token } = (JSON.parse(created.body) as { data: { id: string; token: string } }).data;
    const bearer = { authorization: `Bearer ${token}` };
    await withinASecond(async () => (await get(b, "/api/pages/notes", bearer)).statusCode === 200);
    const revoked = await a.server.inject({ method: "DELETE", url: `/api/account/tokens/${id}`, headers: session });
    expect(revoked.statusCode).toBe(200);
    await withinASecond(async () => (await get(b, "/api/pages/notes", bearer)).statusCode === 401);
  });
});
