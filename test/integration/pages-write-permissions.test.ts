/**
 * Who may write pages and the site (docs/kirby-compat/permissions.md): every write route for admin, the restricted
 * editor, a role without panel access and an anonymous caller; blueprint options that override roles; the home and
 * error page rules; reserved and duplicate slugs. Every refused request must leave `content/` exactly as it was.
 */
import { createHash } from "node:crypto";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { createSheaf, type Sheaf } from "../../src/app.js";
import { BULK_PAGES, cleanUp, copySite, startSite as startTestSite } from "./helpers.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const VENDORED_FIXTURE = path.resolve(HERE, "..", "conformance", "fixture");
const FIXTURE = VENDORED_FIXTURE;

type Actor = "admin" | "editor" | "noaccess" | "anonymous" | "writer" | "drafter";

const PASSWORDS: Record<Exclude<Actor, "anonymous">, [string, string]> = {
  admin: ["admin@example.com", "AdminPass123!"],
  editor: ["editor@example.com", "EditorPass123!"],
  noaccess: ["noaccess@example.com", "NoAccessPass123!"],
  // Extra accounts written by `addAccount`; they reuse the editor's password file.
  writer: ["writer@example.com", "EditorPass123!"],
  drafter: ["drafter@example.com", "EditorPass123!"],
};

/** A role that may do everything with pages except changing titles and sorting, and may not retitle the site. */
const WRITER_ROLE = `title: Writer
permissions:
  pages:
    changeTitle: false
    sort: false
  site:
    changeTitle: false
`;

/** A role that may create and edit pages but never change a page's status. */
const DRAFTER_ROLE = `title: Drafter
permissions:
  pages:
    changeStatus: false
`;

interface SiteSetup {
  /** Files to write under `site/blueprints/` (relative path → YAML). */
  readonly blueprints?: Readonly<Record<string, string>>;
}

interface Site {
  readonly root: string;
  readonly sheaf: Sheaf;
}

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await cleanUp();
});

async function addAccount(root: string, id: string, email: string, role: string): Promise<void> {
  const accounts = path.join(root, "site", "accounts");
  await mkdir(path.join(accounts, id));
  await cp(path.join(accounts, "editor01", ".htpasswd"), path.join(accounts, id, ".htpasswd"));
  await writeFile(
    path.join(accounts, id, "index.php"),
    `<?php\n\nreturn [\n    'email' => '${email}',\n    'language' => 'en',\n    'name' => '${id}',\n    'role' => '${role}'\n];`,
  );
}

/** Sheaf on a fresh copy of the fixture (without its 200 bulk pages), Basic auth allowed over HTTP. */
async function startSite(setup: SiteSetup = {}): Promise<Site> {
  const root = await copySite(FIXTURE, [BULK_PAGES]);
  await writeFile(path.join(root, "site", "blueprints", "users", "writer.yml"), WRITER_ROLE);
  await writeFile(path.join(root, "site", "blueprints", "users", "drafter.yml"), DRAFTER_ROLE);
  await addAccount(root, "writer01", PASSWORDS.writer[0], "writer");
  await addAccount(root, "drafter1", PASSWORDS.drafter[0], "drafter");
  for (const [name, yaml] of Object.entries(setup.blueprints ?? {})) {
    await mkdir(path.dirname(path.join(root, "site", "blueprints", name)), { recursive: true });
    await writeFile(path.join(root, "site", "blueprints", name), yaml);
  }
  const { sheaf } = await startTestSite({ root, config: { api: { basicAuth: true, allowInsecure: true } } });
  return { root, sheaf };
}

interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

function basicAuth(actor: Actor): Record<string, string> {
  if (actor === "anonymous") return {};
  const [email, password] = PASSWORDS[actor];
  return { authorization: `Basic ${Buffer.from(`${email}:${password}`).toString("base64")}` };
}

async function call(
  sheaf: Sheaf,
  actor: Actor,
  method: string,
  url: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const response = await sheaf.server.inject({
    method: method as "GET",
    url: `/api/${url}`,
    headers: { ...basicAuth(actor), ...(body === undefined ? {} : { "content-type": "application/json" }), ...headers },
    ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
  });
  return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
}

/** Every path under `content/` (dot entries included) with a hash of each file's bytes. */
async function contentTree(root: string): Promise<string[]> {
  const entries: string[] = [];
  const walk = async (dir: string, relative: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      const name = relative === "" ? entry.name : `${relative}/${entry.name}`;
      if (entry.isDirectory()) {
        entries.push(`${name}/`);
        await walk(full, name);
      } else {
        entries.push(
          `${name} ${createHash("sha256")
            .update(await readFile(full))
            .digest("hex")}`,
        );
      }
    }
  };
  await walk(path.join(root, "content"), "");
  return entries.sort();
}

async function contentHash(root: string): Promise<string> {
  return createHash("sha256")
    .update((await contentTree(root)).join("\n"))
    .digest("hex");
}

type Expectation = readonly [number, string?];

const ALLOWED: Expectation = [200];
const NO_PANEL: Expectation = [401, "error.access.panel"];
const UNAUTHENTICATED: Expectation = [401, "error.auth"];

interface Row {
  readonly name: string;
  readonly method: string;
  readonly url: string;
  readonly body?: unknown;
  readonly admin: Expectation;
  readonly editor: Expectation;
}

/** §6.10 on the fixture. The editor role may not delete pages or change slugs; `notes.yml` allows changeSlug. */
const ROUTES: readonly Row[] = [
  {
    name: "create a top-level draft",
    method: "POST",
    url: "site/children",
    body: { slug: "fresh", content: { title: "Fresh" } },
    admin: ALLOWED,
    editor: ALLOWED,
  },
  {
    name: "create a top-level page as unlisted",
    method: "POST",
    url: "site/children",
    body: { slug: "fresh", isDraft: false, content: { title: "Fresh" } },
    admin: ALLOWED,
    editor: ALLOWED,
  },
  {
    name: "create a child draft",
    method: "POST",
    url: "pages/notes/children",
    body: { slug: "third-note", template: "note", content: { title: "Third" } },
    admin: ALLOWED,
    editor: ALLOWED,
  },
  {
    name: "update fields",
    method: "PATCH",
    url: "pages/notes",
    body: { intro: "Changed" },
    admin: ALLOWED,
    editor: ALLOWED,
  },
  {
    name: "status: listed to draft",
    method: "PATCH",
    url: "pages/notes+first-note/status",
    body: { status: "draft" },
    admin: ALLOWED,
    editor: ALLOWED,
  },
  {
    name: "status: listed to unlisted",
    method: "PATCH",
    url: "pages/notes+first-note/status",
    body: { status: "unlisted" },
    admin: ALLOWED,
    editor: ALLOWED,
  },
  {
    name: "status: draft to listed",
    method: "PATCH",
    url: "pages/notes+secret-draft/status",
    body: { status: "listed", position: 1 },
    admin: ALLOWED,
    editor: ALLOWED,
  },
  {
    name: "status: re-sort a listed page",
    method: "PATCH",
    url: "pages/notes+second-note/status",
    body: { status: "listed", position: 1 },
    admin: ALLOWED,
    editor: ALLOWED,
  },
  {
    name: "change title",
    method: "PATCH",
    url: "pages/notes+first-note/title",
    body: { title: "Renamed" },
    admin: ALLOWED,
    editor: ALLOWED,
  },
  {
    name: "change slug (role decides)",
    method: "PATCH",
    url: "pages/notes+first-note/slug",
    body: { slug: "renamed" },
    admin: ALLOWED,
    editor: [403, "error.page.changeSlug.permission"],
  },
  {
    name: "change slug (blueprint option changeSlug: true beats the role)",
    method: "PATCH",
    url: "pages/notes/slug",
    body: { slug: "journal" },
    admin: ALLOWED,
    editor: ALLOWED,
  },
  {
    name: "change template with a single allowed template",
    method: "PATCH",
    url: "pages/notes+first-note/template",
    body: { template: "default" },
    admin: [403, "error.page.changeTemplate.permission"],
    editor: [403, "error.page.changeTemplate.permission"],
  },
  {
    name: "delete a leaf page",
    method: "DELETE",
    url: "pages/notes+first-note",
    admin: ALLOWED,
    editor: [403, "error.page.delete.permission"],
  },
  {
    name: "delete a page with children without force",
    method: "DELETE",
    url: "pages/notes",
    admin: [400, "error.page.delete.hasChildren"],
    editor: [403, "error.page.delete.permission"],
  },
  {
    name: "delete a page with children with force",
    method: "DELETE",
    url: "pages/notes",
    body: { force: true },
    admin: ALLOWED,
    editor: [403, "error.page.delete.permission"],
  },
  {
    name: "duplicate",
    method: "POST",
    url: "pages/notes+first-note/duplicate",
    body: { slug: "first-copy" },
    admin: ALLOWED,
    editor: ALLOWED,
  },
  {
    name: "update site fields",
    method: "PATCH",
    url: "site",
    body: { description: "Changed" },
    admin: ALLOWED,
    editor: ALLOWED,
  },
  {
    name: "change site title",
    method: "PATCH",
    url: "site/title",
    body: { title: "New title" },
    admin: ALLOWED,
    editor: ALLOWED,
  },
];

/** Sends one request and checks its status and key; a refusal must not change anything on disk. */
async function expectOutcome(
  site: Site,
  actor: Actor,
  row: Pick<Row, "method" | "url" | "body">,
  [status, key]: Expectation,
): Promise<Reply> {
  const before = await contentHash(site.root);
  const reply = await call(site.sheaf, actor, row.method, row.url, row.body);
  expect({ status: reply.status, key: reply.body["key"] }, JSON.stringify(reply.body)).toEqual({
    status,
    key: status === 200 ? undefined : key,
  });
  const after = await contentHash(site.root);
  if (status === 200) expect(after, "an allowed write changes content/").not.toBe(before);
  else expect(after, "a refused write leaves content/ as it was").toBe(before);
  return reply;
}

describe("permission table of the page and site write routes (§6.10)", () => {
  for (const row of ROUTES) {
    describe(`${row.method} ${row.url} — ${row.name}`, () => {
      it("admin", async () => {
        await expectOutcome(await startSite(), "admin", row, row.admin);
      });
      it("editor", async () => {
        await expectOutcome(await startSite(), "editor", row, row.editor);
      });
    });
  }

  it("a user whose role lacks access.panel gets 401 error.access.panel on every write route, changing nothing", async () => {
    const site = await startSite();
    for (const row of ROUTES) {
      const reply = await expectOutcome(site, "noaccess", row, NO_PANEL);
      expect(reply.body["message"]).toBe("You are not allowed to access the panel");
    }
  });

  it("an anonymous caller gets 401 error.auth on every write route, changing nothing", async () => {
    const site = await startSite();
    for (const row of ROUTES) {
      const reply = await expectOutcome(site, "anonymous", row, UNAUTHENTICATED);
      expect(reply.body["message"]).toBe("Unauthenticated");
    }
  });

  it("wrong Basic credentials are refused (403 error.access.login) and change nothing", async () => {
    const site = await startSite();
    const before = await contentHash(site.root);
    const wrong = { authorization: `Basic ${Buffer.from("admin@example.com:wrong-password").toString("base64")}` };
    const reply = await call(site.sheaf, "anonymous", "PATCH", "pages/notes", { intro: "x" }, wrong);
    expect([reply.status, reply.body["key"]]).toEqual([403, "error.access.login"]);
    expect(await contentHash(site.root)).toBe(before);
  });
});

describe("refusal messages", () => {
  it("name the page by its slug", async () => {
    const site = await startSite();
    const reply = await call(site.sheaf, "editor", "DELETE", "pages/notes+first-note");
    expect(reply.body).toEqual({
      status: "error",
      message: 'You are not allowed to delete "first-note"',
      code: 403,
      key: "error.page.delete.permission",
      details: [],
    });
  });
});

describe("home and error pages (§10 row 74, §6.6)", () => {
  const cases: ReadonlyArray<readonly [string, string, string, unknown, Expectation]> = [
    ["delete home", "DELETE", "pages/home", undefined, [403, "error.page.delete.permission"]],
    ["force-delete home", "DELETE", "pages/home", { force: true }, [403, "error.page.delete.permission"]],
    ["delete error", "DELETE", "pages/error", undefined, [403, "error.page.delete.permission"]],
    [
      "change the slug of home",
      "PATCH",
      "pages/home/slug",
      { slug: "start" },
      [403, "error.page.changeSlug.permission"],
    ],
    [
      "change the slug of error",
      "PATCH",
      "pages/error/slug",
      { slug: "oops" },
      [403, "error.page.changeSlug.permission"],
    ],
    ["home to draft", "PATCH", "pages/home/status", { status: "draft" }, [400, "error.page.status.invalid"]],
    [
      "list the error page",
      "PATCH",
      "pages/error/status",
      { status: "listed" },
      [403, "error.page.changeStatus.permission"],
    ],
    [
      "change the template of error",
      "PATCH",
      "pages/error/template",
      { template: "default" },
      [403, "error.page.changeTemplate.permission"],
    ],
  ];
  for (const [name, method, url, body, expected] of cases) {
    it(`admin may not ${name}`, async () => {
      const site = await startSite();
      await expectOutcome(site, "admin", { method, url, body }, expected);
    });
  }

  it("the error page cannot become a draft either (400 before any permission check, nothing changes)", async () => {
    const site = await startSite();
    const before = await contentHash(site.root);
    const reply = await call(site.sheaf, "admin", "PATCH", "pages/error/status", { status: "draft" });
    // home and error never offer `draft`: Kirby refuses the status itself before it looks at permissions
    expect([reply.status, reply.body["key"]]).toEqual([400, "error.page.status.invalid"]);
    expect(await contentHash(site.root)).toBe(before);
  });

  it("home may still be listed and edited", async () => {
    const site = await startSite();
    await expectOutcome(site, "admin", { method: "PATCH", url: "pages/home", body: { text: "Welcome" } }, ALLOWED);
    const listed = await expectOutcome(
      site,
      "admin",
      { method: "PATCH", url: "pages/home/status", body: { status: "listed", position: 1 } },
      ALLOWED,
    );
    expect((listed.body["data"] as Record<string, unknown>)["num"]).toBe(1);
  });
});

describe("reserved top-level slugs (§10 row 75, §8.5)", () => {
  for (const slug of ["api", "API", "assets", "media", "panel"]) {
    it(`creating a top-level page "${slug}" is refused with error.page.changeSlug.reserved`, async () => {
      const site = await startSite();
      const reply = await expectOutcome(
        site,
        "admin",
        { method: "POST", url: "site/children", body: { slug, content: { title: slug } } },
        [400, "error.page.changeSlug.reserved"],
      );
      expect(reply.body["message"]).toBe(`The path of top-level pages must not start with "${slug.toLowerCase()}"`);
    });
  }

  it("renaming a top-level page to api is refused", async () => {
    const site = await startSite();
    await expectOutcome(site, "admin", { method: "PATCH", url: "pages/about/slug", body: { slug: "api" } }, [
      400,
      "error.page.changeSlug.reserved",
    ]);
  });

  it("a page below the top level may be called api", async () => {
    const site = await startSite();
    const reply = await expectOutcome(
      site,
      "admin",
      {
        method: "POST",
        url: "pages/notes/children",
        body: { slug: "api", template: "note", content: { title: "API" } },
      },
      ALLOWED,
    );
    expect((reply.body["data"] as Record<string, unknown>)["id"]).toBe("notes/api");
  });

  it("a reserved path follows the api.slug option", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "sheaf-pages-perm-"));
    cleanups.push(() => rm(root, { recursive: true, force: true }));
    await cp(FIXTURE, root, { recursive: true, filter: (source) => !source.includes(`${path.sep}3_bulk`) });
    const sheaf = await createSheaf({
      root,
      config: { api: { basicAuth: true, allowInsecure: true, slug: "rest" } },
      failureDelayMs: [0, 0],
      watch: false,
      log: () => undefined,
    });
    cleanups.push(() => sheaf.close());
    const auth = basicAuth("admin");
    const send = async (slug: string): Promise<Reply> => {
      const response = await sheaf.server.inject({
        method: "POST",
        url: "/rest/site/children",
        headers: { ...auth, "content-type": "application/json" },
        payload: JSON.stringify({ slug, content: { title: slug } }),
      });
      return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
    };
    const reserved = await send("rest");
    expect([reserved.status, reserved.body["key"]]).toEqual([400, "error.page.changeSlug.reserved"]);
    expect((await send("api")).status).toBe(200);
  });
});

describe("duplicate slugs (§8.5)", () => {
  const cases: ReadonlyArray<readonly [string, string, string, unknown, Expectation]> = [
    [
      "create a sibling of a listed page",
      "POST",
      "pages/notes/children",
      { slug: "first-note", template: "note" },
      [400, "error.page.duplicate"],
    ],
    [
      "create a sibling of a draft",
      "POST",
      "pages/notes/children",
      { slug: "secret-draft", template: "note" },
      [400, "error.page.draft.duplicate"],
    ],
    [
      "create a top-level page named like an unlisted one",
      "POST",
      "site/children",
      { slug: "home" },
      [400, "error.page.duplicate"],
    ],
    [
      "create with a slug that sanitises to an existing one",
      "POST",
      "pages/notes/children",
      { slug: "First Note", template: "note" },
      [400, "error.page.duplicate"],
    ],
    [
      "rename onto a listed sibling",
      "PATCH",
      "pages/notes+first-note/slug",
      { slug: "second-note" },
      [400, "error.page.duplicate"],
    ],
    [
      "rename onto a draft sibling",
      "PATCH",
      "pages/notes+first-note/slug",
      { slug: "secret-draft" },
      [400, "error.page.draft.duplicate"],
    ],
    [
      "duplicate onto a listed sibling",
      "POST",
      "pages/notes+first-note/duplicate",
      { slug: "second-note" },
      [400, "error.page.duplicate"],
    ],
    [
      "duplicate onto a draft sibling",
      "POST",
      "pages/notes+first-note/duplicate",
      { slug: "secret-draft" },
      [400, "error.page.draft.duplicate"],
    ],
  ];
  for (const [name, method, url, body, expected] of cases) {
    it(`${name} is refused`, async () => {
      const site = await startSite();
      await expectOutcome(site, "admin", { method, url, body }, expected);
    });
  }

  it("the duplicate message names the slug", async () => {
    const site = await startSite();
    const reply = await call(site.sheaf, "admin", "POST", "pages/notes/children", {
      slug: "first-note",
      template: "note",
    });
    expect(reply.body["message"]).toBe('A page with the URL appendix "first-note" already exists');
  });

  it("renaming a page to its own slug is not a duplicate", async () => {
    const site = await startSite();
    const before = await contentHash(site.root);
    const reply = await call(site.sheaf, "admin", "PATCH", "pages/notes+first-note/slug", { slug: "first-note" });
    expect(reply.status).toBe(200);
    expect(await contentHash(site.root)).toBe(before);
  });
});

describe("blueprint options decide before the role, for admins too (§6.5, §10 rows 76–77)", () => {
  it("options.delete: false stops an admin", async () => {
    const site = await startSite({
      blueprints: {
        "pages/note.yml": "title: Note\noptions:\n  delete: false\nfields:\n  text:\n    type: textarea\n",
      },
    });
    await expectOutcome(site, "admin", { method: "DELETE", url: "pages/notes+first-note" }, [
      403,
      "error.page.delete.permission",
    ]);
    await expectOutcome(site, "admin", { method: "DELETE", url: "pages/notes+secret-draft" }, [
      403,
      "error.page.delete.permission",
    ]);
    // a page of another template is unaffected
    await expectOutcome(site, "admin", { method: "DELETE", url: "pages/about" }, ALLOWED);
  });

  it("options.update: {'*': false, editor: true} lets the editor update and stops the admin", async () => {
    const site = await startSite({
      blueprints: {
        "pages/note.yml":
          "title: Note\noptions:\n  update:\n    '*': false\n    editor: true\nfields:\n  text:\n    type: textarea\n",
      },
    });
    const row = { method: "PATCH", url: "pages/notes+first-note", body: { text: "Edited" } };
    await expectOutcome(site, "admin", row, [403, "error.page.update.permission"]);
    await expectOutcome(site, "editor", row, ALLOWED);
  });

  it("options.delete: {editor: true} lets the editor delete although the role forbids it", async () => {
    const site = await startSite({
      blueprints: {
        "pages/note.yml": "title: Note\noptions:\n  delete:\n    editor: true\nfields:\n  text:\n    type: textarea\n",
      },
    });
    await expectOutcome(site, "editor", { method: "DELETE", url: "pages/notes+first-note" }, ALLOWED);
  });

  it("options.changeStatus: false stops publishing, unlisting and drafting", async () => {
    const site = await startSite({
      blueprints: {
        "pages/note.yml": "title: Note\noptions:\n  changeStatus: false\nfields:\n  text:\n    type: textarea\n",
      },
    });
    await expectOutcome(
      site,
      "admin",
      { method: "PATCH", url: "pages/notes+secret-draft/status", body: { status: "listed" } },
      [403, "error.page.changeStatus.permission"],
    );
    await expectOutcome(
      site,
      "admin",
      { method: "PATCH", url: "pages/notes+first-note/status", body: { status: "unlisted" } },
      [403, "error.page.changeStatus.permission"],
    );
    await expectOutcome(
      site,
      "admin",
      { method: "PATCH", url: "pages/notes+first-note/status", body: { status: "draft" } },
      [403, "error.page.changeStatus.permission"],
    );
  });

  it("options.duplicate / changeTitle / changeSlug: false stop those routes", async () => {
    const site = await startSite({
      blueprints: {
        "pages/note.yml":
          "title: Note\noptions:\n  duplicate: false\n  changeTitle: false\n  changeSlug: false\nfields:\n  text:\n    type: textarea\n",
      },
    });
    await expectOutcome(
      site,
      "admin",
      { method: "POST", url: "pages/notes+first-note/duplicate", body: { slug: "copy" } },
      [403, "error.page.duplicate.permission"],
    );
    await expectOutcome(site, "admin", { method: "PATCH", url: "pages/notes+first-note/title", body: { title: "x" } }, [
      403,
      "error.page.changeTitle.permission",
    ]);
    await expectOutcome(site, "admin", { method: "PATCH", url: "pages/notes+first-note/slug", body: { slug: "x" } }, [
      403,
      "error.page.changeSlug.permission",
    ]);
  });

  it("pages.create is judged by the new page's template blueprint", async () => {
    const site = await startSite({
      blueprints: {
        "pages/note.yml": "title: Note\noptions:\n  create: false\nfields:\n  text:\n    type: textarea\n",
      },
    });
    await expectOutcome(
      site,
      "admin",
      { method: "POST", url: "pages/notes/children", body: { slug: "n3", template: "note", content: { title: "N3" } } },
      [403, "error.page.create.permission"],
    );
    await expectOutcome(
      site,
      "admin",
      {
        method: "POST",
        url: "pages/notes/children",
        body: { slug: "n3", template: "default", content: { title: "N3" } },
      },
      ALLOWED,
    );
  });

  it("options.access: false hides the page: writes to it answer 404 error.page.notFound", async () => {
    const site = await startSite({
      blueprints: {
        "pages/note.yml": "title: Note\noptions:\n  access: false\nfields:\n  text:\n    type: textarea\n",
      },
    });
    await expectOutcome(site, "admin", { method: "PATCH", url: "pages/notes+first-note", body: { text: "x" } }, [
      404,
      "error.page.notFound",
    ]);
    await expectOutcome(site, "admin", { method: "DELETE", url: "pages/notes+first-note" }, [
      404,
      "error.page.notFound",
    ]);
    await expectOutcome(
      site,
      "admin",
      { method: "PATCH", url: "pages/notes+first-note/status", body: { status: "draft" } },
      [404, "error.page.notFound"],
    );
  });

  it("a changeTemplate list in the blueprint opens the template route", async () => {
    const site = await startSite({
      blueprints: {
        "pages/note.yml":
          "title: Note\noptions:\n  changeTemplate:\n    - note\n    - default\nfields:\n  text:\n    type: textarea\n",
      },
    });
    await expectOutcome(
      site,
      "editor",
      { method: "PATCH", url: "pages/notes+first-note/template", body: { template: "notes" } },
      [400, "error.page.changeTemplate.invalid"],
    );
    await expectOutcome(
      site,
      "editor",
      { method: "PATCH", url: "pages/notes+first-note/template", body: { template: "default" } },
      ALLOWED,
    );
  });

  it("site options.update / changeTitle: false stop the site routes", async () => {
    const site = await startSite({
      blueprints: {
        "site.yml":
          "title: Site\noptions:\n  update: false\n  changeTitle: false\nfields:\n  description:\n    type: textarea\n",
      },
    });
    await expectOutcome(site, "admin", { method: "PATCH", url: "site", body: { description: "x" } }, [
      403,
      "error.site.update.permission",
    ]);
    await expectOutcome(site, "admin", { method: "PATCH", url: "site/title", body: { title: "x" } }, [
      403,
      "error.site.changeTitle.permission",
    ]);
  });
});

describe("role permissions beyond the fixture roles", () => {
  it("a title sent through PATCH pages/<id> needs changeTitle (Sheaf rule), other fields do not", async () => {
    const site = await startSite();
    await expectOutcome(site, "writer", { method: "PATCH", url: "pages/notes", body: { title: "New" } }, [
      403,
      "error.page.changeTitle.permission",
    ]);
    await expectOutcome(
      site,
      "writer",
      { method: "PATCH", url: "pages/notes+first-note/title", body: { title: "New" } },
      [403, "error.page.changeTitle.permission"],
    );
    await expectOutcome(site, "writer", { method: "PATCH", url: "pages/notes", body: { intro: "Changed" } }, ALLOWED);
    const content = await readFile(path.join(site.root, "content", "1_notes", "notes.txt"), "utf8");
    expect(content).toContain("Title: Notes");
    expect(content).toContain("Intro: Changed");
  });

  // Field keys are case-insensitive (`TITLE` is stored as `Title`), so the title rule must see every spelling.
  it("a title sent under another spelling of the key (TITLE, Title) also needs changeTitle", async () => {
    const site = await startSite();
    for (const key of ["TITLE", "Title"]) {
      await expectOutcome(site, "writer", { method: "PATCH", url: "pages/notes", body: { intro: "x", [key]: "New" } }, [
        403,
        "error.page.changeTitle.permission",
      ]);
    }
  });

  it("a title sent under another spelling of the key to PATCH site also needs site.changeTitle", async () => {
    const site = await startSite();
    await expectOutcome(site, "writer", { method: "PATCH", url: "site", body: { TITLE: "New" } }, [
      403,
      "error.site.changeTitle.permission",
    ]);
  });

  it("a title sent through PATCH site needs site.changeTitle", async () => {
    const site = await startSite();
    await expectOutcome(site, "writer", { method: "PATCH", url: "site", body: { title: "New" } }, [
      403,
      "error.site.changeTitle.permission",
    ]);
    await expectOutcome(site, "writer", { method: "PATCH", url: "site/title", body: { title: "New" } }, [
      403,
      "error.site.changeTitle.permission",
    ]);
    await expectOutcome(site, "writer", { method: "PATCH", url: "site", body: { description: "New" } }, ALLOWED);
  });

  it("re-sorting a listed page needs pages.sort; publishing a draft does not", async () => {
    const site = await startSite();
    await expectOutcome(
      site,
      "writer",
      { method: "PATCH", url: "pages/notes+second-note/status", body: { status: "listed", position: 1 } },
      [403, "error.page.sort.permission"],
    );
    await expectOutcome(
      site,
      "writer",
      { method: "PATCH", url: "pages/notes+secret-draft/status", body: { status: "listed", position: 1 } },
      ALLOWED,
    );
  });

  it("creating a page that is not a draft also needs changeStatus", async () => {
    const site = await startSite();
    await expectOutcome(
      site,
      "drafter",
      {
        method: "POST",
        url: "pages/notes/children",
        body: { slug: "n3", template: "note", isDraft: false, content: { title: "N3" } },
      },
      [403, "error.page.changeStatus.permission"],
    );
    await expectOutcome(
      site,
      "drafter",
      { method: "POST", url: "pages/notes/children", body: { slug: "n3", template: "note", content: { title: "N3" } } },
      ALLOWED,
    );
    await expectOutcome(
      site,
      "drafter",
      { method: "PATCH", url: "pages/notes+n3/status", body: { status: "unlisted" } },
      [403, "error.page.changeStatus.permission"],
    );
  });
});

describe("session + CSRF", () => {
  async function session(sheaf: Sheaf, email: string, password: string): Promise<{ cookie: string; csrf: string }> {
    const csrfReply = await sheaf.server.inject({ method: "GET", url: "/api/auth/csrf" });
    const csrf = (JSON.parse(csrfReply.body) as { csrf: string }).csrf;
    let cookie = String(csrfReply.headers["set-cookie"] ?? "").split(";")[0] ?? "";
    const login = await sheaf.server.inject({
      method: "POST",
      url: "/api/auth/login",
      headers: { cookie, "x-csrf": csrf, "content-type": "application/json" },
      payload: JSON.stringify({ email, password, long: false }),
    });
    expect(login.statusCode).toBe(200);
    const setCookie = login.headers["set-cookie"];
    const last = (Array.isArray(setCookie) ? setCookie : [String(setCookie)])
      .filter((line) => line.startsWith("kirby_session="))
      .at(-1);
    if (last) cookie = last.split(";")[0] ?? cookie;
    return { cookie, csrf };
  }

  it("a logged-in editor writes with the CSRF token, is refused without it, and is refused by role rules", async () => {
    const site = await startSite();
    const { cookie, csrf } = await session(site.sheaf, ...PASSWORDS.editor);
    const patch = { method: "PATCH", url: "pages/notes", body: { intro: "Via session" } };
    const before = await contentHash(site.root);
    const withoutCsrf = await call(site.sheaf, "anonymous", patch.method, patch.url, patch.body, { cookie });
    expect([withoutCsrf.status, withoutCsrf.body["key"]]).toEqual([401, "error.auth"]);
    const wrongCsrf = await call(site.sheaf, "anonymous", patch.method, patch.url, patch.body, {
      cookie,
      "x-csrf": "0".repeat(64),
    });
    expect([wrongCsrf.status, wrongCsrf.body["key"]]).toEqual([401, "error.auth"]);
    expect(await contentHash(site.root)).toBe(before);

    const allowed = await call(site.sheaf, "anonymous", patch.method, patch.url, patch.body, {
      cookie,
      "x-csrf": csrf,
    });
    expect(allowed.status).toBe(200);
    expect(await readFile(path.join(site.root, "content", "1_notes", "notes.txt"), "utf8")).toContain(
      "Intro: Via session",
    );

    const afterPatch = await contentHash(site.root);
    const refused = await call(site.sheaf, "anonymous", "DELETE", "pages/notes+first-note", undefined, {
      cookie,
      "x-csrf": csrf,
    });
    expect([refused.status, refused.body["key"]]).toEqual([403, "error.page.delete.permission"]);
    expect(await contentHash(site.root)).toBe(afterPatch);
  });
});
