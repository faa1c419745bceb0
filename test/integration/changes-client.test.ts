/**
 * The SDK's changes methods (`client.changes`) against a running Sheaf: save, publish, discard and unlock of a page,
 * the site and the account, and a lock reported through `lockOf()`.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { createClient, lockOf, SheafApiError, type FetchFunction } from "../../src/client/index.js";
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
