import { describe, expect, it } from "vitest";
import type { ViewContext } from "../../src/api/context.js";
import { renderCache, renderResult } from "../../src/api/envelope.js";
import { RenderCache } from "../../src/api/render-cache.js";
import { ModelResult } from "../../src/api/result.js";
import type { ModelSchema } from "../../src/api/views/engine.js";

interface Item {
  readonly id: string;
  readonly text: string;
}

const schema: ModelSchema<Item, ViewContext> = {
  name: "big",
  fields: { id: (item) => item.id, text: (item) => item.text },
  views: { default: ["id", "text"] },
  defaultView: "default",
  collectionView: "default",
  cacheable: true,
};

const context = { services: {}, actor: null, baseUrl: "http://localhost" } as unknown as ViewContext;

describe("RenderCache", () => {
  it("drops the least recently used entries to stay within its byte bound", () => {
    const cache = new RenderCache(100, 40);
    cache.set("a", "x".repeat(10)); // 22 bytes
    cache.set("b", "x".repeat(10));
    cache.set("c", "x".repeat(10));
    expect(cache.get("a")).toBeDefined(); // a is now the most recent
    cache.set("d", "x".repeat(10)); // 88 bytes: still fits
    cache.set("e", "x".repeat(10)); // 110 bytes: b goes
    expect(cache.get("b")).toBeUndefined();
    expect(cache.get("a")).toBeDefined();
    expect(cache.size).toBeLessThanOrEqual(100);
  });

  it("does not keep an entry larger than the per-entry bound", () => {
    const cache = new RenderCache(1000, 40);
    cache.set("big", "x".repeat(100));
    expect(cache.get("big")).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("counts a replaced value once", () => {
    const cache = new RenderCache(1000, 1000);
    cache.set("k", "x".repeat(10));
    cache.set("k", "y".repeat(20));
    expect(cache.size).toBe(2 * (1 + 20));
    expect(cache.count).toBe(1);
  });
});

describe("the render cache of model envelopes", () => {
  it("stays under 32 MB for 10,000 distinct selects of large models", () => {
    renderCache.clear();
    const items: Item[] = Array.from({ length: 200 }, (_, index) => ({
      id: `item${index}`,
      text: `${index}`.padEnd(20_000, "x"),
    }));
    for (let select = 0; select < 50; select++) {
      for (const item of items) {
        const reply = renderResult(
          new ModelResult(schema, item),
          { select: `id,text,unknown${select}`, view: undefined, page: undefined, limit: undefined },
          context,
        );
        expect(reply.status).toBe(200);
      }
    }
    // unbounded, these 10,000 envelopes of about 40 KB each would hold 400 MB
    expect(renderCache.size).toBeLessThanOrEqual(32 * 1024 * 1024);
    expect(renderCache.count).toBeGreaterThan(100);
    // a model rendered again is served from the cache, the same text
    const again = renderResult(
      new ModelResult(schema, items[199] as Item),
      { select: "id,text,unknown49", view: undefined, page: undefined, limit: undefined },
      context,
    );
    expect(again.json).toContain('"id":"item199"');
  });
});
