import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { User } from "../../src/accounts/types.js";
import {
  FileThrottleStore,
  hashIp,
  LoginThrottle,
  MemoryThrottleStore,
  parseLoginsLog,
  serializeLoginsLog,
  validatePassword,
  type PasswordCheckOptions,
} from "../../src/auth/index.js";
import { PermissionError } from "../../src/errors.js";

const NOW = 1_700_000_000;
const LOCALHOST_HASH = "12ca17b49af2289436f303e0166030a21e525d266e20926743";

let dir: string;
let file: string;
let now: number;

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "sheaf-throttle-"));
  file = path.join(dir, ".logins");
  now = NOW;
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function throttle(trials = 10, windowSeconds = 3600): LoginThrottle {
  return new LoginThrottle(new FileThrottleStore(dir), {
    trials,
    windowSeconds,
    backoffMaxSeconds: 60,
    now: () => now,
  });
}

async function readLog(): Promise<string | null> {
  return readFile(file, "utf8").catch(() => null);
}

async function exists(target: string): Promise<boolean> {
  return stat(target).then(
    () => true,
    () => false,
  );
}

describe("hashIp", () => {
  it("is the first 50 hex characters of SHA-256 of the address", () => {
    expect(hashIp("127.0.0.1")).toBe(LOCALHOST_HASH);
    expect(hashIp("10.1.123.234")).toBe("87084f11690867b977a611dd2c943a918c3197f4c02b25ab59");
    expect(hashIp("::1")).toMatch(/^[0-9a-f]{50}$/);
  });
});

describe(".logins format (docs/kirby-compat/auth-and-sessions.md)", () => {
  it("serialises compactly, in the order by-ip then by-email, with [] for an empty category", () => {
    expect(
      serializeLoginsLog({
        "by-ip": { [LOCALHOST_HASH]: { time: NOW, trials: 2 } },
        "by-email": {},
        "by-email-ip": {},
      }),
    ).toBe(`{"by-ip":{"${LOCALHOST_HASH}":{"time":${NOW},"trials":2}},"by-email":[]}`);
    expect(serializeLoginsLog({ "by-ip": {}, "by-email": {}, "by-email-ip": {} })).toBe('{"by-ip":[],"by-email":[]}');
  });

  it("does not escape slashes or non-ASCII characters", () => {
    const text = serializeLoginsLog({
      "by-ip": {},
      "by-email": { "jörg/x@exämple.com": { time: 1, trials: 1 } },
      "by-email-ip": {},
    });
    expect(text).toBe('{"by-ip":[],"by-email":{"jörg/x@exämple.com":{"time":1,"trials":1}}}');
  });

  it("parses what it writes", () => {
    const log = {
      "by-ip": { a: { time: 5, trials: 1 } },
      "by-email": { "x@example.com": { time: 6, trials: 3 } },
      "by-email-ip": {},
    };
    expect(parseLoginsLog(serializeLoginsLog(log))).toEqual(log);
  });

  it.each([
    ["nothing", null],
    ["an empty file", ""],
    ["garbage", "this is not json"],
    ["a JSON list", "[1,2]"],
    ["a JSON string", '"by-ip"'],
  ])("treats %s as an empty log", (_label, text) => {
    expect(parseLoginsLog(text)).toEqual({ "by-ip": {}, "by-email": {}, "by-email-ip": {} });
  });

  it("adds missing categories, accepts [] for empty ones and drops other top-level keys", () => {
    expect(parseLoginsLog('{"by-ip":[],"legacy":{"x":1}}')).toEqual({ "by-ip": {}, "by-email": {}, "by-email-ip": {} });
    expect(parseLoginsLog('{"by-email":{"a@b.c":{"time":1,"trials":2}}}')).toEqual({
      "by-ip": {},
      "by-email": { "a@b.c": { time: 1, trials: 2 } },
      "by-email-ip": {},
    });
  });
});

describe("LoginThrottle.track with the file store", () => {
  it("creates .logins with the IP hash and the e-mail of an existing user", async () => {
    await throttle().track("127.0.0.1", "admin@example.com");
    expect(await readLog()).toBe(
      `{"by-ip":{"${LOCALHOST_HASH}":{"time":${NOW},"trials":1}},"by-email":{"admin@example.com":{"time":${NOW},"trials":1}}}`,
    );
  });

  it("records no e-mail for an unknown user (null), writing by-email as []", async () => {
    await throttle().track("127.0.0.1", null);
    expect(await readLog()).toBe(`{"by-ip":{"${LOCALHOST_HASH}":{"time":${NOW},"trials":1}},"by-email":[]}`);
  });

  it("counts up and moves the window to the latest failure", async () => {
    const t = throttle();
    await t.track("127.0.0.1", "admin@example.com");
    now = NOW + 100;
    await t.track("127.0.0.1", "admin@example.com");
    const log = parseLoginsLog(await readLog());
    expect(log["by-ip"][LOCALHOST_HASH]).toEqual({ time: NOW + 100, trials: 2 });
    expect(log["by-email"]["admin@example.com"]).toEqual({ time: NOW + 100, trials: 2 });
  });

  it("starts a new count once the previous entry has expired", async () => {
    const t = throttle();
    await t.track("127.0.0.1", null);
    await t.track("127.0.0.1", null);
    now = NOW + 3600;
    await t.track("127.0.0.1", null);
    expect(parseLoginsLog(await readLog())["by-ip"][LOCALHOST_HASH]).toEqual({ time: NOW + 3600, trials: 1 });
  });
});

describe("blocking rules (docs/kirby-compat/auth-and-sessions.md)", () => {
  async function seed(ipTrials: number, emailTrials: number): Promise<void> {
    await writeFile(
      file,
      JSON.stringify({
        "by-ip": { [LOCALHOST_HASH]: { time: NOW, trials: ipTrials } },
        "by-email": { "admin@example.com": { time: NOW, trials: emailTrials } },
      }),
    );
  }

  it("does not block an IP with 9 trials", async () => {
    await seed(9, 0);
    expect(await throttle().isBlocked("127.0.0.1", "admin@example.com", true)).toBe(false);
  });

  it("blocks an IP with 10 trials for every e-mail, existing or not", async () => {
    await seed(10, 0);
    const t = throttle();
    expect(await t.isBlocked("127.0.0.1", "admin@example.com", true)).toBe(true);
    expect(await t.isBlocked("127.0.0.1", "nobody@example.com", false)).toBe(true);
    expect(await t.isBlocked("10.0.0.1", "nobody@example.com", false)).toBe(false);
  });

  it("blocks an e-mail with 10 trials only when the user exists", async () => {
    await seed(9, 10);
    const t = throttle();
    expect(await t.isBlocked("127.0.0.1", "admin@example.com", true)).toBe(true);
    expect(await t.isBlocked("127.0.0.1", "admin@example.com", false)).toBe(false);
    // Kirby locks the account for every address; Sheaf slows only addresses that failed themselves
    expect(await t.isBlocked("10.0.0.1", "admin@example.com", true)).toBe(false);
  });

  it("honours auth.trials", async () => {
    await seed(3, 0);
    expect(await throttle(3).isBlocked("127.0.0.1", "x@example.com", false)).toBe(true);
    expect(await throttle(4).isBlocked("127.0.0.1", "x@example.com", false)).toBe(false);
  });

  it("unblocks once the entries are older than auth.timeout", async () => {
    await seed(10, 10);
    now = NOW + 3599;
    expect(await throttle().isBlocked("127.0.0.1", "admin@example.com", true)).toBe(true);
    now = NOW + 3600;
    expect(await throttle().isBlocked("127.0.0.1", "admin@example.com", true)).toBe(false);
  });
});

describe(".logins clean-up on read (docs/kirby-compat/auth-and-sessions.md)", () => {
  it("removes expired entries and legacy keys and rewrites the file compactly", async () => {
    await writeFile(
      file,
      JSON.stringify(
        {
          "by-ip": { old: { time: NOW - 3600, trials: 4 }, fresh: { time: NOW - 3599, trials: 2 } },
          "by-email": { "old@example.com": { time: NOW - 4000, trials: 1 } },
          legacy: { anything: true },
        },
        null,
        2,
      ),
    );
    expect(await throttle().isBlocked("127.0.0.1", "x@example.com", false)).toBe(false);
    expect(await readLog()).toBe(`{"by-ip":{"fresh":{"time":${NOW - 3599},"trials":2}},"by-email":[]}`);
  });

  it("deletes the file when nothing is left", async () => {
    await writeFile(file, JSON.stringify({ "by-ip": { old: { time: NOW - 7200, trials: 4 } }, "by-email": [] }));
    await throttle().isBlocked("127.0.0.1", "x@example.com", false);
    expect(await exists(file)).toBe(false);
  });

  it("treats garbage as empty and deletes it", async () => {
    await writeFile(file, "{not json at all");
    expect(await throttle().isBlocked("127.0.0.1", "x@example.com", false)).toBe(false);
    expect(await exists(file)).toBe(false);
  });

  it("leaves a file alone that is already clean", async () => {
    const text = `{"by-ip":{"${LOCALHOST_HASH}":{"time":${NOW},"trials":1}},"by-email":[]}`;
    await writeFile(file, text);
    const before = (await stat(file)).mtimeMs;
    await throttle().isBlocked("127.0.0.1", "x@example.com", false);
    expect(await readLog()).toBe(text);
    expect((await stat(file)).mtimeMs).toBe(before);
  });

  it("does not create a file just by checking", async () => {
    expect(await throttle().isBlocked("127.0.0.1", "x@example.com", true)).toBe(false);
    expect(await exists(file)).toBe(false);
  });
});

describe("validatePassword and the throttle", () => {
  const admin: User = {
    id: "admin001",
    dir: "/nowhere/admin001",
    email: "admin@example.com",
    language: "en",
    name: "Ada Admin",
    role: "admin",
    passwordHash: "hash:correct-password",
    secrets: {},
    passwordTimestamp: null,
    content: {},
  };

  function options(
    authDebug: PasswordCheckOptions["authDebug"] = "log",
    trials = 10,
  ): PasswordCheckOptions & { store: MemoryThrottleStore } {
    const store = new MemoryThrottleStore();
    return {
      store,
      users: { findUser: (key) => (key.toLowerCase() === admin.email || key === admin.id ? admin : undefined) },
      throttle: new LoginThrottle(store, { trials, windowSeconds: 3600, backoffMaxSeconds: 60, now: () => now }),
      verify: async (password, hash) => hash === `hash:${password}`,
      authDebug,
      failureDelayMs: [0, 0],
    };
  }

  async function snapshot(store: MemoryThrottleStore): Promise<string> {
    return store.update((log) => ({ log, result: serializeLoginsLog(log), changed: false }));
  }

  async function failure(
    promise: Promise<unknown>,
  ): Promise<{ message: string; key: string; httpCode: number; details: Record<string, unknown> }> {
    const error = await promise.then(
      () => {
        throw new Error("expected a failure");
      },
      (reason: unknown) => reason,
    );
    return error as { message: string; key: string; httpCode: number; details: Record<string, unknown> };
  }

  it("returns the user for the right password, case-insensitively by e-mail, and counts nothing", async () => {
    const o = options();
    expect(await validatePassword(o, "Admin@Example.com", "correct-password", "127.0.0.1")).toBe(admin);
    expect(await snapshot(o.store)).toBe('{"by-ip":[],"by-email":[]}');
  });

  it("masks a wrong password as Invalid login and counts IP and e-mail (row 10)", async () => {
    const o = options();
    const error = await failure(validatePassword(o, "admin@example.com", "wrong-password", "127.0.0.1"));
    expect(error).toBeInstanceOf(PermissionError);
    expect(error).toMatchObject({ message: "Invalid login", key: "error.access.login", httpCode: 403 });
    expect(await snapshot(o.store)).toBe(
      `{"by-ip":{"${LOCALHOST_HASH}":{"time":${NOW},"trials":1}},"by-email":{"admin@example.com":{"time":${NOW},"trials":1}}}`,
    );
  });

  it("masks an unknown e-mail as Invalid login and counts only the IP (row 9)", async () => {
    const o = options();
    const error = await failure(validatePassword(o, "lisa@simpsons.com", "whatever-password", "127.0.0.1"));
    expect(error).toMatchObject({ message: "Invalid login", key: "error.access.login" });
    expect(await snapshot(o.store)).toBe(`{"by-ip":{"${LOCALHOST_HASH}":{"time":${NOW},"trials":1}},"by-email":[]}`);
  });

  it("exposes the original errors with auth.debug: true (row 11)", async () => {
    const o = options(true);
    expect(await failure(validatePassword(o, "lisa@simpsons.com", "whatever-password", "127.0.0.1"))).toMatchObject({
      message: 'The user "lisa@simpsons.com" cannot be found',
      key: "error.user.notFound",
      httpCode: 404,
    });
    expect(await failure(validatePassword(o, "admin@example.com", "wrong-password", "127.0.0.1"))).toMatchObject({
      message: "Wrong password",
      key: "error.user.password.wrong",
      httpCode: 401,
    });
    expect(await failure(validatePassword(o, "admin@example.com", "short", "127.0.0.1"))).toMatchObject({
      key: "error.user.password.invalid",
      httpCode: 400,
    });
  });

  it("refuses even the right password once the IP has 10 trials, without counting the blocked attempt (row 12)", async () => {
    const o = options();
    for (let i = 0; i < 10; i++) {
      await failure(validatePassword(o, `someone${i}@example.com`, "wrong-password", "127.0.0.1"));
    }
    const before = await snapshot(o.store);
    expect(before).toContain('"trials":10');
    const error = await failure(validatePassword(o, "admin@example.com", "correct-password", "127.0.0.1"));
    expect(error).toMatchObject({ message: "Invalid login", key: "error.access.login", httpCode: 403 });
    expect(await snapshot(o.store)).toBe(before);
    // another client is not affected
    expect(await validatePassword(o, "admin@example.com", "correct-password", "10.0.0.1")).toBe(admin);
  });

  it("says Rate limit exceeded with details.reason when auth.debug is true (row 12)", async () => {
    const o = options(true, 2);
    await failure(validatePassword(o, "admin@example.com", "wrong-password", "127.0.0.1"));
    await failure(validatePassword(o, "admin@example.com", "wrong-password", "127.0.0.1"));
    const error = await failure(validatePassword(o, "admin@example.com", "correct-password", "127.0.0.1"));
    expect(error).toMatchObject({
      message: "Rate limit exceeded",
      key: "error.permission",
      httpCode: 403,
      details: { reason: "rate-limited" },
    });
  });

  it("slows an account attacked from many IPs with a back-off instead of Kirby's hour-long lock", async () => {
    const o = options();
    for (let i = 0; i < 10; i++) {
      await failure(validatePassword(o, "admin@example.com", "wrong-password", `10.0.0.${i}`));
    }
    // past the account's ceiling an address that failed is in its back-off
    const error = await failure(validatePassword(o, "admin@example.com", "correct-password", "10.0.0.9"));
    expect(error).toMatchObject({ message: "Invalid login" });
    // the owner from an address that never failed is not slowed
    await expect(validatePassword(o, "admin@example.com", "correct-password", "192.168.1.1")).resolves.toBe(admin);
    now += 2;
    await expect(validatePassword(o, "admin@example.com", "correct-password", "10.0.0.9")).resolves.toBe(admin);
  });

  it("counts an account's failures under its normalised e-mail, whatever the stored spelling", async () => {
    const mixed: User = { ...admin, email: "Admin@Example.com" };
    const o = {
      ...options(),
      users: { findUser: (key: string) => (key.toLowerCase() === "admin@example.com" ? mixed : undefined) },
    };
    for (let i = 0; i < 10; i++) {
      await failure(validatePassword(o, "admin@example.com", "wrong-password", `10.0.0.${i}`));
    }
    const error = await failure(validatePassword(o, "admin@example.com", "correct-password", "10.0.0.9"));
    expect(error).toMatchObject({ message: "Invalid login" });
  });

  it("decodes a punycode e-mail domain before the lookup (row 15)", async () => {
    const o = {
      ...options(),
      users: {
        findUser: (key: string) => (key === "test@exämple.com" ? { ...admin, email: "test@exämple.com" } : undefined),
      },
    };
    const user = await validatePassword(o, "test@xn--exmple-cua.com", "correct-password", "127.0.0.1");
    expect(user.email).toBe("test@exämple.com");
  });
});

describe("login timing: one bcrypt check on every failure path", () => {
  const user: User = {
    id: "admin001",
    dir: "/nowhere/admin001",
    email: "admin@example.com",
    language: "en",
    name: null,
    role: "admin",
    passwordHash: "hash:correct-password",
    secrets: {},
    passwordTimestamp: null,
    content: {},
  };

  it("an existing e-mail with a short, long or wrong password costs what an unknown e-mail costs", async () => {
    let checks = 0;
    const options: PasswordCheckOptions = {
      users: { findUser: (key) => (key === user.email ? user : undefined) },
      throttle: new LoginThrottle(new MemoryThrottleStore(), {
        trials: 100,
        windowSeconds: 3600,
        backoffMaxSeconds: 60,
        now: () => now,
      }),
      verify: async (password, hash) => {
        checks++;
        return hash === `hash:${password}`;
      },
      authDebug: "log",
      failureDelayMs: [0, 0],
    };
    for (const [email, password] of [
      ["nobody@example.com", "whatever-password"],
      [user.email, "short"],
      [user.email, "x".repeat(1001)],
      [user.email, "wrong-password"],
      ["", ""],
    ] as const) {
      checks = 0;
      await expect(validatePassword(options, email, password, "127.0.0.1")).rejects.toBeInstanceOf(PermissionError);
      expect(checks, `${email} / ${password.length}`).toBe(1);
    }
  });
});
