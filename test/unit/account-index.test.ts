import { chmod, cp, mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createAccountIndex, type AccountIndex } from "../../src/accounts/account-index.js";
import { FIXTURE_DIR } from "../paths.js";

const FIXTURE_ACCOUNTS = path.join(FIXTURE_DIR, "site/accounts");
const ADMIN_HASH = "$2y$10$jXngPkHn/M1W7vdBvP7YNOYYufAeVafueovz8.OxFJpbDfXbJx3u.";

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A writable copy of the fixture's accounts folder. */
async function accountsCopy(): Promise<string> {
  const base = await mkdtemp(path.join(tmpdir(), "sheaf-accounts-"));
  cleanups.push(() => rm(base, { recursive: true, force: true }));
  const root = path.join(base, "accounts");
  await cp(FIXTURE_ACCOUNTS, root, { recursive: true });
  await makeWritable(root);
  return root;
}

async function makeWritable(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await makeWritable(full);
    else await chmod(full, 0o644);
  }
}

async function openIndex(root: string, options: { watch?: boolean; warnings?: string[] } = {}): Promise<AccountIndex> {
  const index = await createAccountIndex({
    root,
    watch: options.watch ?? false,
    onWarning: (message) => options.warnings?.push(message),
  });
  cleanups.push(() => index.close());
  return index;
}

async function writeAccount(root: string, id: string, email: string, role = "editor"): Promise<void> {
  await mkdir(path.join(root, id), { recursive: true });
  await writeFile(
    path.join(root, id, "index.php"),
    `<?php\n\nreturn [\n    'email' => '${email}',\n    'language' => 'en',\n    'name' => NULL,\n    'role' => '${role}'\n];`,
  );
}

/** Polls until `check` passes or `timeoutMs` runs out. */
async function eventually(check: () => void, timeoutMs = 1000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }
}

describe("createAccountIndex", () => {
  it("reads every account of the fixture, sorted by id", async () => {
    const root = await accountsCopy();
    const index = await openIndex(root);
    expect(index.users().map((user) => user.id)).toEqual(["admin001", "editor01", "noacc001"]);
  });

  it("builds users from index.php, .htpasswd and user.txt", async () => {
    const root = await accountsCopy();
    const mtime = new Date("2024-05-06T07:08:09.750Z");
    await utimes(path.join(root, "admin001/.htpasswd"), mtime, mtime);
    await writeFile(path.join(root, "admin001/user.txt"), "Twitter: @ada\n\n----\n\nBio: Hello");
    const index = await openIndex(root);

    expect(index.findUser("admin001")).toEqual({
      id: "admin001",
      dir: path.join(root, "admin001"),
      email: "admin@example.com",
      language: "en",
      name: "Ada Admin",
      role: "admin",
      passwordHash: ADMIN_HASH,
      secrets: {},
      passwordTimestamp: Math.floor(mtime.getTime() / 1000),
      content: { twitter: "@ada", bio: "Hello" },
    });
  });

  it("reads secrets from line 2 of .htpasswd", async () => {
    const root = await accountsCopy();
    await writeFile(path.join(root, "editor01/.htpasswd"), `${ADMIN_HASH}\n{"totp":"JBSWY3DPEHPK3PXP"}`);
    const index = await openIndex(root);
    expect(index.findUser("editor01")?.secrets).toEqual({ totp: "JBSWY3DPEHPK3PXP" });
  });

  it("gives a user without .htpasswd no password and no password timestamp", async () => {
    const root = await accountsCopy();
    await rm(path.join(root, "editor01/.htpasswd"));
    const user = (await openIndex(root)).findUser("editor01");
    expect(user?.passwordHash).toBeNull();
    expect(user?.passwordTimestamp).toBeNull();
  });

  it("gives an empty index when the accounts folder does not exist", async () => {
    const index = await openIndex(path.join(tmpdir(), "sheaf-no-accounts-here", "accounts"));
    expect(index.users()).toEqual([]);
  });

  it("skips broken account folders and reports them", async () => {
    const root = await accountsCopy();
    await mkdir(path.join(root, "empty001"));
    await mkdir(path.join(root, "broken01"));
    await writeFile(path.join(root, "broken01/index.php"), "<?php return ['email' => getenv('X')];");
    await writeFile(path.join(root, "noacc001/.htpasswd"), `${ADMIN_HASH}\n{broken`);
    await writeFile(path.join(root, ".logins"), "{}");
    const warnings: string[] = [];
    const index = await openIndex(root, { warnings });

    expect(index.users().map((user) => user.id)).toEqual(["admin001", "editor01"]);
    expect(warnings).toHaveLength(3);
    expect(warnings.find((message) => message.includes("empty001"))).toMatch(/no index\.php/);
    expect(warnings.find((message) => message.includes("broken01"))).toMatch(/function calls/);
    expect(warnings.find((message) => message.includes("noacc001"))).toMatch(/JSON string is invalid/);
  });
});

describe("findUser", () => {
  it("finds users by e-mail, case-insensitively", async () => {
    const index = await openIndex(await accountsCopy());
    expect(index.findUser("admin@example.com")?.id).toBe("admin001");
    expect(index.findUser("Admin@Example.COM")?.id).toBe("admin001");
  });

  it("does not trim the e-mail", async () => {
    const index = await openIndex(await accountsCopy());
    expect(index.findUser("admin@example.com ")).toBeUndefined();
    expect(index.findUser(" admin@example.com")).toBeUndefined();
  });

  it("finds users by id and by user:// uuid", async () => {
    const index = await openIndex(await accountsCopy());
    expect(index.findUser("editor01")?.email).toBe("editor@example.com");
    expect(index.findUser("user://editor01")?.email).toBe("editor@example.com");
  });

  it("matches ids as sent, then lower-cased, and refuses keys outside the id pattern", async () => {
    const root = await accountsCopy();
    await writeAccount(root, "odd.name", "odd@example.com");
    await writeAccount(root, "Mixed_Case", "mixed@example.com");
    const index = await openIndex(root);
    // Kirby tries the id as sent, then lower-cased, each compared exactly with the folder names
    expect(index.findUser("EDITOR01")?.id).toBe("editor01");
    expect(index.findUser("Mixed_Case")?.id).toBe("Mixed_Case");
    expect(index.findUser("mixed_case")).toBeUndefined();
    expect(index.findUser("MIXED_CASE")).toBeUndefined();
    expect(index.findUser("../accounts/editor01")).toBeUndefined();
    expect(index.findUser("odd.name")).toBeUndefined();
    expect(index.findUser("odd@example.com")?.id).toBe("odd.name");
    expect(index.findUser("nobody")).toBeUndefined();
    expect(index.findUser("")).toBeUndefined();
  });
});

describe("keeping current", () => {
  it("re-reads one account on refresh and tells listeners", async () => {
    const root = await accountsCopy();
    const index = await openIndex(root);
    let notices = 0;
    index.onChange(() => {
      notices += 1;
    });

    await writeAccount(root, "editor01", "new-address@example.com");
    await index.refresh("editor01");
    expect(index.findUser("editor01")?.email).toBe("new-address@example.com");
    expect(index.findUser("editor@example.com")).toBeUndefined();
    expect(index.findUser("new-address@example.com")?.id).toBe("editor01");
    expect(notices).toBe(1);

    await index.refresh("editor01");
    expect(notices).toBe(1);
  });

  it("adds new accounts and drops deleted ones on refresh", async () => {
    const root = await accountsCopy();
    const index = await openIndex(root);
    await writeAccount(root, "newuser1", "new@example.com");
    await index.refresh("newuser1");
    await rm(path.join(root, "noacc001"), { recursive: true });
    await index.refresh("noacc001");
    expect(index.users().map((user) => user.id)).toEqual(["admin001", "editor01", "newuser1"]);
  });

  it("re-reads everything on reload", async () => {
    const root = await accountsCopy();
    const index = await openIndex(root);
    await writeAccount(root, "aaa00001", "first@example.com");
    await rm(path.join(root, "admin001"), { recursive: true });
    await index.reload();
    expect(index.users().map((user) => user.id)).toEqual(["aaa00001", "editor01", "noacc001"]);
  });

  it("stops notifying after unsubscribing", async () => {
    const root = await accountsCopy();
    const index = await openIndex(root);
    let notices = 0;
    const unsubscribe = index.onChange(() => {
      notices += 1;
    });
    unsubscribe();
    await writeAccount(root, "newuser1", "new@example.com");
    await index.refresh("newuser1");
    expect(notices).toBe(0);
  });

  it("sees a new account folder through the file-system watcher within a second", async () => {
    const root = await accountsCopy();
    const index = await openIndex(root, { watch: true });
    await writeAccount(root, "watched1", "watched@example.com");
    await writeFile(path.join(root, "watched1/.htpasswd"), ADMIN_HASH);
    await eventually(() => {
      expect(index.findUser("watched@example.com")?.passwordHash).toBe(ADMIN_HASH);
    });
  });

  it("sees an edited .htpasswd through the watcher, with the new timestamp", async () => {
    const root = await accountsCopy();
    const index = await openIndex(root, { watch: true });
    const file = path.join(root, "editor01/.htpasswd");
    const old = new Date("2020-01-01T00:00:00Z");
    await utimes(file, old, old);
    await index.refresh("editor01");
    expect(index.findUser("editor01")?.passwordTimestamp).toBe(Math.floor(old.getTime() / 1000));

    await writeFile(file, ADMIN_HASH);
    const written = Math.floor((await stat(file)).mtimeMs / 1000);
    await eventually(() => {
      const user = index.findUser("editor01");
      expect(user?.passwordHash).toBe(ADMIN_HASH);
      expect(user?.passwordTimestamp).toBe(written);
    });
  });

  it("knows the avatar of an account: the first profile.<ext> by name, with its mtime", async () => {
    const root = await accountsCopy();
    const index = await openIndex(root);
    expect(index.findUser("editor01")?.avatar).toBeUndefined();
    let notices = 0;
    index.onChange(() => {
      notices += 1;
    });

    await writeFile(path.join(root, "editor01/profile.png"), "png");
    await writeFile(path.join(root, "editor01/profile.jpg"), "jpg");
    await writeFile(path.join(root, "editor01/profile.jpg.txt"), "Template: avatar");
    const old = new Date("2021-06-01T00:00:00Z");
    await utimes(path.join(root, "editor01/profile.jpg"), old, old);
    await index.refresh("editor01");
    expect(index.findUser("editor01")?.avatar).toEqual({ filename: "profile.jpg", mtimeMs: old.getTime() });
    expect(notices).toBe(1);

    // a replaced file (new mtime) is a change of the account
    const later = new Date("2022-06-01T00:00:00Z");
    await utimes(path.join(root, "editor01/profile.jpg"), later, later);
    await index.refresh("editor01");
    expect(index.findUser("editor01")?.avatar?.mtimeMs).toBe(later.getTime());
    expect(notices).toBe(2);

    await rm(path.join(root, "editor01/profile.jpg"));
    await index.refresh("editor01");
    expect(index.findUser("editor01")?.avatar?.filename).toBe("profile.png");
  });

  it("sees an avatar added on disk through the watcher", async () => {
    const root = await accountsCopy();
    const index = await openIndex(root, { watch: true });
    await writeFile(path.join(root, "editor01/profile.webp"), "webp");
    await eventually(() => {
      expect(index.findUser("editor01")?.avatar?.filename).toBe("profile.webp");
    });
    await rm(path.join(root, "editor01/profile.webp"));
    await eventually(() => {
      expect(index.findUser("editor01")?.avatar).toBeUndefined();
    });
  });

  it("sees a deleted account through the watcher", async () => {
    const root = await accountsCopy();
    const index = await openIndex(root, { watch: true });
    await rm(path.join(root, "noacc001"), { recursive: true });
    await eventually(() => {
      expect(index.findUser("noacc001")).toBeUndefined();
    });
  });

  it("ignores changes to .logins in the accounts root", async () => {
    const root = await accountsCopy();
    const index = await openIndex(root, { watch: true });
    let notices = 0;
    index.onChange(() => {
      notices += 1;
    });
    await writeFile(path.join(root, ".logins"), '{"by-ip":{}}');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(notices).toBe(0);
  });
});
