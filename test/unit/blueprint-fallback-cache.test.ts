import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createBlueprintRegistry } from "../../src/blueprints/registry.js";

let dir: string | null = null;

afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = null;
});

describe("built-in default blueprints for unknown template names", () => {
  it("keeps only a bounded number of them: names from requests cannot grow the registry without end", async () => {
    dir = await mkdtemp(path.join(tmpdir(), "sheaf-blueprints-"));
    const registry = await createBlueprintRegistry(dir);
    for (let index = 0; index < 3000; index++) registry.page(`template-${index}`);
    // the first ones are cached (the same object every time), the ones past the bound are built anew
    expect(registry.page("template-1")).toBe(registry.page("template-1"));
    expect(registry.page("template-2999")).not.toBe(registry.page("template-2999"));
    expect(registry.page("template-2999")).toEqual(registry.page("template-2999"));
    expect(registry.page("template-2999").title).toBe("Template-2999");
  });
});
