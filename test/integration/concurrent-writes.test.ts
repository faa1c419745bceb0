/**
 * Writes arriving at the same moment (docs/kirby-compat/content-format.md): Sheaf serialises them, so none is lost and no two renames
 * collide. 200 PATCH requests for one page, each setting its own field, must all land — through `inject` and
 * through a real socket — and concurrent creates and re-sorts must leave unique slugs and numbers.
 */
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Sheaf } from "../../src/app.js";
import { cleanUp, startSite as startTestSite } from "./helpers.js";
import { parseTxt } from "../../src/content/txt.js";

const FIELD_COUNT = 200;

const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  await cleanUp();
});

async function startSite(): Promise<{ root: string; sheaf: Sheaf }> {
  return startTestSite({ config: { api: { basicAuth: true, allowInsecure: true } } });
}

/** Session cookie and CSRF token of a logged-in admin (one password check instead of one per request). */
async function adminSession(sheaf: Sheaf): Promise<Record<string, string>> {
  const csrfReply = await sheaf.server.inject({ method: "GET", url: "/api/auth/csrf" });
  const csrf = (JSON.parse(csrfReply.body) as { csrf: string }).csrf;
  const firstCookie = String(csrfReply.headers["set-cookie"] ?? "").split(";")[0] ?? "";
  const login = await sheaf.server.inject({
    method: "POST",
    url: "/api/auth/login",
    headers: { cookie: firstCookie, "x-csrf": csrf, "content-type": "application/json" },
    payload: JSON.stringify({ email: "admin@example.com", password: "AdminPass123!", long: false }),
  });
  expect(login.statusCode).toBe(200);
  const setCookie = login.headers["set-cookie"];
  const lines = Array.isArray(setCookie) ? setCookie : setCookie === undefined ? [] : [String(setCookie)];
  const cookie =
    lines
      .filter((line) => line.startsWith("kirby_session="))
      .at(-1)
      ?.split(";")[0] ?? firstCookie;
  return { cookie, "x-csrf": csrf };
}

const fieldNames = Array.from({ length: FIELD_COUNT }, (_, index) => `f${index + 1}`);
const fieldValue = (field: string): string => `value of ${field}`;

/** The stored notes page carries every field with its own value, next to the fields it had before. */
async function expectAllFields(root: string, sheaf: Sheaf, session: Record<string, string>): Promise<void> {
  const stored = parseTxt(await readFile(path.join(root, "content", "1_notes", "notes.txt"), "utf8"));
  for (const field of fieldNames) expect(stored[field], field).toBe(fieldValue(field));
  expect(stored).toMatchObject({ title: "Notes", intro: "All the notes.", uuid: "notes00000000001" });
  expect(Object.keys(stored)).toHaveLength(FIELD_COUNT + 3);

  const reply = await sheaf.server.inject({ method: "GET", url: "/api/pages/notes", headers: session });
  const content = (JSON.parse(reply.body) as { data: { content: Record<string, string> } }).data.content;
  for (const field of fieldNames) expect(content[field], field).toBe(fieldValue(field));
}

describe("200 concurrent PATCH requests on one page", () => {
  it("through inject: every field lands", async () => {
    const { root, sheaf } = await startSite();
    const session = await adminSession(sheaf);
    const replies = await Promise.all(
      fieldNames.map((field) =>
        sheaf.server.inject({
          method: "PATCH",
          url: "/api/pages/notes",
          headers: { ...session, "content-type": "application/json" },
          payload: JSON.stringify({ [field]: fieldValue(field) }),
        }),
      ),
    );
    expect(replies.map((reply) => reply.statusCode)).toEqual(fieldNames.map(() => 200));
    // each answer shows the page as it stood right after that request's own write
    replies.forEach((reply, index) => {
      const field = fieldNames[index] as string;
      const content = (JSON.parse(reply.body) as { data: { content: Record<string, string> } }).data.content;
      expect(content[field]).toBe(fieldValue(field));
    });
    await expectAllFields(root, sheaf, session);
  });

  it("over a listening socket: every field lands", async () => {
    const { root, sheaf } = await startSite();
    const session = await adminSession(sheaf);
    const origin = await sheaf.listen(0, "127.0.0.1");
    const statuses = await Promise.all(
      fieldNames.map(async (field) => {
        const response = await fetch(`${origin}/api/pages/notes`, {
          method: "PATCH",
          headers: { ...session, "content-type": "application/json" },
          body: JSON.stringify({ [field]: fieldValue(field) }),
        });
        await response.arrayBuffer();
        return response.status;
      }),
    );
    expect(statuses).toEqual(fieldNames.map(() => 200));
    await expectAllFields(root, sheaf, session);
  });
});

describe("concurrent structure changes", () => {
  it("the same slug created 20 times at once exists once; the others are refused as duplicates", async () => {
    const { root, sheaf } = await startSite();
    const session = await adminSession(sheaf);
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, index) =>
        sheaf.server.inject({
          method: "POST",
          url: "/api/pages/notes/children",
          headers: { ...session, "content-type": "application/json" },
          payload: JSON.stringify({ slug: "racer", template: "note", content: { title: `Racer ${index}` } }),
        }),
      ),
    );
    const outcomes = replies.map((reply) => [reply.statusCode, (JSON.parse(reply.body) as { key?: string }).key]);
    expect(outcomes.filter(([status]) => status === 200)).toHaveLength(1);
    expect(outcomes.filter(([status, key]) => status === 400 && key === "error.page.draft.duplicate")).toHaveLength(19);
    expect((await readdir(path.join(root, "content", "1_notes", "_drafts"))).sort()).toEqual(["racer", "secret-draft"]);
  });

  it("listed pages created and re-sorted at once end up numbered 1..n without gaps or twins", async () => {
    const { root, sheaf } = await startSite();
    const session = await adminSession(sheaf);
    const send = (method: string, url: string, body: unknown): Promise<number> =>
      sheaf.server
        .inject({
          method: method as "POST",
          url: `/api/${url}`,
          headers: { ...session, "content-type": "application/json" },
          payload: JSON.stringify(body),
        })
        .then((reply) => reply.statusCode);
    const requests: Array<Promise<number>> = [];
    for (let index = 0; index < 20; index++) {
      requests.push(
        send("POST", "pages/notes/children", {
          slug: `p${index}`,
          template: "note",
          isDraft: false,
          num: (index % 5) + 1,
          content: { title: `P${index}` },
        }),
      );
      requests.push(
        send("PATCH", `pages/notes+${index % 2 === 0 ? "first-note" : "second-note"}/status`, {
          status: "listed",
          position: (index % 7) + 1,
        }),
      );
      requests.push(
        send("PATCH", "pages/notes+secret-draft/status", {
          status: index % 3 === 0 ? "unlisted" : "listed",
          position: index % 4,
        }),
      );
    }
    expect(await Promise.all(requests)).toEqual(requests.map(() => 200));

    const names = (await readdir(path.join(root, "content", "1_notes"), { withFileTypes: true }))
      .filter((entry) => entry.isDirectory() && !entry.name.startsWith(".") && entry.name !== "_drafts")
      .map((entry) => entry.name);
    const numbers = names.filter((name) => /^\d+_/.test(name)).map((name) => Number(name.split("_")[0]));
    expect(numbers.sort((a, b) => a - b)).toEqual(Array.from({ length: numbers.length }, (_, index) => index + 1));
    const slugs = names.map((name) => name.replace(/^\d+_/, ""));
    expect(new Set(slugs).size).toBe(slugs.length);
    expect(slugs).toEqual(
      expect.arrayContaining([
        "first-note",
        "second-note",
        "secret-draft",
        ...Array.from({ length: 20 }, (_, index) => `p${index}`),
      ]),
    );

    const listed = await sheaf.server.inject({
      method: "GET",
      url: "/api/pages/notes/children?status=listed&select=id,num",
      headers: session,
    });
    const items = (JSON.parse(listed.body) as { data: Array<{ num: number }> }).data;
    expect(items.map((item) => item.num)).toEqual(Array.from({ length: items.length }, (_, index) => index + 1));
    expect(items).toHaveLength(numbers.length);
  });
});
