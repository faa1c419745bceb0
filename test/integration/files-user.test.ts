import path from "node:path";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { FIXTURE_DIR } from "../paths.js";
import {
  ADMIN,
  cleanUp,
  dataOf,
  EDITOR,
  itemsOf,
  NOACCESS,
  send,
  startSite,
  type Client,
  type TestSite,
} from "./helpers.js";
import { postParts } from "./multipart-helper.js";

const FILES_FIXTURE = path.join(path.dirname(FIXTURE_DIR), "fixture-files");

let site: TestSite;
let admin: Client;
let editor: Client;
let png: Buffer;

beforeEach(async () => {
  site = await startSite({ source: FILES_FIXTURE, exclude: ["content/3_bulk"], memorySessions: true });
  admin = await site.client().loginOrThrow(ADMIN);
  editor = await site.client().loginOrThrow(EDITOR);
  png = await readFile(path.join(FILES_FIXTURE, "content", "4_gallery", "a-red.png"));
});

afterAll(cleanUp);

function account(id: string, name = ""): string {
  return path.join(site.root, "site", "accounts", id, name);
}

async function visibleNames(id: string): Promise<string[]> {
  return (await readdir(account(id))).filter((name) => !name.startsWith(".")).sort();
}

async function uploadTo(client: Client, url: string, filename: string, body: Buffer = png) {
  return postParts(site, client, url, [{ name: "file", filename, body }]);
}

describe("users/<id>/files", () => {
  it("uploads, lists, reads, updates, renames, sorts and deletes a user's file", async () => {
    const uploaded = await uploadTo(admin, "/api/users/admin001/files", "Card.png");
    expect(uploaded.status).toBe(200);
    expect(uploaded.body).toMatchObject({
      status: "ok",
      data: { filename: "card.png", id: "admin001/card.png", link: "/account/files/card.png" },
    });
    expect(await visibleNames("admin001")).toEqual(["card.png", "card.png.txt", "index.php", "user.txt"]);

    const listed = await admin.get("/api/users/admin001/files?select=id,url");
    expect(listed.status).toBe(200);
    const [item] = itemsOf(listed);
    expect(item?.["id"]).toBe("admin001/card.png");
    expect(String(item?.["url"])).toMatch(/\/media\/users\/admin001\/[0-9a-f]{10}-\d+\/card\.png$/);
    // the media URL serves the bytes without a session
    const media = await send(site.sheaf, "GET", new URL(String(item?.["url"])).pathname);
    expect(media.status).toBe(200);
    expect(media.headers["content-type"]).toBe("image/png");

    const patched = await admin.request("PATCH", "/api/users/admin001/files/card.png?select=content", {
      json: { alt: "A card" },
      withCsrf: true,
    });
    expect(dataOf(patched)["content"]).toMatchObject({ alt: "A card" });
    expect(await readFile(account("admin001", "card.png.txt"), "utf8")).toContain("Alt: A card");

    const renamed = await admin.request("PATCH", "/api/users/admin001/files/card.png/name", {
      json: { name: "Visiting Card" },
      withCsrf: true,
    });
    expect(dataOf(renamed)["filename"]).toBe("visiting-card.png");
    expect(await readFile(account("admin001", "visiting-card.png.txt"), "utf8")).toContain("Alt: A card");

    await uploadTo(admin, "/api/users/admin001/files", "second.png", Buffer.concat([png]));
    const sorted = await admin.request("PATCH", "/api/users/admin001/files/sort", {
      json: { files: ["admin001/second.png", "admin001/visiting-card.png"], index: 0 },
      withCsrf: true,
    });
    expect(sorted.status).toBe(200);
    const order = itemsOf(await admin.get("/api/users/admin001/files?select=filename"));
    expect(order.map((entry) => entry["filename"])).toEqual(["second.png", "visiting-card.png"]);

    const deleted = await admin.request("DELETE", "/api/users/admin001/files/second.png", { withCsrf: true });
    expect(deleted.status).toBe(200);
    expect(await visibleNames("admin001")).toEqual([
      "index.php",
      "user.txt",
      "visiting-card.png",
      "visiting-card.png.txt",
    ]);
  });

  it("replaces a user's file with new bytes of the same type", async () => {
    await uploadTo(admin, "/api/users/admin001/files", "card.png");
    const other = Buffer.from(await readFile(path.join(FILES_FIXTURE, "content", "logo.png")));
    const replaced = await uploadTo(admin, "/api/users/admin001/files/card.png", "x.png", other);
    expect(replaced.status).toBe(200);
    expect(await readFile(account("admin001", "card.png"))).toEqual(other);
  });

  it("finds the avatar among the user's files", async () => {
    await postParts(site, admin, "/api/users/admin001/avatar", [{ name: "file", filename: "me.png", body: png }]);
    const reply = await admin.get("/api/users/admin001/files/profile.png?select=id,template");
    expect(dataOf(reply)).toEqual({ id: "admin001/profile.png", template: "avatar" });
  });

  it("shows an avatar renamed, replaced or deleted through the files routes in the user at once", async () => {
    const avatarOf = async () =>
      (dataOf(await admin.get("/api/users/admin001?select=avatar")) as { avatar: Record<string, unknown> | null })
        .avatar;
    await uploadTo(admin, "/api/users/admin001/files", "card.png");
    expect(await avatarOf()).toBeNull();

    const renamed = await admin.request("PATCH", "/api/users/admin001/files/card.png/name", {
      json: { name: "profile" },
      withCsrf: true,
    });
    expect(renamed.status).toBe(200);
    expect(await avatarOf()).toMatchObject({ filename: "profile-512x-crop.png" });
    const before = String((await avatarOf())?.["url"]);

    // a new mtime in a later second gives a new hash
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const other = await readFile(path.join(FILES_FIXTURE, "content", "logo.png"));
    expect((await uploadTo(admin, "/api/users/admin001/files/profile.png", "x.png", other)).status).toBe(200);
    expect(String((await avatarOf())?.["url"])).not.toBe(before);

    expect((await admin.request("DELETE", "/api/users/admin001/files/profile.png", { withCsrf: true })).status).toBe(
      200,
    );
    expect(await avatarOf()).toBeNull();
  });

  it("never shows the account's own files (credentials, content, dot-files) as files", async () => {
    await writeFile(account("admin001", ".htpasswd"), "secret");
    await writeFile(account("admin001", ".recovery-codes"), "codes");
    expect(itemsOf(await admin.get("/api/users/admin001/files"))).toEqual([]);
    for (const name of [
      "index.php",
      "user.txt",
      ".htpasswd",
      ".recovery-codes",
      "..%2Findex.php",
      "..%2F..%2Fconfig",
    ]) {
      const reply = await admin.get(`/api/users/admin001/files/${name}`);
      expect(reply.status, name).toBe(404);
      const removed = await admin.request("DELETE", `/api/users/admin001/files/${name}`, { withCsrf: true });
      expect(removed.status, name).toBe(404);
    }
    expect(await readFile(account("admin001", "index.php"), "utf8")).toContain("admin@example.com");
    for (const filename of ["index.php", "user.txt", ".htaccess"]) {
      const refused = await uploadTo(admin, "/api/users/admin001/files", filename, Buffer.from("<?php echo 1;"));
      expect(refused.status, filename).toBe(400);
    }
    expect(await readFile(account("admin001", "index.php"), "utf8")).toContain("admin@example.com");
  });

  it("cannot rename a user's file onto the account's files", async () => {
    await uploadTo(admin, "/api/users/admin001/files", "card.png");
    for (const name of ["../index", "index.php", ".htpasswd"]) {
      const reply = await admin.request("PATCH", "/api/users/admin001/files/card.png/name", {
        json: { name },
        withCsrf: true,
      });
      // the extension is kept: `index-php.png`, `htpasswd.png` are harmless names
      if (reply.status === 200) expect(String(dataOf(reply)["filename"])).toMatch(/\.png$/);
    }
    expect(await readFile(account("admin001", "index.php"), "utf8")).toContain("admin@example.com");
  });

  it("hides other users' files from a role that cannot see users, and allows the own account", async () => {
    await uploadTo(admin, "/api/users/admin001/files", "card.png");
    expect((await editor.get("/api/users/admin001/files")).status).toBe(404);
    expect((await editor.get("/api/users/admin001/files/card.png")).status).toBe(404);
    expect((await uploadTo(editor, "/api/users/admin001/files", "x.png")).status).toBe(404);
    expect((await editor.request("DELETE", "/api/users/admin001/files/card.png", { withCsrf: true })).status).toBe(404);
    const own = await uploadTo(editor, "/api/account/files", "mine.png");
    expect(own.body).toMatchObject({ data: { id: "editor01/mine.png", link: "/account/files/mine.png" } });
    expect(itemsOf(await editor.get("/api/account/files?select=filename"))).toEqual([{ filename: "mine.png" }]);
    expect(dataOf(await editor.get("/api/account/files/mine.png?select=filename"))).toEqual({ filename: "mine.png" });
    expect(itemsOf(await admin.get("/api/users/editor01/files?select=filename"))).toEqual([{ filename: "mine.png" }]);
  });

  it("refuses anonymous callers, a missing CSRF token and a role without Panel access", async () => {
    await uploadTo(admin, "/api/users/admin001/files", "card.png");
    expect((await send(site.sheaf, "GET", "/api/users/admin001/files")).status).toBe(401);
    expect(
      (await postParts(site, null, "/api/users/admin001/files", [{ name: "f", filename: "a.png", body: png }])).status,
    ).toBe(401);
    const noCsrf = await postParts(
      site,
      admin,
      "/api/users/admin001/files",
      [{ name: "f", filename: "b.png", body: png }],
      {
        csrf: false,
      },
    );
    expect(noCsrf.status).toBe(401);
    const noCsrfDelete = await admin.request("DELETE", "/api/users/admin001/files/card.png");
    expect(noCsrfDelete.status).toBe(401);
    const noAccess = await site.client().loginOrThrow(NOACCESS);
    expect((await noAccess.get("/api/account/files")).status).toBe(401);
    expect((await uploadTo(noAccess, "/api/account/files", "c.png")).status).toBe(401);
    expect(await visibleNames("admin001")).toEqual(["card.png", "card.png.txt", "index.php", "user.txt"]);
  });
});
