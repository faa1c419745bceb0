/**
 * `children?limit=…&page=…` reads shared, pre-sorted child lists per parent and status. Every page of every status is
 * compared with a naive computation from the folders on disk, on a page with many children, before and after
 * changes made through the API and on disk.
 */
import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { naturalCompare, parseFolderName } from "../../src/content/inventory.js";
import { cleanUp, startSite, type TestSite } from "./helpers.js";

const ADMIN_AUTH = { authorization: `Basic ${Buffer.from("admin@example.com:AdminPass123!").toString("base64")}` };
const CHILDREN = 130;
const DRAFTS = 12;
const LIMIT = 7;
const STATUSES = [undefined, "listed", "unlisted", "drafts", "all"] as const;

afterEach(cleanUp);

interface Listing {
  readonly ids: string[];
  readonly total: number;
}

async function get(site: TestSite, url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await site.sheaf.server.inject({ method: "GET", url: `/api/${url}`, headers: ADMIN_AUTH });
  return { status: response.statusCode, body: JSON.parse(response.body) as Record<string, unknown> };
}

async function send(site: TestSite, method: string, url: string, body: unknown): Promise<void> {
  const response = await site.sheaf.server.inject({
    method: method as "POST",
    url: `/api/${url}`,
    headers: { ...ADMIN_AUTH, "content-type": "application/json" },
    payload: JSON.stringify(body),
  });
  expect(response.statusCode, response.body).toBe(200);
}

/** One page of the API's listing. */
async function apiPage(site: TestSite, parent: string, status: string | undefined, page: number): Promise<Listing> {
  const query = `${status === undefined ? "" : `status=${status}&`}limit=${LIMIT}&page=${page}&select=id`;
  const reply = await get(site, `${parent === "" ? "site" : `pages/${parent}`}/children?${query}`);
  expect(reply.status, JSON.stringify(reply.body)).toBe(200);
  const data = reply.body["data"] as Array<{ id: string }>;
  const pagination = reply.body["pagination"] as { total: number };
  return { ids: data.map((item) => item.id), total: pagination.total };
}

/** The children of a folder as Kirby lists them, read from disk without the index. */
async function naive(dir: string, idPrefix: string, status: string | undefined): Promise<string[]> {
  const pageFolders = async (folder: string): Promise<string[]> =>
    existsSync(folder)
      ? (await readdir(folder, { withFileTypes: true }))
          .filter((entry) => entry.isDirectory() && !entry.name.startsWith("_") && !entry.name.startsWith("."))
          .map((entry) => entry.name)
          .sort(naturalCompare)
      : [];
  const children = (await pageFolders(dir)).map((name) => ({ ...parseFolderName(name) }));
  const drafts = (await pageFolders(path.join(dir, "_drafts"))).map((name) => ({ num: null, slug: name }));
  const id = (page: { slug: string }): string => `${idPrefix}${page.slug}`;
  switch (status) {
    case "listed":
      return children.filter((page) => page.num !== null).map(id);
    case "unlisted":
      return children.filter((page) => page.num === null).map(id);
    case "drafts":
      return drafts.map(id);
    case "all":
      return [...children, ...drafts].map(id);
    default:
      return children.map(id);
  }
}

/** Every page of every status matches the naive listing of the folder on disk. */
async function expectListingsMatchDisk(site: TestSite, parent: string): Promise<void> {
  const dir = parent === "" ? path.join(site.root, "content") : path.join(site.root, "content", `9_${parent}`);
  const idPrefix = parent === "" ? "" : `${parent}/`;
  for (const status of STATUSES) {
    const expected = await naive(dir, idPrefix, status);
    const pages = Math.max(1, Math.ceil(expected.length / LIMIT));
    const seen: string[] = [];
    for (let page = 1; page <= pages; page++) {
      const listing = await apiPage(site, parent, status, page);
      expect(listing.total, `status ${status}`).toBe(expected.length);
      expect(listing.ids, `status ${status}, page ${page}`).toEqual(expected.slice((page - 1) * LIMIT, page * LIMIT));
      seen.push(...listing.ids);
    }
    expect(seen).toEqual(expected);
    if (expected.length > 0) {
      // one past the last page is not there
      const base = parent === "" ? "site" : `pages/${parent}`;
      const past = `${base}/children?${status === undefined ? "" : `status=${status}&`}limit=${LIMIT}&page=${pages + 1}`;
      expect((await get(site, past)).status, past).toBe(404);
    }
  }
}

/** A page `crowd` with many children: most listed (two digits' worth of numbers), every fifth unlisted, some drafts. */
async function writeCrowd(root: string): Promise<void> {
  const crowd = path.join(root, "content", "9_crowd");
  await mkdir(path.join(crowd, "_drafts"), { recursive: true });
  await writeFile(path.join(crowd, "default.txt"), "Title: Crowd\n");
  for (let i = 0; i < CHILDREN; i++) {
    const name = i % 5 === 4 ? `member-${i}` : `${i + 1}_member-${i}`;
    await mkdir(path.join(crowd, name));
    await writeFile(path.join(crowd, name, "note.txt"), `Title: Member ${i}\n`);
  }
  for (let i = 0; i < DRAFTS; i++) {
    await mkdir(path.join(crowd, "_drafts", `draft-${i}`));
    await writeFile(path.join(crowd, "_drafts", `draft-${i}`, "note.txt"), `Title: Draft ${i}\n`);
  }
}

async function eventually(check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

describe("children pagination on a page with many children", () => {
  it("lists every page of every status as the folders on disk say, and the site's children too", async () => {
    const site = await startSite({ config: { api: { basicAuth: true, allowInsecure: true } } });
    await writeCrowd(site.root);
    await site.sheaf.content.reload();
    await expectListingsMatchDisk(site, "crowd");
    await expectListingsMatchDisk(site, "");
  });

  it("stays right after pages are added, sorted, published, unlisted and deleted through the API", async () => {
    const site = await startSite({ config: { api: { basicAuth: true, allowInsecure: true } } });
    await writeCrowd(site.root);
    await site.sheaf.content.reload();
    await expectListingsMatchDisk(site, "crowd");

    await send(site, "POST", "pages/crowd/children", { slug: "newcomer", template: "note", content: { title: "New" } });
    await expectListingsMatchDisk(site, "crowd");
    await send(site, "PATCH", "pages/crowd+newcomer/status", { status: "listed", position: 3 });
    await expectListingsMatchDisk(site, "crowd");
    await send(site, "PATCH", "pages/crowd+member-0/status", { status: "listed", position: 50 });
    await expectListingsMatchDisk(site, "crowd");
    await send(site, "PATCH", "pages/crowd+member-4/status", { status: "listed", position: 1 });
    await expectListingsMatchDisk(site, "crowd");
    await send(site, "PATCH", "pages/crowd+member-1/status", { status: "unlisted" });
    await expectListingsMatchDisk(site, "crowd");
    await send(site, "PATCH", "pages/crowd+draft-3/status", { status: "listed", position: 7 });
    await expectListingsMatchDisk(site, "crowd");
    await send(site, "DELETE", "pages/crowd+member-2", undefined);
    await expectListingsMatchDisk(site, "crowd");
  });

  it("stays right after folders are added, renamed and removed on disk", async () => {
    const site = await startSite({
      config: { api: { basicAuth: true, allowInsecure: true } },
      extra: { watch: true },
    });
    await writeCrowd(site.root);
    await eventually(() => expectListingsMatchDisk(site, "crowd"));

    const crowd = path.join(site.root, "content", "9_crowd");
    await mkdir(path.join(crowd, "5_from-disk"));
    await writeFile(path.join(crowd, "5_from-disk", "note.txt"), "Title: From disk\n");
    await rename(path.join(crowd, "member-9"), path.join(crowd, "2_member-9"));
    await rename(path.join(crowd, "_drafts", "draft-0"), path.join(crowd, "member-draft-0"));
    await rm(path.join(crowd, "11_member-10"), { recursive: true });
    await eventually(() => expectListingsMatchDisk(site, "crowd"));
  });
});
