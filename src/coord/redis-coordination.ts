import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";
import { ServiceUnavailableError } from "../errors.js";
import type { Coordination, Lease, NoticeListener, SharedCell } from "./coordination.js";

export interface RedisCoordinationOptions {
  readonly url: string;
  readonly prefix: string;
  /** How long a lock lives unless its holder extends it (it does, every third of this, while it runs). */
  readonly lockTtlMs?: number;
  /** How long `withLock` waits for a lock before it answers 503. */
  readonly lockWaitMs?: number;
  /** How long the start waits for the first connection (afterwards, requests that need Redis answer 503). */
  readonly connectWaitMs?: number;
  readonly onProblem?: (message: string, error?: unknown) => void;
}

/** Take the lock when free; its value is the next fencing token (strictly increasing per lock). */
const ACQUIRE = `if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local fence = redis.call('INCR', KEYS[2])
redis.call('SET', KEYS[1], fence, 'PX', ARGV[1])
return fence`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;
const EXTEND = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
/** Count the notice and hand it to every subscriber in one step, so versions and notices never disagree. */
const PUBLISH = `local version = redis.call('INCR', KEYS[1])
redis.call('PUBLISH', KEYS[2], version .. '\\n' .. ARGV[1])
return version`;

type Scripted = Redis & {
  sheafAcquire(lock: string, fences: string, ttlMs: number): Promise<number>;
  sheafRelease(lock: string, fence: string): Promise<number>;
  sheafExtend(lock: string, fence: string, ttlMs: number): Promise<number>;
  sheafPublish(versionKey: string, channel: string, message: string): Promise<number>;
};

function unavailable(cause: unknown): ServiceUnavailableError {
  return cause instanceof ServiceUnavailableError
    ? cause
    : new ServiceUnavailableError({ message: "The shared state server (Redis) cannot be reached", cause });
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Locks with fencing tokens, versioned notices over pub/sub and shared cells in Redis or Valkey. Commands fail at
 * once while the server is away (no offline queue: a request never waits for, or is replayed after, a reconnect);
 * both connections reconnect on their own. Listeners hear topic `*` with `down` when the subscription is lost
 * (stop trusting what memory holds of other processes) and with `up` when it is back (notices may have been
 * missed: re-read what others may have changed).
 */
export class RedisCoordination implements Coordination {
  readonly shared = true;
  private readonly origin = randomBytes(8).toString("hex");
  private readonly listeners = new Set<NoticeListener>();
  private readonly channel: string;
  private subscribedOnce = false;

  private constructor(
    private readonly commands: Scripted,
    private readonly subscriber: Redis,
    private readonly options: RedisCoordinationOptions,
  ) {
    this.channel = `${options.prefix}notices`;
  }

  static async connect(options: RedisCoordinationOptions): Promise<RedisCoordination> {
    const settings = {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 2000,
      // reconnect forever, at most a second apart
      retryStrategy: (times: number) => Math.min(50 * times, 1000),
    };
    const commands = new Redis(options.url, settings) as Scripted;
    commands.defineCommand("sheafAcquire", { numberOfKeys: 2, lua: ACQUIRE });
    commands.defineCommand("sheafRelease", { numberOfKeys: 1, lua: RELEASE });
    commands.defineCommand("sheafExtend", { numberOfKeys: 1, lua: EXTEND });
    commands.defineCommand("sheafPublish", { numberOfKeys: 2, lua: PUBLISH });
    // a subscriber needs its queue: it re-subscribes after every reconnect
    const subscriber = new Redis(options.url, { ...settings, enableOfflineQueue: true });
    const coordination = new RedisCoordination(commands, subscriber, options);
    coordination.listen();
    await coordination.waitReady(options.connectWaitMs ?? 5000);
    return coordination;
  }

  private listen(): void {
    let problemLogged = false;
    const problem = (error: unknown): void => {
      if (problemLogged) return;
      problemLogged = true;
      this.options.onProblem?.("Redis connection lost; requests that need it answer 503 until it is back", error);
    };
    this.commands.on("error", problem);
    this.subscriber.on("error", problem);
    this.subscriber.on("ready", () => {
      problemLogged = false;
      // notices sent while this process was away are lost: everything learnt from others is stale
      if (this.subscribedOnce) for (const listener of this.listeners) listener("*", "up", 0);
      this.subscribedOnce = true;
    });
    this.subscriber.on("close", () => {
      for (const listener of this.listeners) listener("*", "down", 0);
    });
    this.subscriber.on("message", (channel: string, message: string) => {
      if (channel !== this.channel) return;
      const [version = "0", origin, topic = "", ...rest] = message.split("\n");
      if (origin === this.origin) return;
      for (const listener of this.listeners) listener(topic, rest.join("\n"), Number(version));
    });
    void this.subscriber.subscribe(this.channel).catch((error: unknown) => problem(error));
  }

  private async waitReady(waitMs: number): Promise<void> {
    const deadline = Date.now() + waitMs;
    while (Date.now() < deadline && !this.live) await sleep(20);
    if (!this.live) this.options.onProblem?.(`Redis at ${redactUrl(this.options.url)} is not reachable yet`);
  }

  get live(): boolean {
    return this.commands.status === "ready" && this.subscriber.status === "ready";
  }

  private key(kind: string, name: string): string {
    return `${this.options.prefix}${kind}:${name}`;
  }

  private async call<T>(run: () => Promise<T>): Promise<T> {
    if (this.commands.status !== "ready") throw unavailable(new Error(`Redis connection is ${this.commands.status}`));
    try {
      return await run();
    } catch (error) {
      throw unavailable(error);
    }
  }

  async withLock<T>(name: string, task: (lease: Lease) => Promise<T>): Promise<T> {
    const lockKey = this.key("lock", name);
    const ttl = this.options.lockTtlMs ?? 10_000;
    const deadline = Date.now() + (this.options.lockWaitMs ?? 15_000);
    let fence = 0;
    for (let attempt = 0; ; attempt++) {
      fence = await this.call(() => this.commands.sheafAcquire(lockKey, this.key("fence", name), ttl));
      if (fence > 0) break;
      if (Date.now() > deadline) throw new ServiceUnavailableError({ message: `The lock "${name}" stays busy` });
      await sleep(Math.min(1 + attempt, 10) * (0.5 + Math.random()));
    }
    const token = String(fence);
    let lost = false;
    const renew = setInterval(() => {
      this.commands.sheafExtend(lockKey, token, ttl).then(
        (extended) => {
          if (extended !== 1) lost = true;
        },
        () => undefined,
      );
    }, ttl / 3);
    renew.unref();
    const lease: Lease = {
      fence,
      assertHeld: async () => {
        const holder = await this.call(() => this.commands.get(lockKey));
        if (lost || holder !== token) throw new ServiceUnavailableError({ message: `The lock "${name}" was lost` });
      },
    };
    try {
      return await task(lease);
    } finally {
      clearInterval(renew);
      // a lock that cannot be released expires by itself
      await this.commands.sheafRelease(lockKey, token).catch(() => undefined);
    }
  }

  publish(topic: string, data: string): Promise<number> {
    return this.call(() =>
      this.commands.sheafPublish(this.key("version", topic), this.channel, `${this.origin}\n${topic}\n${data}`),
    );
  }

  async version(topic: string): Promise<number> {
    return Number((await this.call(() => this.commands.get(this.key("version", topic)))) ?? 0);
  }

  subscribe(listener: NoticeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  cell(name: string): SharedCell {
    const key = this.key("cell", name);
    return {
      get: () => this.call(() => this.commands.get(key)),
      set: (text) =>
        this.call(async () => {
          if (text === null) await this.commands.del(key);
          else await this.commands.set(key, text);
        }),
    };
  }

  /** The command connection, for stores that keep their own keys (sessions). */
  client(): Redis {
    return this.commands;
  }

  /** Runs a command, turning any failure (server away) into a 503. */
  run<T>(command: (redis: Redis) => Promise<T>): Promise<T> {
    return this.call(() => command(this.commands));
  }

  keyOf(kind: string, name: string): string {
    return this.key(kind, name);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.subscriber.disconnect();
    await this.commands.quit().catch(() => this.commands.disconnect());
  }
}

/** The URL without its password, for the log. */
export function redactUrl(url: string): string {
  return url.replace(
    /\/\/([^@/]*)@/,
    (_, auth: string) => `//${auth.includes(":") ? `${auth.split(":")[0]}:***` : "***"}@`,
  );
}
