import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, it, expect } from "vitest";
import { DEFAULT_IGNORE, naturalCompare, parseFolderName, readFolder } from "../../src/content/inventory.js";

describe("parseFolderName", () => {
  it("splits a number prefix at the first underscore", () => {
    expect(parseFolderName("3_bulk")).toEqual({ num: 3, slug: "bulk" });
    expect(parseFolderName("1_my_page")).toEqual({ num: 1, slug: "my_page" });
    expect(parseFolderName("home")).toEqual({ num: null, slug: "home" });
  });

  it("reads the prefix like a PHP integer cast, without checking it is numeric", () => {
    expect(parseFolderName("foo_bar")).toEqual({ num: 0, slug: "bar" });
    expect(parseFolderName("12abc_x")).toEqual({ num: 12, slug: "x" });
    expect(parseFolderName("-3_x")).toEqual({ num: -3, slug: "x" });
    expect(parseFolderName("007_bond")).toEqual({ num: 7, slug: "bond" });
  });
});

describe("naturalCompare", () => {
  it("orders digit runs by value", () => {
    expect(naturalCompare("item-2", "item-10")).toBeLessThan(0);
    expect(naturalCompare("item-10", "item-2")).toBeGreaterThan(0);
    expect(naturalCompare("item-2", "item-2")).toBe(0);
  });

  it("sorts folder names with listed pages by number, then unlisted ones", () => {
    const names = ["home", "10_ten", "error", "2_about", "1_notes", "3_bulk"];
    expect([...names].sort(naturalCompare)).toEqual(["1_notes", "2_about", "3_bulk", "10_ten", "error", "home"]);
  });

  it("is case-sensitive like natsort (upper case first)", () => {
    expect(["b", "B", "a", "A"].sort(naturalCompare)).toEqual(["A", "B", "a", "b"]);
  });

  it("compares runs with leading zeros digit by digit", () => {
    expect(naturalCompare("x-01", "x-1")).toBeLessThan(0);
    expect(naturalCompare("x-010", "x-09")).toBeLessThan(0);
  });

  it("puts a prefix before the longer string", () => {
    expect(naturalCompare("abc", "abc1")).toBeLessThan(0);
    expect(naturalCompare("abc-", "abc")).toBeGreaterThan(0);
  });
});

describe("readFolder", () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "sheaf-inventory-"));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function files(names: string[]): Promise<void> {
    for (const name of names) {
      await mkdir(join(dir, name, ".."), { recursive: true });
      await writeFile(join(dir, name), "");
    }
  }

  it("sorts children, drafts and files naturally and skips hidden, underscore and ignored names", async () => {
    const folders = ["10_ten", "2_two", "unlisted", ".hidden", "_changes", "@eaDir"];
    for (const name of [...folders, "_drafts/b-draft", "_drafts/a-draft", "_drafts/_x"]) {
      await mkdir(join(dir, name), { recursive: true });
    }
    await files(["item-10.jpg", "item-2.jpg", ".DS_Store", ".secret", "page.php", "index.html", "old.HTM"]);
    await files(["notes.pdf"]);

    const inventory = await readFolder(dir, { extension: "txt" });
    expect(inventory.children).toEqual(["2_two", "10_ten", "unlisted"]);
    expect(inventory.drafts).toEqual(["a-draft", "b-draft"]);
    expect(inventory.files).toEqual(["item-2.jpg", "item-10.jpg", "notes.pdf"]);
    expect(inventory.contentFiles).toEqual([]);
    expect(inventory.template).toBe("default");
  });

  it("takes the template from the content file that is not a media file's meta file", async () => {
    await files(["photo.jpg", "photo.jpg.txt", "article.txt"]);
    const inventory = await readFolder(dir, { extension: "txt" });
    expect(inventory.contentFiles).toEqual(["article.txt", "photo.jpg.txt"]);
    expect(inventory.files).toEqual(["photo.jpg"]);
    expect(inventory.template).toBe("article");
  });

  it("treats a meta file without its media file as a content file", async () => {
    await files(["orphan.jpg.txt"]);
    expect((await readFolder(dir, { extension: "txt" })).template).toBe("orphan.jpg");
  });

  it("picks the last of several content files in natural order", async () => {
    await files(["note-10.txt", "note-9.txt", "alpha.txt"]);
    expect((await readFolder(dir, { extension: "txt" })).template).toBe("note-10");
  });

  it("uses the configured extension and ignore list", async () => {
    await files(["post.md", "other.txt", "skip.me"]);
    const inventory = await readFolder(dir, { extension: "md", ignore: ["skip.me"] });
    expect(inventory.template).toBe("post");
    expect(inventory.contentFiles).toEqual(["post.md"]);
    expect(inventory.files).toEqual(["other.txt"]);
  });

  it("follows symbolic links to folders and files", async () => {
    const elsewhere = await mkdtemp(join(tmpdir(), "sheaf-inventory-target-"));
    try {
      await mkdir(join(elsewhere, "real"));
      await writeFile(join(elsewhere, "real.jpg"), "");
      await symlink(join(elsewhere, "real"), join(dir, "1_linked"));
      await symlink(join(elsewhere, "real.jpg"), join(dir, "linked.jpg"));
      await symlink(join(elsewhere, "missing"), join(dir, "dangling"));
      const inventory = await readFolder(dir, { extension: "txt" });
      expect(inventory.children).toEqual(["1_linked"]);
      expect(inventory.files).toEqual(["linked.jpg"]);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });

  it("rejects when the folder does not exist", async () => {
    await expect(readFolder(join(dir, "missing"), { extension: "txt" })).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("has Kirby's default ignore list", () => {
    const expected = [".", "..", ".DS_Store", ".gitignore", ".git", ".svn", ".htaccess", "Thumb.db", "@eaDir"];
    expect(DEFAULT_IGNORE).toEqual(expected);
  });
});
