import { spawn } from "node:child_process";
import { access, readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, cleanUp, copySite, dataOf, INVALID_LOGIN, PROJECT_ROOT, startSite, UNAUTHENTICATED, BULK_PAGES, FIXTURE, nextSecond } from "./helpers.js";

const CLI = path.join(PROJECT_ROOT, "bin", "sheaf.js");
const BUILT_CLI = path.join(PROJECT_ROOT, "dist", "cli", "main.js");

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function sheaf(args: readonly string[], input?: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: PROJECT_ROOT, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

async function accountIds(root: string): Promise<string[]> {
  return (await readdir(path.join(root, "site", "accounts"), { withFileTypes: true }))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
}

function createdId(run: Run): string {
  const match = /^Created user ([A-Za-z0-9]+) <([^>]+)> with role (\S+)\n$/.exec(run.stdout);
  if (!match) throw new Error(`unexpected output: ${run.stdout}${run.stderr}`);
  return match[1]!;
}


let root: string;

beforeAll(async () => {
  try {
    await access(BUILT_CLI);
  } catch {
    throw new Error(`${BUILT_CLI} is missing: run "npm run build" first (npm test does)`);
  }
  root = await copySite(FIXTURE, [BULK_PAGES]);
});

afterAll(cleanUp);

describe("sheaf user:create", () => {
  it("creates an account in Kirby's format whose password logs in through the API", async () => {
    const before = await accountIds(root);
    const run = await sheaf(["user:create", root, "--email", "New.Person@Example.com", "--password", "new-password-123", "--role", "editor", "--name", "New <b>Person</b>"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const id = createdId(run);
    expect(id).toMatch(/^[A-Za-z0-9]{8}$/);
    expect(run.stdout).toBe(`Created user ${id} <new.person@example.com> with role editor\n`);
    expect(await accountIds(root)).toEqual([...before, id].sort());

    const dir = path.join(root, "site", "accounts", id);
    expect(await readFile(path.join(dir, "index.php"), "utf8")).toBe(
      "<?php\n\nreturn [\n    'email' => 'new.person@example.com',\n    'language' => 'en',\n    'name' => 'New Person',\n    'role' => 'editor'\n];",
    );
    expect(await readFile(path.join(dir, ".htpasswd"), "utf8")).toMatch(/^\$2y\$10\$[./A-Za-z0-9]{53}$/);
    expect(await readFile(path.join(dir, "user.txt"), "utf8")).toBe("");
    expect(((await stat(path.join(dir, ".htpasswd"))).mode & 0o077)).toBe(0);

    const site = await startSite({ root, memorySessions: true });
    const client = site.client();
    const login = await client.login({ email: "new.person@example.com", password: "new-password-123" });
    expect(login.status).toBe(200);
    const auth = await client.get("/api/auth");
    expect(dataOf(auth)).toMatchObject({ id, email: "new.person@example.com", name: "New Person" });
    expect((dataOf(auth)["role"] as Record<string, unknown>)["name"]).toBe("editor");
    await site.close();
  });

  it("reads the password from standard input when --password is not given", async () => {
    const run = await sheaf(["user:create", root, "--email", "piped@example.com"], "piped-password-1\n");
    expect(run.code).toBe(0);
    const id = createdId(run);
    expect(run.stdout).toContain("with role admin");
    const site = await startSite({ root, memorySessions: true });
    expect((await site.client().login({ email: "piped@example.com", password: "piped-password-1" })).status).toBe(200);
    await site.close();
    expect(id).toMatch(/^[A-Za-z0-9]{8}$/);
  });

  it.each([
    [["--email", "not-an-email", "--password", "long-enough-1"], "Please enter a valid email address"],
    [["--email", "short@example.com", "--password", "short"], "Passwords must be at least 8 characters long."],
    [["--email", ADMIN.email, "--password", "long-enough-1"], `A user with the email address "${ADMIN.email}" already exists`],
    [["--email", "role@example.com", "--password", "long-enough-1", "--role", "wizard"], 'Unknown role "wizard"'],
  ])("fails with exit code 1 and a clear message for %j", async (args, message) => {
    const before = await accountIds(root);
    const run = await sheaf(["user:create", root, ...args]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(message);
    expect(run.stderr).toMatch(/^sheaf: /);
    expect(run.stdout).toBe("");
    expect(await accountIds(root)).toEqual(before);
  });
});

describe("sheaf user:password", () => {
  it("changes the password, which logs out the user's existing sessions", async () => {
    const site = await startSite({ root, memorySessions: true });
    const session = site.client();
    await session.loginOrThrow(ADMIN);
    expect((await session.get("/api/auth")).status).toBe(200);

    await nextSecond();
    const run = await sheaf(["user:password", root, "--email", ADMIN.email, "--password", "changed-password-1"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(ADMIN.email);
    expect(await readFile(path.join(root, "site", "accounts", ADMIN.id, ".htpasswd"), "utf8")).toMatch(/^\$2y\$10\$/);

    await site.sheaf.accounts.refresh(ADMIN.id);
    expect((await session.get("/api/auth")).body).toEqual(UNAUTHENTICATED);
    expect((await site.client().login(ADMIN)).body).toEqual(INVALID_LOGIN);
    expect((await site.client().login({ email: ADMIN.email, password: "changed-password-1" })).status).toBe(200);
    await site.close();
  });

  it("accepts the user id instead of the e-mail", async () => {
    const run = await sheaf(["user:password", root, "--email", "editor01", "--password", "editor-password-2"]);
    expect(run.code).toBe(0);
    const site = await startSite({ root, memorySessions: true });
    expect((await site.client().login({ email: "editor@example.com", password: "editor-password-2" })).status).toBe(200);
    await site.close();
  });

  it("fails with exit code 1 for an unknown user or a short password, changing nothing", async () => {
    const file = path.join(root, "site", "accounts", "editor01", ".htpasswd");
    const before = await readFile(file, "utf8");
    const [unknown, short] = await Promise.all([
      sheaf(["user:password", root, "--email", "ghost@example.com", "--password", "long-enough-1"]),
      sheaf(["user:password", root, "--email", "editor@example.com", "--password", "1234567"]),
    ]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('The user "ghost@example.com" cannot be found');
    expect(short.code).toBe(1);
    expect(short.stderr).toContain("Passwords must be at least 8 characters long.");
    expect(await readFile(file, "utf8")).toBe(before);
  });
});
