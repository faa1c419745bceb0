/**
 * Changes of files (docs/changes.md): `<parent>/files/<name>/changes/save|publish|discard|unlock` for files of a
 * page, the site and a user, per role; the changes version beside the file; the lock between two users on one file
 * and the options a locked file shows.
 */
import { copyFile, readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FIXTURE_DIR } from "../paths.js";
import {
  ADMIN,
  cleanUp,
  dataOf,
  EDITOR,
  listFolder,
  NO_PANEL_ACCESS,
  NOACCESS,
  UNAUTHENTICATED,
  startSite,
  type Client,
  type TestSite,
} from "./helpers.js";

const FILES_FIXTURE = path.join(path.dirname(FIXTURE_DIR), "fixture-files");
const RED = "pages/gallery/files/a-red.png";
const RED_META = "content/4_gallery/a-red.png.txt";
const RED_CHANGES = "content/4_gallery/_changes/a-red.png.txt";

let site: TestSite;
let admin: Client;
let editor: Client;

beforeEach(async () => {
  site = await startSite({ source: FILES_FIXTURE, exclude: ["content/3_bulk"], memorySessions: true });
  admin = await site.client().loginOrThrow(ADMIN);
  editor = await site.client().loginOrThrow(EDITOR);
});

afterEach(cleanUp);

function post(client: Client, url: string, json?: unknown) {
  return client.request("POST", `/api/${url}`, { withCsrf: true, ...(json === undefined ? {} : { json }) });
}

function text(relative: string): Promise<string | null> {
  return readFile(path.join(site.root, relative), "utf8").catch(() => null);
}

async function caption(client: Client, url = RED): Promise<unknown> {
  return (dataOf(await client.get(`/api/${url}`)) as { content: Record<string, unknown> }).content["caption"];
}

describe("changes of a page's file", () => {
  it("saves beside the file with the actor's lock, shows the published meta until publish", async () => {
    const published = await text(RED_META);
    const save = await post(admin, `${RED}/changes/save`, { caption: "Draft caption" });
    expect(save.status).toBe(200);
    expect(save.body).toEqual({ status: "ok" });
    const changes = await text(RED_CHANGES);
    expect(changes).toContain("Caption: Draft caption");
    expect(changes).toContain("Uuid: redpng0000000001");
    expect(changes?.trimEnd().endsWith("Lock: admin001")).toBe(true);
    expect(await text(RED_META)).toBe(published);
    expect(await caption(admin)).toBe("A red rectangle");

    expect((await post(admin, `${RED}/changes/publish`)).status).toBe(200);
    expect(await caption(admin)).toBe("Draft caption");
    const meta = await text(RED_META);
    expect(meta).toContain("Caption: Draft caption");
    expect(meta).not.toContain("Lock:");
    expect(await listFolder(path.join(site.root, "content/4_gallery/_changes"))).toBeNull();
  });

  it("publishes the submitted fields in one step and keeps the meta order", async () => {
    expect((await post(editor, `${RED}/changes/publish`, { alt: "Crimson" })).status).toBe(200);
    expect(await text(RED_META)).toBe(
      "Caption: A red rectangle\n\n----\n\nAlt: Crimson\n\n----\n\nSort: 1\n\n----\n\nTemplate: image\n\n----\n\nUuid: redpng0000000001",
    );
  });

  it("leaves no changes after an identical save, and discard removes them", async () => {
    await post(admin, `${RED}/changes/save`, { caption: "A red rectangle" });
    expect(await text(RED_CHANGES)).toBeNull();
    await post(admin, `${RED}/changes/save`, { caption: "Draft" });
    expect(await text(RED_CHANGES)).not.toBeNull();
    expect((await post(admin, `${RED}/changes/discard`)).status).toBe(200);
    expect(await text(RED_CHANGES)).toBeNull();
    expect(await caption(admin)).toBe("A red rectangle");
  });

  it("finds the file case-insensitively and refuses unknown files, pages and a submitted UUID", async () => {
    expect((await post(admin, "pages/gallery/files/A-RED.PNG/changes/save", { caption: "x" })).status).toBe(200);
    expect(await text(RED_CHANGES)).toContain("Caption: x");
    const missing = await post(admin, "pages/gallery/files/nope.png/changes/save", { caption: "x" });
    expect(missing.status).toBe(404);
    expect((missing.body as { key: string }).key).toBe("error.file.notFound");
    const noPage = await post(admin, "pages/nope/files/a-red.png/changes/save", { caption: "x" });
    expect(noPage.status).toBe(404);
    expect((noPage.body as { key: string }).key).toBe("error.page.notFound");
    const uuid = await post(admin, `${RED}/changes/save`, { uuid: "other" });
    expect(uuid.status).toBe(400);
    expect((await post(admin, "pages/gallery/files/a-red.png/changes/nope")).status).toBe(404);
    expect((await admin.request("GET", `/api/${RED}/changes/save`)).status).toBe(404);
  });

  it("needs a logged-in caller with Panel access", async () => {
    const anonymous = await site.client().request("POST", `/api/${RED}/changes/save`, { json: { caption: "x" } });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toEqual(UNAUTHENTICATED);
    const noAccess = await site.client().loginOrThrow(NOACCESS);
    const refused = await post(noAccess, `${RED}/changes/save`, { caption: "x" });
    expect(refused.status).toBe(401);
    expect(refused.body).toEqual(NO_PANEL_ACCESS);
    expect(await text(RED_CHANGES)).toBeNull();
  });
});

describe("the lock between two users on a file", () => {
  it("answers 423 to the other user, with the holder as that user may see them", async () => {
    await post(editor, `${RED}/changes/save`, { caption: "Editor's" });
    const before = await text(RED_CHANGES);
    const byAdmin = await post(admin, `${RED}/changes/save`, { caption: "Admin's" });
    expect(byAdmin.status).toBe(423);
    expect(byAdmin.body).toMatchObject({
      key: "error.content.lock.update",
      details: { isLocked: true, user: { id: "editor01", email: "editor@example.com" } },
    });
    const discard = await post(admin, `${RED}/changes/discard`);
    expect(discard.status).toBe(423);
    expect((discard.body as { key: string }).key).toBe("error.content.lock.delete");
    expect(await text(RED_CHANGES)).toBe(before);

    await post(editor, `${RED}/changes/unlock`);
    await post(admin, `${RED}/changes/save`, { alt: "Admin's alt" });
    const merged = await text(RED_CHANGES);
    expect(merged).toContain("Caption: Editor's");
    expect(merged).toContain("Alt: Admin's alt");
    expect(merged).toContain("Lock: admin001");
    const byEditor = await post(editor, `${RED}/changes/publish`);
    expect(byEditor.status).toBe(423);
    expect((byEditor.body as { details: { user: unknown } }).details.user).toEqual({ id: null, email: null });
  });

  it("shows the file's options all false to the other user only", async () => {
    await post(editor, `${RED}/changes/save`, { caption: "Editor's" });
    const options = (client: Client) =>
      client.get(`/api/${RED}`).then((reply) => (dataOf(reply) as { options: Record<string, boolean> }).options);
    expect(Object.values(await options(admin)).every((value) => value === false)).toBe(true);
    expect((await options(editor))["update"]).toBe(true);
    await post(editor, `${RED}/changes/unlock`);
    expect((await options(admin))["update"]).toBe(true);
  });
});

describe("changes of site and user files", () => {
  it("keeps a site file's changes in content/_changes", async () => {
    expect((await post(admin, "site/files/logo.png/changes/save", { alt: "Logo" })).status).toBe(200);
    expect(await text("content/_changes/logo.png.txt")).toContain("Alt: Logo");
    expect((await post(admin, "site/files/logo.png/changes/publish")).status).toBe(200);
    expect(await text("content/logo.png.txt")).toContain("Alt: Logo");
    expect(await text("content/_changes/logo.png.txt")).toBeNull();
  });

  it("keeps an avatar's changes in the account folder", async () => {
    await copyFile(
      path.join(site.root, "content/4_gallery/a-red.png"),
      path.join(site.root, "site/accounts/editor01/profile.png"),
    );
    expect((await post(editor, "account/files/profile.png/changes/save", { alt: "Me" })).status).toBe(200);
    expect(await text("site/accounts/editor01/_changes/profile.png.txt")).toContain("Lock: editor01");
    expect((await post(admin, "users/editor01/files/profile.png/changes/publish")).status).toBe(423);
    expect((await post(editor, "users/editor01/files/profile.png/changes/publish")).status).toBe(200);
    expect(await text("site/accounts/editor01/profile.png.txt")).toContain("Alt: Me");
    // the editor may not see other users: their files are not found
    expect((await post(editor, "users/admin001/files/profile.png/changes/save")).status).toBe(404);
  });
});

describe("a user's options while their content is locked", () => {
  it("are all false for another user", async () => {
    await post(admin, "users/editor01/changes/save", { city: "Berlin" });
    const userOptions = (client: Client, url: string) =>
      client.get(url).then((reply) => (dataOf(reply) as { options: Record<string, boolean> }).options);
    expect(Object.values(await userOptions(editor, "/api/account")).every((value) => value === false)).toBe(true);
    expect((await userOptions(admin, "/api/users/editor01"))["update"]).toBe(true);
  });
});
