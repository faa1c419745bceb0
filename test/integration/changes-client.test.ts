/**
 * The SDK's changes methods (`client.changes`) against a running Sheaf: save, publish, discard and unlock of a page,
 * the site and the account, and a lock reported through `lockOf()`.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createClient, lockOf, SheafApiError, type FetchFunction } from "../../src/client/index.js";
import { FIXTURE_DIR } from "../paths.js";
import { ADMIN, cleanUp, EDITOR, startSite, type Account, type TestSite } from "./helpers.js";

afterEach(cleanUp);

/** A fetch that hands each request to the site's server in-process. */
function injectFetch(site: TestSite): FetchFunction {
  return async (input, init) => {
    const url = new URL(input);
    const headers: Record<string, string> = {};
    new Headers(init.headers).forEach((value, name) => {
      headers[name] = value;
    });
    const reply = await site.sheaf.server.inject({
      method: (init.method ?? "GET") as "GET",
      url: `${url.pathname}${url.search}`,
      headers,
      ...(typeof init.body === "string" ? { payload: init.body } : {}),
    });
    return new Response(reply.body, { status: reply.statusCode, headers: { "content-type": "application/json" } });
  };
}

function clientFor(site: TestSite, account: Account) {
  return createClient({
    url: "http://127.0.0.1",
    fetch: injectFetch(site),
    auth: { type: "basic", email: account.email, password: account.password },
  });
}

const CONFIG = { api: { basicAuth: true, allowInsecure: true } };
const NOTE = "content/1_notes/1_first-note";

describe("client.changes", () => {
  it("saves, publishes and discards a page's changes", async () => {
    const site = await startSite({ config: CONFIG });
    const client = clientFor(site, ADMIN);
    const changes = client.changes.page("notes/first-note");
    await changes.save({ text: "draft" });
    expect(await readFile(path.join(site.root, NOTE, "_changes", "note.txt"), "utf8")).toContain("Text: draft");
    expect((await client.pages.get("notes/first-note", { select: ["content"] })).content["text"]).toBe(
      "Hello from the first note.",
    );
    await changes.publish({ tags: ["x"] });
    expect((await client.pages.get("notes/first-note", { select: ["content"] })).content).toMatchObject({
      text: "draft",
      tags: ["x"],
    });
    await changes.save({ text: "again" });
    await changes.discard();
    await changes.unlock();
    await client.changes.site().save({ description: "site draft" });
    await client.changes.site().discard();
    await client.changes.account().save({ bio: "me" });
    await client.changes.account().publish();
    await client.changes.user("editor01").save({ bio: "editor's" });
  });

  it("reports the lock of another user's changes", async () => {
    const site = await startSite({ config: CONFIG });
    await clientFor(site, EDITOR).changes.page("notes/first-note").save({ text: "editor's" });
    const error = await clientFor(site, ADMIN)
      .changes.page("notes/first-note")
      .save({ text: "admin's" })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(SheafApiError);
    expect((error as SheafApiError).key).toBe("error.content.lock.update");
    expect(lockOf(error)).toEqual({
      modified: expect.any(String),
      user: { id: "editor01", email: "editor@example.com" },
    });
    expect(lockOf(new Error("other"))).toBeNull();
  });
});

describe("client.changes.file and client.blueprints.section", () => {
  const FILES_FIXTURE = path.join(path.dirname(FIXTURE_DIR), "fixture-files");

  it("saves and publishes a file's changes and reports the lock of another user", async () => {
    const site = await startSite({ source: FILES_FIXTURE, config: CONFIG });
    const editor = clientFor(site, EDITOR);
    await editor.changes.file({ page: "gallery" }, "a-red.png").save({ caption: "Draft" });
    const changesFile = path.join(site.root, "content/4_gallery/_changes/a-red.png.txt");
    expect(await readFile(changesFile, "utf8")).toContain("Lock: editor01");
    const refused = await clientFor(site, ADMIN)
      .changes.file({ page: "gallery" }, "a-red.png")
      .publish()
      .catch((error: unknown) => error);
    expect(lockOf(refused)?.user).toEqual({ id: "editor01", email: "editor@example.com" });
    await editor.changes.file({ page: "gallery" }, "a-red.png").publish();
    expect(await readFile(path.join(site.root, "content/4_gallery/a-red.png.txt"), "utf8")).toContain("Caption: Draft");
    await clientFor(site, ADMIN).changes.file("site", "logo.png").save({ alt: "Logo" });
    expect(await readFile(path.join(site.root, "content/_changes/logo.png.txt"), "utf8")).toContain("Alt: Logo");
  });

  it("reads fields and files sections, and rejects a section it does not serve", async () => {
    const site = await startSite({ source: FILES_FIXTURE, config: CONFIG });
    const admin = clientFor(site, ADMIN);
    const images = await admin.blueprints.section({ page: "gallery" }, "images");
    expect(images.type).toBe("files");
    if (images.type === "files") {
      expect(images.data.map((item) => item.filename)).toEqual(["a-red.png", "b-photo.jpg"]);
      expect(images.pagination.total).toBe(2);
    }
    const content = await admin.blueprints.section({ page: "gallery" }, "content");
    expect(content.type === "fields" ? Object.keys(content.fields) : []).toEqual(["text", "cover"]);
    const missing = await admin.blueprints.section("site", "nope").catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(SheafApiError);
    expect((missing as SheafApiError).status).toBe(404);
  });
});
