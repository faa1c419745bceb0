import path from "node:path";
import { copyFile, rm, writeFile } from "node:fs/promises";
import { afterEach, describe, expect, it } from "vitest";
import { FIXTURE_DIR } from "../paths.js";
import { ADMIN, basicAuth, cleanUp, send, startSite, until, type TestSite } from "./helpers.js";

const FILES_FIXTURE = path.join(path.dirname(FIXTURE_DIR), "fixture-files");
const CONFIG = { api: { basicAuth: true, allowInsecure: true }, auth: { trials: 1000, basicCache: 0 } };
const SERVED_WITHIN_MS = 3_000;

afterEach(cleanUp);

async function filenames(site: TestSite): Promise<string[]> {
  const reply = await send(site.sheaf, "GET", "/api/pages/gallery/files?select=filename,content", {
    headers: { authorization: basicAuth(ADMIN.email, ADMIN.password) },
  });
  return ((reply.body as { data?: Array<{ filename: string }> }).data ?? []).map((item) => item.filename);
}

describe("files changed on disk", () => {
  it("are added, re-read and removed within the watcher's delay", async () => {
    const site = await startSite({
      source: FILES_FIXTURE,
      exclude: ["content/3_bulk"],
      config: CONFIG,
      extra: { watch: true },
    });
    const gallery = path.join(site.root, "content", "4_gallery");
    await copyFile(path.join(gallery, "a-red.png"), path.join(gallery, "d-new.png"));
    await until("the new file is listed", async () => (await filenames(site)).includes("d-new.png"), SERVED_WITHIN_MS);

    await writeFile(path.join(gallery, "d-new.png.txt"), "Sort: 0\n\n----\n\nUuid: newfile000000001");
    await until(
      "the meta file is read",
      async () =>
        (await filenames(site))[0] === "d-new.png" &&
        site.sheaf.services.content.findFileByUuid("newfile000000001") !== undefined,
      SERVED_WITHIN_MS,
    );

    await rm(path.join(gallery, "d-new.png"));
    await until("the file is gone", async () => !(await filenames(site)).includes("d-new.png"), SERVED_WITHIN_MS);
    expect(site.sheaf.services.content.findFileByUuid("newfile000000001")).toBeUndefined();
  });
});

describe("an avatar changed on disk", () => {
  it("shows in GET users/<id> within the watcher's delay, and is gone with the file", async () => {
    const site = await startSite({
      source: FILES_FIXTURE,
      exclude: ["content/3_bulk"],
      config: CONFIG,
      extra: { watch: true },
    });
    const avatarOf = async (): Promise<Record<string, unknown> | null> => {
      const reply = await send(site.sheaf, "GET", "/api/users/admin001?select=avatar", {
        headers: { authorization: basicAuth(ADMIN.email, ADMIN.password) },
      });
      const data = (reply.body as { data?: { avatar?: Record<string, unknown> | null } }).data;
      return data?.avatar ?? null;
    };
    expect(await avatarOf()).toBeNull();

    const profile = path.join(site.root, "site", "accounts", "admin001", "profile.png");
    await copyFile(path.join(site.root, "content", "4_gallery", "a-red.png"), profile);
    await until("the avatar is shown", async () => (await avatarOf()) !== null, SERVED_WITHIN_MS);
    const avatar = await avatarOf();
    expect(avatar).toMatchObject({ filename: "profile-512x-crop.png", id: "admin001/profile-512x-crop.png" });
    expect(String(avatar?.["url"])).toMatch(/\/media\/users\/admin001\/[0-9a-f]{10}-\d+\/profile-512x-crop\.png$/);
    expect(site.sheaf.services.findUser("admin001")?.avatar?.filename).toBe("profile.png");

    await rm(profile);
    await until("the avatar is gone", async () => (await avatarOf()) === null, SERVED_WITHIN_MS);
  });
});
