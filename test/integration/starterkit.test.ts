import { readdir } from "node:fs/promises";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  cleanUp,
  dataOf,
  itemsOf,
  send,
  STARTER_ADMIN,
  STARTER_EDITOR,
  STARTERKIT,
  startSite,
  type Client,
  type TestSite,
} from "./helpers.js";

/** Some pages documented in examples/starterkit/README.md, with template and status. */
const DOCUMENTED_PAGES: Record<string, { template: string; status: string }> = {
  home: { template: "home", status: "unlisted" },
  error: { template: "error", status: "unlisted" },
  blog: { template: "blog", status: "listed" },
  "blog/notes-on-flat-files": { template: "article", status: "listed" },
  "blog/open-studio-day": { template: "article", status: "draft" },
  about: { template: "default", status: "listed" },
  "projects/harbour-wayfinding": { template: "project", status: "listed" },
  imprint: { template: "default", status: "unlisted" },
};

interface DiskPage {
  readonly id: string;
  readonly template: string;
  readonly status: string;
}

/** Every page folder under content/ as Kirby lays them out: `N_slug` listed, `slug` unlisted, `_drafts/slug` draft. */
async function pagesOnDisk(dir: string, parentId = "", inDrafts = false): Promise<DiskPage[]> {
  const pages: DiskPage[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (!entry.isDirectory() || entry.name.startsWith(".")) continue;
    const folder = path.join(dir, entry.name);
    if (entry.name === "_drafts") {
      pages.push(...(await pagesOnDisk(folder, parentId, true)));
      continue;
    }
    const numbered = /^\d+_(.+)$/.exec(entry.name);
    const slug = numbered ? numbered[1]! : entry.name;
    const id = parentId ? `${parentId}/${slug}` : slug;
    // the default language's content file (`<template>.en.txt`) names the template
    const contentFile = (await readdir(folder)).find((name) => name.endsWith(".en.txt"));
    pages.push({
      id,
      template: contentFile ? contentFile.slice(0, -".en.txt".length) : "default",
      status: inDrafts ? "draft" : numbered ? "listed" : "unlisted",
    });
    pages.push(...(await pagesOnDisk(folder, id)));
  }
  return pages;
}

let disk: DiskPage[];
let site: TestSite;
let admin: Client;
let editor: Client;

beforeAll(async () => {
  // no config given: the starterkit's own site/config/config.json is read
  site = await startSite({ source: STARTERKIT, memorySessions: true });
  disk = await pagesOnDisk(path.join(site.root, "content"));
  admin = await site.client().loginOrThrow(STARTER_ADMIN);
  editor = await site.client().loginOrThrow(STARTER_EDITOR);
});

afterAll(cleanUp);

/** Every page id reachable from the site through children?status=all. */
async function walk(client: Client): Promise<string[]> {
  const found: string[] = [];
  const queue = ["/api/site/children?status=all"];
  while (queue.length) {
    const url = queue.shift()!;
    const reply = await client.get(url);
    expect(reply.status, url).toBe(200);
    for (const item of itemsOf(reply)) {
      const id = String(item["id"]);
      found.push(id);
      queue.push(`/api/pages/${id.replaceAll("/", "+")}/children?status=all`);
    }
  }
  return found.sort();
}

describe("starterkit", () => {
  it("reads its config without warnings", () => {
    expect(site.sheaf.warnings).toEqual([]);
    expect(site.sheaf.options.debug).toBe(false);
  });

  it("lists every page folder of content/ through the API, drafts included", async () => {
    expect(await walk(admin)).toEqual(disk.map((page) => page.id).sort());
    expect(disk.map((page) => page.id)).toEqual(expect.arrayContaining(Object.keys(DOCUMENTED_PAGES)));
  });

  it("lets the admin read every page, with the template and status of its folder", async () => {
    expect(disk.length).toBeGreaterThanOrEqual(Object.keys(DOCUMENTED_PAGES).length);
    for (const page of disk) {
      const reply = await admin.get(`/api/pages/${page.id.replaceAll("/", "+")}`);
      expect(reply.status, page.id).toBe(200);
      const data = dataOf(reply);
      expect(data, page.id).toMatchObject({ id: page.id, template: page.template, status: page.status });
      expect(String(data["title"]).length, page.id).toBeGreaterThan(0);
    }
  });

  it.each(Object.entries(DOCUMENTED_PAGES))("has the documented page %s", async (id, expected) => {
    expect(dataOf(await admin.get(`/api/pages/${id.replaceAll("/", "+")}`))).toMatchObject({ id, ...expected });
  });

  it("reads the site and its fields", async () => {
    const reply = await admin.get("/api/site");
    expect(reply.status).toBe(200);
    const content = dataOf(reply)["content"] as Record<string, unknown>;
    expect(Object.keys(content)).toEqual(expect.arrayContaining(["title", "description", "copyright"]));
  });

  it("keeps the escaped divider of notes-on-flat-files as four dashes in the text", async () => {
    const content = dataOf(await admin.get("/api/pages/blog+notes-on-flat-files"))["content"] as Record<string, string>;
    expect(content["text"]).toMatch(/^----$/m);
    expect(content["text"]).not.toContain("\\----");
  });

  it("shows the editor only itself among the users", async () => {
    expect(itemsOf(await editor.get("/api/users")).map((user) => user["id"])).toEqual([STARTER_EDITOR.id]);
    expect((await editor.get(`/api/users/${STARTER_ADMIN.id}`)).status).toBe(404);
    expect(
      itemsOf(await admin.get("/api/users"))
        .map((user) => user["id"])
        .sort(),
    ).toEqual([STARTER_EDITOR.id, STARTER_ADMIN.id].sort());
  });

  it("lets the editor read pages but not delete them or change their URLs", async () => {
    const reply = await editor.get("/api/pages/about");
    expect(reply.status).toBe(200);
    expect(dataOf(reply)["options"]).toMatchObject({ update: true, delete: false, changeSlug: false });
  });

  it("renders the home page for GET / as HTML", async () => {
    const reply = await send(site.sheaf, "GET", "/");
    expect(reply.status).toBe(200);
    expect(reply.headers["content-type"]).toBe("text/html; charset=UTF-8");
    expect(reply.text.length).toBeGreaterThan(0);
  });

  it("renders a published page and answers unknown paths and drafts with 404", async () => {
    expect((await send(site.sheaf, "GET", "/blog/welcome-to-the-studio")).status).toBe(200);
    const unknown = await send(site.sheaf, "GET", "/no/such/page");
    expect(unknown.status).toBe(404);
    expect(unknown.headers["content-type"]).toBe("text/html; charset=UTF-8");
    expect((await send(site.sheaf, "GET", "/blog/open-studio-day")).status).toBe(404);
  });

  it("marks a page private only when its template used the visitor's session", async () => {
    // the home template never asks for the session: the page does not depend on the cookie
    for (const headers of [{}, { cookie: admin.cookie! }] as Array<Record<string, string>>) {
      const page = await send(site.sheaf, "GET", "/", { headers });
      expect(page.headers["vary"]).toBeUndefined();
      expect(page.headers["cache-control"]).toBeUndefined();
      expect(page.setCookies).toEqual([]);
    }
    // the login form embeds the CSRF token of the visitor's session
    const login = await send(site.sheaf, "GET", "/login");
    expect(login.status).toBe(200);
    expect(login.headers["cache-control"]).toBe("no-store, private");
    expect(login.setCookies).toHaveLength(1);
    const again = await send(site.sheaf, "GET", "/login", { headers: { cookie: admin.cookie! } });
    expect(again.headers["cache-control"]).toBe("no-store, private");
    expect(again.setCookies).toEqual([]);
  });
});
