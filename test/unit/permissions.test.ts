import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { allPermissions, normalisePermissions, PERMISSION_DEFAULTS } from "../../src/accounts/permissions.js";
import { ConfigError } from "../../src/errors.js";
import { GOLDEN_DIR } from "../paths.js";

const GOLDEN = GOLDEN_DIR;

async function goldenBody(file: string, step: number): Promise<Record<string, unknown>> {
  const recording = JSON.parse(await readFile(`${GOLDEN}/${file}`, "utf8")) as {
    steps: Array<{ response: { body: { data: Record<string, unknown> } } }>;
  };
  const body = recording.steps[step]?.response.body.data;
  if (body === undefined) throw new Error(`no step ${step} in ${file}`);
  return body;
}

describe("PERMISSION_DEFAULTS", () => {
  it("lists categories and actions in the order Kirby serialises them", async () => {
    const editor = await goldenBody("22-read-endpoints.json", 7);
    const permissions = editor["permissions"] as Record<string, Record<string, boolean>>;
    expect(Object.keys(PERMISSION_DEFAULTS)).toEqual(Object.keys(permissions));
    for (const [category, actions] of Object.entries(PERMISSION_DEFAULTS)) {
      expect(actions).toEqual(Object.keys(permissions[category] ?? {}));
    }
  });
});

describe("allPermissions", () => {
  it("sets every action of every category", () => {
    const none = allPermissions(false);
    expect(Object.keys(none)).toEqual(Object.keys(PERMISSION_DEFAULTS));
    expect(Object.values(none).flatMap((actions) => Object.values(actions))).not.toContain(true);
    expect(allPermissions(true)["pages"]?.["delete"]).toBe(true);
  });
});

describe("normalisePermissions", () => {
  it("grants everything when permissions are missing", () => {
    expect(normalisePermissions(undefined, "client")).toEqual(allPermissions(true));
    expect(normalisePermissions(null, "client")).toEqual(allPermissions(true));
  });

  it("applies a boolean for the whole setting", () => {
    expect(normalisePermissions(false, "guest")).toEqual(allPermissions(false));
  });

  it("produces the editor role of the golden recording from the fixture's editor.yml", async () => {
    const editor = await goldenBody("22-read-endpoints.json", 7);
    const fromYaml = normalisePermissions(
      {
        access: { system: false, users: false },
        pages: { delete: false, changeSlug: false },
        users: false,
        user: { changeRole: false, delete: false },
      },
      "editor",
    );
    expect(fromYaml).toEqual(editor["permissions"]);
    expect(JSON.stringify(fromYaml)).toBe(JSON.stringify(editor["permissions"]));
  });

  it("lets `*` set every action that is not listed, wherever it appears in the map", () => {
    for (const setting of [
      { "*": false, update: true },
      { update: true, "*": false },
    ]) {
      const pages = normalisePermissions({ pages: setting }, "writer")["pages"];
      expect(pages?.["update"]).toBe(true);
      expect(pages?.["delete"]).toBe(false);
      expect(pages?.["read"]).toBe(false);
    }
  });

  it("keeps unknown categories and actions after the known ones", () => {
    const map = normalisePermissions(
      { pages: { publish: false }, shop: { refund: true }, access: { reports: false } },
      "x",
    );
    expect(map["pages"]?.["publish"]).toBe(false);
    expect(Object.keys(map["pages"] ?? {}).at(-1)).toBe("publish");
    expect(map["access"]?.["reports"]).toBe(false);
    expect(map["shop"]).toEqual({ refund: true });
    expect(Object.keys(map).at(-1)).toBe("shop");
  });

  it("rejects a non-boolean action value with Kirby's message", () => {
    expect(() => normalisePermissions({ pages: { delete: "no way" } }, "x")).toThrow(ConfigError);
    expect(() => normalisePermissions({ pages: { delete: "no way" } }, "x")).toThrow(
      'The value for the permission "pages.delete" must be of type bool, string given',
    );
    expect(() => normalisePermissions({ users: { create: 1 } }, "x")).toThrow(
      'The value for the permission "users.create" must be of type bool, int given',
    );
    expect(() => normalisePermissions({ files: { read: null } }, "x")).toThrow(
      'The value for the permission "files.read" must be of type bool, null given',
    );
  });

  it("keeps the role name on the error", () => {
    try {
      normalisePermissions({ pages: { delete: [] } }, "client");
      expect.unreachable();
    } catch (error) {
      expect((error as { role?: string }).role).toBe("client");
      expect((error as Error).message).toContain("array given");
    }
  });

  it("returns independent maps", () => {
    const first = normalisePermissions(undefined, "a");
    first["pages"]!["delete"] = false;
    expect(normalisePermissions(undefined, "a")["pages"]?.["delete"]).toBe(true);
  });
});
