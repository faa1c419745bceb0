/** Changes on a multi-language site: the version of the default language lives in `_changes/<name>.<code>.txt`. */
import { readdir } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ADMIN, EDITOR, cleanUp, startSite } from "./helpers.js";
import { FIXTURE_DIR } from "../paths.js";

afterEach(cleanUp);

describe("changes with languages", () => {
  it("keeps the default language's changes as _changes/<name>.<code>.txt and publishes them", async () => {
    const site = await startSite({
      source: path.join(path.dirname(FIXTURE_DIR), "fixture-multilang"),
      config: { languages: true },
    });
    const admin = await site.client().loginOrThrow(ADMIN);
    const save = await admin.request("POST", "/api/pages/notes+first-note/changes/save", {
      withCsrf: true,
      json: { text: "Entwurf" },
    });
    expect(save.status).toBe(200);
    const dir = path.join(site.root, "content/1_notes/1_first-note");
    expect(await readdir(path.join(dir, "_changes"))).toEqual(["note.en.txt"]);
    const publish = await admin.request("POST", "/api/pages/notes+first-note/changes/publish", { withCsrf: true });
    expect(publish.status).toBe(200);
    const page = await admin.get("/api/pages/notes+first-note?select=content");
    expect((page.body as { data: { content: { text: string } } }).data.content.text).toBe("Entwurf");
  });

  it("locks a user whose changes live in _changes/user.<code>.txt for everyone else", async () => {
    const site = await startSite({
      source: path.join(path.dirname(FIXTURE_DIR), "fixture-multilang"),
      config: { languages: true },
    });
    const admin = await site.client().loginOrThrow(ADMIN);
    const editor = await site.client().loginOrThrow(EDITOR);
    const save = await admin.request("POST", "/api/users/editor01/changes/save", {
      withCsrf: true,
      json: { city: "Berlin" },
    });
    expect(save.status).toBe(200);
    const dir = path.join(site.root, "site/accounts/editor01/_changes");
    expect(await readdir(dir)).toEqual(["user.en.txt"]);
    const options = async (client: typeof admin, url: string) =>
      ((await client.get(url)).body as { data: { options: Record<string, boolean> } }).data.options;
    expect(Object.values(await options(editor, "/api/account")).every((value) => value === false)).toBe(true);
    expect((await options(admin, "/api/users/editor01"))["update"]).toBe(true);
  });
});
