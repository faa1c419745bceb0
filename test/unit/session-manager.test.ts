import { beforeEach, describe, expect, it } from "vitest";
import {
  formatToken,
  generateToken,
  MemorySessionStore,
  parseToken,
  SessionManager,
  storeKeyOf,
  type Session,
  type SessionManagerOptions,
} from "../../src/session/index.js";

const START = 1_700_000_000;
const OPTIONS: SessionManagerOptions = {
  durationNormalSeconds: 7200,
  durationLongSeconds: 1_209_600,
  timeoutSeconds: 1800,
  gcInterval: false,
};

let now = START;
let store: MemorySessionStore;
let manager: SessionManager;

beforeEach(() => {
  now = START;
  store = new MemorySessionStore();
  manager = new SessionManager(store, OPTIONS, () => now);
});

/** A committed normal (or long) session holding `data`; returns its token text. */
async function committedSession(
  data: Record<string, unknown> = { "kirby.csrf": "c".repeat(64), "kirby.userId": "editor01" },
  long = false,
): Promise<string> {
  const session = manager.create({ long });
  for (const [key, value] of Object.entries(data)) session.set(key, value);
  await manager.commit(session);
  return session.tokenString;
}

async function loadAndCommit(token: string): Promise<Session | null> {
  const session = await manager.load(token, "cookie");
  if (session) await manager.commit(session);
  return session;
}

function withOtherKey(token: string): string {
  const parsed = parseToken(token)!;
  return formatToken({ ...parsed, key: generateToken(1).key });
}

describe("SessionManager.create and commit", () => {
  it("creates a normal session in memory with Kirby's defaults and one issued token", () => {
    const session = manager.create();
    expect(session.isNew).toBe(true);
    expect(session.transport).toBe("cookie");
    expect(session.isLong).toBe(false);
    expect(session.expiresAtUnix).toBe(START + 7200);
    expect(session.token.expiresAtUnix).toBe(START + 7200);
    expect(session.record).toMatchObject({
      startedAtUnix: START,
      expiresAtUnix: START + 7200,
      durationSeconds: 7200,
      timeoutSeconds: 1800,
      lastActivityAtUnix: START,
      renewable: true,
      data: {},
    });
    expect(session.issuedTokens).toEqual([session.token]);
    expect(store.size).toBe(0);
  });

  it("creates a long session without idle timeout", () => {
    const session = manager.create({ long: true });
    expect(session.isLong).toBe(true);
    expect(session.expiresAtUnix).toBe(START + 1_209_600);
    expect(session.record.timeoutSeconds).toBe(false);
    expect(session.record.lastActivityAtUnix).toBeNull();
  });

  it("writes once on commit and loads the same data back with the same token", async () => {
    const token = await committedSession({ "kirby.csrf": "abc", "kirby.userId": "admin001" });
    expect(store.size).toBe(1);
    const loaded = await manager.load(token, "cookie");
    expect(loaded).not.toBeNull();
    expect(loaded!.isNew).toBe(false);
    expect(loaded!.tokenString).toBe(token);
    expect(loaded!.get("kirby.csrf")).toBe("abc");
    expect(loaded!.get("kirby.userId")).toBe("admin001");
    expect(loaded!.issuedTokens).toEqual([]);
    expect(loaded!.isChanged).toBe(false);
  });

  it("stores the session under <expiry>.<id>", async () => {
    const token = await committedSession();
    expect(await store.read(storeKeyOf(parseToken(token)!))).not.toBeNull();
  });

  it("never writes the token's secret key into the stored record", async () => {
    const token = await committedSession({ "kirby.csrf": "abc", "kirby.userId": "editor01" });
    const parsed = parseToken(token)!;
    const blob = await store.read(storeKeyOf(parsed));
    expect(blob).toBeTypeOf("string");
    expect(blob).not.toContain(parsed.key);
    expect(blob).toContain("abc");
  });
});

describe("SessionManager.load validation", () => {
  it("rejects a token whose key was replaced (HMAC of the record does not match)", async () => {
    const token = await committedSession();
    expect(await manager.load(withOtherKey(token), "cookie")).toBeNull();
  });

  it("rejects an unknown id and a malformed token", async () => {
    const token = await committedSession();
    const parsed = parseToken(token)!;
    expect(await manager.load(formatToken({ ...parsed, id: generateToken(1).id }), "cookie")).toBeNull();
    expect(await manager.load("not-a-token", "cookie")).toBeNull();
    expect(await manager.load(`${token}x`, "cookie")).toBeNull();
  });

  it("rejects a record that was edited in the store", async () => {
    const token = await committedSession({ "kirby.userId": "editor01" });
    const key = storeKeyOf(parseToken(token)!);
    const blob = (await store.read(key))!;
    await store.write(key, blob.replace("editor01", "admin001"));
    expect(await manager.load(token, "cookie")).toBeNull();
  });

  it("rejects a record whose HMAC line was replaced by one computed with another key", async () => {
    const token = await committedSession({ "kirby.userId": "editor01" });
    const other = manager.create();
    other.set("kirby.userId", "admin001");
    await manager.commit(other);
    // copy the other session's (validly signed) record under this token's store key
    const otherBlob = (await store.read(other.storeKey))!;
    await store.write(storeKeyOf(parseToken(token)!), otherBlob);
    expect(await manager.load(token, "cookie")).toBeNull();
  });

  it("lets a session expire at its expiry time (long session, no idle timeout involved)", async () => {
    const token = await committedSession({ a: 1 }, true);
    now = START + 1_209_600;
    expect(await manager.load(token, "cookie")).not.toBeNull();
    now = START + 1_209_601;
    expect(await manager.load(token, "cookie")).toBeNull();
  });
});

describe("idle timeout and activity", () => {
  it("times a normal session out after 1800 idle seconds", async () => {
    const token = await committedSession();
    now = START + 1800;
    expect(await manager.load(token, "cookie")).not.toBeNull();
    now = START + 1801;
    expect(await manager.load(token, "cookie")).toBeNull();
  });

  it("never times a long session out", async () => {
    const token = await committedSession({ a: 1 }, true);
    now = START + 1801;
    expect(await manager.load(token, "cookie")).not.toBeNull();
    now = START + 500_000;
    expect(await manager.load(token, "cookie")).not.toBeNull();
  });

  it("does not write activity within timeout/15 (120 s) of the last one", async () => {
    const token = await committedSession();
    now = START + 120;
    const session = await manager.load(token, "cookie");
    expect(session!.isChanged).toBe(false);
    expect(session!.record.lastActivityAtUnix).toBe(START);
  });

  it("refreshes activity after more than timeout/15 and so keeps the session alive", async () => {
    const token = await committedSession();
    now = START + 121;
    const session = await loadAndCommit(token);
    expect(session!.isChanged).toBe(true);
    expect(session!.record.lastActivityAtUnix).toBe(START + 121);
    expect(session!.issuedTokens).toEqual([]);
    // idle measured from the refresh, not from the start
    now = START + 121 + 1800;
    const later = await manager.load(token, "cookie");
    expect(later).not.toBeNull();
    expect(later!.record.lastActivityAtUnix).toBe(START + 121 + 1800);
  });
});

describe("renewal at half-life", () => {
  /** Keeps a normal session active (below the idle timeout) until `until`. */
  async function keepAlive(token: string, until: number): Promise<void> {
    for (let t = START + 1700; t < until; t += 1700) {
      now = t;
      expect(await loadAndCommit(token)).not.toBeNull();
    }
  }

  it("does not renew while at least half of the duration remains", async () => {
    const token = await committedSession();
    await keepAlive(token, START + 3600);
    now = START + 3600;
    const session = await manager.load(token, "cookie");
    expect(session!.issuedTokens).toEqual([]);
    expect(session!.tokenString).toBe(token);
  });

  it("issues a new token with a new expiry once less than half remains", async () => {
    const token = await committedSession({ "kirby.csrf": "keep-me" });
    await keepAlive(token, START + 3601);
    now = START + 3601;
    const session = await manager.load(token, "cookie");
    expect(session!.tokenString).not.toBe(token);
    expect(session!.expiresAtUnix).toBe(START + 3601 + 7200);
    expect(session!.token.expiresAtUnix).toBe(START + 3601 + 7200);
    expect(session!.issuedTokens).toEqual([session!.token]);
    await manager.commit(session!);

    const renewed = await manager.load(session!.tokenString, "cookie");
    expect(renewed!.get("kirby.csrf")).toBe("keep-me");
  });

  it("forwards the old token to the renewed session for 30 s, then lets it die", async () => {
    const token = await committedSession({ "kirby.csrf": "keep-me" });
    await keepAlive(token, START + 3601);
    now = START + 3601;
    const session = await loadAndCommit(token);
    const newToken = session!.tokenString;

    now = START + 3601 + 30;
    const forwarded = await manager.load(token, "cookie");
    expect(forwarded).not.toBeNull();
    expect(forwarded!.tokenString).toBe(newToken);
    expect(forwarded!.get("kirby.csrf")).toBe("keep-me");
    // as in Kirby, following the forward sends no cookie
    expect(forwarded!.issuedTokens).toEqual([]);

    now = START + 3601 + 31;
    expect(await manager.load(token, "cookie")).toBeNull();
    expect(await manager.load(newToken, "cookie")).not.toBeNull();
  });

  it("keeps both secret keys out of the forwarding record", async () => {
    const token = await committedSession();
    await keepAlive(token, START + 3601);
    now = START + 3601;
    const session = await loadAndCommit(token);
    const oldToken = parseToken(token)!;
    const pointer = (await store.read(storeKeyOf(oldToken)))!;
    expect(pointer).not.toContain(oldToken.key);
    expect(pointer).not.toContain(session!.token.key);
    const current = (await store.read(session!.storeKey))!;
    expect(current).not.toContain(session!.token.key);
  });

  it("does not follow the forwarding record without the old token's key", async () => {
    const token = await committedSession();
    await keepAlive(token, START + 3601);
    now = START + 3601;
    await loadAndCommit(token);
    expect(await manager.load(withOtherKey(token), "cookie")).toBeNull();
  });

  it("does not renew a session presented in the Authorization header (it could not be told the new token)", async () => {
    const token = await committedSession();
    await keepAlive(token, START + 3601);
    now = START + 3601;
    const session = await manager.load(token, "header");
    expect(session!.transport).toBe("header");
    expect(session!.tokenString).toBe(token);
    expect(session!.issuedTokens).toEqual([]);
  });
});

describe("regenerate", () => {
  it("with a privilege change (login, logout) kills the old token at once and keeps the data", async () => {
    const token = await committedSession({ "kirby.csrf": "csrf-1" });
    const session = (await manager.load(token, "cookie"))!;
    manager.regenerate(session, { privilegeChange: true });
    session.set("kirby.userId", "admin001");
    await manager.commit(session);

    expect(session.tokenString).not.toBe(token);
    expect(session.expiresAtUnix).toBe(START + 7200);
    expect(session.issuedTokens.map(formatToken)).toEqual([session.tokenString]);
    expect(await manager.load(token, "cookie")).toBeNull();
    const loaded = await manager.load(session.tokenString, "cookie");
    expect(loaded!.get("kirby.csrf")).toBe("csrf-1");
    expect(loaded!.get("kirby.userId")).toBe("admin001");
    expect(store.size).toBe(1);
  });

  it("without a privilege change lets the old token forward for the grace period", async () => {
    const token = await committedSession();
    const session = (await manager.load(token, "cookie"))!;
    manager.regenerate(session, { privilegeChange: false });
    await manager.commit(session);
    now = START + 30;
    expect((await manager.load(token, "cookie"))!.tokenString).toBe(session.tokenString);
    now = START + 31;
    expect(await manager.load(token, "cookie")).toBeNull();
  });
});

describe("extendToLong", () => {
  it("turns a normal session into a long one with a new token and no idle timeout", async () => {
    const token = await committedSession({ "kirby.csrf": "x" });
    now = START + 10;
    const session = (await manager.load(token, "cookie"))!;
    manager.extendToLong(session);
    await manager.commit(session);

    expect(session.isLong).toBe(true);
    expect(session.tokenString).not.toBe(token);
    expect(session.expiresAtUnix).toBe(START + 10 + 1_209_600);
    expect(session.token.expiresAtUnix).toBe(START + 10 + 1_209_600);
    expect(session.record.durationSeconds).toBe(1_209_600);
    expect(session.record.timeoutSeconds).toBe(false);
    expect(session.record.lastActivityAtUnix).toBeNull();

    now = START + 10 + 100_000;
    const loaded = await manager.load(session.tokenString, "cookie");
    expect(loaded!.isLong).toBe(true);
    expect(loaded!.get("kirby.csrf")).toBe("x");
  });

  it("never shortens or re-issues a session that is already long", async () => {
    const token = await committedSession({ a: 1 }, true);
    const session = (await manager.load(token, "cookie"))!;
    manager.extendToLong(session);
    expect(session.tokenString).toBe(token);
    expect(session.issuedTokens).toEqual([]);
    expect(session.isChanged).toBe(false);
  });
});

describe("destroy and garbage collection", () => {
  it("deletes the stored session so its token no longer loads", async () => {
    const token = await committedSession();
    const session = (await manager.load(token, "cookie"))!;
    manager.destroy(session);
    await manager.commit(session);
    expect(session.isDestroyed).toBe(true);
    expect(store.size).toBe(0);
    expect(await manager.load(token, "cookie")).toBeNull();
  });

  it("writes nothing for a new session destroyed in the same request", async () => {
    const session = manager.create();
    session.set("a", 1);
    manager.destroy(session);
    await manager.commit(session);
    expect(store.size).toBe(0);
  });

  it("writes nothing for a loaded session nobody changed", async () => {
    const token = await committedSession({ a: 1 });
    const writes: string[] = [];
    const write = store.write.bind(store);
    store.write = async (key, blob) => {
      writes.push(key);
      await write(key, blob);
    };
    now = START + 60;
    const session = (await manager.load(token, "cookie"))!;
    await manager.commit(session);
    expect(writes).toEqual([]);
    session.set("a", 2);
    await manager.commit(session);
    expect(writes).toEqual([session.storeKey]);
  });

  it("collects only sessions whose expiry has passed", async () => {
    const short = await committedSession({ a: 1 });
    const long = await committedSession({ b: 2 }, true);
    now = START + 7201;
    await manager.collectGarbage();
    expect(store.size).toBe(1);
    expect(await store.read(storeKeyOf(parseToken(short)!))).toBeNull();
    expect(await store.read(storeKeyOf(parseToken(long)!))).not.toBeNull();
  });
});

describe("SessionManager.loadKnown (sessions answered from memory)", () => {
  it("knows nothing of a token it has not verified yet", async () => {
    const token = await committedSession();
    expect(manager.loadKnown(token, "cookie")).toBeUndefined();
    expect(manager.loadKnown(withOtherKey(token), "cookie")).toBeUndefined();
  });

  it("answers a verified token from memory with its own copy of the data", async () => {
    const token = await committedSession({ "kirby.csrf": "keep" });
    expect(await manager.load(token, "cookie")).not.toBeNull();
    const first = manager.loadKnown(token, "cookie")!;
    expect(first.tokenString).toBe(token);
    expect(first.get("kirby.csrf")).toBe("keep");
    first.set("kirby.csrf", "changed in this request only");
    expect(manager.loadKnown(token, "cookie")!.get("kirby.csrf")).toBe("keep");
    // a forged key never reaches the remembered record
    expect(manager.loadKnown(withOtherKey(token), "cookie")).toBeUndefined();
  });

  it("leaves a record changed or deleted since to the store", async () => {
    const token = await committedSession({ "kirby.csrf": "before", "kirby.userId": "editor01" });
    const loaded = (await manager.load(token, "cookie"))!;
    loaded.set("kirby.csrf", "after");
    await manager.commit(loaded);
    expect(manager.loadKnown(token, "cookie")).toBeUndefined();
    expect((await manager.load(token, "cookie"))!.get("kirby.csrf")).toBe("after");
    expect(manager.loadKnown(token, "cookie")!.get("kirby.csrf")).toBe("after");

    await store.delete(storeKeyOf(parseToken(token)!));
    expect(manager.loadKnown(token, "cookie")).toBeUndefined();
    expect(await manager.load(token, "cookie")).toBeNull();
  });

  it("applies expiry and idle timeout to a remembered record", async () => {
    const token = await committedSession();
    await manager.load(token, "cookie");
    now = START + 1801;
    expect(manager.loadKnown(token, "cookie")).toBeNull();
    now = START + 7201;
    expect(manager.loadKnown(token, "cookie")).toBeNull();
  });
});

describe("anonymous sessions (nothing but a CSRF token) stay out of the store", () => {
  it("keeps them in bounded memory and moves them to the store once they hold more", async () => {
    const token = await committedSession({ "kirby.csrf": "c".repeat(64) });
    expect(store.size).toBe(0);
    expect(manager.anonymous.size).toBe(1);
    const loaded = (await manager.load(token, "cookie"))!;
    expect(loaded.get("kirby.csrf")).toBe("c".repeat(64));
    loaded.set("kirby.challenge.email", "editor@example.com");
    await manager.commit(loaded);
    expect(store.size).toBe(1);
    expect(manager.anonymous.size).toBe(0);
    // and back to memory (dropping the stored copy) when only the token is left
    const again = (await manager.load(token, "cookie"))!;
    again.remove("kirby.challenge.email");
    await manager.commit(again);
    expect(store.size).toBe(0);
    expect((await manager.load(token, "cookie"))!.get("kirby.challenge.email")).toBeUndefined();
  });

  it("bounds the memory by count and by size, oldest out first", async () => {
    const small = new SessionManager(
      store,
      { ...OPTIONS, anonymousLimits: { maxEntries: 3, maxChars: 100_000 } },
      () => now,
    );
    const tokens: string[] = [];
    for (let i = 0; i < 5; i++) {
      const session = small.create();
      session.set("kirby.csrf", String(i).repeat(64));
      await small.commit(session);
      tokens.push(session.tokenString);
    }
    expect(small.anonymous.size).toBe(3);
    expect(await small.load(tokens[0]!, "cookie")).toBeNull();
    expect(await small.load(tokens[4]!, "cookie")).not.toBeNull();
    const tiny = new SessionManager(
      store,
      { ...OPTIONS, anonymousLimits: { maxEntries: 1000, maxChars: 1000 } },
      () => now,
    );
    for (let i = 0; i < 20; i++) {
      const session = tiny.create();
      session.set("kirby.csrf", "x".repeat(64));
      await tiny.commit(session);
    }
    expect(tiny.anonymous.heldChars).toBeLessThanOrEqual(1000);
    expect(store.size).toBe(0);
  });
});

describe("the memo of verified records", () => {
  it("is bounded by count and by size however many valid sessions are presented", async () => {
    const small = new SessionManager(
      store,
      { ...OPTIONS, verifiedLimits: { maxEntries: 50, maxChars: 20_000 } },
      () => now,
    );
    const tokens: string[] = [];
    for (let i = 0; i < 200; i++) {
      const session = small.create();
      session.set("kirby.userId", "editor01");
      session.set("padding", "p".repeat(500));
      await small.commit(session);
      tokens.push(session.tokenString);
    }
    for (const token of tokens) expect(await small.load(token, "cookie")).not.toBeNull();
    expect(small.verified.size).toBeLessThanOrEqual(50);
    expect(small.verified.heldChars).toBeLessThanOrEqual(20_000);
  });
});
