import { chmod, cp, mkdtemp, readdir, readFile, rm, stat, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parsePhpArrayFile } from "../../src/accounts/php-array.js";
import { verifyPassword } from "../../src/accounts/passwords.js";
import { createSheaf, type Sheaf } from "../../src/app.js";
import { verifyCookieValue } from "../../src/session/index.js";
import { FIXTURE_DIR } from "../paths.js";
import { nextSecond } from "./helpers.js";

const FIXTURE = FIXTURE_DIR;
const ADMIN = { id: "admin001", email: "admin@example.com", password: "AdminPass123!" };
const EDITOR = { id: "editor01", email: "editor@example.com", password: "EditorPass123!" };
const NOACCESS = { id: "noacc001", email: "noaccess@example.com", password: "NoAccessPass123!" };
const BCRYPT_2Y = /^\$2y\$10\$[./A-Za-z0-9]{53}$/;

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function makeWritable(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await makeWritable(full);
    else await chmod(full, 0o644);
  }
}

/** A running Sheaf on a writable copy of the conformance fixture. */
async function startSite(
  prepare?: (root: string) => Promise<void>,
): Promise<{ sheaf: Sheaf; root: string; accounts: string }> {
  const root = await mkdtemp(path.join(tmpdir(), "sheaf-users-write-"));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  await cp(FIXTURE, root, { recursive: true });
  await makeWritable(root);
  await prepare?.(root);
  const sheaf = await createSheaf({ root, config: {}, watch: false, failureDelayMs: [0, 0], log: () => undefined });
  cleanups.push(() => sheaf.close());
  return { sheaf, root, accounts: path.join(root, "site", "accounts") };
}

interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** One browser: a cookie jar with the session cookie and the session's CSRF token. */
class Client {
  private cookie: string | null = null;
  private csrf: string | null = null;

  constructor(private readonly sheaf: Sheaf) {}

  get sessionCookie(): string | null {
    return this.cookie;
  }

  get csrfToken(): string {
    return this.csrf ?? "";
  }

  async request(method: string, url: string, body?: unknown): Promise<Reply> {
    const headers: Record<string, string> = {};
    if (this.cookie) headers["cookie"] = `kirby_session=${this.cookie}`;
    if (this.csrf) headers["x-csrf"] = this.csrf;
    if (body !== undefined) headers["content-type"] = "application/json";
    const response = await this.sheaf.server.inject({
      method: method as "GET",
      url: `/api/${url}`,
      headers,
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    const setCookie = response.headers["set-cookie"];
    for (const line of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const [pair = ""] = line.split(";");
      const value = pair.slice(pair.indexOf("=") + 1);
      if (pair.startsWith("kirby_session=")) this.cookie = value === "" ? null : value;
    }
    return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
  }

  /** Fetches a session and its CSRF token (anonymous until `login`). */
  async open(): Promise<this> {
    const reply = await this.request("GET", "auth/csrf");
    this.csrf = String(reply.body["csrf"]);
    return this;
  }

  async login(email: string, password: string): Promise<Reply> {
    if (!this.csrf) await this.open();
    return this.request("POST", "auth/login", { email, password, long: false });
  }

  static async loggedIn(sheaf: Sheaf, who: { email: string; password: string }): Promise<Client> {
    const client = new Client(sheaf);
    const reply = await client.login(who.email, who.password);
    expect(reply.status).toBe(200);
    return client;
  }
}

function data(reply: Reply): Record<string, unknown> {
  return reply.body["data"] as Record<string, unknown>;
}

async function accountFolders(accounts: string): Promise<string[]> {
  return (await readdir(accounts)).filter((name) => name !== ".logins").sort();
}

async function createUser(client: Client, body: Record<string, unknown>): Promise<string> {
  const reply = await client.request("POST", "users", body);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  return String(data(reply)["id"]);
}

// ---- permission table (docs/kirby-compat/permissions.md) -------------------------------------------------------------------------------

interface Row {
  readonly name: string;
  readonly method: string;
  readonly url: string;
  readonly body?: Record<string, unknown>;
  /** Expected HTTP status and, for errors, the error key. */
  readonly expect: readonly [number, string?];
  /** For `…/roles`: the role names expected in the answer. */
  readonly roles?: readonly string[];
}

async function runRows(client: Client, rows: readonly Row[]): Promise<string[]> {
  const mismatches: string[] = [];
  for (const row of rows) {
    const reply = await client.request(row.method, row.url, row.body);
    const [status, key] = row.expect;
    const got = `${reply.status} ${String(reply.body["key"] ?? "")}`.trim();
    const wanted = `${status} ${key ?? ""}`.trim();
    if (got !== wanted)
      mismatches.push(`${row.name}: expected ${wanted}, got ${got} ${String(reply.body["message"] ?? "")}`);
    if (status === 200 && row.roles) {
      const names = (reply.body["data"] as Array<{ name: string }>).map((role) => role.name);
      if (JSON.stringify(names) !== JSON.stringify(row.roles)) mismatches.push(`${row.name}: roles ${names.join(",")}`);
    }
    if (status === 200 && row.method !== "DELETE" && !row.url.endsWith("/roles")) {
      if (reply.body["type"] !== "model" || typeof data(reply)["id"] !== "string")
        mismatches.push(`${row.name}: not a user model`);
    }
  }
  return mismatches;
}

const ROUTE_NAMES = [
  "create",
  "update self",
  "update other",
  "email self",
  "email other",
  "name self",
  "name other",
  "language self",
  "language other",
  "password other",
  "password self",
  "role self",
  "role self to admin",
  "role other",
  "roles self",
  "roles other",
  "delete self",
  "delete other",
] as const;

/** Every user write route once on the actor's own account and once on `other` (docs/kirby-compat/routes-and-envelopes.md), in ROUTE_NAMES order. */
function routeRows(
  actor: string,
  other: string,
  password: string,
  expected: Record<string, Row["expect"]>,
  roles: Record<string, string[]> = {},
): Row[] {
  const newPassword = `${password}-next`;
  const rows: Array<Omit<Row, "expect">> = [
    {
      name: "create",
      method: "POST",
      url: "users",
      body: { email: `${actor}-made@example.com`, password: "MadeUserPass1!", role: "editor" },
    },
    { name: "update self", method: "PATCH", url: "account", body: { city: "Self" } },
    { name: "update other", method: "PATCH", url: `users/${other}`, body: { city: "Other" } },
    { name: "email self", method: "PATCH", url: "account/email", body: { email: `${actor}-self@example.com` } },
    {
      name: "email other",
      method: "PATCH",
      url: `users/${other}/email`,
      body: { email: `${actor}-other@example.com` },
    },
    { name: "name self", method: "PATCH", url: "account/name", body: { name: "Self Name" } },
    { name: "name other", method: "PATCH", url: `users/${other}/name`, body: { name: "Other Name" } },
    { name: "language self", method: "PATCH", url: "account/language", body: { language: "de" } },
    { name: "language other", method: "PATCH", url: `users/${other}/language`, body: { language: "fr" } },
    {
      name: "password other",
      method: "PATCH",
      url: `users/${other}/password`,
      body: { currentPassword: password, password: "OtherPass123!" },
    },
    {
      name: "password self",
      method: "PATCH",
      url: "account/password",
      body: { currentPassword: password, password: newPassword },
    },
    { name: "role self", method: "PATCH", url: "account/role", body: { role: "editor" } },
    { name: "role self to admin", method: "PATCH", url: "account/role", body: { role: "admin" } },
    { name: "role other", method: "PATCH", url: `users/${other}/role`, body: { role: "noaccess" } },
    { name: "roles self", method: "GET", url: "account/roles" },
    { name: "roles other", method: "GET", url: `users/${other}/roles` },
    { name: "delete self", method: "DELETE", url: "account" },
    { name: "delete other", method: "DELETE", url: `users/${other}` },
  ];
  expect(rows.map((row) => row.name)).toEqual(ROUTE_NAMES);
  return rows.map((row) => {
    const expect = expected[row.name];
    if (!expect) throw new Error(`no expectation for ${row.name}`);
    const listed = roles[row.name];
    return listed ? { ...row, expect, roles: listed } : { ...row, expect };
  });
}

describe("permission of every user write route (docs/kirby-compat/permissions.md)", () => {
  it("lets an admin do everything except demoting or deleting the last admin", async () => {
    const { sheaf } = await startSite();
    const admin = await Client.loggedIn(sheaf, ADMIN);
    const other = await createUser(admin, { email: "target@example.com", password: "TargetPass123!", role: "editor" });
    const rows = routeRows(
      "admin",
      other,
      ADMIN.password,
      {
        create: [200],
        "update self": [200],
        "update other": [200],
        "email self": [200],
        "email other": [200],
        "name self": [200],
        "name other": [200],
        "language self": [200],
        "language other": [200],
        "password other": [200],
        "password self": [200],
        "role self": [400, "error.user.changeRole.lastAdmin"],
        // The only admin may keep the role, but the last admin's role cannot be changed at all.
        "role self to admin": [403, "error.user.changeRole.permission"],
        "role other": [200],
        "roles self": [200],
        "roles other": [200],
        "delete self": [400, "error.user.delete.lastAdmin"],
        "delete other": [200],
      },
      { "roles self": ["admin"], "roles other": ["admin", "editor", "noaccess"] },
    );
    expect(await runRows(admin, rows)).toEqual([]);
  });

  it("limits the restricted editor to their own account, without role change or delete", async () => {
    const { sheaf } = await startSite();
    const editor = await Client.loggedIn(sheaf, EDITOR);
    const notFound = [404, "error.user.notFound"] as const;
    const rows = routeRows(
      "editor",
      ADMIN.id,
      EDITOR.password,
      {
        create: [403, "error.user.create.permission"],
        "update self": [200],
        "update other": notFound,
        "email self": [200],
        "email other": notFound,
        "name self": [200],
        "name other": notFound,
        "language self": [200],
        "language other": notFound,
        "password other": notFound,
        "password self": [200],
        "role self": [403, "error.user.changeRole.permission"],
        "role self to admin": [403, "error.user.changeRole.toAdmin"],
        "role other": notFound,
        "roles self": [200],
        "roles other": notFound,
        "delete self": [403, "error.user.delete.permission"],
        "delete other": notFound,
      },
      { "roles self": ["editor"] },
    );
    expect(await runRows(editor, rows)).toEqual([]);
  });

  it("refuses every route to a user without panel access and to anonymous callers", async () => {
    const { sheaf, accounts } = await startSite();
    const before = await readFile(path.join(accounts, EDITOR.id, "index.php"), "utf8");
    const noAccess = await Client.loggedIn(sheaf, NOACCESS);
    const anonymous = await new Client(sheaf).open();
    const everyRoute = (status: number, key: string): Record<string, Row["expect"]> =>
      Object.fromEntries(ROUTE_NAMES.map((name) => [name, [status, key]]));
    expect(
      await runRows(
        noAccess,
        routeRows("noaccess", EDITOR.id, NOACCESS.password, everyRoute(401, "error.access.panel")),
      ),
    ).toEqual([]);
    expect(await runRows(anonymous, routeRows("anon", EDITOR.id, "x", everyRoute(401, "error.auth")))).toEqual([]);
    expect(await readFile(path.join(accounts, EDITOR.id, "index.php"), "utf8")).toBe(before);
    expect(await accountFolders(accounts)).toEqual([ADMIN.id, EDITOR.id, NOACCESS.id]);
  });
});

// ---- files on disk ---------------------------------------------------------------------------------------------

describe("POST users", () => {
  it("writes index.php in the fixture's layout, a $2y$10$ .htpasswd and user.txt without credentials", async () => {
    const { sheaf, accounts } = await startSite();
    const admin = await Client.loggedIn(sheaf, ADMIN);
    const reply = await admin.request("POST", "users", {
      email: "  Newbie@Example.COM ",
      password: "NewbiePass123!",
      role: "Editor",
      name: "  <b>Ed Editor</b> ",
      language: "en",
      content: { city: "Berlin", Email: "leak@example.com", password: "leak", notes: "line one\nline two" },
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(reply.body["type"]).toBe("model");
    const user = data(reply);
    expect(user["id"]).toMatch(/^[A-Za-z0-9]{8}$/);
    expect(user).toMatchObject({
      email: "newbie@example.com",
      name: "Ed Editor",
      language: "en",
      username: "Ed Editor",
    });
    expect(user["content"]).toEqual({ city: "Berlin", notes: "line one\nline two" });
    expect((user["role"] as Record<string, unknown>)["name"]).toBe("editor");

    const dir = path.join(accounts, String(user["id"]));
    const fixtureLayout = (await readFile(path.join(FIXTURE, "site/accounts/editor01/index.php"), "utf8")).replace(
      "editor@example.com",
      "newbie@example.com",
    );
    expect(await readFile(path.join(dir, "index.php"), "utf8")).toBe(fixtureLayout);
    expect(parsePhpArrayFile(fixtureLayout)).toEqual({
      email: "newbie@example.com",
      language: "en",
      name: "Ed Editor",
      role: "editor",
    });

    const hash = await readFile(path.join(dir, ".htpasswd"), "utf8");
    expect(hash).toMatch(BCRYPT_2Y);
    expect(await verifyPassword("NewbiePass123!", hash)).toBe(true);
    expect(await readFile(path.join(dir, "user.txt"), "utf8")).toBe(
      "City: Berlin\n\n----\n\nNotes:\n\nline one\nline two",
    );
    expect((await readdir(dir)).sort()).toEqual([".htpasswd", "index.php", "user.txt"]);
    expect(await accountFolders(accounts)).toEqual([ADMIN.id, EDITOR.id, NOACCESS.id, String(user["id"])].sort());

    // The new user can log in at once.
    expect((await new Client(sheaf).login("newbie@example.com", "NewbiePass123!")).status).toBe(200);
  });

  it("stores NULL for a missing name, the panel language, nobody for an unknown role, and escapes quotes", async () => {
    const { sheaf, accounts } = await startSite();
    const admin = await Client.loggedIn(sheaf, ADMIN);
    const plain = await createUser(admin, { email: "plain@example.com", password: "PlainPass123!" });
    expect(await readFile(path.join(accounts, plain, "index.php"), "utf8")).toBe(
      "<?php\n\nreturn [\n    'email' => 'plain@example.com',\n    'language' => 'en',\n    'name' => NULL,\n    'role' => 'nobody'\n];",
    );
    expect(await readFile(path.join(accounts, plain, "user.txt"), "utf8")).toBe("");

    const quoted = await createUser(admin, {
      email: "quote@example.com",
      password: "QuotePass123!",
      name: "O'Brien \\ Co",
      role: "ghost",
    });
    const text = await readFile(path.join(accounts, quoted, "index.php"), "utf8");
    expect(text).toContain("    'name' => 'O\\'Brien \\\\ Co',\n    'role' => 'nobody'\n];");
    expect(parsePhpArrayFile(text)["name"]).toBe("O'Brien \\ Co");
  });

  it("refuses invalid input with Kirby's errors, in Kirby's order, and writes nothing", async () => {
    const { sheaf, accounts } = await startSite();
    const admin = await Client.loggedIn(sheaf, ADMIN);
    const cases: Array<[Record<string, unknown>, number, string, string]> = [
      [{ email: "nope", password: "short" }, 400, "error.user.email.invalid", "Please enter a valid email address"],
      [
        { email: "ADMIN@example.com", password: "LongEnough1!" },
        400,
        "error.user.duplicate",
        'A user with the email address "admin@example.com" already exists',
      ],
      [
        { email: "fresh@example.com", password: "LongEnough1!", language: "xx" },
        400,
        "error.user.language.invalid",
        "Please enter a valid language",
      ],
      [
        { email: "fresh@example.com", password: "short" },
        400,
        "error.user.password.invalid",
        "Please enter a valid password. Passwords must be at least 8 characters long.",
      ],
      [
        { email: "fresh@example.com", password: "x".repeat(1001) },
        400,
        "error.user.password.excessive",
        "Please enter a valid password. Passwords must not be longer than 1000 characters.",
      ],
      [
        { id: "kirby", email: "fresh@example.com" },
        400,
        "error.invalidArgument",
        '"kirby" is a reserved word and cannot be used as user id',
      ],
      [{ id: "editor01", email: "fresh@example.com" }, 400, "error.duplicate", "A user with this id exists"],
      [
        { id: "../escape", email: "fresh@example.com" },
        400,
        "error.invalidArgument",
        '"../escape" cannot be used as user id',
      ],
    ];
    for (const [body, status, key, message] of cases) {
      const reply = await admin.request("POST", "users", body);
      expect({ status: reply.status, key: reply.body["key"], message: reply.body["message"] }).toEqual({
        status,
        key,
        message,
      });
    }
    expect(await accountFolders(accounts)).toEqual([ADMIN.id, EDITOR.id, NOACCESS.id]);
  });

  it("accepts a chosen id and serialises concurrent creations of the same e-mail", async () => {
    const { sheaf, accounts } = await startSite();
    const admin = await Client.loggedIn(sheaf, ADMIN);
    expect(await createUser(admin, { id: "chosen_id", email: "chosen@example.com", password: "ChosenPass1!" })).toBe(
      "chosen_id",
    );
    const replies = await Promise.all(
      [1, 2, 3].map(() => admin.request("POST", "users", { email: "race@example.com", password: "RacePass123!" })),
    );
    expect(replies.map((reply) => reply.status).sort()).toEqual([200, 400, 400]);
    expect(replies.filter((reply) => reply.status === 400).map((reply) => reply.body["key"])).toEqual([
      "error.user.duplicate",
      "error.user.duplicate",
    ]);
    expect(sheaf.accounts.users().filter((user) => user.email === "race@example.com")).toHaveLength(1);
    expect((await readdir(accounts)).filter((name) => name.startsWith("."))).toEqual([]);
  });
});

describe("PATCH users/<id> and the credential routes", () => {
  it("updates user.txt from the body and ignores credential keys", async () => {
    const { sheaf, accounts } = await startSite();
    const admin = await Client.loggedIn(sheaf, ADMIN);
    const before = await readFile(path.join(accounts, EDITOR.id, "index.php"), "utf8");
    const reply = await admin.request("PATCH", `users/${EDITOR.id}`, {
      city: "Paris",
      email: "hack@example.com",
      Role: "admin",
      password: "Hijacked123!",
    });
    expect(reply.status).toBe(200);
    expect(data(reply)["content"]).toEqual({ city: "Paris" });
    expect(data(reply)["email"]).toBe(EDITOR.email);
    expect(await readFile(path.join(accounts, EDITOR.id, "user.txt"), "utf8")).toBe("City: Paris");
    expect(await readFile(path.join(accounts, EDITOR.id, "index.php"), "utf8")).toBe(before);

    // Later updates merge into what is stored.
    await admin.request("PATCH", `users/${EDITOR.id}`, { street: "Main St" });
    expect(await readFile(path.join(accounts, EDITOR.id, "user.txt"), "utf8")).toBe(
      "City: Paris\n\n----\n\nStreet: Main St",
    );
    expect(data(await admin.request("GET", `users/${EDITOR.id}`))["content"]).toEqual({
      city: "Paris",
      street: "Main St",
    });
  });

  it("rewrites index.php in place for e-mail, name, language and role, keeping the key order", async () => {
    const { sheaf, accounts } = await startSite();
    const admin = await Client.loggedIn(sheaf, ADMIN);
    expect(
      (await admin.request("PATCH", "users/editor@example.com/email", { email: " Ed.New@Example.com " })).status,
    ).toBe(200);
    const name = await admin.request("PATCH", `users/${EDITOR.id}/name`, { name: " <i>Eddie</i> " });
    expect(data(name)).toMatchObject({ name: "Eddie", username: "Eddie" });
    expect((await admin.request("PATCH", `users/${EDITOR.id}/language`, { language: " de " })).status).toBe(200);
    const role = await admin.request("PATCH", `users/${EDITOR.id}/role`, { role: " NoAccess " });
    expect((data(role)["role"] as Record<string, unknown>)["name"]).toBe("noaccess");
    expect(await readFile(path.join(accounts, EDITOR.id, "index.php"), "utf8")).toBe(
      "<?php\n\nreturn [\n    'email' => 'ed.new@example.com',\n    'language' => 'de',\n    'name' => '<i>Eddie</i>',\n    'role' => 'noaccess'\n];",
    );
    expect(sheaf.accounts.findUser("ED.NEW@example.com")?.id).toBe(EDITOR.id);
    expect(sheaf.accounts.findUser(EDITOR.email)).toBeUndefined();

    const duplicate = await admin.request("PATCH", `users/${EDITOR.id}/email`, { email: "ADMIN@example.com" });
    expect([duplicate.status, duplicate.body["key"]]).toEqual([400, "error.user.duplicate"]);
    const invalidRole = await admin.request("PATCH", `users/${EDITOR.id}/role`, { role: "ghost" });
    expect([invalidRole.status, invalidRole.body["key"], invalidRole.body["message"]]).toEqual([
      400,
      "error.user.role.invalid",
      "Please enter a valid role",
    ]);
    const invalidLanguage = await admin.request("PATCH", `users/${EDITOR.id}/language`, { language: "xx" });
    expect([invalidLanguage.status, invalidLanguage.body["key"]]).toEqual([400, "error.user.language.invalid"]);
  });

  it("lets a second admin demote the first, after which the remaining admin is protected", async () => {
    const { sheaf } = await startSite();
    const admin = await Client.loggedIn(sheaf, ADMIN);
    const second = await createUser(admin, { email: "second@example.com", password: "SecondPass1!", role: "admin" });
    const roles = await admin.request("GET", "account/roles");
    expect((roles.body["data"] as Array<{ name: string }>).map((role) => role.name)).toEqual([
      "admin",
      "editor",
      "noaccess",
    ]);
    const demoted = await admin.request("PATCH", "account/role", { role: "editor" });
    expect(demoted.status).toBe(200);
    // The acting session now renders with the new role.
    expect((data(demoted)["options"] as Record<string, boolean>)["changeRole"]).toBe(false);
    const secondAdmin = await Client.loggedIn(sheaf, { email: "second@example.com", password: "SecondPass1!" });
    const last = await secondAdmin.request("DELETE", `users/${second}`);
    expect([last.status, last.body["key"], last.body["message"]]).toEqual([
      400,
      "error.user.delete.lastAdmin",
      "The last admin cannot be deleted",
    ]);
  });
});

describe("DELETE users/<id>", () => {
  it("removes the folder without leftovers and the user is gone at once", async () => {
    const { sheaf, accounts } = await startSite();
    const admin = await Client.loggedIn(sheaf, ADMIN);
    const editor = await Client.loggedIn(sheaf, EDITOR);
    const reply = await admin.request("DELETE", `users/${EDITOR.id}`);
    expect(reply).toEqual({ status: 200, body: { status: "ok", message: "ok", code: 200 } });
    expect(await accountFolders(accounts)).toEqual([ADMIN.id, NOACCESS.id]);
    const gone = await admin.request("GET", `users/${EDITOR.id}`);
    expect([gone.status, gone.body["key"]]).toEqual([404, "error.user.notFound"]);
    expect((await editor.request("GET", "auth")).status).toBe(401);
  });

  it("refuses to delete the last user", async () => {
    const { sheaf, accounts } = await startSite(async (root) => {
      // A site whose only account is a non-admin allowed to delete itself.
      await writeFile(path.join(root, "site/blueprints/users/writer.yml"), "title: Writer\n");
      const credentials = path.join(root, "site/accounts", EDITOR.id, "index.php");
      await writeFile(credentials, (await readFile(credentials, "utf8")).replace("'editor'", "'writer'"));
      for (const id of [ADMIN.id, NOACCESS.id]) await rm(path.join(root, "site/accounts", id), { recursive: true });
    });
    const writer = await Client.loggedIn(sheaf, EDITOR);
    expect((data(await writer.request("GET", "account"))["options"] as Record<string, boolean>)["delete"]).toBe(true);
    const reply = await writer.request("DELETE", "account");
    expect(reply.body).toEqual({
      status: "error",
      message: "The last user cannot be deleted",
      code: 400,
      key: "error.user.delete.lastUser",
      details: [],
    });
    expect(await accountFolders(accounts)).toEqual([EDITOR.id]);
  });

  it("keeps the last admin even when every other user is gone", async () => {
    const { sheaf, accounts } = await startSite();
    const admin = await Client.loggedIn(sheaf, ADMIN);
    const secondAdmin = await createUser(admin, {
      email: "second@example.com",
      password: "SecondPass1!",
      role: "admin",
    });
    for (const id of [EDITOR.id, NOACCESS.id, secondAdmin])
      expect((await admin.request("DELETE", `users/${id}`)).status).toBe(200);
    const last = await admin.request("DELETE", "account");
    expect([last.status, last.body["key"]]).toEqual([400, "error.user.delete.lastAdmin"]);
    expect(await accountFolders(accounts)).toEqual([ADMIN.id]);
  });
});

describe("crash safety of account folders", () => {
  it("never reads a half-created or half-deleted folder as an account, and sweeps such leftovers away", async () => {
    const deleted = ".deleted-0123456789abcdef";
    const staging = ".creating-0123456789abcdef";
    const { sheaf, accounts } = await startSite(async (root) => {
      const base = path.join(root, "site/accounts");
      // What a crash leaves behind: complete account files under the hidden names used while deleting/creating.
      await cp(path.join(base, EDITOR.id), path.join(base, deleted), { recursive: true });
      await cp(path.join(base, NOACCESS.id), path.join(base, staging), { recursive: true });
      const anHourAgo = new Date(Date.now() - 3600_000);
      await utimes(path.join(base, staging), anHourAgo, anHourAgo);
    });
    expect(sheaf.accounts.users().map((candidate) => candidate.id)).toEqual([ADMIN.id, EDITOR.id, NOACCESS.id]);
    const admin = await Client.loggedIn(sheaf, ADMIN);
    expect((await admin.request("GET", `users/${deleted}`)).status).toBe(404);
    await createUser(admin, { email: "after-crash@example.com", password: "AfterCrash123!" });
    expect(
      (await readdir(accounts)).filter((name) => name.startsWith(".deleted-") || name.startsWith(".creating-")),
    ).toEqual([]);
  });
});

// ---- password change (docs/kirby-compat/auth-and-sessions.md) --------------------------------------------------------------

describe("PATCH …/password", () => {
  it("needs the acting user's current password: missing ⇒ 400, wrong ⇒ 401", async () => {
    const { sheaf } = await startSite();
    const editor = await Client.loggedIn(sheaf, EDITOR);
    const missing = await editor.request("PATCH", "account/password", { password: "BrandNewPass1!" });
    expect(missing).toEqual({
      status: 400,
      body: {
        status: "error",
        message: "Please enter a valid password. Passwords must be at least 8 characters long.",
        code: 400,
        key: "error.user.password.invalid",
        details: [],
      },
    });
    const wrong = await editor.request("PATCH", "account/password", {
      currentPassword: "NotThePassword1",
      password: "BrandNewPass1!",
    });
    expect(wrong).toEqual({
      status: 401,
      body: { status: "error", message: "Wrong password", code: 401, key: "error.user.password.wrong", details: [] },
    });
    const short = await editor.request("PATCH", "account/password", {
      currentPassword: EDITOR.password,
      password: "short",
    });
    expect([short.status, short.body["key"]]).toEqual([400, "error.user.password.invalid"]);
    // The editor session is still fine: nothing was changed.
    expect((await editor.request("GET", "auth")).status).toBe(200);
  });

  it("logs the user out of their other sessions while the acting session survives", async () => {
    const { sheaf, accounts } = await startSite();
    const acting = await Client.loggedIn(sheaf, EDITOR);
    const other = await Client.loggedIn(sheaf, EDITOR);
    const oldCookie = acting.sessionCookie;
    await nextSecond();
    const reply = await acting.request("PATCH", "account/password", {
      currentPassword: EDITOR.password,
      password: "FreshEditor123!",
    });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect(data(reply)["id"]).toBe(EDITOR.id);
    expect(acting.sessionCookie).not.toBe(oldCookie);

    const hash = await readFile(path.join(accounts, EDITOR.id, ".htpasswd"), "utf8");
    expect(hash).toMatch(BCRYPT_2Y);
    expect(await verifyPassword("FreshEditor123!", hash)).toBe(true);

    expect((await acting.request("GET", "auth")).status).toBe(200);
    // the acting client's old token forwards to its renewed session for the grace period (docs/kirby-compat/auth-and-sessions.md)
    const viaOldToken = await sheaf.server.inject({
      method: "GET",
      url: "/api/auth",
      headers: { cookie: `kirby_session=${oldCookie}`, "x-csrf": acting.csrfToken },
    });
    expect(viaOldToken.statusCode).toBe(200);
    expect(viaOldToken.headers["set-cookie"]).toBeUndefined();
    expect((await other.request("GET", "auth")).body["key"]).toBe("error.auth");
    expect((await new Client(sheaf).login(EDITOR.email, EDITOR.password)).status).toBe(403);
    expect((await new Client(sheaf).login(EDITOR.email, "FreshEditor123!")).status).toBe(200);
  });

  it("checks the admin's own password when an admin sets another user's, and logs that user out", async () => {
    const { sheaf } = await startSite();
    const admin = await Client.loggedIn(sheaf, ADMIN);
    const editor = await Client.loggedIn(sheaf, EDITOR);
    await nextSecond();
    const withEditorPassword = await admin.request("PATCH", `users/${EDITOR.id}/password`, {
      currentPassword: EDITOR.password,
      password: "SetByAdmin123!",
    });
    expect(withEditorPassword.status).toBe(401);
    const reply = await admin.request("PATCH", `users/${EDITOR.id}/password`, {
      currentPassword: ADMIN.password,
      password: "SetByAdmin123!",
    });
    expect(reply.status).toBe(200);
    expect((await editor.request("GET", "auth")).status).toBe(401);
    expect((await admin.request("GET", "auth")).status).toBe(200);
  });

  it("needs no current password in a password-reset session, and uses the reset up", async () => {
    const { sheaf } = await startSite();
    const editor = await Client.loggedIn(sheaf, EDITOR);
    const sessionOf = async () => {
      const token = verifyCookieValue(decodeURIComponent(editor.sessionCookie ?? ""), sheaf.options.cookieKey);
      const session = token ? await sheaf.sessions.load(token, "cookie") : null;
      if (!session) throw new Error("no session");
      return session;
    };
    const session = await sessionOf();
    session.set("kirby.resetPassword", true);
    await sheaf.sessions.commit(session);

    const reply = await editor.request("PATCH", "account/password", { password: "ResetEditor123!" });
    expect(reply.status, JSON.stringify(reply.body)).toBe(200);
    expect((await sessionOf()).get("kirby.resetPassword")).toBeUndefined();
    const again = await editor.request("PATCH", "account/password", { password: "ResetAgain123!" });
    expect([again.status, again.body["key"]]).toEqual([400, "error.user.password.invalid"]);
    expect((await editor.request("GET", "auth")).status).toBe(200);
  });

  it("writes .htpasswd atomically with mode 0600", async () => {
    const { sheaf, accounts } = await startSite();
    const admin = await Client.loggedIn(sheaf, ADMIN);
    await admin.request("PATCH", `users/${EDITOR.id}/password`, {
      currentPassword: ADMIN.password,
      password: "ModeCheck123!",
    });
    expect((await stat(path.join(accounts, EDITOR.id, ".htpasswd"))).mode & 0o777).toBe(0o600);
    expect((await readdir(path.join(accounts, EDITOR.id))).sort()).toEqual([".htpasswd", "index.php", "user.txt"]);
  });
});
