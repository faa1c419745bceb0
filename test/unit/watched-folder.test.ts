import { mkdirSync, writeFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, readlink, rename, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { resolveOptions } from "../../src/config/options.js";
import { ConfigError } from "../../src/errors.js";
import { WatchedFolder, type WatchedFolderOptions, type WatchLog } from "../../src/fs/watched-folder.js";

const SEEN_WITHIN = { timeout: 2_000, interval: 20 };

const folders: WatchedFolder[] = [];
const temporaryRoots: string[] = [];

afterEach(async () => {
  await Promise.all(folders.splice(0).map((folder) => folder.close()));
  await Promise.all(temporaryRoots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
});

async function temporaryFolder(): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "sheaf-watch-"));
  temporaryRoots.push(root);
  return root;
}

interface Recorder {
  /** Every batch handed to `reload`: the changed paths sorted, or null for "anything". */
  readonly batches: Array<string[] | null>;
  readonly logged: Array<{ level: string; message: string; details?: Record<string, unknown> }>;
  readonly log: WatchLog;
  readonly reload: WatchedFolderOptions["reload"];
}

function recorder(reload: (changes: ReadonlySet<string> | null) => Promise<void> = async () => undefined): Recorder {
  const batches: Array<string[] | null> = [];
  const logged: Recorder["logged"] = [];
  return {
    batches,
    logged,
    log: (level, message, details) => void logged.push({ level, message, ...(details ? { details } : {}) }),
    reload: (changes) => {
      batches.push(changes === null ? null : [...changes].sort());
      return reload(changes);
    },
  };
}

async function open(
  options: Omit<WatchedFolderOptions, "name" | "log" | "reload"> & { record: Recorder },
): Promise<WatchedFolder> {
  const { record, ...rest } = options;
  const folder = await WatchedFolder.open({ name: "test", log: record.log, reload: record.reload, ...rest });
  folders.push(folder);
  return folder;
}

function sawPath(record: Recorder, relativePath: string): boolean {
  return record.batches.some((batch) => batch === null || batch.includes(relativePath));
}

async function replaceAtomically(file: string, text: string): Promise<void> {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  await writeFile(temporary, text);
  await rename(temporary, file);
}

/** inotify watches this process holds now (each is one `inotify wd:` line in the fdinfo of an inotify descriptor). */
async function inotifyWatches(): Promise<number> {
  let watches = 0;
  for (const fd of await readdir("/proc/self/fd")) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => "");
    if (!target.includes("inotify")) continue;
    const info = await readFile(`/proc/self/fdinfo/${fd}`, "utf8").catch(() => "");
    watches += info.split("\n").filter((line) => line.startsWith("inotify wd:")).length;
  }
  return watches;
}

describe("WatchedFolder: native events", () => {
  it("follows a file that was replaced atomically and then edited in place", async () => {
    const root = await temporaryFolder();
    await mkdir(path.join(root, "page"));
    const file = path.join(root, "page", "default.txt");
    await writeFile(file, "Title: One");
    const record = recorder();
    await open({ dir: root, reconcileSeconds: false, record });

    await replaceAtomically(file, "Title: Two");
    await expect.poll(() => sawPath(record, "page/default.txt"), SEEN_WITHIN).toBe(true);
    record.batches.length = 0;
    await writeFile(file, "Title: Three");
    await expect.poll(() => record.batches, SEEN_WITHIN).toContainEqual(["page/default.txt"]);
  });

  it("hands paths the owner excludes to nobody", async () => {
    const root = await temporaryFolder();
    const record = recorder();
    await open({
      dir: root,
      reconcileSeconds: false,
      include: (relativePath) => !relativePath.startsWith("."),
      record,
    });
    await mkdir(path.join(root, ".git"));
    await writeFile(path.join(root, ".git", "index"), "x");
    await writeFile(path.join(root, ".logins"), "{}");
    await writeFile(path.join(root, "seen.txt"), "x");
    await expect.poll(() => sawPath(record, "seen.txt"), SEEN_WITHIN).toBe(true);
    expect(record.batches.flat()).toEqual(["seen.txt"]);
  });

  it("follows a folder that does not exist at start once it is created", async () => {
    const root = await temporaryFolder();
    const dir = path.join(root, "later");
    const record = recorder();
    await open({ dir, reconcileSeconds: false, record });

    await mkdir(dir);
    await writeFile(path.join(dir, "first.txt"), "x");
    // anything may have changed before the folder was followed: the owner reads everything
    await expect.poll(() => record.batches.includes(null), SEEN_WITHIN).toBe(true);
    record.batches.length = 0;
    await writeFile(path.join(dir, "second.txt"), "x");
    await expect.poll(() => sawPath(record, "second.txt"), SEEN_WITHIN).toBe(true);
  });

  it("follows a folder given as a link to the real one", async () => {
    const parent = await temporaryFolder();
    await mkdir(path.join(parent, "real"));
    await symlink(path.join(parent, "real"), path.join(parent, "content"));
    const record = recorder();
    await open({ dir: path.join(parent, "content"), reconcileSeconds: false, record });

    await writeFile(path.join(parent, "real", "site.txt"), "Title: Site");
    await expect.poll(() => record.batches, SEEN_WITHIN).toContainEqual(["site.txt"]);
    expect(record.logged).toEqual([]);
  });

  it("follows the folder's path when the folder is replaced as a whole", async () => {
    const parent = await temporaryFolder();
    const dir = path.join(parent, "content");
    await mkdir(dir);
    const record = recorder();
    await open({ dir, reconcileSeconds: false, record });

    await mkdir(path.join(parent, "content.new"));
    await rename(dir, path.join(parent, "content.old"));
    await rename(path.join(parent, "content.new"), dir);
    await expect.poll(() => record.batches.includes(null), SEEN_WITHIN).toBe(true);
    // the watches now follow the new folder, not the old one
    await new Promise((resolve) => setTimeout(resolve, 100));
    record.batches.length = 0;
    await writeFile(path.join(parent, "content.old", "stale.txt"), "x");
    await writeFile(path.join(dir, "fresh.txt"), "x");
    await expect.poll(() => sawPath(record, "fresh.txt"), SEEN_WITHIN).toBe(true);
    expect(sawPath(record, "stale.txt")).toBe(false);
  });

  it("logs a reload that keeps failing once, not on every event, and stops retrying when it works again", async () => {
    const root = await temporaryFolder();
    let broken = true;
    const record = recorder(async () => {
      if (broken) throw new Error("cannot parse blueprint.yml");
    });
    await open({ dir: root, reconcileSeconds: false, record });

    for (let edit = 0; edit < 5; edit++) {
      await writeFile(path.join(root, "blueprint.yml"), `title: ${edit}`);
      await new Promise((resolve) => setTimeout(resolve, 80));
    }
    await expect.poll(() => record.batches.length, SEEN_WITHIN).toBeGreaterThanOrEqual(5);
    expect(record.logged).toEqual([
      {
        level: "error",
        message: "The test folder could not be read again after a change",
        details: { dir: root, error: "cannot parse blueprint.yml" },
      },
    ]);

    broken = false;
    const batchesBefore = record.batches.length;
    await writeFile(path.join(root, "blueprint.yml"), "title: fixed");
    await expect.poll(() => record.batches.length, SEEN_WITHIN).toBeGreaterThan(batchesBefore);
    // late events of the same write may still make a batch; after that, nothing more
    await new Promise((resolve) => setTimeout(resolve, 200));
    const settled = record.batches.length;
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(record.batches.length).toBe(settled);
    expect(record.logged).toHaveLength(1);
  });

  it("retries a failed reload with the same changes without waiting for another event", async () => {
    const root = await temporaryFolder();
    let failures = 2;
    const record = recorder(async () => {
      if (failures-- > 0) throw new Error("EBUSY: resource busy");
    });
    await open({ dir: root, reconcileSeconds: false, record });

    await writeFile(path.join(root, "site.txt"), "Title: Site");
    await expect.poll(() => failures, SEEN_WITHIN).toBeLessThan(0);
    expect(record.batches.length).toBeGreaterThanOrEqual(3);
    expect(record.batches.every((batch) => batch?.includes("site.txt"))).toBe(true);
    expect(record.logged).toHaveLength(1);
  });
});

describe("WatchedFolder: reconciliation", () => {
  it("picks up changes no event reported: an edit, an atomic replace, a new and a removed file", async () => {
    const root = await temporaryFolder();
    await writeFile(path.join(root, "edited.txt"), "one");
    await writeFile(path.join(root, "replaced.txt"), "one");
    await writeFile(path.join(root, "removed.txt"), "one");
    const record = recorder();
    await open({ dir: root, events: false, reconcileSeconds: 0.1, record });

    await writeFile(path.join(root, "edited.txt"), "two, longer");
    await replaceAtomically(path.join(root, "replaced.txt"), "two");
    await writeFile(path.join(root, "added.txt"), "new");
    await rm(path.join(root, "removed.txt"));
    await expect
      .poll(() => new Set(record.batches.flatMap((batch) => batch ?? [])), SEEN_WITHIN)
      .toEqual(new Set(["edited.txt", "replaced.txt", "added.txt", "removed.txt"]));
  });

  it("notices a folder replaced as a whole, and one that appears later", async () => {
    const parent = await temporaryFolder();
    const dir = path.join(parent, "accounts");
    const record = recorder();
    await open({ dir, events: false, reconcileSeconds: 0.1, record });

    await mkdir(dir);
    await expect.poll(() => record.batches.includes(null), SEEN_WITHIN).toBe(true);
    record.batches.length = 0;
    await mkdir(path.join(parent, "accounts.new"));
    await rename(dir, path.join(parent, "accounts.old"));
    await rename(path.join(parent, "accounts.new"), dir);
    await expect.poll(() => record.batches.includes(null), SEEN_WITHIN).toBe(true);
  });

  it("does nothing when nothing changed", async () => {
    const root = await temporaryFolder();
    await writeFile(path.join(root, "still.txt"), "one");
    const record = recorder();
    await open({ dir: root, events: false, reconcileSeconds: 0.05, record });
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(record.batches).toEqual([]);
  });
});

describe("option watch.reconcile", () => {
  it("is 30 seconds by default, a positive whole number of seconds, or false", () => {
    expect(resolveOptions({}).watch.reconcileSeconds).toBe(30);
    expect(resolveOptions({ watch: { reconcile: 5 } }).watch.reconcileSeconds).toBe(5);
    expect(resolveOptions({ "watch.reconcile": false }).watch.reconcileSeconds).toBe(false);
    for (const invalid of [0, -1, 1.5, "30", true]) {
      expect(() => resolveOptions({ watch: { reconcile: invalid } }), String(invalid)).toThrow(ConfigError);
    }
  });
});

const onLinux = process.platform === "linux";
if (!onLinux) {
  console.warn(`SKIPPED: the inotify watch count tests need Linux (this is ${process.platform})`);
}

describe.skipIf(!onLinux)("WatchedFolder: inotify watches (Linux)", () => {
  it("starts on a generated 20k-page site with one watch per folder, not one per file", {
    timeout: 120_000,
  }, async () => {
    const root = await temporaryFolder();
    const sections = 200;
    const pagesPerSection = 100;
    let folderCount = 1;
    let fileCount = 0;
    for (let section = 1; section <= sections; section++) {
      const sectionDir = path.join(root, `${section}_section-${section}`);
      mkdirSync(sectionDir);
      writeFileSync(path.join(sectionDir, "section.txt"), `Title: Section ${section}`);
      folderCount++;
      fileCount++;
      for (let page = 1; page <= pagesPerSection; page++) {
        const pageDir = path.join(sectionDir, `${page}_page-${page}`);
        mkdirSync(pageDir);
        writeFileSync(path.join(pageDir, "default.txt"), `Title: Page ${page}`);
        writeFileSync(path.join(pageDir, "cover.jpg"), "");
        folderCount++;
        fileCount += 2;
      }
    }
    expect(folderCount - 1 - sections).toBe(20_000);

    const before = await inotifyWatches();
    const folder = await open({ dir: root, reconcileSeconds: false, record: recorder() });
    const watching = (await inotifyWatches()) - before;

    // one per folder at most; the fs.watch based watcher needed one per file and folder
    expect(watching).toBeGreaterThan(0);
    expect(watching).toBeLessThanOrEqual(folderCount);
    expect(watching).toBeLessThan((folderCount + fileCount) / 2);

    await folder.close();
    expect(await inotifyWatches()).toBe(before);
  });

  it("releases its watches before close() resolves", async () => {
    const root = await temporaryFolder();
    for (let index = 0; index < 20; index++) await mkdir(path.join(root, `folder-${index}`));
    const before = await inotifyWatches();
    const folder = await WatchedFolder.open({
      dir: root,
      name: "test",
      reconcileSeconds: false,
      reload: async () => undefined,
    });
    expect(await inotifyWatches()).toBeGreaterThan(before);
    await folder.close();
    expect(await inotifyWatches()).toBe(before);
  });
});
