import { cp, mkdir, mkdtemp, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, it, expect } from "vitest";
import { createContentIndex } from "../../src/content/content-index.js";
import type { ContentIndex, Page } from "../../src/content/types.js";
import { ConfigError } from "../../src/errors.js";
import path from "node:path";
import { FIXTURE_DIR } from "../paths.js";

const FIXTURE_CONTENT = path.join(FIXTURE_DIR, "content");
const VISIBLE_WITHIN = { timeout: 1_000, interval: 20 };

let root: string;
let openIndexes: ContentIndex[] = [];

async function copyFixture(): Promise<string> {
  const base = await mkdtemp(join(tmpdir(), "sheaf-content-index-"));
  const content = join(base, "content");
  await cp(FIXTURE_CONTENT, content, { recursive: true });
  return content;
}

async function closeAllAndRemove(): Promise<void> {
  await Promise.all(openIndexes.map((index) => index.close()));
  openIndexes = [];
  await rm(join(root, ".."), { recursive: true, force: true });
}

async function open(watch: boolean, extra: { extension?: string } = {}): Promise<ContentIndex> {
  const index = await createContentIndex({ root, watch, ...extra });
  openIndexes.push(index);
  return index;
}

function summary(page: Page): [string, number | null, string, string] {
  return [page.id, page.num, page.status, page.template];
}

describe("building the index from the untouched fixture", () => {
  let index: ContentIndex;

  beforeAll(async () => {
    root = await copyFixture();
    index = await open(false);
  });

  afterAll(closeAllAndRemove);
  it("reads the site", async () => {
    expect(index.site.dir).toBe(root);
    expect(index.site.contentFile).toBe(join(root, "site.txt"));
    expect(index.site.content).toEqual({
      title: "Oracle Site",
      description: "Golden fixture site for the Kirby API oracle",
    });
    expect(index.site.drafts).toEqual([]);
  });

  it("lists the site's children in inventory order with numbers, statuses and templates", async () => {
    expect(index.site.children.map(summary)).toEqual([
      ["notes", 1, "listed", "notes"],
      ["about", 2, "listed", "default"],
      ["bulk", 3, "listed", "default"],
      ["error", null, "unlisted", "error"],
      ["home", null, "unlisted", "home"],
    ]);
  });

  it("builds nested pages and drafts", async () => {
    const notes = index.findPage("notes");
    expect(notes?.children.map(summary)).toEqual([
      ["notes/first-note", 1, "listed", "note"],
      ["notes/second-note", 2, "listed", "note"],
    ]);
    expect(notes?.drafts.map(summary)).toEqual([["notes/secret-draft", null, "draft", "note"]]);

    const draft = index.findPage("notes/secret-draft");
    expect(draft?.dir).toBe(join(root, "1_notes", "_drafts", "secret-draft"));
    expect(draft?.contentFile).toBe(join(root, "1_notes", "_drafts", "secret-draft", "note.txt"));
    expect(draft?.content).toEqual({ title: "Secret Draft", text: "Not published yet.", uuid: "secretdraft00001" });
    expect(draft?.parent).toBe(notes);
  });

  it("parses page content", async () => {
    expect(index.findPage("notes/first-note")?.content).toEqual({
      title: "First Note",
      date: "2024-01-15",
      text: "Hello from the first note.",
      tags: "alpha, beta",
      uuid: "firstnote0000001",
    });
  });

  it("finds pages case-insensitively", async () => {
    const page = index.findPage("NOTES/First-Note");
    expect(page?.id).toBe("notes/first-note");
    expect(index.findPage("notes/first-note")).toBe(page);
    expect(index.findPage("notes/nope")).toBeUndefined();
    expect(index.findPage("1_notes")).toBeUndefined();
  });

  it("orders 200 bulk children naturally", async () => {
    const bulk = index.findPage("bulk");
    expect(bulk?.children).toHaveLength(200);
    expect(bulk?.children.map((page) => page.num)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(bulk?.children[0]?.id).toBe("bulk/item-001");
    expect(bulk?.children[9]?.id).toBe("bulk/item-010");
    expect(bulk?.children[199]?.id).toBe("bulk/item-200");
  });

  it("lists every page and draft depth-first", async () => {
    const ids = [...index.allPages()].map((page) => page.id);
    expect(ids).toHaveLength(208);
    expect(ids.slice(0, 6)).toEqual([
      "notes",
      "notes/first-note",
      "notes/second-note",
      "notes/secret-draft",
      "about",
      "bulk",
    ]);
    expect(ids.slice(-2)).toEqual(["error", "home"]);
  });

  it("hands out frozen objects whose parents belong to the same snapshot", async () => {
    const page = index.findPage("notes/first-note");
    expect(Object.isFrozen(page)).toBe(true);
    expect(Object.isFrozen(page?.content)).toBe(true);
    expect(Object.isFrozen(page?.children)).toBe(true);
    expect(Object.isFrozen(index.site)).toBe(true);
    expect(page?.parent).toBe(index.findPage("notes"));
    expect(page?.parent?.children).toContain(page);
    expect(index.findPage("notes")?.parent).toBeNull();
  });
});

describe("building the index from a modified fixture", () => {
  beforeEach(async () => {
    root = await copyFixture();
  });

  afterEach(closeAllAndRemove);

  it("reads children of drafts by their own folder names (listed or unlisted)", async () => {
    await mkdir(join(root, "1_notes", "_drafts", "secret-draft", "1_child"));
    await writeFile(join(root, "1_notes", "_drafts", "secret-draft", "1_child", "note.txt"), "Title: Child");
    const index = await open(false);
    const child = index.findPage("notes/secret-draft/child");
    expect(child && summary(child)).toEqual(["notes/secret-draft/child", 1, "listed", "note"]);
    expect(child?.parent?.status).toBe("draft");
  });

  it("lists media files and gives an empty content object without a content file", async () => {
    await mkdir(join(root, "gallery"));
    await writeFile(join(root, "gallery", "b.jpg"), "");
    await writeFile(join(root, "gallery", "a.jpg"), "");
    await writeFile(join(root, "gallery", "a.jpg.txt"), "Alt: A");
    const index = await open(false);
    const gallery = index.findPage("gallery");
    expect(gallery?.files).toEqual(["a.jpg", "b.jpg"]);
    expect(gallery?.template).toBe("default");
    expect(gallery?.content).toEqual({});
  });

  it("uses the configured content extension", async () => {
    await mkdir(join(root, "mdpage"));
    await writeFile(join(root, "mdpage", "article.md"), "Title: Markdown");
    await writeFile(join(root, "site.md"), "Title: MD site");
    const index = await open(false, { extension: "md" });
    expect(index.site.content).toEqual({ title: "MD site" });
    expect(index.findPage("mdpage")?.template).toBe("article");
    expect(index.findPage("notes")?.template).toBe("default");
    expect(index.findPage("notes")?.files).toContain("notes.txt");
  });

  it("fails with a ConfigError when the content folder does not exist", async () => {
    await expect(createContentIndex({ root: join(root, "missing"), watch: false })).rejects.toBeInstanceOf(ConfigError);
  });
});

describe("refresh and reload", () => {
  beforeEach(async () => {
    root = await copyFixture();
  });

  afterEach(closeAllAndRemove);

  it("re-reads one page after a write", async () => {
    const index = await open(false);
    const before = index.findPage("about");
    await writeFile(join(root, "2_about", "default.txt"), "Title: About us");
    expect(index.findPage("about")?.content.title).toBe("About");

    await index.refresh(join(root, "2_about"));
    expect(index.findPage("about")?.content).toEqual({ title: "About us" });
    // The old snapshot is untouched.
    expect(before?.content.title).toBe("About");
  });

  it("picks up a new, a renamed and a removed page folder", async () => {
    const index = await open(false);

    await mkdir(join(root, "1_notes", "3_third-note"));
    await writeFile(join(root, "1_notes", "3_third-note", "note.txt"), "Title: Third");
    await index.refresh(join(root, "1_notes", "3_third-note"));
    expect(index.findPage("notes/third-note")?.content.title).toBe("Third");
    const noteSlugs = index.findPage("notes")?.children.map((page) => page.slug);
    expect(noteSlugs).toEqual(["first-note", "second-note", "third-note"]);

    await rename(join(root, "2_about"), join(root, "about"));
    await index.refresh(root);
    const about = index.findPage("about");
    expect(about && summary(about)).toEqual(["about", null, "unlisted", "default"]);

    await rm(join(root, "home"), { recursive: true });
    await index.refresh(join(root, "home"));
    expect(index.findPage("home")).toBeUndefined();
    expect(index.site.children.map((page) => page.id)).toEqual(["notes", "bulk", "about", "error"]);
  });

  it("re-reads everything when asked to refresh a folder outside the content root", async () => {
    const index = await open(false);
    await writeFile(join(root, "site.txt"), "Title: Outside");
    await index.refresh(tmpdir());
    expect(index.site.content).toEqual({ title: "Outside" });
  });

  it("re-reads everything on reload and notifies listeners", async () => {
    const index = await open(false);
    let notices = 0;
    const unsubscribe = index.onChange(() => notices++);
    await writeFile(join(root, "site.txt"), "Title: Reloaded");
    await index.reload();
    expect(index.site.content).toEqual({ title: "Reloaded" });
    expect(notices).toBe(1);

    unsubscribe();
    await index.reload();
    expect(notices).toBe(1);
  });
});

describe("watching the disk", () => {
  beforeEach(async () => {
    root = await copyFixture();
  });

  afterEach(closeAllAndRemove);

  it("shows an edit made outside within a second", async () => {
    const index = await open(true);
    await writeFile(join(root, "1_notes", "1_first-note", "note.txt"), "Title: Edited\n\n----\n\nText: New text");
    await expect
      .poll(() => index.findPage("notes/first-note")?.content, VISIBLE_WITHIN)
      .toEqual({ title: "Edited", text: "New text" });
    expect(index.findPage("notes/first-note")?.parent).toBe(index.findPage("notes"));
  });

  it("follows a page folder being added and removed", async () => {
    const index = await open(true);
    const dir = join(root, "3_bulk", "201_item-201");
    await mkdir(dir);
    await writeFile(join(dir, "note.txt"), "Title: Item 201");
    await expect.poll(() => index.findPage("bulk/item-201")?.content.title, VISIBLE_WITHIN).toBe("Item 201");
    expect(index.findPage("bulk")?.children.at(-1)?.id).toBe("bulk/item-201");

    await rm(dir, { recursive: true });
    await expect.poll(() => index.findPage("bulk/item-201"), VISIBLE_WITHIN).toBeUndefined();
    expect(index.findPage("bulk")?.children).toHaveLength(200);
  });

  it("follows a folder rename that publishes a draft", async () => {
    const index = await open(true);
    await rename(join(root, "1_notes", "_drafts", "secret-draft"), join(root, "1_notes", "3_secret-draft"));
    await expect.poll(() => index.findPage("notes/secret-draft")?.status, VISIBLE_WITHIN).toBe("listed");
    expect(index.findPage("notes")?.drafts).toEqual([]);
    expect(index.findPage("notes/secret-draft")?.num).toBe(3);
  });

  it("notifies listeners after a change on disk", async () => {
    const index = await open(true);
    const changed = new Promise<void>((resolveChanged) => {
      index.onChange(() => resolveChanged());
    });
    await writeFile(join(root, "home", "home.txt"), "Title: Home again");
    await changed;
    expect(index.findPage("home")?.content.title).toBe("Home again");
  });

  it("survives folders disappearing while it reads", async () => {
    const index = await open(true);
    for (let round = 0; round < 20; round++) {
      const dir = join(root, `churn-${round}`);
      await mkdir(join(dir, "child"), { recursive: true });
      await writeFile(join(dir, "child", "default.txt"), "Title: x");
      await rm(dir, { recursive: true, force: true });
    }
    await writeFile(join(root, "error", "error.txt"), "Title: Still alive");
    await expect.poll(() => index.findPage("error")?.content.title, VISIBLE_WITHIN).toBe("Still alive");
    const hasChurn = (): boolean => [...index.allPages()].some((page) => page.id.startsWith("churn-"));
    await expect.poll(hasChurn, VISIBLE_WITHIN).toBe(false);
    expect(index.site.children.map((page) => page.id)).toEqual(["notes", "about", "bulk", "error", "home"]);
  });

  it("stops following the disk after close", async () => {
    const index = await open(true);
    await index.close();
    await writeFile(join(root, "2_about", "default.txt"), "Title: Changed after close");
    await new Promise((wait) => setTimeout(wait, 300));
    expect(index.findPage("about")?.content.title).toBe("About");
  });
});
