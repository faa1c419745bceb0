/**
 * Hostile request input: template names that walk out of the page folder, field selection that reaches object
 * internals, key spellings that dodge the title permission, UUID updates, pagination values and encodings that
 * used to answer 500, and inputs large enough to stall the event loop. Every refused write leaves the disk as it was.
 */
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN,
  bearer,
  cleanUp,
  copySite,
  createToken,
  dataOf,
  EDITOR,
  startSite,
  type Client,
  type Reply,
  type TestSite,
} from "./helpers.js";

const INVALID_ARGUMENT = { status: "error", code: 400, key: "error.invalidArgument", details: [] };

function expectInvalidArgument(reply: Reply): void {
  expect(reply.status).toBe(400);
  expect(reply.body).toMatchObject(INVALID_ARGUMENT);
}

/** Every file below a folder, as relative paths, sorted. */
async function tree(folder: string): Promise<string[]> {
  const entries = await readdir(folder, { recursive: true });
  return entries.map((entry) => entry.split(path.sep).join("/")).sort();
}

/** A site whose editors may not change titles (of pages or of the site). */
async function startSiteWithoutTitleChanges(): Promise<TestSite> {
  const root = await copySite();
  const file = path.join(root, "site", "blueprints", "users", "editor.yml");
  const blueprint = await readFile(file, "utf8");
  await writeFile(
    file,
    blueprint
      .replace("  pages:\n", "  pages:\n    changeTitle: false\n")
      .replace(/\n*$/, "\n  site:\n    changeTitle: false\n"),
  );
  return startSite({ root });
}

let site: TestSite;
let admin: Client;

/** Bodies up to 32 MB, so that the per-field caps, not the body limit (tested in security-http), meet huge values. */
const LARGE_BODIES = { configOverrides: { "api.maxBodySize": 32 * 1024 * 1024 } };

beforeAll(async () => {
  site = await startSite({ extra: LARGE_BODIES });
  admin = await site.client().loginOrThrow(ADMIN);
});

afterAll(cleanUp);

describe("template path traversal on page creation (rule y)", () => {
  it.each([
    ["../../../../tmp/sheaf-traversal"],
    ["../escaped"],
    ["..\\escaped"],
    ["note/../../x"],
    [""],
    ["note.txt"],
    ["a b"],
    ["note\u0000"],
    ["x".repeat(256)],
    ["/etc/passwd"],
  ])("refuses the template %j with 400 and writes nothing", async (template) => {
    const before = await tree(site.root);
    for (const url of ["/api/site/children", "/api/pages/notes/children"]) {
      const reply = await admin.request("POST", url, {
        withCsrf: true,
        json: { slug: "traversal", template, content: { title: "T" } },
      });
      expectInvalidArgument(reply);
    }
    expect(await tree(site.root)).toEqual(before);
    expect(existsSync(path.join(site.root, "..", "escaped.txt"))).toBe(false);
    expect(existsSync("/tmp/sheaf-traversal.txt")).toBe(false);
  });

  it("refuses a template that is not text (null, a list) with 400", async () => {
    for (const template of [null, ["note"], { name: "note" }, true]) {
      expectInvalidArgument(
        await admin.request("POST", "/api/site/children", { withCsrf: true, json: { slug: "typed", template } }),
      );
    }
  });

  it("refuses a traversing template even below a page that does not exist", async () => {
    const reply = await admin.request("POST", "/api/pages/missing/children", {
      withCsrf: true,
      json: { slug: "x", template: "../x" },
    });
    expectInvalidArgument(reply);
  });

  it("accepts plain names lower-cased: NOTE is note, an unknown plain name uses the default blueprint", async () => {
    const upper = await admin.request("POST", "/api/pages/notes/children", {
      withCsrf: true,
      json: { slug: "upper-note", template: "NOTE" },
    });
    expect(upper.status).toBe(200);
    expect(dataOf(upper)["template"]).toBe("note");
    expect(await readdir(path.join(site.root, "content", "1_notes", "_drafts", "upper-note"))).toEqual(["note.txt"]);
    const unknown = await admin.request("POST", "/api/site/children", {
      withCsrf: true,
      json: { slug: "plain-unknown", template: "Some_thing-2" },
    });
    expect(unknown.status).toBe(200);
    expect(await readdir(path.join(site.root, "content", "_drafts", "plain-unknown"))).toEqual(["some_thing-2.txt"]);
    const omitted = await admin.request("POST", "/api/site/children", {
      withCsrf: true,
      json: { slug: "no-template" },
    });
    expect(dataOf(omitted)["template"]).toBe("default");
  });

  it("refuses a traversing template when changing a page's template, and leaves the page as it was", async () => {
    const before = await tree(site.root);
    const reply = await admin.request("PATCH", "/api/pages/notes/template", {
      withCsrf: true,
      json: { template: "../../../x" },
    });
    expectInvalidArgument(reply);
    expect(await tree(site.root)).toEqual(before);
  });
});

describe("field selection reaches only declared fields", () => {
  it.each([
    ["constructor"],
    ["__proto__"],
    ["hasOwnProperty"],
    ["toString"],
    ["valueOf"],
    ["__defineGetter__"],
    ["isPrototypeOf"],
  ])("answers select=%s with an empty selection and no internals", async (name) => {
    for (const url of [
      `/api/users/${ADMIN.id}?select=${name}`,
      `/api/system?select=${name}`,
      `/api/site?select=${name}`,
      `/api/pages/notes?select=${name}`,
    ]) {
      const reply = await admin.get(url);
      expect(reply.status).toBe(200);
      expect(dataOf(reply)).toEqual([]);
      expect(reply.text).not.toContain("$2y$");
      expect(reply.text).not.toContain(site.root);
    }
  });

  it("keeps declared fields next to prototype names (select=constructor,id)", async () => {
    const reply = await admin.get(`/api/users/${ADMIN.id}?select=constructor,id,__proto__`);
    expect(dataOf(reply)).toEqual({ id: ADMIN.id });
  });

  it("never answers 500 for view=constructor or other prototype names", async () => {
    for (const view of ["constructor", "__proto__", "toString"]) {
      for (const url of [
        `/api/users/${ADMIN.id}?view=${view}`,
        `/api/pages/notes?view=${view}`,
        `/api/roles/admin?view=${view}`,
      ]) {
        const reply = await admin.get(url);
        expect(reply.status).toBeLessThan(500);
        expect(reply.text).not.toContain("$2y$");
      }
    }
  });

  it("answers a select of 30+ unknown fields (prototype members among them) with 200 and an empty selection", async () => {
    const prototypeNames = Object.getOwnPropertyNames(Object.prototype);
    const select = [...prototypeNames, ...Array.from({ length: 30 }, (_, index) => `unknown${index}`)].join(",");
    const reply = await admin.get(`/api/pages/notes?select=${select}`);
    expect(reply.status).toBe(200);
    expect(dataOf(reply)).toEqual([]);
    const list = await admin.get(`/api/pages/notes/children?select=${select}`);
    expect(list.status).toBe(200);
  });

  it("refuses a select longer than 4,096 characters or naming more than 100 fields with a clear 400", async () => {
    const long = await admin.get(`/api/site?select=${"a".repeat(4097)}`);
    expectInvalidArgument(long);
    expect((long.body as { message: string }).message).toContain("4096");
    const many = await admin.get(
      `/api/site?select=${Array.from({ length: 101 }, (_, index) => `f${index}`).join(",")}`,
    );
    expectInvalidArgument(many);
    expect((many.body as { message: string }).message).toContain("100 fields");
  });
});

describe("changeTitle cannot be dodged by key spelling", () => {
  let restricted: TestSite;
  let editor: Client;

  beforeAll(async () => {
    restricted = await startSiteWithoutTitleChanges();
    editor = await restricted.client().loginOrThrow(EDITOR);
  });

  it.each([["title!"], ["Title-"], ["títle"], ["TITLE_"], [" Title "], ["TITLE"], ["title?"]])(
    "refuses an editor without changeTitle who sends %j, for a page and the site",
    async (key) => {
      const before = await tree(path.join(restricted.root, "content"));
      const page = await editor.request("PATCH", "/api/pages/notes", { withCsrf: true, json: { [key]: "Hijacked" } });
      expect(page.status).toBe(403);
      expect(page.body).toMatchObject({ key: "error.page.changeTitle.permission" });
      const siteReply = await editor.request("PATCH", "/api/site", { withCsrf: true, json: { [key]: "Hijacked" } });
      expect(siteReply.status).toBe(403);
      expect(siteReply.body).toMatchObject({ key: "error.site.changeTitle.permission" });
      expect(await tree(path.join(restricted.root, "content"))).toEqual(before);
      expect(await readFile(path.join(restricted.root, "content", "1_notes", "notes.txt"), "utf8")).not.toContain(
        "Hijacked",
      );
    },
  );

  it("still lets the editor change other fields", async () => {
    const reply = await editor.request("PATCH", "/api/pages/notes", { withCsrf: true, json: { intro: "Fine" } });
    expect(reply.status).toBe(200);
  });

  it("refuses a token whose scope lacks changeTitle, whatever the key spelling", async () => {
    const tokens = await startSite({
      memorySessions: true,
      config: { api: { basicAuth: true, allowInsecure: true, tokens: true } },
    });
    const owner = await tokens.client().loginOrThrow(ADMIN);
    const { token } = await createToken(owner, {
      name: "updates only",
      scope: { pages: { access: true, read: true, update: true } },
    });
    const allowed = await tokens
      .client()
      .request("PATCH", "/api/pages/notes", { headers: bearer(token), json: { intro: "By token" } });
    expect(allowed.status).toBe(200);
    for (const key of ["title", "title!", "TITLE_", "títle"]) {
      const reply = await tokens
        .client()
        .request("PATCH", "/api/pages/notes", { headers: bearer(token), json: { [key]: "By token" } });
      expect(reply.status).toBe(403);
      expect(reply.body).toMatchObject({ key: "error.page.changeTitle.permission" });
    }
    expect(await readFile(path.join(tokens.root, "content", "1_notes", "notes.txt"), "utf8")).not.toMatch(
      /^Title: By token/m,
    );
  });

  it("refuses a body where two keys are stored as one field (400), for pages, the site and users", async () => {
    const pageBefore = await readFile(path.join(site.root, "content", "1_notes", "notes.txt"), "utf8");
    expectInvalidArgument(
      await admin.request("PATCH", "/api/pages/notes", { withCsrf: true, json: { text: "a", "Text!": "b" } }),
    );
    expectInvalidArgument(
      await admin.request("PATCH", "/api/site", { withCsrf: true, json: { title: "a", TITLE: "b" } }),
    );
    expectInvalidArgument(
      await admin.request("PATCH", `/api/users/${EDITOR.id}`, { withCsrf: true, json: { bio: "a", bío: "b" } }),
    );
    expectInvalidArgument(
      await admin.request("POST", "/api/site/children", {
        withCsrf: true,
        json: { slug: "collide", content: { title: "a", "Title!": "b" } },
      }),
    );
    expect(await readFile(path.join(site.root, "content", "1_notes", "notes.txt"), "utf8")).toBe(pageBefore);
  });
});

describe("credential keys cannot be smuggled into user content by spelling", () => {
  it.each([["Email!"], ["ROLE_"], ["róle"], ["Password-"]])(
    "leaves %j out of user.txt and the credentials as they were",
    async (key) => {
      const file = path.join(site.root, "site", "accounts", EDITOR.id, "user.txt");
      const before = existsSync(file) ? await readFile(file, "utf8") : "";
      const reply = await admin.request("PATCH", `/api/users/${EDITOR.id}`, {
        withCsrf: true,
        json: { [key]: "admin" },
      });
      expect(reply.status).toBe(200);
      expect(dataOf(reply)).toMatchObject({ email: EDITOR.email, role: expect.objectContaining({ name: "editor" }) });
      const after = existsSync(file) ? await readFile(file, "utf8") : "";
      expect(after).toBe(before);
    },
  );
});

describe("uuid is not writable through content updates (rules z-uuid-*)", () => {
  it.each([["uuid"], ["UUID"], ["uuid!"], ["Uuid-"], ["úuid"]])(
    "refuses %j for pages, the site, users and the account, changing nothing",
    async (key) => {
      const pageFile = path.join(site.root, "content", "2_about", "default.txt");
      const before = await readFile(pageFile, "utf8");
      const uuidBefore = dataOf(await admin.get("/api/pages/about?select=uuid"))["uuid"];
      for (const url of ["/api/pages/about", "/api/site", `/api/users/${EDITOR.id}`, "/api/account"]) {
        expectInvalidArgument(
          await admin.request("PATCH", url, { withCsrf: true, json: { [key]: "notes00000000001" } }),
        );
      }
      expect(await readFile(pageFile, "utf8")).toBe(before);
      expect(dataOf(await admin.get("/api/pages/about?select=uuid"))["uuid"]).toBe(uuidBefore);
    },
  );

  it("refuses uuid even with other fields, and even when the page does not exist", async () => {
    expectInvalidArgument(
      await admin.request("PATCH", "/api/pages/about", { withCsrf: true, json: { text: "x", uuid: "" } }),
    );
    expectInvalidArgument(await admin.request("PATCH", "/api/pages/missing", { withCsrf: true, json: { uuid: "x" } }));
  });
});

describe("no 500 for bad pagination or encodings (rules w, zz)", () => {
  it.each([
    ["limit=-Infinity"],
    ["limit=Infinity"],
    ["limit=1e308"],
    ["limit=abc"],
    ["limit=-5"],
    ["limit=-0"],
    ["limit[]=1"],
    ["limit%5B%5D=1"],
    ["LIMIT[x]=1"],
    ["page=-1"],
    ["page=xyz"],
    ["page[]=2"],
    ["page=1e308"],
  ])("answers %s with 400 error.invalidArgument", async (query) => {
    expectInvalidArgument(await admin.get(`/api/pages/notes/children?${query}`));
  });

  it("keeps Kirby's answers for values it casts: limit=0 is the default 20, page=0 is page 1, a page beyond 64 bits is a 404", async () => {
    const zero = await admin.get("/api/pages/notes/children?limit=0&page=0");
    expect(zero.status).toBe(200);
    expect((zero.body as { pagination: unknown }).pagination).toMatchObject({ page: 1, limit: 20 });
    const decimal = await admin.get("/api/pages/notes/children?limit=2.5&page=1.5");
    expect((decimal.body as { pagination: unknown }).pagination).toMatchObject({ page: 1, limit: 2 });
    const huge = await admin.get("/api/pages/notes/children?page=99999999999999999999999");
    expect(huge.status).toBe(404);
    expect(huge.body).toMatchObject({ key: "error.errorPage" });
  });

  it.each([
    ["/api/pages/%E0%A4%A"],
    ["/api/pages/%FF%FE"],
    ["/api/pages/%"],
    ["/api/pages/notes%ZZ"],
    ["/api/pages/notes?select=%E0%A4%A"],
    ["/api/pages/notes?select=%FF,id"],
    ["/api/pages/notes/children?limit=%FF"],
    ["/api/pages/notes/children?page=%"],
    ["/api/users/%C0%AF"],
    ["/api/pages/notes?view=%E0%A4%A"],
  ])("never answers 500 for invalid UTF-8 or percent-encoding: %s", async (url) => {
    const reply = await admin.get(url);
    expect(reply.status).toBeLessThan(500);
    expect(reply.status).toBeGreaterThanOrEqual(200);
  });
});

describe("length caps before any work (event-loop safety)", () => {
  it("checks the create permission before looking at a huge slug, then refuses the slug before slugifying it", async () => {
    const restricted = await startSite({ config: { debug: false }, extra: LARGE_BODIES });
    const noaccess = await restricted
      .client()
      .loginOrThrow({ email: "noaccess@example.com", password: "NoAccessPass123!" });
    const slug = "ä".repeat(7_000_000);
    const refused = await noaccess.request("POST", "/api/site/children", { withCsrf: true, json: { slug } });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).not.toBe(500);
    const tooLong = await admin.request("POST", "/api/site/children", { withCsrf: true, json: { slug } });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body).toMatchObject({ key: "error.page.slug.maxlength" });
    // "a" and a million separators slugify to "a", a valid slug: answering maxlength proves the length was refused
    // before the whole input was slugified (for 7 M characters, seconds of work).
    const separators = await admin.request("POST", "/api/site/children", {
      withCsrf: true,
      json: { slug: `a${"-".repeat(1_000_000)}`, title: "Separators" },
    });
    expect(separators.status, JSON.stringify(separators.body)).toBe(400);
    expect(separators.body).toMatchObject({ key: "error.page.slug.maxlength" });
  });

  it("refuses a title over 1,024 characters, a field key over 128 characters and a field value over 1 MiB", async () => {
    const before = await tree(path.join(site.root, "content"));
    expectInvalidArgument(
      await admin.request("PATCH", "/api/pages/notes", { withCsrf: true, json: { title: "t".repeat(1025) } }),
    );
    expectInvalidArgument(
      await admin.request("PATCH", "/api/pages/notes/title", { withCsrf: true, json: { title: "t".repeat(1025) } }),
    );
    expectInvalidArgument(
      await admin.request("PATCH", "/api/site/title", { withCsrf: true, json: { title: "t".repeat(1025) } }),
    );
    expectInvalidArgument(
      await admin.request("PATCH", "/api/pages/notes", { withCsrf: true, json: { ["k".repeat(129)]: "x" } }),
    );
    expectInvalidArgument(
      await admin.request("PATCH", "/api/pages/notes", { withCsrf: true, json: { text: "x".repeat(1024 * 1024 + 1) } }),
    );
    expectInvalidArgument(
      await admin.request("POST", "/api/site/children", {
        withCsrf: true,
        json: { slug: "long-title", content: { title: "t".repeat(1025) } },
      }),
    );
    expect(await tree(path.join(site.root, "content"))).toEqual(before);
    expect(
      (await admin.request("PATCH", "/api/pages/notes", { withCsrf: true, json: { title: "t".repeat(1024) } })).status,
    ).toBe(200);
  });

  it("refuses field values nested deeper than 64 levels with 400 instead of exhausting the stack (500)", async () => {
    const before = await tree(path.join(site.root, "content"));
    for (const depth of [65, 5000, 20_000]) {
      const nested = `${"[".repeat(depth)}${"]".repeat(depth)}`;
      const raw = { body: `{"text": ${nested}}`, contentType: "application/json" };
      expectInvalidArgument(await admin.request("PATCH", "/api/pages/notes", { withCsrf: true, raw }));
      const create = { body: `{"slug": "deep", "content": {"text": ${nested}}}`, contentType: "application/json" };
      expectInvalidArgument(await admin.request("POST", "/api/site/children", { withCsrf: true, raw: create }));
    }
    expect(await tree(path.join(site.root, "content"))).toEqual(before);
    const shallow = { body: `{"text": ${"[".repeat(64)}${"]".repeat(64)}}`, contentType: "application/json" };
    expect((await admin.request("PATCH", "/api/pages/notes", { withCsrf: true, raw: shallow })).status).toBe(200);
  });
});

describe("a list or a map where a route takes text (Kirby: a TypeError 500; here 400, and nothing changes)", () => {
  it.each([
    ["PATCH", "/api/account/name", { name: {} }],
    ["PATCH", "/api/account/name", { name: ["x", "y"] }],
    ["PATCH", `/api/users/editor01/name`, { name: ["x", "y"] }],
    ["PATCH", `/api/users/editor01/email`, { email: { toString: "a@b.c" } }],
    ["PATCH", `/api/users/editor01/language`, { language: ["de"] }],
    ["PATCH", `/api/users/editor01/role`, { role: ["admin"] }],
    ["POST", "/api/pages/about/duplicate", { slug: [] }],
    ["PATCH", "/api/pages/notes/slug", { slug: {} }],
    ["PATCH", "/api/pages/notes/title", { title: ["x"] }],
    ["PATCH", "/api/pages/notes/status", { status: ["listed"] }],
    ["PATCH", "/api/site/title", { title: { a: 1 } }],
  ])("%s %s %j", async (method, url, json) => {
    const before = await tree(site.root);
    const accounts = await readFile(path.join(site.root, "site", "accounts", "editor01", "index.php"), "utf8");
    const reply = await admin.request(method, url, { withCsrf: true, json });
    expectInvalidArgument(reply);
    expect(await tree(site.root)).toEqual(before);
    expect(await readFile(path.join(site.root, "site", "accounts", "editor01", "index.php"), "utf8")).toBe(accounts);
  });
});

describe("pagination of Sheaf's own lists", () => {
  it.each(["limit[]=1", "page[]=2", "limit=1e308", "page=-1"])("GET /api/system/audit?%s is a 400", async (query) => {
    expectInvalidArgument(await admin.get(`/api/system/audit?${query}`));
  });
});
