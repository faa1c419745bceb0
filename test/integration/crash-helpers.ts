/**
 * What the crash tests share: a real `sheaf serve` child process on a temporary copy of a site, killed with SIGKILL
 * and started again; plain HTTP against it; the admin's session kept across restarts; seeded randomness whose seed is
 * printed so a failing run can be repeated. Every process and folder made here is removed by `cleanUpCrashes`.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdtemp, rm } from "node:fs/promises";
import http from "node:http";
import { tmpdir } from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../paths.js";

const BIN = path.join(PROJECT_ROOT, "bin", "sheaf.js");
const BUILT_CLI = path.join(PROJECT_ROOT, "dist", "cli", "main.js");
const START_TIMEOUT_MS = 20_000;

const children: ChildProcess[] = [];
const roots: string[] = [];

/** The crash tests run the built CLI: fail clearly when it is not there. */
export function requireBuiltCli(): void {
  if (!existsSync(BUILT_CLI)) throw new Error(`${BUILT_CLI} is missing: run \`npm run build\` first (npm test does)`);
}

/** Kills every child process still running and removes every temporary site. */
export async function cleanUpCrashes(): Promise<void> {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
  }
  await Promise.all(roots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
}

/** A copy of `source` in a new temporary folder, without the paths `skip` accepts. */
export async function tempSite(
  prefix: string,
  source: string,
  skip: (file: string) => boolean = () => false,
): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), prefix));
  roots.push(root);
  await cp(source, root, { recursive: true, filter: (file) => !skip(file) });
  return root;
}

/** PRNG (mulberry32): the same seed gives the same choices. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** `SHEAF_CRASH_SEED`, or a new seed. */
export function crashSeed(): number {
  return Number(process.env["SHEAF_CRASH_SEED"] ?? Date.now() % 2 ** 31);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export interface HttpReply {
  readonly status: number;
  readonly body: Record<string, unknown>;
  readonly setCookies: string[];
}

/** A JSON request to `<origin>/api/<url>`; the body is parsed (or kept as `{raw}`). */
export function httpRequest(
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
            ? method === "GET"
              ? {}
              : { "content-length": 0 }
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

export interface Server {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  readonly port: number;
  readonly exited: Promise<void>;
  stderr(): string;
}

/** Starts `sheaf serve <root>` on a free port and resolves once it prints where it listens. */
export function startServer(root: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, "serve", root, "--port", "0"], { stdio: ["ignore", "pipe", "pipe"] });
    children.push(child);
    let stdout = "";
    let stderr = "";
    const exited = new Promise<void>((done) => child.once("exit", () => done()));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`sheaf did not start within ${START_TIMEOUT_MS / 1000} s; stderr: ${stderr}`));
    }, START_TIMEOUT_MS);
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout?.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = / on (http:\/\/[^\s"]+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        const origin = match[1] as string;
        resolve({ child, origin, port: Number(new URL(origin).port), exited, stderr: () => stderr });
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`sheaf exited (${code}) before listening; stderr: ${stderr}`));
    });
  });
}

/** SIGKILL, and wait until the process is gone (nothing if it already is). */
export async function killServer(server: Server): Promise<void> {
  if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill("SIGKILL");
  await server.exited;
}

/** Session cookie and CSRF header of the fixture's admin; kept across restarts while the server still accepts them. */
export class AdminSession {
  private headers: Record<string, string> | null = null;

  async get(agent: http.Agent, origin: string): Promise<Record<string, string>> {
    if (this.headers) {
      const probe = await httpRequest(agent, origin, "GET", "auth", this.headers);
      if (probe.status === 200) return this.headers;
    }
    const csrfReply = await httpRequest(agent, origin, "GET", "auth/csrf", {});
    const csrf = String(csrfReply.body["csrf"]);
    const cookieOf = (lines: string[]): string | undefined =>
      lines
        .filter((line) => line.startsWith("kirby_session="))
        .at(-1)
        ?.split(";")[0];
    const first = cookieOf(csrfReply.setCookies) ?? "";
    const login = await httpRequest(
      agent,
      origin,
      "POST",
      "auth/login",
      { cookie: first, "x-csrf": csrf },
      { email: "admin@example.com", password: "AdminPass123!", long: false },
    );
    if (login.status !== 200) throw new Error(`login failed: ${JSON.stringify(login.body)}`);
    this.headers = { cookie: cookieOf(login.setCookies) ?? first, "x-csrf": csrf };
    return this.headers;
  }
}
