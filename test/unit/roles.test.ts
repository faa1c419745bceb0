import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { allPermissions } from "../../src/accounts/permissions.js";
import { buildRoles, NOBODY_ROLE } from "../../src/accounts/roles.js";
import { createBlueprintRegistry } from "../../src/blueprints/registry.js";
import { ConfigError } from "../../src/errors.js";
import { FIXTURE_DIR, GOLDEN_DIR } from "../paths.js";

const FIXTURE_SITE = path.join(FIXTURE_DIR, "site");
const GOLDEN_READS = path.join(GOLDEN_DIR, "22-read-endpoints.json");

interface Step {
  response: { body: { data: unknown } };
}

async function goldenData(step: number): Promise<unknown> {
  const recording = JSON.parse(await readFile(GOLDEN_READS, "utf8")) as { steps: Step[] };
  return recording.steps[step]?.response.body.data;
}

const tempDirs: string[] = [];

async function siteWithRoles(files: Record<string, string>): Promise<string> {
  const site = await mkdtemp(path.join(tmpdir(), "sheaf-roles-"));
  tempDirs.push(site);
  await mkdir(path.join(site, "blueprints/users"), { recursive: true });
  for (const [name, text] of Object.entries(files)) {
    await writeFile(path.join(site, "blueprints/users", name), text);
  }
  return site;
}

afterEach(async () => {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("buildRoles", () => {
  it("lists the fixture's roles like GET /api/roles, sorted by name with the built-in admin", async () => {
    const roles = buildRoles(await createBlueprintRegistry(FIXTURE_SITE));
    const listed = [...roles.values()].map(({ description, name, title }) => ({ description, name, title }));
    expect(listed).toEqual(await goldenData(6));
  });

  it("builds the editor role exactly like GET /api/roles/editor", async () => {
    const roles = buildRoles(await createBlueprintRegistry(FIXTURE_SITE));
    const editor = roles.get("editor");
    const golden = (await goldenData(7)) as Record<string, unknown>;
    expect(editor).toEqual({
      name: golden["name"],
      title: golden["title"],
      description: golden["description"],
      permissions: golden["permissions"],
    });
  });

  it("gives the built-in admin every permission", async () => {
    const admin = buildRoles(await createBlueprintRegistry(FIXTURE_SITE)).get("admin");
    expect(admin).toEqual({
      name: "admin",
      title: "Admin",
      description: "The admin has all rights",
      permissions: allPermissions(true),
    });
  });

  it("does not list nobody", async () => {
    const roles = buildRoles(await createBlueprintRegistry(FIXTURE_SITE));
    expect(roles.has("nobody")).toBe(false);
  });

  it("uses admin.yml instead of the built-in admin when it exists", async () => {
    const site = await siteWithRoles({ "admin.yml": "title: Chief\npermissions:\n  users: false\n" });
    const admin = buildRoles(await createBlueprintRegistry(site)).get("admin");
    expect(admin?.title).toBe("Chief");
    expect(admin?.description).toBeNull();
    expect(admin?.permissions["users"]?.["create"]).toBe(false);
  });

  it("defaults the title to the capitalised name, the description to null and permissions to all", async () => {
    const site = await siteWithRoles({ "client.yml": "fields:\n  company: { type: text }\n" });
    const client = buildRoles(await createBlueprintRegistry(site)).get("client");
    expect(client).toEqual({ name: "client", title: "Client", description: null, permissions: allPermissions(true) });
  });

  it("skips default.yml and sorts by name", async () => {
    const site = await siteWithRoles({ "zeta.yml": "title: Z", "default.yml": "title: D", "beta.yml": "title: B" });
    const roles = buildRoles(await createBlueprintRegistry(site));
    expect([...roles.keys()]).toEqual(["admin", "beta", "zeta"]);
  });

  it("refuses a non-boolean permission", async () => {
    const site = await siteWithRoles({ "client.yml": "permissions:\n  pages:\n    delete: maybe\n" });
    const registry = await createBlueprintRegistry(site);
    expect(() => buildRoles(registry)).toThrow(ConfigError);
  });
});

describe("NOBODY_ROLE", () => {
  it("has Kirby's title and description and no permission at all", () => {
    expect(NOBODY_ROLE.name).toBe("nobody");
    expect(NOBODY_ROLE.title).toBe("Nobody");
    expect(NOBODY_ROLE.description).toBe("This is a fallback role without any permissions");
    expect(NOBODY_ROLE.permissions).toEqual(allPermissions(false));
  });

  it("cannot be changed by accident", () => {
    expect(() => {
      (NOBODY_ROLE.permissions["pages"] as Record<string, boolean>)["read"] = true;
    }).toThrow(TypeError);
  });
});
