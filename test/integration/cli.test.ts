import { spawn } from "node:child_process";
import { access, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { connect, createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN,
  cleanUp,
  copySite,
  dataOf,
  INVALID_LOGIN,
  PROJECT_ROOT,
  startSite,
  UNAUTHENTICATED,
  BULK_PAGES,
  FIXTURE,
  nextSecond,
} from "./helpers.js";

const CLI = path.join(PROJECT_ROOT, "bin", "sheaf.js");
const BUILT_CLI = path.join(PROJECT_ROOT, "dist", "cli", "main.js");

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function sheaf(args: readonly string[], input?: string, cwd = PROJECT_ROOT): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ["pipe", "pipe", "pipe"] });
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
  const match = /^Created user ([A-Za-z0-9]+) <([^>]+)> with role (\S+)\n$/m.exec(run.stdout);
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

const emptyFolders: string[] = [];

/** A fresh empty folder outside any site. */
async function emptyFolder(): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), "sheaf-cli-"));
  emptyFolders.push(folder);
  return folder;
}

interface AuditLine {
  readonly event: string;
  readonly actor: { readonly id: string } | null;
  readonly target?: Readonly<Record<string, string>>;
}

async function auditLines(site: string): Promise<AuditLine[]> {
  const text = await readFile(path.join(site, "site", "logs", "auth.log"), "utf8").catch(() => "");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as AuditLine);
}

afterAll(async () => {
  await cleanUp();
  await Promise.all(emptyFolders.map((folder) => rm(folder, { recursive: true, force: true })));
});

describe("sheaf user:create", () => {
  it("creates an account in Kirby's format whose password logs in through the API", async () => {
    const before = await accountIds(root);
    const run = await sheaf([
      "user:create",
      root,
      "--email",
      "New.Person@Example.com",
      "--password",
      "new-password-123",
      "--role",
      "editor",
      "--name",
      "New <b>Person</b>",
    ]);
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
    expect((await stat(path.join(dir, ".htpasswd"))).mode & 0o077).toBe(0);

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
    const run = await sheaf(
      ["user:create", root, "--email", "piped@example.com", "--role", "admin"],
      "piped-password-1\n",
    );
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
    [
      ["--email", ADMIN.email, "--password", "long-enough-1"],
      `A user with the email address "${ADMIN.email}" already exists`,
    ],
    [["--email", "role@example.com", "--password", "long-enough-1", "--role", "wizard"], 'Unknown role "wizard"'],
  ])("fails with exit code 1 and a clear message for %j", async (args, message) => {
    const before = await accountIds(root);
    const run = await sheaf(["user:create", root, "--role", "editor", ...args]);
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
    expect((await site.client().login({ email: "editor@example.com", password: "editor-password-2" })).status).toBe(
      200,
    );
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

describe("sheaf commands refuse a folder that is not a site", () => {
  it("user:create on a mistyped path fails and creates no site/accounts/ there", async () => {
    const typo = path.join(await emptyFolder(), "typo-path");
    const run = await sheaf(["user:create", typo, "-e", "x@y.com", "--role", "admin", "--password", "long-enough-1"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `sheaf: ${typo} is not a Sheaf site (it has neither a content/ nor a site/ folder); check the path, or create a site with "sheaf init"\n`,
    );
    expect(run.stdout).toBe("");
    await expect(stat(typo)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it.each([
    ["user:list", []],
    ["user:password", ["-e", "admin@example.com", "--password", "long-enough-1"]],
    ["user:delete", ["-e", "admin@example.com"]],
    ["token:create", ["-e", "admin@example.com", "-n", "deploy"]],
    ["token:list", ["-e", "admin@example.com"]],
    ["token:revoke", ["--id", "abcdefghijklmnop"]],
    ["serve", ["--port", "0"]],
  ])("%s on a missing folder exits 1 instead of reporting an empty site", async (command, args) => {
    const missing = path.join(await emptyFolder(), "nonexistent");
    const run = await sheaf([command, missing, ...args]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("is not a Sheaf site");
    expect(run.stdout).not.toContain("No users.");
  });

  it("user:list on the current folder uses it as the site when no folder is given", async () => {
    const run = await sheaf(["user:list", "--json"], undefined, root);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as Array<{ email: string }>).map((user) => user.email)).toContain(ADMIN.email);
  });
});

describe("sheaf user:create follows the API's user rules", () => {
  it("requires --role once the site has users instead of making an admin", async () => {
    const before = await accountIds(root);
    const run = await sheaf(["user:create", root, "-e", "norole@example.com", "--password", "long-enough-1"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^sheaf: The site has users already: choose the new user's role with --role \(.*admin.*editor.*\)\n$/,
    );
    expect(await accountIds(root)).toEqual(before);
  });

  it("makes the first user of an empty site an admin and says so", async () => {
    const site = await emptyFolder();
    await mkdir(path.join(site, "site"));
    const run = await sheaf(["user:create", site, "-e", "first@example.com", "--password", "long-enough-1"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^No --role given: the first user of a site is an admin\.\nCreated user [A-Za-z0-9]{8} <first@example\.com> with role admin\n$/,
    );
  });

  it.each([
    [["-e", "x@y", "--role", "editor"], "Please enter a valid email address"],
    [["-e", "two..dots@example.com", "--role", "editor"], "Please enter a valid email address"],
    [["-e", "lang@example.com", "--role", "editor", "--language", "xx"], "Please enter a valid language"],
    [
      ["-e", "long@example.com", "--role", "editor", "--password", "x".repeat(1001)],
      "Please enter a valid password. Passwords must not be longer than 1000 characters.",
    ],
    [
      ["-e", ` ${ADMIN.email.toUpperCase()} `, "--role", "editor"],
      `A user with the email address "${ADMIN.email}" already exists`,
    ],
  ])("refuses what the API refuses: %j", async (args, message) => {
    const before = await accountIds(root);
    const run = await sheaf(["user:create", root, "--password", "long-enough-1", ...args]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`sheaf: ${message}\n`);
    expect(await accountIds(root)).toEqual(before);
  });

  it("stores the e-mail normalised and the name without tags, as the API does", async () => {
    const run = await sheaf([
      "user:create",
      root,
      "-e",
      "  Mixed.Case@Example.COM ",
      "--role",
      "editor",
      "--name",
      " <i>Ann</i> ",
      "--language",
      "de",
      "--password",
      "long-enough-1",
    ]);
    expect(run.code).toBe(0);
    const id = createdId(run);
    expect(await readFile(path.join(root, "site", "accounts", id, "index.php"), "utf8")).toBe(
      "<?php\n\nreturn [\n    'email' => 'mixed.case@example.com',\n    'language' => 'de',\n    'name' => 'Ann',\n    'role' => 'editor'\n];",
    );
  });
});

describe("sheaf CLI actions are audited", () => {
  it("records user create, password change, token create and revoke, and user delete with the actor cli", async () => {
    const created = await sheaf([
      "user:create",
      root,
      "-e",
      "audited@example.com",
      "--role",
      "editor",
      "--password",
      "long-enough-1",
    ]);
    const id = createdId(created);
    const token = await sheaf(["token:create", root, "-e", "audited@example.com", "-n", "deploy"]);
    expect(token.code).toBe(0);
    const tokenId = /application password ([a-z2-7]{16})/.exec(token.stdout)?.[1] ?? "";
    expect((await sheaf(["token:revoke", root, "--id", tokenId])).code).toBe(0);
    expect((await sheaf(["user:password", root, "-e", id, "--password", "long-enough-2"])).code).toBe(0);
    expect((await sheaf(["user:delete", root, "-e", "audited@example.com"])).code).toBe(0);

    const lines = (await auditLines(root)).filter((line) => line.target?.["user"] === id);
    expect(lines.map((line) => [line.event, line.actor?.id])).toEqual([
      ["user.create", "cli"],
      ["token.create", "cli"],
      ["token.revoke", "cli"],
      ["password.change", "cli"],
      ["user.delete", "cli"],
    ]);
    expect(lines[1]?.target).toEqual({ user: id, token: tokenId });
    const text = await readFile(path.join(root, "site", "logs", "auth.log"), "utf8");
    expect(text).not.toContain("long-enough");
  });
});

describe("sheaf user:password and user:delete end what the user was granted", () => {
  it("user:password revokes the user's application passwords, as a change through the API does", async () => {
    const created = createdId(
      await sheaf(["user:create", root, "-e", "tokens@example.com", "--role", "editor", "--password", "long-enough-1"]),
    );
    expect((await sheaf(["token:create", root, "-e", created, "-n", "ci"])).code).toBe(0);
    const run = await sheaf(["user:password", root, "-e", created, "--password", "long-enough-3"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("1 application password(s) revoked");
    expect((await sheaf(["token:list", root, "-e", created])).stdout).toBe(
      "tokens@example.com has no application passwords.\n",
    );
  });

  it("user:delete refuses the last admin", async () => {
    const site = await emptyFolder();
    await mkdir(path.join(site, "site"));
    const first = createdId(
      await sheaf(["user:create", site, "-e", "only@example.com", "--password", "long-enough-1"]),
    );
    const run = await sheaf(["user:delete", site, "-e", "only@example.com"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("sheaf: The last admin cannot be deleted\n");
    expect(await accountIds(site)).toContain(first);
  });
});

describe("sheaf token commands", () => {
  it("token:revoke takes the site first and the id as --id, and defaults the site to the current folder", async () => {
    const create = async (): Promise<string> => {
      const run = await sheaf([
        "token:create",
        root,
        "-e",
        "editor01",
        "-n",
        "ci",
        "--scope",
        "full",
        "--expires",
        "2",
      ]);
      expect(run.code).toBe(0);
      return /application password ([a-z2-7]{16})/.exec(run.stdout)?.[1] ?? "";
    };
    const [first, second] = [await create(), await create()];
    const explicit = await sheaf(["token:revoke", root, "--id", first]);
    expect(explicit.stderr).toBe("");
    expect(explicit.stdout).toBe(`Revoked application password ${first}\n`);
    const inSite = await sheaf(["token:revoke", "--id", second], undefined, root);
    expect(inSite.stdout).toBe(`Revoked application password ${second}\n`);
    expect(inSite.code).toBe(0);
    const again = await sheaf(["token:revoke", root, "--id", first]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`sheaf: No application password with id "${first}"\n`);
  });

  it("token:revoke with only the id is a usage error (exit 2), not a site lookup", async () => {
    const run = await sheaf(["token:revoke", "abcdefghijklmnop"], undefined, root);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("required option '--id <id>' not specified");
  });

  it.each([
    [["-n", "   "], "Please give the application password a name (1–100 characters)"],
    [["-n", "x".repeat(101)], "Please give the application password a name (1–100 characters)"],
    [["-n", "ci", "--scope", "{bad"], "--scope is not valid JSON"],
    [["-n", "ci", "--expires", "0"], "--expires must be a positive number of days"],
  ])("token:create refuses %j with exit code 1", async (args, message) => {
    const run = await sheaf(["token:create", root, "-e", "editor01", ...args]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(`sheaf: ${message}\n`);
  });
});

describe("sheaf init", () => {
  it("with an invalid password writes nothing at all", async () => {
    const parent = await emptyFolder();
    const target = path.join(parent, "new-site");
    const run = await sheaf(["init", target, "-e", "ann@example.com", "--password", "short"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("sheaf: Please enter a valid password. Passwords must be at least 8 characters long.\n");
    expect(run.stdout).toBe("");
    expect(await readdir(parent)).toEqual([]);
  });

  it("with an invalid e-mail writes nothing at all", async () => {
    const parent = await emptyFolder();
    const run = await sheaf([
      "init",
      path.join(parent, "new-site"),
      "-e",
      "ann@localhost",
      "--password",
      "long-enough-1",
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("sheaf: Please enter a valid email address\n");
    expect(await readdir(parent)).toEqual([]);
  });

  it("refuses a folder that is not empty, a file, and a folder whose parent is missing", async () => {
    const parent = await emptyFolder();
    await writeFile(path.join(parent, "note.txt"), "keep");
    const notEmpty = await sheaf(["init", parent]);
    expect(notEmpty.code).toBe(1);
    expect(notEmpty.stderr).toContain("is not empty");
    const file = await sheaf(["init", path.join(parent, "note.txt")]);
    expect(file.code).toBe(1);
    expect(file.stderr).toContain("is a file");
    const orphan = await sheaf(["init", path.join(parent, "missing", "site")]);
    expect(orphan.code).toBe(1);
    expect(orphan.stderr).toContain("does not exist");
    expect(await readdir(parent)).toEqual(["note.txt"]);
  });

  it("creates a complete site with its first admin, audited, leaving no staging folder behind", async () => {
    const parent = await emptyFolder();
    const target = path.join(parent, "blog");
    const run = await sheaf(["init", target, "-e", "Ann@Example.com", "--password", "long-enough-1"]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(await readdir(parent)).toEqual(["blog"]);
    expect((await readdir(target)).sort()).toEqual(["content", "site"]);
    const [adminId] = await accountIds(target);
    expect(run.stdout).toContain(`Created admin ${adminId} <ann@example.com>`);
    expect((await auditLines(target)).map((line) => [line.event, line.actor?.id, line.target?.["user"]])).toEqual([
      ["user.create", "cli", adminId],
    ]);
    const site = await startSite({ root: target, memorySessions: true });
    expect((await site.client().login({ email: "ann@example.com", password: "long-enough-1" })).status).toBe(200);
    await site.close();
  });

  it("fills an existing empty folder given as the current folder", async () => {
    const target = await emptyFolder();
    const run = await sheaf(["init"], undefined, target);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect((await readdir(target)).sort()).toEqual(["content", "site"]);
    expect((await readdir(path.dirname(target))).filter((name) => name.includes(".sheaf-init-"))).toEqual([]);
    expect((await stat(path.join(target, "site", "config", "config.json"))).isFile()).toBe(true);
  });
});

describe("sheaf exit codes", () => {
  it.each([
    [["no-such-command"]],
    [["user:create", "--role", "editor"]],
    [["serve", "--port", "http"]],
    [["token:list", ".", "--unknown-option"]],
  ])("usage errors exit with 2: %j", async (args) => {
    const run = await sheaf(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: /);
  });

  it("--help and --version exit with 0", async () => {
    expect((await sheaf(["--help"])).code).toBe(0);
    expect((await sheaf(["user:create", "--help"])).code).toBe(0);
    const version = await sheaf(["--version"]);
    expect(version.code).toBe(0);
    expect(version.stdout).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe("sheaf serve", () => {
  it("on a busy port logs a clear error and exits 1 instead of hanging", async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "127.0.0.1", resolve));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const started = Date.now();
      const run = await sheaf(["serve", root, "--port", String(port)]);
      expect(run.code).toBe(1);
      expect(Date.now() - started).toBeLessThan(15_000);
      const lines = run.stdout
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { level: number; msg: string });
      expect(lines.find((line) => line.level === 50)?.msg).toBe(
        `Port ${port} on 127.0.0.1 is already in use; stop the other server or choose another port with --port`,
      );
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  }, 20_000);
});

/** Starts `sheaf serve` and resolves once it listens, with the address from its start line. */
function startServe(args: readonly string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [CLI, "serve", ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  const address = new Promise<string>((resolve, reject) => {
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString("utf8");
      const match = /serving .* on (http:\/\/\S+?)"/.exec(stdout);
      if (match) resolve(match[1]!);
    });
    child.on("close", () => reject(new Error(`sheaf serve ended before listening:\n${stdout}`)));
  });
  return { child, address, exited, output: () => stdout, errors: () => stderr };
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe("sheaf serve in a deployment", () => {
  it("listens on PORT when no --port is given, and SHEAF_PORT wins over PORT", async () => {
    const [port, other] = [await freePort(), await freePort()];
    const plain = startServe([root], { PORT: String(port) });
    expect(await plain.address).toBe(`http://127.0.0.1:${port}`);
    expect((await fetch(`http://127.0.0.1:${port}/_sheaf/ready`)).status).toBe(200);
    plain.child.kill("SIGTERM");
    expect(await plain.exited).toBe(0);

    const both = startServe([root], { PORT: String(port), SHEAF_PORT: String(other) });
    expect(await both.address).toBe(`http://127.0.0.1:${other}`);
    both.child.kill("SIGTERM");
    expect(await both.exited).toBe(0);
  }, 30_000);

  it("refuses to start with a bad config and environment, listing every problem, and warns about unknown keys", async () => {
    const site = await emptyFolder();
    await cp(root, site, { recursive: true });
    await mkdir(path.join(site, "site", "config"), { recursive: true });
    const config = path.join(site, "site", "config", "config.json");
    await writeFile(
      config,
      JSON.stringify({ api: { basicAuth: "yes" }, session: { timeout: -1 }, trustedProxies: ["10.0.0.0/8", "proxy"] }),
    );
    const bad = startServe([site], { SHEAF_PORT: "80800", SHEAF_DEBUG: "maybe" });
    bad.address.catch(() => undefined);
    expect(await bad.exited).toBe(1);
    const stderr = bad.errors();
    expect(stderr).toContain("5 problems in the configuration:");
    expect(stderr).toContain('Invalid environment variable "SHEAF_PORT": expected a port number 0–65535, got "80800"');
    expect(stderr).toContain(
      'Invalid environment variable "SHEAF_DEBUG": expected true or false (or 1 or 0), got "maybe"',
    );
    expect(stderr).toContain(`${config}: Invalid option "api.basicAuth": expected true or false, got "yes"`);
    expect(stderr).toContain(`${config}: Invalid option "session.timeout": expected a positive whole number, or false`);
    expect(stderr).toContain(`${config}: Invalid option "trustedProxies[1]"`);
    expect(bad.output()).not.toContain("serving");

    await writeFile(config, JSON.stringify({ api: { basicAuht: true }, "acme.plugin.key": 1 }));
    const warned = startServe([site, "--port", "0"], {});
    await warned.address;
    expect(warned.output()).toContain(
      'Unknown option \\"api.basicAuht\\" is ignored; did you mean \\"api.basicAuth\\"?',
    );
    expect(warned.output()).not.toContain("acme");
    warned.child.kill("SIGTERM");
    expect(await warned.exited).toBe(0);
  }, 30_000);

  it("on SIGTERM stops accepting, cuts a stalled client at server.shutdownTimeout and exits 0", async () => {
    const site = await emptyFolder();
    await cp(root, site, { recursive: true });
    await mkdir(path.join(site, "site", "config"), { recursive: true });
    await writeFile(
      path.join(site, "site", "config", "config.json"),
      JSON.stringify({ server: { shutdownTimeout: 500 } }),
    );
    const serve = startServe([site, "--port", "0"], {});
    const url = new URL(await serve.address);
    // a client that sent half a request and then went quiet keeps its connection open
    const stalled = connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve) => stalled.once("connect", () => resolve()));
    stalled.write("GET /api/site HTTP/1.1\r\nHost: localhost\r\n");
    stalled.on("error", () => undefined);
    const started = Date.now();
    serve.child.kill("SIGTERM");
    expect(await serve.exited).toBe(0);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(serve.output()).toContain("Stopping: finishing the requests in flight");
    stalled.destroy();
  }, 30_000);
});
