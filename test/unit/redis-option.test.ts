import { describe, expect, it } from "vitest";
import { resolveOptions } from "../../src/config/index.js";
import { redactUrl } from "../../src/coord/redis-coordination.js";
import { ConfigError } from "../../src/errors.js";

describe("option redis", () => {
  it("is off by default", () => {
    expect(resolveOptions({}).redis).toBeNull();
    expect(resolveOptions({ redis: false }).redis).toBeNull();
  });

  it("takes a map with url and prefix, or a URL alone (prefix sheaf:)", () => {
    expect(resolveOptions({ redis: { url: "redis://cache:6379/2", prefix: "site-a:" } }).redis).toEqual({
      url: "redis://cache:6379/2",
      prefix: "site-a:",
    });
    expect(resolveOptions({ redis: "rediss://user:secret@cache" }).redis).toEqual({
      url: "rediss://user:secret@cache",
      prefix: "sheaf:",
    });
    expect(resolveOptions({ "redis.url": "redis://127.0.0.1" }).redis?.url).toBe("redis://127.0.0.1");
  });

  it("refuses what is not a redis URL, and prefixes with characters keys should not hold", () => {
    for (const redis of [true, 6379, { url: "http://cache" }, { url: "redis://" }, { url: "redis://a b" }, {}])
      expect(() => resolveOptions({ redis }), JSON.stringify(redis)).toThrow(ConfigError);
    for (const prefix of ["a b", "x".repeat(101), "*"])
      expect(() => resolveOptions({ redis: { url: "redis://cache", prefix } }), prefix).toThrow(ConfigError);
  });

  it("never shows the password in the log", () => {
    expect(redactUrl("redis://user:secret@cache:6379/0")).toBe("redis://user:***@cache:6379/0");
    expect(redactUrl("redis://secret@cache")).toBe("redis://***@cache");
    expect(redactUrl("redis://cache:6379")).toBe("redis://cache:6379");
  });
});
