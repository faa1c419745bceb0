/**
 * Crash safety of publishing changes (docs/changes.md#publishing-is-crash-safe): a real `sheaf serve` process saves
 * and publishes changes of one page in a loop and is killed with SIGKILL at a random moment, 50 times, restarting
 * after each kill. Each publish sets two fields from the same round (`text` and `tags`), so a mix of two versions
 * shows. After each kill:
 * - the published file and the changes file parse completely, with intact payloads;
 * - the published version is the last acknowledged one or the one being published (never older, never mixed);
 * - saved changes are never lost: while the published file is not yet the new version, the changes file holds it;
 * - after the restart the API shows the published version and the next save and publish go through (a lock file
 *   left by the killed process does not block them).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { cp, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { parseTxt } from "../../src/content/txt.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PROJECT_ROOT = path.resolve(HERE, "..", "..");
const BIN = path.join(PROJECT_ROOT, "bin", "sheaf.js");
const BUILT_CLI = path.join(PROJECT_ROOT, "dist", "cli", "main.js");
const FIXTURE = path.resolve(HERE, "..", "conformance", "fixture");

const KILLS = 50;
const MAX_DELAY_BEFORE_KILL_MS = 40;
const NOTE_DIR = path.join("content", "1_notes", "1_first-note");
const PAGE = "pages/notes+first-note";

function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A value that proves it was written completely, and the round it belongs to. */
function payloadFor(round: number): string {
  const tag = `r${round}`;
  return `${tag}:${createHash("sha256").update(tag).digest("hex").repeat(64)}`;
}

function roundOfPayload(value: string | undefined): number | null {
  if (value === undefined) return null;
  const match = /^r(\d+):/.exec(value);
  if (!match) return null;
  const round = Number(match[1]);
  return value === payloadFor(round) ? round : null;
}

interface HttpReply {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly setCookies: string[];
}

function httpRequest(
  agent: http.Agent,
  origin: string,
  method: string,
  url: string,
  headers: Record<string, string>,
  body?: unknown,
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const request = http.request(
      `${origin}/api/${url}`,
      {
        method,
        agent,
        headers: {
          ...headers,
          ...(payload === undefined
            ? { "content-length": 0 }
            : { "content-type": "application/json", "content-length": Buffer.byteLength(payload) }),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          let parsed: Record<string, unknown> = {};
          try {
            parsed = JSON.parse(text) as Record<string, unknown>;
          } catch {
            parsed = { raw: text };
          }
          resolve({ status: response.statusCode ?? 0, body: parsed, setCookies: response.headers["set-cookie"] ?? [] });
        });
      },
    );
    request.on("error", reject);
    request.end(payload);
  });
}

interface Server {
  readonly child: ChildProcess;
  readonly origin: string;
  readonly exited: Promise<void>;
}

function startServer(root: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "serve", root, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let stdout = "";
    let stderr = "";
    const exited = new Promise<void>((done) => child.once("exit", () => done()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`sheaf did not start within 20 s; stderr: ${stderr}`));
    }, 20_000);
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = / on (http:\/\/[^\s"]+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve({ child, origin: match[1] as string, exited });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`sheaf exited (${code}) before listening; stderr: ${stderr}`));
    });
  });
}

let session: Record<string, string> | null = null;

/** The admin's session (kept across restarts while the server still accepts it: the store is on disk). */
async function login(agent: http.Agent, origin: string): Promise<Record<string, string>> {
  if (session) {
    const probe = await httpRequest(agent, origin, "GET", "auth", session);
    if (probe.status === 200) return session;
  }
  const csrfReply = await httpRequest(agent, origin, "GET", "auth/csrf", {});
  const csrf = String(csrfReply.body["csrf"]);
  const cookieOf = (lines: string[]): string | undefined =>
    lines
      .filter((line) => line.startsWith("kirby_session="))
      .at(-1)
      ?.split(";")[0];
  const first = cookieOf(csrfReply.setCookies) ?? "";
  const reply = await httpRequest(
    agent,
    origin,
    "POST",
    "auth/login",
    { cookie: first, "x-csrf": csrf },
    { email: "admin@example.com", password: "AdminPass123!", long: false },
  );
  if (reply.status !== 200) throw new Error(`login failed: ${JSON.stringify(reply.body)}`);
  session = { cookie: cookieOf(reply.setCookies) ?? first, "x-csrf": csrf };
  return session;
}

/** What is on disk: the round of each version's payloads (null: no such file). */
interface DiskState {
  readonly published: number;
  readonly changes: number | null;
  readonly problems: string[];
}

async function readState(root: string): Promise<DiskState> {
  const problems: string[] = [];
  const publishedText = await readFile(path.join(root, NOTE_DIR, "note.txt"), "utf8");
  const published = parseTxt(publishedText);
  const text = roundOfPayload(published["text"]);
  const tags = published["tags"] === undefined ? null : Number(/^t(\d+)$/.exec(published["tags"])?.[1] ?? Number.NaN);
  if (published["title"] !== "First Note" || published["uuid"] !== "firstnote0000001")
    problems.push(`published file torn: ${publishedText.slice(0, 120)}`);
  if (text === null) problems.push("published text is not a whole payload");
  if (tags !== text) problems.push(`published text of round ${text} with tags of round ${tags}: a mix`);
  let changes: number | null = null;
  const changesText = await readFile(path.join(root, NOTE_DIR, "_changes", "note.txt"), "utf8").catch(() => null);
  if (changesText !== null) {
    const fields = parseTxt(changesText);
    changes = roundOfPayload(fields["text"]);
    if (changes === null) problems.push("changes text is not a whole payload");
    if (fields["uuid"] !== "firstnote0000001" || fields["lock"] !== "admin001")
      problems.push(`changes file torn: ${changesText.slice(0, 120)}`);
  }
  return { published: text ?? -1, changes, problems };
}

type Pending =
  | { readonly kind: "save"; readonly round: number }
  | { readonly kind: "publish"; readonly round: number; readonly saved: boolean };

const children: ChildProcess[] = [];
const roots: string[] = [];

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

describe("crash safety of publishing changes", () => {
  it(`keeps the old or the new version through ${KILLS} SIGKILLs during save and publish`, async () => {
    if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run \`npm run build\` first (npm test does)`);
    const seed = Number(process.env["SHEAF_CRASH_SEED"] ?? Date.now() % 2 ** 31);
    const random = seededRandom(seed);
    const context = `seed ${seed} (SHEAF_CRASH_SEED=${seed} repeats the random choices)`;
    const root = await mkdtemp(path.join(tmpdir(), "sheaf-changes-crash-"));
    roots.push(root);
    const bulk = path.join(FIXTURE, "content", "3_bulk");
    await cp(FIXTURE, root, { recursive: true, filter: (source) => source !== bulk });

    // the model: the acknowledged state and the one request whose outcome is unknown
    let published = 0;
    let changes: number | null = null;
    let round = 0;
    const stats = { kills: 0, publishes: 0, pendingPublishApplied: 0, pendingPublishNotApplied: 0 };

    // round 0: publish a first payload so the published file always carries one
    {
      const server = await startServer(root);
      const agent = new http.Agent({ keepAlive: true });
      const headers = await login(agent, server.origin);
      const reply = await httpRequest(agent, server.origin, "POST", `${PAGE}/changes/publish`, headers, {
        text: payloadFor(0),
        tags: ["t0"],
      });
      expect(reply.status, context).toBe(200);
      agent.destroy();
      server.child.kill("SIGKILL");
      await server.exited;
    }

    for (let kill = 0; kill < KILLS; kill++) {
      const server = await startServer(root);
      const agent = new http.Agent({ keepAlive: true });
      try {
        const headers = await login(agent, server.origin);
        // after a restart the API shows what the disk holds
        const shown = await httpRequest(agent, server.origin, "GET", `${PAGE}?select=content`, headers);
        const shownText = (shown.body["data"] as { content: { text: string } }).content.text;
        expect(roundOfPayload(shownText), `${context}, kill ${kill}: API after restart`).toBe(published);

        let pending: Pending | null = null;
        let stopping = false;
        let acknowledged = 0;
        const errors: string[] = [];
        const worker = (async () => {
          while (!stopping) {
            round++;
            const twoSteps = random() < 0.5;
            try {
              if (twoSteps) {
                pending = { kind: "save", round };
                const saved = await httpRequest(agent, server.origin, "POST", `${PAGE}/changes/save`, headers, {
                  text: payloadFor(round),
                });
                if (saved.status !== 200) errors.push(`save answered ${saved.status}: ${JSON.stringify(saved.body)}`);
                changes = round;
                pending = { kind: "publish", round, saved: true };
                const reply = await httpRequest(agent, server.origin, "POST", `${PAGE}/changes/publish`, headers, {
                  tags: [`t${round}`],
                });
                if (reply.status !== 200) errors.push(`publish answered ${reply.status}`);
              } else {
                pending = { kind: "publish", round, saved: false };
                const reply = await httpRequest(agent, server.origin, "POST", `${PAGE}/changes/publish`, headers, {
                  text: payloadFor(round),
                  tags: [`t${round}`],
                });
                if (reply.status !== 200) errors.push(`publish answered ${reply.status}`);
              }
              published = round;
              changes = null;
              pending = null;
              acknowledged++;
              stats.publishes++;
            } catch {
              // the connection died with the process: the pending request's outcome is unknown
              return;
            }
          }
        })();
        for (let waited = 0; waited < 5_000 && acknowledged === 0; waited += 2) await sleep(2);
        await sleep(Math.floor(random() * (MAX_DELAY_BEFORE_KILL_MS + 1)));
        stopping = true;
        server.child.kill("SIGKILL");
        await worker;
        await server.exited;
        stats.kills++;
        expect(errors, context).toEqual([]);

        const state = await readState(root);
        const where = `${context}, kill ${kill}, pending ${JSON.stringify(pending)}, model published ${published} changes ${changes}`;
        expect(state.problems, where).toEqual([]);
        const now = pending as Pending | null;
        if (now === null) {
          expect(state.published, where).toBe(published);
        } else if (now.kind === "save") {
          expect(state.published, where).toBe(published);
          expect([changes, now.round], where).toContain(state.changes);
          changes = state.changes;
        } else {
          expect([published, now.round], where).toContain(state.published);
          if (state.published === now.round) {
            stats.pendingPublishApplied++;
            // published: the changes version may still be there until its deletion was durable
            expect([null, now.round], where).toContain(state.changes);
            published = now.round;
          } else {
            stats.pendingPublishNotApplied++;
            // not published: saved changes must still be there
            if (now.saved) expect(state.changes, where).toBe(now.round);
            else expect(state.changes, where).toBe(changes);
          }
          changes = state.changes;
        }
        const leftovers = (await readdir(path.join(root, NOTE_DIR))).filter(
          (name) =>
            name !== "note.txt" && name !== "_changes" && name !== ".sheaf-changes.lock" && !name.endsWith(".tmp"),
        );
        expect(leftovers, where).toEqual([]);
      } finally {
        agent.destroy();
        if (server.child.exitCode === null && server.child.signalCode === null) {
          server.child.kill("SIGKILL");
          await server.exited;
        }
      }
    }

    // a last start: recovery leaves no temp files, and saving and publishing work at once
    const server = await startServer(root);
    const agent = new http.Agent({ keepAlive: true });
    try {
      const headers = await login(agent, server.origin);
      const started = Date.now();
      const final = round + 1;
      const saved = await httpRequest(agent, server.origin, "POST", `${PAGE}/changes/save`, headers, {
        text: payloadFor(final),
      });
      expect(saved.status, context).toBe(200);
      const reply = await httpRequest(agent, server.origin, "POST", `${PAGE}/changes/publish`, headers, {
        tags: [`t${final}`],
      });
      expect(reply.status, context).toBe(200);
      expect(Date.now() - started, "a stale lock file blocked the model").toBeLessThan(5_000);
      const state = await readState(root);
      expect(state, context).toEqual({ published: final, changes: null, problems: [] });
      const names = await readdir(path.join(root, NOTE_DIR));
      expect(
        names.filter((name) => name.endsWith(".tmp")),
        context,
      ).toEqual([]);
    } finally {
      agent.destroy();
      server.child.kill("SIGKILL");
      await server.exited;
    }
    expect(stats.kills).toBe(KILLS);
    expect(stats.publishes, context).toBeGreaterThanOrEqual(KILLS);
    console.info(`changes crash safety: ${JSON.stringify(stats)}; ${context}`);
  }, 300_000);
});
