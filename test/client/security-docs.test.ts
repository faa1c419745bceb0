/**
 * The examples of docs/client.md's security section, run as they stand against real `sheaf serve` processes over
 * real HTTP: a two-factor login with a mailed code, application passwords, sessions, the audit log, setting up an
 * authenticator app, a login with a recovery code, an admin's reset, turning it off, and installing a new site.
 * Needs the build (`npm test` builds first): the servers run from dist/.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { access, cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { totpCode } from "../../src/auth/challenges/totp.js";
import { createClient, isPendingLogin, type ClientOptions, type FetchFunction } from "../../src/client/index.js";

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const FIXTURE = path.join(PROJECT_ROOT, "test", "conformance", "fixture");
const BUILT_SERVER = path.join(PROJECT_ROOT, "dist", "cli", "main.js");
const DOCS = path.join(PROJECT_ROOT, "docs", "client.md");
const ADMIN = { email: "admin@example.com", password: "AdminPass123!" };
const EDITOR_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

const servers: ChildProcess[] = [];
const roots: string[] = [];

function startServer(site: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(PROJECT_ROOT, "bin", "sheaf.js"), "serve", site, "--port", "0"], {
      cwd: PROJECT_ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    servers.push(child);
    let output = "";
    const timer = setTimeout(() => reject(new Error(`sheaf serve did not start within 30 s:\n${output}`)), 30_000);
    const read = (chunk: Buffer): void => {
      output += chunk.toString("utf8");
      const match = / on (http:\/\/[^\s"]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout?.on("data", read);
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.on("exit", (code) => reject(new Error(`sheaf serve exited with ${code}:\n${output}`)));
  });
}

async function siteCopy(config: Record<string, unknown>, { withoutUsers = false } = {}): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "sheaf-client-docs-"));
  roots.push(root);
  await cp(FIXTURE, root, { recursive: true });
  if (withoutUsers) await rm(path.join(root, "site", "accounts"), { recursive: true, force: true });
  await mkdir(path.join(root, "site", "config"), { recursive: true });
  await writeFile(path.join(root, "site", "config", "config.json"), JSON.stringify(config));
  return root;
}

/** The `<!-- example -->` (or `<!-- example: name -->`) blocks of the docs, in order. */
async function examples(name: string | null): Promise<string[]> {
  const text = await readFile(DOCS, "utf8");
  const marker = name === null ? "<!-- example -->" : `<!-- example: ${name} -->`;
  const blocks: string[] = [];
  for (const part of text.split(marker).slice(1)) {
    const match = /^\s*```js\n([\s\S]*?)\n```/.exec(part);
    if (match) blocks.push(match[1]!);
  }
  return blocks;
}

type AsyncFunctionConstructor = new (...args: string[]) => (...values: unknown[]) => Promise<unknown>;
const AsyncFunction = Object.getPrototypeOf(async () => undefined).constructor as AsyncFunctionConstructor;

/** Runs code with the names given as its scope; the code's last expression statement is not returned. */
function run(code: string, scope: Record<string, unknown>): Promise<unknown> {
  return new AsyncFunction(...Object.keys(scope), code)(...Object.values(scope));
}

let root = "";
let url = "";

beforeAll(async () => {
  await access(BUILT_SERVER).catch(() => {
    throw new Error(`${BUILT_SERVER} is missing: run "npm run build" first (npm test does)`);
  });
  root = await siteCopy({
    api: { basicAuth: true, allowInsecure: true },
    auth: { methods: { password: { "2fa": true } } },
  });
  const htpasswd = path.join(root, "site", "accounts", "editor01", ".htpasswd");
  const hash = (await readFile(htpasswd, "utf8")).split("\n")[0];
  await writeFile(htpasswd, `${hash}\n${JSON.stringify({ totp: EDITOR_SECRET })}`);
  url = await startServer(root);
}, 60_000);

afterAll(async () => {
  for (const child of servers) {
    child.removeAllListeners("exit");
    child.kill("SIGTERM");
  }
  await Promise.all(roots.map((folder) => rm(folder, { recursive: true, force: true })));
});

/** The code of the newest mail the site's file mailer wrote (`123 456`). */
async function mailedCode(): Promise<string> {
  const dir = path.join(root, "site", "logs", "mail");
  const files = (await readdir(dir)).filter((name) => name.endsWith(".eml")).sort();
  const text = await readFile(path.join(dir, files.at(-1)!), "utf8");
  const match = /^(\d{3}) (\d{3})\r?$/m.exec(text);
  if (!match) throw new Error(`no code in ${text}`);
  return `${match[1]}${match[2]}`;
}

describe("docs/client.md: security examples", () => {
  it("run as written against a server with two-factor login", async () => {
    const blocks = await examples(null);
    expect(blocks.length).toBeGreaterThanOrEqual(7);

    // what the server answered, so that `askUser` can type what a user would read off their mail or app
    let lastChallenge = "";
    let secret = "";
    let stepOffset = 0;
    const recordingFetch: FetchFunction = async (input, init) => {
      const response = await fetch(input, init);
      const body: unknown = await response
        .clone()
        .json()
        .catch(() => null);
      if (body && typeof body === "object") {
        const answer = body as { challenge?: unknown; data?: { secret?: unknown } };
        if (typeof answer.challenge === "string") lastChallenge = answer.challenge;
        if (typeof answer.data?.secret === "string") secret = answer.data.secret;
      }
      return response;
    };
    const askUser = async (question: string): Promise<string> => {
      if (question.includes("email")) return mailedCode();
      expect(secret).not.toBe("");
      // each code shown by the app is typed once: the next one belongs to the next 30-second step
      return totpCode(secret, Math.floor(Date.now() / 1000), stepOffset++);
    };
    const scope = {
      url,
      email: ADMIN.email,
      password: ADMIN.password,
      createClient: (options: ClientOptions) => createClient({ ...options, fetch: recordingFetch }),
      isPendingLogin,
      askUser,
    };
    // one script, as the section reads; it ends by handing its results back for the checks below
    const script = `${blocks.join("\n")}\nreturn { me, created, siteTitle, tokens, ended, entries, pagination, logins, setup, recoveryCodes, status, pending };`;
    const results = (await run(script, scope)) as Record<string, unknown>;

    expect(lastChallenge).toBe("totp");
    expect(results["me"]).toMatchObject({ email: ADMIN.email });
    expect(results["siteTitle"]).toBe("Oracle Site");
    expect(results["tokens"]).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: "deploy script", scope: "read" })]),
    );
    expect(typeof results["ended"]).toBe("number");
    expect((results["entries"] as unknown[]).length).toBeGreaterThan(0);
    expect((results["logins"] as unknown[]).length).toBeGreaterThan(0);
    expect(results["setup"]).toMatchObject({ uri: expect.stringMatching(/^otpauth:\/\/totp\//) });
    expect(results["recoveryCodes"]).toHaveLength(10);
    expect(results["status"]).toEqual({ enabled: true, recoveryCodesLeft: 10 });
    expect(results["pending"]).toEqual({ status: "pending", challenge: "totp" });

    // the reset and the disable took effect on disk
    for (const id of ["admin001", "editor01"]) {
      const htpasswd = await readFile(path.join(root, "site", "accounts", id, ".htpasswd"), "utf8");
      expect(htpasswd).not.toContain("totp");
    }
    await expect(access(path.join(root, "site", "accounts", "admin001", ".recovery-codes"))).rejects.toThrow();
  }, 60_000);

  it("install example creates the first admin of a new site", async () => {
    const [block] = await examples("install");
    expect(block).toBeDefined();
    const fresh = await siteCopy({ panel: { install: true } }, { withoutUsers: true });
    const newSiteUrl = await startServer(fresh);
    const admin = await run(`${block}\nreturn { admin, me: await fresh.auth.me() };`, { createClient, newSiteUrl });
    expect(admin).toMatchObject({
      admin: { email: "ann@example.com", role: { name: "admin" } },
      me: { email: "ann@example.com" },
    });
  }, 60_000);
});
