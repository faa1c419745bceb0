import { describe, expect, it } from "vitest";
import { allPermissions, normalisePermissions } from "../../src/accounts/permissions.js";
import { NOBODY_ROLE } from "../../src/accounts/roles.js";
import type { Role, User } from "../../src/accounts/types.js";
import {
  assertValidPassword,
  isValidEmail,
  normaliseEmail,
  normaliseName,
  stripTags,
} from "../../src/accounts/user-fields.js";
import {
  assignableRoles,
  checkChangeEmail,
  checkChangeRole,
  checkCreate,
  checkDelete,
  checkUpdate,
  creatableRoles,
  storedRoleName,
  type ActingUser,
  type UserDirectory,
  type UserDraft,
} from "../../src/permissions/user-rules.js";
import type { Blueprint, BlueprintOptionValue, BlueprintRegistry } from "../../src/blueprints/types.js";
import { SheafError } from "../../src/errors.js";

function role(name: string, permissions: unknown): Role {
  return { name, title: name, description: null, permissions: normalisePermissions(permissions, name) };
}

const ROLES: Record<string, Role> = {
  admin: { name: "admin", title: "Admin", description: null, permissions: allPermissions(true) },
  // The fixture's restricted editor.
  editor: role("editor", {
    access: { system: false, users: false },
    pages: { delete: false, changeSlug: false },
    users: false,
    user: { changeRole: false, delete: false },
  }),
  // May manage other users, but its role files below keep it from creating or assigning clients.
  manager: role("manager", { user: { changeRole: false } }),
  client: role("client", undefined),
  locked: role("locked", undefined),
  noaccess: role("noaccess", { access: { panel: false } }),
};

/** `options` of the user blueprints (the role files of the target's role). */
const BLUEPRINT_OPTIONS: Record<string, Record<string, BlueprintOptionValue>> = {
  client: { create: { manager: false }, changeRole: { manager: false } },
  locked: { update: false },
};

function blueprint(name: string): Blueprint | undefined {
  const options = BLUEPRINT_OPTIONS[name];
  if (!options) return undefined;
  return { name: `users/${name}`, title: name, fields: [], options, num: "default", status: [], raw: {} };
}

const registry: BlueprintRegistry = {
  page: () => {
    throw new Error("not used");
  },
  site: () => {
    throw new Error("not used");
  },
  user: blueprint,
  roleNames: () => Object.keys(ROLES).filter((name) => name !== "admin"),
  reload: async () => undefined,
};

function user(id: string, roleName: string, name: string | null = null): User {
  return {
    id,
    dir: `/accounts/${id}`,
    email: `${id}@example.com`,
    language: "en",
    name,
    role: roleName,
    passwordHash: null,
    secrets: {},
    passwordTimestamp: null,
    content: {},
  };
}

function directoryOf(users: User[]): UserDirectory {
  const roleOf = (candidate: User): Role => ROLES[candidate.role] ?? NOBODY_ROLE;
  return {
    users: () => users,
    findUser: (key) =>
      users.find((candidate) => (key.includes("@") ? candidate.email === key.toLowerCase() : candidate.id === key)),
    roles: () => Object.values(ROLES).sort((a, b) => a.name.localeCompare(b.name)),
    roleOf,
    findRole: (name) => ROLES[name],
    permissions: {
      blueprints: registry,
      homeId: "home",
      errorId: "error",
      adminCount: () => users.filter((candidate) => roleOf(candidate).name === "admin").length,
    },
  };
}

const admin = user("admin", "admin", "Ada Admin");
const editor = user("editor", "editor", "Ed Editor");
const manager = user("manager", "manager");
const client = user("client", "client");
const locked = user("locked", "locked");
const everyone = directoryOf([admin, editor, manager, client, locked]);

function acting(who: User, directory: UserDirectory = everyone): ActingUser {
  return { user: who, role: directory.roleOf(who) };
}

/** The Kirby error key and message a rule throws, or "ok". */
function outcome(check: () => void): string {
  try {
    check();
    return "ok";
  } catch (error) {
    if (!(error instanceof SheafError)) throw error;
    return `${error.httpCode} ${error.key}: ${error.message}`;
  }
}

function draft(changes: Partial<UserDraft> = {}): UserDraft {
  return { id: null, email: "new@example.com", role: null, language: "en", password: "LongEnough1!", ...changes };
}

function names(roles: readonly Role[]): string[] {
  return roles.map((candidate) => candidate.name);
}

describe("normalisation", () => {
  it("trims, decodes punycode domains and lower-cases e-mails", () => {
    expect(normaliseEmail("  Test@XN--exmple-cua.COM ")).toBe("test@exämple.com");
  });

  it("strips tags and comments from names like PHP's strip_tags, keeping a lone <", () => {
    expect(normaliseName("  <b>Newbie</b> ")).toBe("Newbie");
    expect(stripTags("<!-- note -->Anna <i>M.</i>")).toBe("Anna M.");
    expect(stripTags("a < b")).toBe("a < b");
    expect(stripTags("Bob <script")).toBe("Bob ");
  });

  it("accepts ordinary and IDN addresses and refuses malformed ones", () => {
    for (const email of [
      "a@b.co",
      "first.last+tag@sub.example.org",
      "o'brien@example.com",
      "test@exämple.com",
      "x@xn--exmple-cua.com",
    ]) {
      expect(isValidEmail(email), email).toBe(true);
    }
    for (const email of [
      "nope",
      "a@b",
      "a@@b.com",
      ".a@b.com",
      "a..b@c.com",
      "a.@c.com",
      "a@-b.com",
      "a@b.1com",
      "jörg@example.com",
      "a b@c.com",
      "@b.com",
      "a@",
    ]) {
      expect(isValidEmail(email), email).toBe(false);
    }
  });

  it("counts password length in characters, not bytes", () => {
    expect(outcome(() => assertValidPassword("ääääääää"))).toBe("ok");
    expect(outcome(() => assertValidPassword("😀".repeat(7)))).toContain("error.user.password.invalid");
    expect(outcome(() => assertValidPassword("x".repeat(1000)))).toBe("ok");
    expect(outcome(() => assertValidPassword("x".repeat(1001)))).toContain("error.user.password.excessive");
  });
});

describe("checkCreate (docs/kirby-compat/permissions.md)", () => {
  it("checks id, e-mail, language and password in Kirby's order", () => {
    const actor = acting(admin);
    expect(outcome(() => checkCreate(everyone, actor, draft({ id: "Nobody", email: "bad", password: "short" })))).toBe(
      '400 error.invalidArgument: "Nobody" is a reserved word and cannot be used as user id',
    );
    expect(outcome(() => checkCreate(everyone, actor, draft({ id: "EDITOR" })))).toBe(
      "400 error.duplicate: A user with this id exists",
    );
    expect(
      outcome(() => checkCreate(everyone, actor, draft({ email: "bad", language: "xx", password: "short" }))),
    ).toBe("400 error.user.email.invalid: Please enter a valid email address");
    expect(outcome(() => checkCreate(everyone, actor, draft({ email: "editor@example.com" })))).toBe(
      '400 error.user.duplicate: A user with the email address "editor@example.com" already exists',
    );
    expect(outcome(() => checkCreate(everyone, actor, draft({ language: "xx", password: "short" })))).toBe(
      "400 error.user.language.invalid: Please enter a valid language",
    );
    expect(outcome(() => checkCreate(everyone, actor, draft({ password: "short" })))).toContain(
      "400 error.user.password.invalid",
    );
    expect(outcome(() => checkCreate(everyone, actor, draft({ password: null, language: "de" })))).toBe("ok");
  });

  it("requires a password for the very first user", () => {
    expect(outcome(() => checkCreate(directoryOf([]), null, draft({ password: null })))).toContain(
      "error.user.password.invalid",
    );
    expect(outcome(() => checkCreate(directoryOf([]), null, draft({ role: "admin" })))).toBe("ok");
  });

  it("lets admins create any role, unknown names included", () => {
    for (const requested of ["admin", "client", "ghost", "default", null]) {
      expect(outcome(() => checkCreate(everyone, acting(admin), draft({ role: requested })))).toBe("ok");
    }
  });

  it("needs users.create for the new user, never for an admin, and a creatable role", () => {
    expect(outcome(() => checkCreate(everyone, acting(editor), draft({ role: "editor" })))).toBe(
      "403 error.user.create.permission: You are not allowed to create this user",
    );
    expect(outcome(() => checkCreate(everyone, acting(manager), draft({ role: "admin" })))).toContain(
      "403 error.user.create.permission",
    );
    // The client role file forbids managers to create clients.
    expect(outcome(() => checkCreate(everyone, acting(manager), draft({ role: "client" })))).toContain(
      "403 error.user.create.permission",
    );
    expect(outcome(() => checkCreate(everyone, acting(manager), draft({ role: "ghost" })))).toBe(
      "400 error.user.role.invalid: Please enter a valid role",
    );
    for (const requested of ["editor", "manager", "default", "nobody", null]) {
      expect(
        outcome(() => checkCreate(everyone, acting(manager), draft({ role: requested }))),
        String(requested),
      ).toBe("ok");
    }
    expect(names(creatableRoles(everyone, acting(manager)))).toEqual(["editor", "locked", "manager", "noaccess"]);
    expect(names(creatableRoles(everyone, acting(admin)))).toEqual(names(everyone.roles()));
  });

  it("stores unknown role names as nobody", () => {
    expect(storedRoleName(everyone, "client")).toBe("client");
    expect(storedRoleName(everyone, "default")).toBe("nobody");
    expect(storedRoleName(everyone, "ghost")).toBe("nobody");
  });
});

describe("assignableRoles", () => {
  it("gives admins every role, except that the last admin stays admin", () => {
    expect(names(assignableRoles(everyone, acting(admin), editor))).toEqual(names(everyone.roles()));
    expect(names(assignableRoles(everyone, acting(admin), admin))).toEqual(["admin"]);
    const twoAdmins = directoryOf([admin, user("second", "admin"), editor]);
    expect(names(assignableRoles(twoAdmins, acting(admin, twoAdmins), admin))).toEqual(names(everyone.roles()));
  });

  it("gives others their own role plus the roles the change is permitted to, never admin", () => {
    expect(names(assignableRoles(everyone, acting(editor), editor))).toEqual(["editor"]);
    // manager may change other users' roles (users.changeRole) but not to client (role file), nor their own role.
    expect(names(assignableRoles(everyone, acting(manager), editor))).toEqual([
      "editor",
      "locked",
      "manager",
      "noaccess",
    ]);
    expect(names(assignableRoles(everyone, acting(manager), manager))).toEqual(["manager"]);
  });
});

describe("checkChangeRole (docs/kirby-compat/permissions.md)", () => {
  it("refuses promotions to admin by non-admins before anything else", () => {
    expect(outcome(() => checkChangeRole(everyone, acting(editor), editor, "admin"))).toBe(
      "403 error.user.changeRole.toAdmin: You are not allowed to promote someone to the admin role",
    );
  });

  it("keeps the last admin an admin", () => {
    expect(outcome(() => checkChangeRole(everyone, acting(admin), admin, "editor"))).toBe(
      "400 error.user.changeRole.lastAdmin: The role of the last admin cannot be changed",
    );
    expect(outcome(() => checkChangeRole(everyone, acting(admin), admin, "admin"))).toContain(
      "403 error.user.changeRole.permission",
    );
  });

  it("needs changeRole, then an assignable role", () => {
    expect(outcome(() => checkChangeRole(everyone, acting(editor), editor, "editor"))).toBe(
      '403 error.user.changeRole.permission: You are not allowed to change the role for the user "Ed Editor"',
    );
    expect(outcome(() => checkChangeRole(everyone, acting(manager), editor, "client"))).toBe(
      "400 error.user.role.invalid: Please enter a valid role",
    );
    expect(outcome(() => checkChangeRole(everyone, acting(manager), editor, "noaccess"))).toBe("ok");
    expect(outcome(() => checkChangeRole(everyone, acting(admin), editor, "ghost"))).toContain(
      "400 error.user.role.invalid",
    );
    expect(outcome(() => checkChangeRole(everyone, acting(admin), editor, "client"))).toBe("ok");
  });
});

describe("checkDelete (docs/kirby-compat/permissions.md)", () => {
  it("protects the last admin, then the last user, then asks for permission", () => {
    expect(outcome(() => checkDelete(everyone, acting(admin), admin))).toBe(
      "400 error.user.delete.lastAdmin: The last admin cannot be deleted",
    );
    const alone = directoryOf([client]);
    expect(outcome(() => checkDelete(alone, acting(client, alone), client))).toBe(
      "400 error.user.delete.lastUser: The last user cannot be deleted",
    );
    expect(outcome(() => checkDelete(everyone, acting(editor), editor))).toBe(
      '403 error.user.delete.permission: You are not allowed to delete the user "Ed Editor"',
    );
    expect(outcome(() => checkDelete(everyone, acting(admin), editor))).toBe("ok");
    expect(outcome(() => checkDelete(everyone, acting(manager), client))).toBe("ok");
  });
});

describe("permissions from the target's role file", () => {
  it("applies blueprint options to admins too", () => {
    expect(outcome(() => checkUpdate(everyone, acting(admin), locked))).toBe(
      '403 error.user.update.permission: You are not allowed to update the user "locked@example.com"',
    );
    expect(outcome(() => checkUpdate(everyone, acting(admin), client))).toBe("ok");
  });

  it("lets users keep their own e-mail but not take another user's", () => {
    expect(outcome(() => checkChangeEmail(everyone, acting(editor), editor, "editor@example.com"))).toBe("ok");
    expect(outcome(() => checkChangeEmail(everyone, acting(editor), editor, "admin@example.com"))).toContain(
      "400 error.user.duplicate",
    );
    expect(outcome(() => checkChangeEmail(everyone, acting(editor), admin, "fresh@example.com"))).toContain(
      "403 error.user.changeEmail.permission",
    );
  });
});
