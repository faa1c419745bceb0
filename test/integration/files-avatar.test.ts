import path from "node:path";
import { readdir, readFile } from "node:fs/promises";
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
});
