/** `sheaf user:2fa:status` and `sheaf user:2fa:reset` (the built CLI: `npm run build` first, as for cli.test.ts). */
import { spawn } from "node:child_process";
import { access, readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ADMIN, cleanUp, copySite, EDITOR, giveTotpSecret, nextSecond, PROJECT_ROOT, startSite } from "./helpers.js";

const CLI = path.join(PROJECT_ROOT, "bin", "sheaf.js");
const BUILT_CLI = path.join(PROJECT_ROOT, "dist", "cli", "main.js");
const TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

function sheaf(args: readonly string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: PROJECT_ROOT, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end("");
  });
}

let root: string;

beforeAll(async () => {
  try {
    await access(BUILT_CLI);
  } catch {
    throw new Error(`${BUILT_CLI} is missing: run "npm run build" first (npm test does)`);
  }
  root = await copySite();
  await giveTotpSecret(root, EDITOR.id, TOTP_SECRET);
  const { writeFile } = await import("node:fs/promises");
  await writeFile(
    path.join(root, "site", "accounts", EDITOR.id, ".recovery-codes"),
    JSON.stringify({ codes: ["a".repeat(64), "b".repeat(64)] }),
  );
});

afterAll(async () => {
  await cleanUp();
});

describe("sheaf user:2fa", () => {
  it("status tells whether TOTP is on and how many recovery codes are left", async () => {
    const on = await sheaf(["user:2fa:status", root, "--user", EDITOR.email, "--json"]);
    expect(on.stderr).toBe("");
    expect(JSON.parse(on.stdout)).toEqual({
      user: EDITOR.id,
      email: EDITOR.email,
      enabled: true,
      recoveryCodesLeft: 2,
    });
    const off = await sheaf(["user:2fa:status", root, "--user", ADMIN.id]);
    expect(off.stdout).toBe(`${ADMIN.email}: two-factor authentication off\n`);
  });

  it("reset removes the secret and the recovery codes, keeps the password and logs the user out", async () => {
    const file = path.join(root, "site", "accounts", EDITOR.id, ".htpasswd");
    const hash = (await readFile(file, "utf8")).split("\n")[0];
    const site = await startSite({ root, memorySessions: true });
    const session = await site.client().loginOrThrow(EDITOR);
    await nextSecond();
    const run = await sheaf(["user:2fa:reset", root, "--user", EDITOR.email]);
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`Two-factor authentication of ${EDITOR.email} turned off`);
    expect(await readFile(file, "utf8")).toBe(hash);
    await expect(readFile(path.join(root, "site", "accounts", EDITOR.id, ".recovery-codes"))).rejects.toMatchObject({
      code: "ENOENT",
    });
    await site.sheaf.accounts.refresh(EDITOR.id);
    expect((await session.get("/api/auth")).status).toBe(401);
    await site.close();
    const audit = await readFile(path.join(root, "site", "logs", "auth.log"), "utf8");
    expect(audit).toContain('"event":"totp.reset"');

    const again = await sheaf(["user:2fa:reset", root, "--user", EDITOR.id]);
    expect(again.code).toBe(0);
    expect(again.stdout).toBe(`${EDITOR.email} has no two-factor authentication; nothing changed\n`);
  });

  it("fails with exit code 1 for an unknown user and 2 without --user", async () => {
    const unknown = await sheaf(["user:2fa:reset", root, "--user", "ghost@example.com"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('The user "ghost@example.com" cannot be found');
    expect((await sheaf(["user:2fa:reset", root])).code).toBe(2);
  });
});
