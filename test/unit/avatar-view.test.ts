import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import type { User } from "../../src/accounts/types.js";
import type { ViewContext } from "../../src/api/context.js";
import { avatarField, prepareAvatar } from "../../src/api/views/avatar.js";
import { asJsonMap, defaultSelection, renderModel } from "../../src/api/views/engine.js";
import { mediaToken } from "../../src/api/views/file-model.js";

const root = await mkdtemp(path.join(tmpdir(), "sheaf-avatar-view-"));
const contentRoot = path.join(root, "content");
const context = {
  services: { content: { site: { dir: contentRoot } } },
  actor: null,
  baseUrl: "http://localhost",
} as unknown as ViewContext;

afterAll(() => rm(root, { recursive: true, force: true }));

function userIn(dir: string, avatar?: User["avatar"]): User {
  return {
    id: path.basename(dir),
    dir,
    email: "someone@example.com",
    language: null,
    name: null,
    role: "admin",
    passwordHash: null,
    secrets: {},
    passwordTimestamp: null,
    content: {},
    ...(avatar === undefined ? {} : { avatar }),
  };
}

describe("the avatar view", () => {
  it("renders from the user record alone, even when the account folder does not exist", async () => {
    const user = userIn(path.join(root, "site", "accounts", "ghost001"), {
      filename: "profile.jpg",
      mtimeMs: 1_700_000_000_500,
    });
    const field = avatarField(user, context);
    if (field === null) throw new Error("the user has an avatar");
    const rendered = asJsonMap(renderModel(field.schema, field.item, defaultSelection(field.schema), context));
    const hash = `${mediaToken(contentRoot, "ghost001/profile.jpg")}-1700000000`;
    expect(rendered).toMatchObject({
      filename: "profile-512x-crop.jpg",
      id: "ghost001/profile-512x-crop.jpg",
      exists: false,
      dimensions: null,
      url: `http://localhost/media/users/ghost001/${hash}/profile-512x-crop.jpg`,
    });
    // the thumb of a source that is not there is simply not generated
    await expect(prepareAvatar(user, contentRoot)).resolves.toBeUndefined();
    await expect(readdir(user.dir)).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("shows no avatar when the record has none, whatever the folder holds", async () => {
    const dir = path.join(root, "site", "accounts", "plain001");
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "profile.png"), "not read");
    expect(avatarField(userIn(dir), context)).toBeNull();
  });

  it("has no avatar version for a format without thumbs", () => {
    const user = userIn(path.join(root, "site", "accounts", "svg001"), { filename: "profile.svg", mtimeMs: 1 });
    expect(avatarField(user, context)).toBeNull();
  });
});
