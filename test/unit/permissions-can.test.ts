import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildRoles, NOBODY_ROLE, type Role, type User } from "../../src/accounts/index.js";
import { createBlueprintRegistry, type BlueprintRegistry } from "../../src/blueprints/index.js";
import type { Page, PageStatus } from "../../src/content/types.js";
import {
  can,
  isPageAccessible,
  isPageListable,
  isRoleAccessible,
  isUserAccessible,
  isUserListable,
  listablePages,
  optionsMap,
  PAGE_OPTION_KEYS,
  type Actor,
  type PermissionContext,
} from "../../src/permissions/can.js";
import { FIXTURE_DIR } from "../paths.js";

const FIXTURE_EDITOR = path.join(FIXTURE_DIR, "site/blueprints/users/editor.yml");

const BLUEPRINTS: Record<string, string> = {
  "pages/default.yml": "title: Default\n",
  "pages/locked.yml": "title: Locked\noptions:\n  delete: false\n  changeTitle: true\n",
  "pages/shared.yml": [
    "title: Shared",
    "options:",
    "  update:",
    "    '*': false",
    "    editor: true",
    "  duplicate:",
    "    editor: false",
    "  preview:",
    "    manager: false",
  ].join("\n"),
  "pages/dated.yml": "title: Dated\nnum: date\n",
  "pages/switchable.yml": "title: Switchable\noptions:\n  changeTemplate:\n    - default\n    - locked\n",
  "pages/closed.yml": "title: Closed\noptions: false\n",
  "site.yml": "title: Site\noptions:\n  changeTitle: false\n",
  "users/manager.yml": "title: Manager\noptions:\n  changeEmail: false\n",
  "users/reader.yml": "title: Reader\npermissions:\n  pages:\n    list: false\n  users:\n    list: false\n",
  "users/blind.yml": "title: Blind\npermissions:\n  pages:\n    read: false\n",
};

let root: string;
let blueprints: BlueprintRegistry;
let roles: Map<string, Role>;

function role(name: string): Role {
  const found = roles.get(name);
  if (!found) throw new Error(`no role ${name}`);
  return found;
}

function user(id: string, roleName: string): User {
  return {
    id,
    dir: `/accounts/${id}`,
    email: `${id}@example.com`,
    language: "en",
    name: id,
    role: roleName,
    passwordHash: null,
    secrets: {},
    passwordTimestamp: null,
    content: {},
  };
}

function actor(id: string, roleName: string): NonNullable<Actor> {
  return { user: user(id, roleName), role: role(roleName) };
}

function page(id: string, { template = "default", status = "listed" as PageStatus } = {}): Page {
  const slug = id.split("/").pop() ?? id;
  return {
    id,
    slug,
    num: status === "listed" ? 1 : null,
    status,
    template,
    dir: `/content/${id}`,
    contentFile: `/content/${id}/${template}.txt`,
    content: { title: slug },
    parent: null,
    children: [],
    drafts: [],
    files: [],
  };
}

function context(admins = 1): PermissionContext {
  return { blueprints, homeId: "home", errorId: "error", adminCount: () => admins };
}

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), "sheaf-can-"));
  const site = path.join(root, "site");
  for (const [name, text] of Object.entries(BLUEPRINTS)) {
    const file = path.join(site, "blueprints", name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
  }
  await writeFile(path.join(site, "blueprints", "users", "editor.yml"), await readFile(FIXTURE_EDITOR, "utf8"));
  blueprints = await createBlueprintRegistry(site);
  roles = buildRoles(blueprints);
});

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("acting role nobody (docs/kirby-compat/permissions.md step 1)", () => {
  it("denies everything to an anonymous caller", () => {
    for (const key of PAGE_OPTION_KEYS)
      expect(can(null, key, { kind: "page", page: page("notes") }, context())).toBe(false);
    expect(can(null, "access", { kind: "site" }, context())).toBe(false);
  });

  it("denies everything to a user acting as nobody, even where a blueprint allows it", () => {
    const nobody = { user: user("ghost", "missing-role"), role: NOBODY_ROLE };
    expect(can(nobody, "update", { kind: "page", page: page("x", { template: "shared" }) }, context())).toBe(false);
    expect(can(nobody, "read", { kind: "page", page: page("x") }, context())).toBe(false);
  });
});

describe("dynamic page rules (docs/kirby-compat/permissions.md)", () => {
  const admin = (): NonNullable<Actor> => actor("admin001", "admin");

  it.each(["changeSlug", "delete", "move"])("forbids %s on the home and error pages, even for admins", (action) => {
    expect(can(admin(), action, { kind: "page", page: page("home", { status: "unlisted" }) }, context())).toBe(false);
    expect(can(admin(), action, { kind: "page", page: page("error", { status: "unlisted" }) }, context())).toBe(false);
    expect(can(admin(), action, { kind: "page", page: page("notes") }, context())).toBe(true);
  });

  it("forbids changeStatus on the error page only", () => {
    expect(can(admin(), "changeStatus", { kind: "page", page: page("error", { status: "unlisted" }) }, context())).toBe(
      false,
    );
    expect(can(admin(), "changeStatus", { kind: "page", page: page("home", { status: "unlisted" }) }, context())).toBe(
      true,
    );
  });

  it("follows the option home/error page ids", () => {
    const custom: PermissionContext = { ...context(), homeId: "start", errorId: "oops" };
    expect(can(admin(), "delete", { kind: "page", page: page("start") }, custom)).toBe(false);
    expect(can(admin(), "delete", { kind: "page", page: page("oops") }, custom)).toBe(false);
    expect(can(admin(), "delete", { kind: "page", page: page("home") }, custom)).toBe(true);
  });

  it("lets only listed pages with default numbering be sorted", () => {
    expect(can(admin(), "sort", { kind: "page", page: page("notes") }, context())).toBe(true);
    expect(can(admin(), "sort", { kind: "page", page: page("notes/secret", { status: "draft" }) }, context())).toBe(
      false,
    );
    expect(can(admin(), "sort", { kind: "page", page: page("about", { status: "unlisted" }) }, context())).toBe(false);
    expect(can(admin(), "sort", { kind: "page", page: page("blog/post", { template: "dated" }) }, context())).toBe(
      false,
    );
    expect(can(admin(), "sort", { kind: "page", page: page("error") }, context())).toBe(false);
  });

  it("allows changeTemplate only when another template is allowed, never on the error page", () => {
    expect(can(admin(), "changeTemplate", { kind: "page", page: page("notes") }, context())).toBe(false);
    expect(
      can(admin(), "changeTemplate", { kind: "page", page: page("notes", { template: "switchable" }) }, context()),
    ).toBe(true);
    expect(
      can(admin(), "changeTemplate", { kind: "page", page: page("error", { template: "switchable" }) }, context()),
    ).toBe(false);
  });
});

describe("blueprint options (docs/kirby-compat/permissions.md)", () => {
  it("a false option forbids the action to admins too (row 76)", () => {
    expect(
      can(actor("a", "admin"), "delete", { kind: "page", page: page("x", { template: "locked" }) }, context()),
    ).toBe(false);
    expect(
      can(actor("a", "admin"), "changeTitle", { kind: "page", page: page("x", { template: "locked" }) }, context()),
    ).toBe(true);
  });

  it("a role entry wins over '*' (row 77)", () => {
    const shared = { kind: "page", page: page("x", { template: "shared" }) } as const;
    expect(can(actor("e", "editor"), "update", shared, context())).toBe(true);
    expect(can(actor("a", "admin"), "update", shared, context())).toBe(false);
    expect(can(actor("m", "manager"), "update", shared, context())).toBe(false);
  });

  it("falls back to the role permission when the map names neither the role nor '*'", () => {
    const shared = { kind: "page", page: page("x", { template: "shared" }) } as const;
    expect(can(actor("e", "editor"), "duplicate", shared, context())).toBe(false);
    expect(can(actor("a", "admin"), "duplicate", shared, context())).toBe(true);
    expect(can(actor("m", "manager"), "preview", shared, context())).toBe(false);
    expect(can(actor("e", "editor"), "preview", shared, context())).toBe(true);
  });

  it("options: false forbids every page action", () => {
    const closed = { kind: "page", page: page("x", { template: "closed" }) } as const;
    expect(optionsMap(PAGE_OPTION_KEYS, actor("a", "admin"), closed, context())).toEqual(
      Object.fromEntries(PAGE_OPTION_KEYS.map((key) => [key, false])),
    );
  });

  it("applies the site blueprint to the site", () => {
    expect(can(actor("a", "admin"), "changeTitle", { kind: "site" }, context())).toBe(false);
    expect(can(actor("a", "admin"), "update", { kind: "site" }, context())).toBe(true);
  });

  it("applies the target user's role blueprint to users", () => {
    const target = { kind: "user", user: user("m1", "manager"), role: role("manager") } as const;
    expect(can(actor("a", "admin"), "changeEmail", target, context())).toBe(false);
    expect(can(actor("a", "admin"), "changeName", target, context())).toBe(true);
  });
});

describe("role permissions on the fixture roles (editor vs admin)", () => {
  const editor = (): NonNullable<Actor> => actor("editor01", "editor");
  const admin = (): NonNullable<Actor> => actor("admin001", "admin");

  it("gives the admin every page action on an ordinary page", () => {
    const map = optionsMap(PAGE_OPTION_KEYS, admin(), { kind: "page", page: page("notes") }, context());
    expect(map).toEqual({ ...Object.fromEntries(PAGE_OPTION_KEYS.map((key) => [key, true])), changeTemplate: false });
  });

  it("denies the editor pages.delete and pages.changeSlug only", () => {
    const map = optionsMap(PAGE_OPTION_KEYS, editor(), { kind: "page", page: page("notes") }, context());
    expect(map).toEqual({
      ...Object.fromEntries(PAGE_OPTION_KEYS.map((key) => [key, true])),
      changeTemplate: false,
      delete: false,
      changeSlug: false,
    });
  });

  it("uses the user category for oneself and the users category for others", () => {
    const self = { kind: "user", user: editor().user, role: role("editor") } as const;
    const other = { kind: "user", user: user("admin001", "admin"), role: role("admin") } as const;
    expect(can(editor(), "update", self, context())).toBe(true);
    expect(can(editor(), "changeRole", self, context())).toBe(false);
    expect(can(editor(), "delete", self, context())).toBe(false);
    expect(can(editor(), "update", other, context())).toBe(false);
    expect(can(editor(), "access", other, context())).toBe(false);
    expect(can(admin(), "update", self, context())).toBe(true);
  });

  it("lets the editor see only itself among users, and the admin everyone", () => {
    const self = editor().user;
    const other = user("admin001", "admin");
    expect(isUserListable(editor(), self, role("editor"), context())).toBe(true);
    expect(isUserAccessible(editor(), other, role("admin"), context())).toBe(false);
    expect(isUserListable(editor(), other, role("admin"), context())).toBe(false);
    expect(isUserListable(admin(), self, role("editor"), context())).toBe(true);
  });

  it("shows the editor its own role only", () => {
    expect(isRoleAccessible(editor(), role("editor"), context())).toBe(true);
    expect(isRoleAccessible(editor(), role("admin"), context())).toBe(false);
    expect(isRoleAccessible(admin(), role("editor"), context())).toBe(true);
    expect(isRoleAccessible(null, role("editor"), context())).toBe(false);
  });
});

describe("dynamic user rules (docs/kirby-compat/permissions.md)", () => {
  const adminTarget = (id = "admin001") => ({ kind: "user", user: user(id, "admin"), role: role("admin") }) as const;
  const managerTarget = () => ({ kind: "user", user: user("m2", "manager"), role: role("manager") }) as const;

  it("never lets the last admin be deleted or lose the admin role, not even by itself", () => {
    const self = actor("admin001", "admin");
    expect(can(self, "delete", adminTarget(), context(1))).toBe(false);
    expect(can(self, "changeRole", adminTarget(), context(1))).toBe(false);
    expect(can(self, "update", adminTarget(), context(1))).toBe(true);
  });

  it("lets an admin delete or demote another admin when there are two", () => {
    const first = actor("admin001", "admin");
    expect(can(first, "delete", adminTarget("admin002"), context(2))).toBe(true);
    expect(can(first, "changeRole", adminTarget("admin002"), context(2))).toBe(true);
  });

  it("never lets a non-admin change an admin's role, whatever its permissions", () => {
    const manager = actor("m1", "manager");
    expect(role("manager").permissions["users"]?.["changeRole"]).toBe(true);
    expect(can(manager, "changeRole", adminTarget(), context(2))).toBe(false);
    expect(
      can(manager, "changeRole", { kind: "user", user: user("e1", "editor"), role: role("editor") }, context(2)),
    ).toBe(true);
  });

  it("never lets a non-admin create an admin; an admin may", () => {
    const manager = actor("m1", "manager");
    expect(can(manager, "create", adminTarget("new"), context(2))).toBe(false);
    expect(can(manager, "create", managerTarget(), context(2))).toBe(true);
    expect(can(actor("admin001", "admin"), "create", adminTarget("new"), context(1))).toBe(true);
  });
});

describe("page visibility (docs/kirby-compat/permissions.md)", () => {
  it("needs read and access to see a page, and list as well to list it", () => {
    const notes = page("notes");
    expect(isPageAccessible(actor("r", "reader"), notes, context())).toBe(true);
    expect(isPageListable(actor("r", "reader"), notes, context())).toBe(false);
    expect(isPageAccessible(actor("b", "blind"), notes, context())).toBe(false);
    expect(isPageListable(actor("e", "editor"), notes, context())).toBe(true);
    expect(isPageAccessible(null, notes, context())).toBe(false);
  });
});

describe("listablePages", () => {
  const naive = (who: Actor, pages: readonly Page[]): Page[] =>
    pages.filter((item) => isPageListable(who, item, context()));

  it("returns the list itself when every template in it may be listed", () => {
    const pages = Object.freeze([page("a"), page("b", { template: "shared" }), page("c", { status: "unlisted" })]);
    expect(listablePages(actor("editor01", "editor"), pages, context())).toBe(pages);
  });

  it("leaves out the pages of templates the actor may not list, keeping the order", () => {
    const pages = Object.freeze(
      Array.from({ length: 40 }, (_, i) => page(`p${i}`, { template: i % 3 === 0 ? "closed" : "default" })),
    );
    // `options: false` hides the closed pages from the editor
    expect(listablePages(actor("editor01", "editor"), pages, context())).toHaveLength(26);
    for (const who of [actor("editor01", "editor"), actor("admin001", "admin"), actor("r", "reader"), null]) {
      expect(listablePages(who, pages, context())).toEqual(naive(who, pages));
    }
  });
});
