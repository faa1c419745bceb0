import path from "node:path";
import { readdir, readFile } from "node:fs/promises";
import sharp from "sharp";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { FIXTURE_DIR } from "../paths.js";
import { ADMIN, cleanUp, EDITOR, send, startSite, type Client, type TestSite } from "./helpers.js";

const FILES_FIXTURE = path.join(path.dirname(FIXTURE_DIR), "fixture-files");
const BOUNDARY = "----SheafAvatarBoundary";

let site: TestSite;
let admin: Client;

beforeEach(async () => {
  site = await startSite({ source: FILES_FIXTURE, exclude: ["content/3_bulk"], memorySessions: true });
  admin = await site.client().loginOrThrow(ADMIN);
});

afterAll(cleanUp);

function body(filename: string, bytes: Buffer): Buffer {
  return Buffer.concat([
    Buffer.from(`--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\n\r\n`),
    bytes,
    Buffer.from(`\r\n--${BOUNDARY}--\r\n`),
  ]);
}

async function upload(client: Client, url: string, filename: string, bytes: Buffer) {
  const response = await site.sheaf.server.inject({
    method: "POST",
    url,
    headers: {
      cookie: client.cookie ?? "",
      "x-csrf": client.csrf ?? "",
      "content-type": `multipart/form-data; boundary=${BOUNDARY}`,
    },
    payload: body(filename, bytes),
  });
  return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
}

function galleryFile(name: string): Promise<Buffer> {
  return readFile(path.join(FILES_FIXTURE, "content", "4_gallery", name));
}

function account(id: string): Promise<string[]> {
  return readdir(path.join(site.root, "site", "accounts", id)).then((names) => names.sort());
}

describe("avatars", () => {
  it("are uploaded, read, replaced by another format and deleted", async () => {
    expect((await admin.get("/api/users/admin001/avatar")).body).toEqual({
      status: "error",
      message: "not found",
      code: 404,
    });
    const jpeg = await upload(admin, "/api/users/admin001/avatar", "me.jpg", await galleryFile("b-photo.jpg"));
    expect(jpeg.body).toMatchObject({ status: "ok", data: { filename: "profile.jpg", id: "admin001/profile.jpg" } });
    expect(await account("admin001")).toEqual(expect.arrayContaining(["profile.jpg", "profile.jpg.txt"]));
    expect(await readFile(path.join(site.root, "site", "accounts", "admin001", "profile.jpg.txt"), "utf8")).toMatch(
      /^Uuid: [a-z0-9]{16}\n\n----\n\nTemplate: avatar$/,
    );

    const url = String((jpeg.body["data"] as Record<string, unknown>)["url"]);
    const media = await send(site.sheaf, "GET", new URL(url).pathname);
    expect(media.status).toBe(200);
    expect(media.headers["content-type"]).toBe("image/jpeg");

    const png = await upload(admin, "/api/account/avatar", "me.png", await galleryFile("a-red.png"));
    expect(png.body).toMatchObject({ data: { filename: "profile.png" } });
    expect(await account("admin001")).not.toContain("profile.jpg");

    const pdf = await upload(admin, "/api/account/avatar", "me.pdf", await galleryFile("c-doc.pdf"));
    expect(pdf.body).toEqual({ status: "error", message: "Invalid file type: document" });

    expect((await admin.request("DELETE", "/api/account/avatar", { withCsrf: true })).status).toBe(200);
    expect((await account("admin001")).some((name) => name.startsWith("profile"))).toBe(false);
    const again = await admin.request("DELETE", "/api/account/avatar", { withCsrf: true });
    expect(again.body).toMatchObject({
      code: 404,
      key: "error.file.notFound",
      message: 'The file "avatar" cannot be found',
    });
  });

  it("cannot be set for a user the caller cannot see, and needs a session", async () => {
    const editor = await site.client().loginOrThrow(EDITOR);
    const refused = await upload(editor, "/api/users/admin001/avatar", "x.png", await galleryFile("a-red.png"));
    expect(refused).toEqual({ status: 400, body: { status: "error", message: 'The user "admin001" cannot be found' } });
    expect((await account("admin001")).some((name) => name.startsWith("profile"))).toBe(false);
    const anonymous = await upload(
      { cookie: null, csrf: null } as Client,
      "/api/users/admin001/avatar",
      "x.png",
      await galleryFile("a-red.png"),
    );
    expect(anonymous.status).toBe(401);
    const own = await upload(editor, "/api/account/avatar", "x.png", await galleryFile("a-red.png"));
    expect(own.body).toMatchObject({ status: "ok", data: { id: "editor01/profile.png" } });
  });

  describe("the 512x crop version", () => {
    async function thumbOf(client: Client, userId: string): Promise<Record<string, unknown>> {
      const reply = await client.get(`/api/users/${userId}?select=avatar`);
      return (reply.body as { data: { avatar: Record<string, unknown> } }).data.avatar;
    }

    function mediaFolder(userId: string): Promise<string[]> {
      return readdir(path.join(site.root, "media", "users", userId), { recursive: true }).catch(() => []);
    }

    it("is the user's avatar field: a square crop, never larger than the image", async () => {
      const wide = await sharp({ create: { width: 1200, height: 700, channels: 3, background: "#3366aa" } })
        .png()
        .toBuffer();
      const uploaded = await upload(admin, "/api/users/admin001/avatar", "wide.png", wide);
      const parentAvatar = (uploaded.body["data"] as { parent: { avatar: Record<string, unknown> } }).parent.avatar;
      expect(Object.keys(parentAvatar).sort()).toEqual(["filename", "id", "type", "url"]);
      const avatar = await thumbOf(admin, "admin001");
      expect(avatar).toMatchObject({
        dimensions: { width: 512, height: 512, ratio: 1, orientation: "square" },
        exists: true,
        extension: "png",
        filename: "profile-512x-crop.png",
        id: "admin001/profile-512x-crop.png",
        mime: "image/png",
        name: "profile-512x-crop",
        type: "image",
        url: parentAvatar["url"],
      });
      const original = String((uploaded.body["data"] as Record<string, unknown>)["url"]);
      expect(String(avatar["url"])).toBe(original.replace("/profile.png", "/profile-512x-crop.png"));

      // 8x6 is cropped to 6x6, not enlarged
      await upload(admin, "/api/account/avatar", "small.jpg", await galleryFile("b-photo.jpg"));
      expect(await thumbOf(admin, "admin001")).toMatchObject({
        filename: "profile-512x-crop.jpg",
        dimensions: { width: 6, height: 6, orientation: "square" },
      });
      // the replaced avatar's versions are gone
      expect((await mediaFolder("admin001")).filter((name) => name.endsWith(".png"))).toEqual([]);
    });

    it("is served like other media, generated once, and only for a user's current avatar", async () => {
      await upload(admin, "/api/users/admin001/avatar", "me.jpg", await galleryFile("b-photo.jpg"));
      // removed from the cache: the next requests generate it again
      await import("node:fs/promises").then((fs) =>
        fs.rm(path.join(site.root, "media"), { recursive: true, force: true }),
      );
      const url = new URL(String((await thumbOf(admin, "admin001"))["url"])).pathname;
      const replies = await Promise.all(Array.from({ length: 6 }, () => send(site.sheaf, "GET", url)));
      for (const reply of replies) expect(reply.status).toBe(200);
      const first = replies[0] as (typeof replies)[number];
      expect(first.headers["content-type"]).toBe("image/jpeg");
      expect(first.headers["x-content-type-options"]).toBe("nosniff");
      expect(new Set(replies.map((reply) => reply.headers["etag"])).size).toBe(1);
      const files = await mediaFolder("admin001");
      expect(files.filter((name) => name.endsWith(".jpg"))).toHaveLength(1);
      expect(files.some((name) => name.includes(".tmp"))).toBe(false);

      const etag = String(first.headers["etag"]);
      expect((await send(site.sheaf, "GET", url, { headers: { "if-none-match": etag } })).status).toBe(304);
      const range = await send(site.sheaf, "GET", url, { headers: { range: "bytes=0-3" } });
      expect(range.status).toBe(206);
      expect(range.headers["content-length"]).toBe("4");

      const [, , , , hash = ""] = url.split("/");
      const [token] = hash.split("-");
      const outdated = await send(site.sheaf, "GET", url.replace(hash, `${token}-1`));
      expect(outdated.status).toBe(307);
      expect(String(outdated.headers["location"])).toMatch(new RegExp(`${url.replaceAll("/", "\\/")}$`));

      for (const other of [
        url.replace(hash, `0000000000-${hash.split("-")[1]}`),
        url.replace("profile-512x-crop.jpg", "profile-256x-crop.jpg"),
        url.replace("profile-512x-crop.jpg", "profile-512x-crop.png"),
        url.replace("/admin001/", "/editor01/"),
        url.replace("/users/admin001/", "/users/nobody00/"),
        url.replace("/users/admin001/", "/pages/photography/"),
        url.replace("profile-512x-crop.jpg", "..%2Fprofile-512x-crop.jpg"),
      ]) {
        expect((await send(site.sheaf, "GET", other)).status, other).toBe(404);
      }
      expect(await mediaFolder("editor01")).toEqual([]);
      expect((await mediaFolder("admin001")).filter((name) => name.endsWith(".jpg"))).toHaveLength(1);
    });

    it("is null without an avatar and gone with it", async () => {
      expect((await admin.get("/api/users/admin001?select=avatar")).body).toMatchObject({ data: { avatar: null } });
      await upload(admin, "/api/users/admin001/avatar", "me.jpg", await galleryFile("b-photo.jpg"));
      const url = new URL(String((await thumbOf(admin, "admin001"))["url"])).pathname;
      expect((await send(site.sheaf, "GET", url)).status).toBe(200);
      expect((await admin.request("DELETE", "/api/account/avatar", { withCsrf: true })).status).toBe(200);
      expect((await admin.get("/api/users/admin001?select=avatar")).body).toMatchObject({ data: { avatar: null } });
      expect((await send(site.sheaf, "GET", url)).status).toBe(404);
      expect(await mediaFolder("admin001")).toEqual([]);
    });
  });
});
