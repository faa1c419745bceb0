/**
 * The content lock between users (docs/changes.md#the-lock): 423 with Kirby's details per role, direct PATCH not
 * blocked, unlock and hand-over, expiry after ten minutes, `content.locking: false`, and locks that live on disk
 * (they survive a restart and every instance on the site folder sees them).
 */
import { readFile, rm, utimes } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ADMIN, cleanUp, dataOf, EDITOR, startSite, type Client, type TestSite } from "./helpers.js";

afterEach(cleanUp);

const NOTE_CHANGES = "content/1_notes/1_first-note/_changes/note.txt";
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+00:00$/;

function post(client: Client, url: string, json?: unknown) {
  return client.request("POST", `/api/${url}`, { withCsrf: true, ...(json === undefined ? {} : { json }) });
}

async function fileText(site: TestSite, relative: string): Promise<string | null> {
  return readFile(path.join(site.root, relative), "utf8").catch(() => null);
}

async function twoUsers(site: TestSite): Promise<{ admin: Client; editor: Client }> {
  return { admin: await site.client().loginOrThrow(ADMIN), editor: await site.client().loginOrThrow(EDITOR) };
}

function lockedError(action: "update" | "delete", user: { id: string | null; email: string | null }) {
  return {
    status: "error",
    message: `The version is locked and cannot be ${action === "update" ? "updated" : "deleted"}`,
    code: 423,
    key: `error.content.lock.${action}`,
    details: { isLegacy: false, isLocked: true, modified: expect.stringMatching(ISO_DATE), user },
  };
}

describe("the lock between two users", () => {
  it("locks the editor's changes for the admin, who sees who holds them", async () => {
    const site = await startSite();
    const { admin, editor } = await twoUsers(site);
    await post(editor, "pages/notes+first-note/changes/save", { text: "editor's draft" });
    const before = await fileText(site, NOTE_CHANGES);
    expect(before).toContain("Lock: editor01");

    const holder = { id: "editor01", email: "editor@example.com" };
    for (const action of ["save", "publish"]) {
      const reply = await post(admin, `pages/notes+first-note/changes/${action}`, { text: "admin's" });
      expect(reply.status, action).toBe(423);
      expect(reply.body).toEqual(lockedError("update", holder));
    }
    const discard = await post(admin, "pages/notes+first-note/changes/discard");
    expect(discard.status).toBe(423);
    expect(discard.body).toEqual(lockedError("delete", holder));
    expect(await fileText(site, NOTE_CHANGES)).toBe(before);
  });

  it("shows the holder as nulls to an editor who may not list users", async () => {
    const site = await startSite();
    const { admin, editor } = await twoUsers(site);
    await post(admin, "pages/notes+first-note/changes/save", { text: "admin's draft" });
    const reply = await post(editor, "pages/notes+first-note/changes/save", { text: "editor's" });
    expect(reply.status).toBe(423);
    expect(reply.body).toEqual(lockedError("update", { id: null, email: null }));
  });

  it("does not block a direct PATCH, which leaves the changes version alone", async () => {
    const site = await startSite();
    const { admin, editor } = await twoUsers(site);
    await post(editor, "pages/notes+first-note/changes/save", { text: "editor's draft" });
    const changes = await fileText(site, NOTE_CHANGES);
    const patch = await admin.request("PATCH", "/api/pages/notes+first-note", {
      withCsrf: true,
      json: { text: "patched" },
    });
    expect(patch.status).toBe(200);
    expect(await fileText(site, NOTE_CHANGES)).toBe(changes);
    expect((dataOf(await admin.get("/api/pages/notes+first-note")) as { content: { text: string } }).content.text).toBe(
      "patched",
    );
  });

  it("ignores an unlock by someone else; after the holder unlocks, the next save merges and takes the lock", async () => {
    const site = await startSite();
    const { admin, editor } = await twoUsers(site);
    await post(editor, "pages/notes+first-note/changes/save", { text: "editor's text" });
    const locked = await fileText(site, NOTE_CHANGES);

    expect((await post(admin, "pages/notes+first-note/changes/unlock")).body).toEqual({ status: "ok" });
    expect(await fileText(site, NOTE_CHANGES)).toBe(locked);
    expect((await post(admin, "pages/notes+first-note/changes/save", { title: "x" })).status).toBe(423);

    expect((await post(editor, "pages/notes+first-note/changes/unlock")).body).toEqual({ status: "ok" });
    expect(await fileText(site, NOTE_CHANGES)).not.toContain("Lock:");

    expect((await post(admin, "pages/notes+first-note/changes/save", { title: "Admin's title" })).status).toBe(200);
    const merged = await fileText(site, NOTE_CHANGES);
    expect(merged).toContain("Title: Admin's title");
    expect(merged).toContain("Text: editor's text");
    expect(merged).toContain("Lock: admin001");
    expect((await post(editor, "pages/notes+first-note/changes/save", { text: "again" })).status).toBe(423);

    expect((await post(admin, "pages/notes+first-note/changes/publish")).status).toBe(200);
    const content = (dataOf(await admin.get("/api/pages/notes+first-note")) as { content: Record<string, string> })
      .content;
    expect(content).toMatchObject({ title: "Admin's title", text: "editor's text" });
    expect(await fileText(site, NOTE_CHANGES)).toBeNull();
  });

  it("lets the holder keep saving, publishing and discarding", async () => {
    const site = await startSite();
    const { editor } = await twoUsers(site);
    await post(editor, "pages/notes+first-note/changes/save", { text: "one" });
    expect((await post(editor, "pages/notes+first-note/changes/save", { text: "two" })).status).toBe(200);
    expect((await post(editor, "pages/notes+first-note/changes/discard")).status).toBe(200);
    expect(await fileText(site, NOTE_CHANGES)).toBeNull();
  });

  it("lets exactly one of two users who save at the same moment take the lock", async () => {
    const site = await startSite();
    const { admin, editor } = await twoUsers(site);
    const replies = await Promise.all([
      post(admin, "pages/notes+first-note/changes/save", { text: "admin's" }),
      post(editor, "pages/notes+first-note/changes/save", { text: "editor's" }),
    ]);
    expect(replies.map((reply) => reply.status).sort()).toEqual([200, 423]);
    const winner = replies[0]?.status === 200 ? "admin001" : "editor01";
    expect(await fileText(site, NOTE_CHANGES)).toContain(`Lock: ${winner}`);
  });

  it("locks the site and users alike", async () => {
    const site = await startSite();
    const { admin, editor } = await twoUsers(site);
    await post(editor, "site/changes/save", { description: "editor's" });
    expect((await post(admin, "site/changes/save", { description: "admin's" })).status).toBe(423);
    await post(editor, "account/changes/save", { bio: "editor's bio" });
    const reply = await post(admin, "users/editor01/changes/discard");
    expect(reply.status).toBe(423);
    expect(reply.body).toEqual(lockedError("delete", { id: "editor01", email: "editor@example.com" }));
  });
});

describe("options of a locked model", () => {
  it("are all false for others except a page's preview, and as usual for the holder", async () => {
    const site = await startSite();
    const { admin, editor } = await twoUsers(site);
    const options = async (client: Client, url: string) =>
      (dataOf(await client.get(`/api/${url}?select=options`)) as { options: Record<string, boolean> }).options;
    const before = await options(admin, "pages/notes+first-note");
    expect(before["update"]).toBe(true);

    await post(editor, "pages/notes+first-note/changes/save", { text: "editor's" });
    const locked = await options(admin, "pages/notes+first-note");
    expect(Object.entries(locked).filter(([, value]) => value)).toEqual([["preview", true]]);
    expect(Object.keys(locked)).toEqual(Object.keys(before));
    expect((await options(editor, "pages/notes+first-note"))["update"]).toBe(true);
    const patch = await admin.request("PATCH", "/api/pages/notes+first-note", { withCsrf: true, json: { text: "p" } });
    expect((dataOf(patch) as { options: Record<string, boolean> }).options["update"]).toBe(false);

    await post(editor, "site/changes/save", { description: "editor's" });
    expect(Object.values(await options(admin, "site")).some(Boolean)).toBe(false);

    await post(editor, "pages/notes+first-note/changes/unlock");
    expect(await options(admin, "pages/notes+first-note")).toEqual(before);
  });
});

describe("when a lock ends", () => {
  it("ends ten minutes after the changes file was last modified", async () => {
    const site = await startSite();
    const { admin, editor } = await twoUsers(site);
    await post(editor, "pages/notes+first-note/changes/save", { text: "old draft" });
    const file = path.join(site.root, NOTE_CHANGES);
    const nineMinutesAgo = new Date(Date.now() - 9 * 60_000);
    await utimes(file, nineMinutesAgo, nineMinutesAgo);
    expect((await post(admin, "pages/notes+first-note/changes/save", { title: "t" })).status).toBe(423);
    const elevenMinutesAgo = new Date(Date.now() - 11 * 60_000);
    await utimes(file, elevenMinutesAgo, elevenMinutesAgo);
    expect((await post(admin, "pages/notes+first-note/changes/save", { title: "t" })).status).toBe(200);
    expect(await fileText(site, NOTE_CHANGES)).toContain("Lock: admin001");
    expect(await fileText(site, NOTE_CHANGES)).toContain("Text: old draft");
  });

  it("does not hold when its user no longer exists", async () => {
    const site = await startSite();
    const editor = await site.client().loginOrThrow(EDITOR);
    await post(editor, "pages/notes+first-note/changes/save", { text: "orphan" });
    await site.close();
    await rm(path.join(site.root, "site/accounts/editor01"), { recursive: true });
    const restarted = await startSite({ root: site.root });
    const admin = await restarted.client().loginOrThrow(ADMIN);
    expect((await post(admin, "pages/notes+first-note/changes/save", { title: "t" })).status).toBe(200);
    expect(await fileText(restarted, NOTE_CHANGES)).toContain("Lock: admin001");
  });

  it("never exists with content.locking: false", async () => {
    const site = await startSite({ config: { content: { locking: false } } });
    const { admin, editor } = await twoUsers(site);
    await post(editor, "pages/notes+first-note/changes/save", { text: "editor's" });
    expect(await fileText(site, NOTE_CHANGES)).not.toContain("Lock:");
    expect((await post(admin, "pages/notes+first-note/changes/save", { title: "admin's" })).status).toBe(200);
    expect((await post(admin, "pages/notes+first-note/changes/publish")).status).toBe(200);
  });
});

describe("locks live on disk", () => {
  it("survive a restart", async () => {
    const site = await startSite();
    const { editor } = await twoUsers(site);
    await post(editor, "pages/notes+first-note/changes/save", { text: "before restart" });
    await site.close();
    const restarted = await startSite({ root: site.root });
    const admin = await restarted.client().loginOrThrow(ADMIN);
    expect((await post(admin, "pages/notes+first-note/changes/save", { text: "after" })).status).toBe(423);
  });

  it("are seen by every instance serving the site folder", async () => {
    const first = await startSite();
    const second = await startSite({ root: first.root });
    const editor = await first.client().loginOrThrow(EDITOR);
    const admin = await second.client().loginOrThrow(ADMIN);
    await post(editor, "pages/notes+first-note/changes/save", { text: "from the first" });
    expect((await post(admin, "pages/notes+first-note/changes/save", { text: "from the second" })).status).toBe(423);
    await post(editor, "pages/notes+first-note/changes/unlock");
    expect((await post(admin, "pages/notes+first-note/changes/save", { title: "second" })).status).toBe(200);
    expect((await post(editor, "pages/notes+first-note/changes/save", { text: "x" })).status).toBe(423);
  });
});
