import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile, utimes } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  isoSeconds,
  LOCK_DURATION_MS,
  lockDetails,
  lockHolder,
  sameContent,
  withLock,
  withoutLock,
  type StoredChanges,
} from "../../src/changes/lock.js";
import { changesFileOfModel } from "../../src/changes/lock-probe.js";
import { STALE_LOCK_MS, withProcessLock } from "../../src/changes/process-lock.js";

const NOW = Date.UTC(2026, 11, 2, 13, 0, 0);
const query = (actorId: string, locking = true) => ({
  actorId,
  locking,
  now: NOW,
  userExists: (id: string) => ["admin001", "editor01"].includes(id),
});
const changes = (lock: string | undefined, ageMs = 0): StoredChanges => ({
  fields: lock === undefined ? { text: "x" } : { text: "x", lock },
  modifiedMs: NOW - ageMs,
});

describe("lockHolder", () => {
  it("names another existing user while the file is younger than ten minutes", () => {
    expect(lockHolder(changes("editor01"), query("admin001"))).toBe("editor01");
    expect(lockHolder(changes("editor01", LOCK_DURATION_MS - 1), query("admin001"))).toBe("editor01");
  });

  it("is null for the holder, without changes, without a lock, for unknown users, old files and locking off", () => {
    expect(lockHolder(changes("admin001"), query("admin001"))).toBeNull();
    expect(lockHolder(null, query("admin001"))).toBeNull();
    expect(lockHolder(changes(undefined), query("admin001"))).toBeNull();
    expect(lockHolder(changes(""), query("admin001"))).toBeNull();
    expect(lockHolder(changes("ghost"), query("admin001"))).toBeNull();
    expect(lockHolder(changes("editor01", LOCK_DURATION_MS), query("admin001"))).toBeNull();
    expect(lockHolder(changes("editor01"), query("admin001", false))).toBeNull();
  });

  it("does not read a lock from the prototype", () => {
    const fields = JSON.parse('{"__proto__": {"lock": "editor01"}}') as Record<string, string>;
    expect(lockHolder({ fields, modifiedMs: NOW }, query("admin001"))).toBeNull();
  });
});

describe("lock fields and details", () => {
  it("puts the actor's lock last, or none when locking is off", () => {
    expect(Object.entries(withLock({ title: "T", lock: "x", uuid: "u" }, "admin001", true))).toEqual([
      ["title", "T"],
      ["uuid", "u"],
      ["lock", "admin001"],
    ]);
    expect(withLock({ title: "T", lock: "x" }, "admin001", false)).toEqual({ title: "T" });
    expect(withoutLock({ a: "1", lock: "x" })).toEqual({ a: "1" });
  });

  it("compares content regardless of order", () => {
    expect(sameContent({ a: "1", b: "2" }, { b: "2", a: "1" })).toBe(true);
    expect(sameContent({ a: "1" }, { a: "1", b: "" })).toBe(false);
    expect(sameContent({ a: "1" }, { a: "2" })).toBe(false);
  });

  it("writes the 423 details as Kirby does", () => {
    expect(isoSeconds(NOW)).toBe("2026-12-02T13:00:00+00:00");
    expect(lockDetails(NOW, { id: null, email: null })).toEqual({
      isLegacy: false,
      isLocked: true,
      modified: "2026-12-02T13:00:00+00:00",
      user: { id: null, email: null },
    });
  });
});

describe("withProcessLock", () => {
  const roots: string[] = [];
  afterEach(async () => {
    for (const root of roots.splice(0)) await rm(root, { recursive: true, force: true });
  });
  async function lockFile(): Promise<string> {
    const root = await mkdtemp(path.join(tmpdir(), "sheaf-plock-"));
    roots.push(root);
    return path.join(root, ".sheaf-changes.lock");
  }

  it("runs tasks one at a time and removes the file", async () => {
    const file = await lockFile();
    const order: string[] = [];
    const task = (name: string) => async () => {
      order.push(`${name} in`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      order.push(`${name} out`);
    };
    await Promise.all([withProcessLock(file, task("a")), withProcessLock(file, task("b"))]);
    // either may take the lock first; what matters is that the second starts only after the first ended
    const first = order[0]?.split(" ")[0];
    const second = first === "a" ? "b" : "a";
    expect(order).toEqual([`${first} in`, `${first} out`, `${second} in`, `${second} out`]);
    expect(existsSync(file)).toBe(false);
  });

  it("breaks the lock of a process that is gone", async () => {
    const file = await lockFile();
    const child = spawn(process.execPath, ["-e", ""]);
    await new Promise((resolve) => child.once("exit", resolve));
    await writeFile(file, String(child.pid));
    await expect(withProcessLock(file, async () => "done")).resolves.toBe("done");
  });

  it("waits for a running process and breaks a stale lock", async () => {
    const file = await lockFile();
    const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 10000)"]);
    try {
      await writeFile(file, String(child.pid));
      let ran = false;
      const waiting = withProcessLock(file, async () => {
        ran = true;
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(ran).toBe(false);
      const old = new Date(Date.now() - STALE_LOCK_MS - 1000);
      await utimes(file, old, old);
      await waiting;
      expect(ran).toBe(true);
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("releases the lock when the task fails", async () => {
    const file = await lockFile();
    await expect(
      withProcessLock(file, async () => {
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(existsSync(file)).toBe(false);
  });
});

describe("changesFileOfModel", () => {
  it("finds the changes file of a page, the site, a user and a file", () => {
    expect(changesFileOfModel({ dir: "/s/content/1_notes", contentFile: "/s/content/1_notes/notes.txt" })).toBe(
      path.join("/s/content/1_notes", "_changes", "notes.txt"),
    );
    expect(changesFileOfModel({ dir: "/s/site/accounts/a1", email: "a@b.c", passwordHash: null })).toBe(
      path.join("/s/site/accounts/a1", "_changes", "user.txt"),
    );
    expect(
      changesFileOfModel({ file: { root: "/s/content/g/a.png", metaFile: "/s/content/g/a.png.txt" }, parent: {} }),
    ).toBe(path.join("/s/content/g", "_changes", "a.png.txt"));
    for (const other of [null, "x", { dir: "/s" }, { file: { root: "/s/a.png" } }]) {
      expect(changesFileOfModel(other)).toBeNull();
    }
  });
});
