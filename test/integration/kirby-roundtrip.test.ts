/**
 * Round trip with Kirby's files: a sequence of writes through Sheaf (the writes of the recorded scenario 58, and the
 * user creation of 57) leaves content and account files byte for byte as Kirby 5.5.2 left them in the recording.
 * The expected file texts are the ones recorded after each write; `<page-uuid#n>` stands for the UUID of the n-th
 * page created, `<user-id#n>` for the id of the n-th user created.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { ADMIN, cleanUp, dataOf, startSite } from "./helpers.js";

interface WriteStep {
  /** The step of `58-content-write-values.json` this write repeats. */
  readonly step: number;
  readonly method: string;
  readonly path: string;
  readonly body: unknown;
  /** The recorded status; Kirby's 500 for a list in a textarea is Sheaf's 400 (deviation zz), nothing written. */
  readonly status: number;
  /** The file (relative to the site) and its recorded text after the write. */
  readonly file?: string;
  readonly expected?: string;
}

// biome-ignore format: one recorded write per line
const WRITES: readonly WriteStep[] = [
  {"step": 3, "method": "PATCH", "path": "pages/about", "body": {"custom": [], "flag": false, "yes": true, "list": ["a", "b"], "map": {"k": "v"}, "num": 1.5, "nul": null}, "status": 200, "file": "content/2_about/default.txt", "expected": "Title: About\n\n----\n\nText: About this site.\n\n----\n\nUuid: about00000000001\n\n----\n\nCustom: \n\n----\n\nFlag: 0\n\n----\n\nYes: 1\n\n----\n\nList:\n\n- a\n- b\n\n----\n\nMap: k: v\n\n----\n\nNum: 1.5"},
  {"step": 5, "method": "PATCH", "path": "pages/about?select=content", "body": {"int": 5, "zero": 0, "nested": [{"a": 1}, ["x"]], "empty": {}, "blank": ""}, "status": 200, "file": "content/2_about/default.txt", "expected": "Title: About\n\n----\n\nText: About this site.\n\n----\n\nUuid: about00000000001\n\n----\n\nCustom: \n\n----\n\nFlag: 0\n\n----\n\nYes: 1\n\n----\n\nList:\n\n- a\n- b\n\n----\n\nMap: k: v\n\n----\n\nNum: 1.5\n\n----\n\nInt: 5\n\n----\n\nZero: 0\n\n----\n\nNested:\n\n- \n  a: 1\n- \n  - x\n\n----\n\nEmpty: \n\n----\n\nBlank: "},
  {"step": 6, "method": "PATCH", "path": "pages/about?select=content", "body": {"ylist": ["1", "true", "yes", "a: b", "", "x  y", "#c", "it's", "say \"hi\" it's", "line1\nline2", " pad", "ü", "end:", 7, 2.5, true, false, null, "a plain string that is clearly longer than forty characters"], "ymap": {"k": {"n": 1, "b": true, "s": "v"}, "e": [], "key:x": "y", "key#y": "z"}}, "status": 200, "file": "content/2_about/default.txt", "expected": "Title: About\n\n----\n\nText: About this site.\n\n----\n\nUuid: about00000000001\n\n----\n\nCustom: \n\n----\n\nFlag: 0\n\n----\n\nYes: 1\n\n----\n\nList:\n\n- a\n- b\n\n----\n\nMap: k: v\n\n----\n\nNum: 1.5\n\n----\n\nInt: 5\n\n----\n\nZero: 0\n\n----\n\nNested:\n\n- \n  a: 1\n- \n  - x\n\n----\n\nEmpty: \n\n----\n\nBlank: \n\n----\n\nYlist:\n\n- \"1\"\n- 'true'\n- 'yes'\n- 'a: b'\n- \"\"\n- 'x  y'\n- '#c'\n- \"it's\"\n- |\n  say \"hi\" it's\n- |\n  line1\n  line2\n- ' pad'\n- ü\n- 'end:'\n- 7\n- 2.5\n- true\n- false\n- null\n- >\n  a plain string that is clearly longer\n  than forty characters\n\n----\n\nYmap:\n\nk:\n  n: 1\n  b: true\n  s: v\ne: [ ]\n\"key:x\": 'y'\n\"key#y\": z"},
  {"step": 7, "method": "PATCH", "path": "pages/about?select=content", "body": {"text": ["x", "y"]}, "status": 400, "file": "content/2_about/default.txt", "expected": "Title: About\n\n----\n\nText: About this site.\n\n----\n\nUuid: about00000000001\n\n----\n\nCustom: \n\n----\n\nFlag: 0\n\n----\n\nYes: 1\n\n----\n\nList:\n\n- a\n- b\n\n----\n\nMap: k: v\n\n----\n\nNum: 1.5\n\n----\n\nInt: 5\n\n----\n\nZero: 0\n\n----\n\nNested:\n\n- \n  a: 1\n- \n  - x\n\n----\n\nEmpty: \n\n----\n\nBlank: \n\n----\n\nYlist:\n\n- \"1\"\n- 'true'\n- 'yes'\n- 'a: b'\n- \"\"\n- 'x  y'\n- '#c'\n- \"it's\"\n- |\n  say \"hi\" it's\n- |\n  line1\n  line2\n- ' pad'\n- ü\n- 'end:'\n- 7\n- 2.5\n- true\n- false\n- null\n- >\n  a plain string that is clearly longer\n  than forty characters\n\n----\n\nYmap:\n\nk:\n  n: 1\n  b: true\n  s: v\ne: [ ]\n\"key:x\": 'y'\n\"key#y\": z"},
  {"step": 8, "method": "PATCH", "path": "pages/about?select=content", "body": {"text": true}, "status": 200, "file": "content/2_about/default.txt", "expected": "Title: About\n\n----\n\nText: 1\n\n----\n\nUuid: about00000000001\n\n----\n\nCustom: \n\n----\n\nFlag: 0\n\n----\n\nYes: 1\n\n----\n\nList:\n\n- a\n- b\n\n----\n\nMap: k: v\n\n----\n\nNum: 1.5\n\n----\n\nInt: 5\n\n----\n\nZero: 0\n\n----\n\nNested:\n\n- \n  a: 1\n- \n  - x\n\n----\n\nEmpty: \n\n----\n\nBlank: \n\n----\n\nYlist:\n\n- \"1\"\n- 'true'\n- 'yes'\n- 'a: b'\n- \"\"\n- 'x  y'\n- '#c'\n- \"it's\"\n- |\n  say \"hi\" it's\n- |\n  line1\n  line2\n- ' pad'\n- ü\n- 'end:'\n- 7\n- 2.5\n- true\n- false\n- null\n- >\n  a plain string that is clearly longer\n  than forty characters\n\n----\n\nYmap:\n\nk:\n  n: 1\n  b: true\n  s: v\ne: [ ]\n\"key:x\": 'y'\n\"key#y\": z"},
  {"step": 9, "method": "PATCH", "path": "pages/about?select=content", "body": {"text": false}, "status": 200, "file": "content/2_about/default.txt", "expected": "Title: About\n\n----\n\nText: \n\n----\n\nUuid: about00000000001\n\n----\n\nCustom: \n\n----\n\nFlag: 0\n\n----\n\nYes: 1\n\n----\n\nList:\n\n- a\n- b\n\n----\n\nMap: k: v\n\n----\n\nNum: 1.5\n\n----\n\nInt: 5\n\n----\n\nZero: 0\n\n----\n\nNested:\n\n- \n  a: 1\n- \n  - x\n\n----\n\nEmpty: \n\n----\n\nBlank: \n\n----\n\nYlist:\n\n- \"1\"\n- 'true'\n- 'yes'\n- 'a: b'\n- \"\"\n- 'x  y'\n- '#c'\n- \"it's\"\n- |\n  say \"hi\" it's\n- |\n  line1\n  line2\n- ' pad'\n- ü\n- 'end:'\n- 7\n- 2.5\n- true\n- false\n- null\n- >\n  a plain string that is clearly longer\n  than forty characters\n\n----\n\nYmap:\n\nk:\n  n: 1\n  b: true\n  s: v\ne: [ ]\n\"key:x\": 'y'\n\"key#y\": z"},
  {"step": 10, "method": "PATCH", "path": "pages/about?select=content", "body": {"text": 1.5}, "status": 200, "file": "content/2_about/default.txt", "expected": "Title: About\n\n----\n\nText: 1.5\n\n----\n\nUuid: about00000000001\n\n----\n\nCustom: \n\n----\n\nFlag: 0\n\n----\n\nYes: 1\n\n----\n\nList:\n\n- a\n- b\n\n----\n\nMap: k: v\n\n----\n\nNum: 1.5\n\n----\n\nInt: 5\n\n----\n\nZero: 0\n\n----\n\nNested:\n\n- \n  a: 1\n- \n  - x\n\n----\n\nEmpty: \n\n----\n\nBlank: \n\n----\n\nYlist:\n\n- \"1\"\n- 'true'\n- 'yes'\n- 'a: b'\n- \"\"\n- 'x  y'\n- '#c'\n- \"it's\"\n- |\n  say \"hi\" it's\n- |\n  line1\n  line2\n- ' pad'\n- ü\n- 'end:'\n- 7\n- 2.5\n- true\n- false\n- null\n- >\n  a plain string that is clearly longer\n  than forty characters\n\n----\n\nYmap:\n\nk:\n  n: 1\n  b: true\n  s: v\ne: [ ]\n\"key:x\": 'y'\n\"key#y\": z"},
  {"step": 11, "method": "PATCH", "path": "pages/about?select=content", "body": {"text": null}, "status": 200, "file": "content/2_about/default.txt", "expected": "Title: About\n\n----\n\nText: \n\n----\n\nUuid: about00000000001\n\n----\n\nCustom: \n\n----\n\nFlag: 0\n\n----\n\nYes: 1\n\n----\n\nList:\n\n- a\n- b\n\n----\n\nMap: k: v\n\n----\n\nNum: 1.5\n\n----\n\nInt: 5\n\n----\n\nZero: 0\n\n----\n\nNested:\n\n- \n  a: 1\n- \n  - x\n\n----\n\nEmpty: \n\n----\n\nBlank: \n\n----\n\nYlist:\n\n- \"1\"\n- 'true'\n- 'yes'\n- 'a: b'\n- \"\"\n- 'x  y'\n- '#c'\n- \"it's\"\n- |\n  say \"hi\" it's\n- |\n  line1\n  line2\n- ' pad'\n- ü\n- 'end:'\n- 7\n- 2.5\n- true\n- false\n- null\n- >\n  a plain string that is clearly longer\n  than forty characters\n\n----\n\nYmap:\n\nk:\n  n: 1\n  b: true\n  s: v\ne: [ ]\n\"key:x\": 'y'\n\"key#y\": z"},
  {"step": 12, "method": "PATCH", "path": "pages/about?select=content", "body": {"custom": null, "flag": null, "yes": null, "list": null, "map": null, "num": null, "int": null, "zero": null, "nested": null, "empty": null, "blank": null, "ylist": null, "ymap": null}, "status": 200, "file": "content/2_about/default.txt", "expected": "Title: About\n\n----\n\nText: \n\n----\n\nUuid: about00000000001"},
  {"step": 13, "method": "PATCH", "path": "site", "body": {"description": false}, "status": 200, "file": "content/site.txt", "expected": "Title: Oracle Site\n\n----\n\nDescription: "},
  {"step": 15, "method": "PATCH", "path": "pages/notes+second-note?select=content", "body": {"tags": ["x", "y z"], "text": "T"}, "status": 200, "file": "content/1_notes/2_second-note/note.txt", "expected": "Title: Second Note\n\n----\n\nDate: 2024-02-20\n\n----\n\nText: T\n\n----\n\nTags: x, y z\n\n----\n\nUuid: secondnote000001"},
  {"step": 16, "method": "PATCH", "path": "pages/notes+second-note?select=content", "body": {"tags": "a,b , c"}, "status": 200, "file": "content/1_notes/2_second-note/note.txt", "expected": "Title: Second Note\n\n----\n\nDate: 2024-02-20\n\n----\n\nText: T\n\n----\n\nTags: a, b, c\n\n----\n\nUuid: secondnote000001"},
  {"step": 17, "method": "PATCH", "path": "pages/home?select=content", "body": {"extra": "x"}, "status": 200, "file": "content/home/home.txt", "expected": "Title: Home\n\n----\n\nText: \n\n----\n\nUuid: home000000000001\n\n----\n\nExtra: x"},
  {"step": 18, "method": "PATCH", "path": "pages/error?select=content", "body": {}, "status": 200, "file": "content/error/error.txt", "expected": "Title: Error\n\n----\n\nText: \n\n----\n\nUuid: error00000000001"},
  {"step": 19, "method": "POST", "path": "pages/notes/children", "body": {"slug": "p1", "template": "note", "content": {"title": "P1"}}, "status": 200, "file": "content/1_notes/_drafts/p1/note.txt", "expected": "Title: P1\n\n----\n\nDate: \n\n----\n\nText: \n\n----\n\nTags: \n\n----\n\nUuid: <page-uuid#1>"},
  {"step": 20, "method": "POST", "path": "pages/notes/children?select=content,uuid", "body": {"slug": "p2", "template": "note", "content": {"title": "P2", "text": ["a"], "tags": ["t1", "t2"], "custom": false, "on": true, "n": 2}}, "status": 200, "file": "content/1_notes/_drafts/p2/note.txt", "expected": "Title: P2\n\n----\n\nDate: \n\n----\n\nText: - a\n\n----\n\nTags:\n\n- t1\n- t2\n\n----\n\nCustom: 0\n\n----\n\nOn: 1\n\n----\n\nN: 2\n\n----\n\nUuid: <page-uuid#2>"},
  {"step": 21, "method": "POST", "path": "site/children?select=content,uuid", "body": {"slug": "p3", "content": {"title": "P3"}}, "status": 200, "file": "content/_drafts/p3/default.txt", "expected": "Title: P3\n\n----\n\nText: \n\n----\n\nUuid: <page-uuid#3>"},
  {"step": 22, "method": "PATCH", "path": "pages/notes+secret-draft?select=content,status", "body": {"date": "emoji 😀 ok"}, "status": 200, "file": "content/1_notes/_drafts/secret-draft/note.txt", "expected": "Title: Secret Draft\n\n----\n\nDate: \n\n----\n\nText: Not published yet.\n\n----\n\nTags: \n\n----\n\nUuid: secretdraft00001"},
  {"step": 23, "method": "PATCH", "path": "pages/notes+secret-draft/status?select=id,status,num", "body": {"status": "listed"}, "status": 200},
  {"step": 24, "method": "POST", "path": "pages/notes/children?select=content,uuid,status", "body": {"slug": "p4", "template": "note", "content": {"title": "P4", "date": "emoji 😀 ok"}}, "status": 200, "file": "content/1_notes/_drafts/p4/note.txt", "expected": "Title: P4\n\n----\n\nDate: emoji 😀 ok\n\n----\n\nText: \n\n----\n\nTags: \n\n----\n\nUuid: <page-uuid#4>"},
  {"step": 25, "method": "PATCH", "path": "pages/notes+p4/status?select=id,status,content", "body": {"status": "unlisted"}, "status": 200, "file": "content/1_notes/p4/note.txt", "expected": "Title: P4\n\n----\n\nDate: emoji 😀 ok\n\n----\n\nText: \n\n----\n\nTags: \n\n----\n\nUuid: <page-uuid#4>"},
  {"step": 26, "method": "PATCH", "path": "pages/notes+first-note?select=content", "body": {"date": "emoji 😀 ok"}, "status": 200, "file": "content/1_notes/1_first-note/note.txt", "expected": "Title: First Note\n\n----\n\nDate: \n\n----\n\nText: Hello from the first note.\n\n----\n\nTags: alpha, beta\n\n----\n\nUuid: firstnote0000001"},
  {"step": 27, "method": "PATCH", "path": "pages/notes+first-note?select=content", "body": {"date": "2024-02-30"}, "status": 200, "file": "content/1_notes/1_first-note/note.txt", "expected": "Title: First Note\n\n----\n\nDate: 2024-03-01\n\n----\n\nText: Hello from the first note.\n\n----\n\nTags: alpha, beta\n\n----\n\nUuid: firstnote0000001"},
  {"step": 28, "method": "PATCH", "path": "pages/notes+first-note?select=content", "body": {"date": "15.01.2024 13:45"}, "status": 200, "file": "content/1_notes/1_first-note/note.txt", "expected": "Title: First Note\n\n----\n\nDate: 2024-01-16\n\n----\n\nText: Hello from the first note.\n\n----\n\nTags: alpha, beta\n\n----\n\nUuid: firstnote0000001"},
  {"step": 29, "method": "PATCH", "path": "pages/notes+first-note?select=content", "body": {"date": "2024-01-15 11:59"}, "status": 200, "file": "content/1_notes/1_first-note/note.txt", "expected": "Title: First Note\n\n----\n\nDate: 2024-01-15\n\n----\n\nText: Hello from the first note.\n\n----\n\nTags: alpha, beta\n\n----\n\nUuid: firstnote0000001"},
  {"step": 30, "method": "PATCH", "path": "pages/notes+first-note?select=content", "body": {"date": "2024-01-15 12:00"}, "status": 200, "file": "content/1_notes/1_first-note/note.txt", "expected": "Title: First Note\n\n----\n\nDate: 2024-01-15\n\n----\n\nText: Hello from the first note.\n\n----\n\nTags: alpha, beta\n\n----\n\nUuid: firstnote0000001"},
  {"step": 31, "method": "PATCH", "path": "pages/notes+first-note?select=content", "body": {"date": "2024-01-15 +1 day"}, "status": 200, "file": "content/1_notes/1_first-note/note.txt", "expected": "Title: First Note\n\n----\n\nDate: 2024-01-16\n\n----\n\nText: Hello from the first note.\n\n----\n\nTags: alpha, beta\n\n----\n\nUuid: firstnote0000001"},
  {"step": 33, "method": "PATCH", "path": "pages/notes+first-note?select=content", "body": {"date": false}, "status": 200, "file": "content/1_notes/1_first-note/note.txt", "expected": "Title: First Note\n\n----\n\nDate: \n\n----\n\nText: Hello from the first note.\n\n----\n\nTags: alpha, beta\n\n----\n\nUuid: firstnote0000001"},
  {"step": 34, "method": "PATCH", "path": "pages/notes+first-note?select=content", "body": {"date": 20240115}, "status": 200, "file": "content/1_notes/1_first-note/note.txt", "expected": "Title: First Note\n\n----\n\nDate: 2024-01-15\n\n----\n\nText: Hello from the first note.\n\n----\n\nTags: alpha, beta\n\n----\n\nUuid: firstnote0000001"},
  {"step": 35, "method": "PATCH", "path": "pages/notes+first-note/title?select=title,content", "body": {"title": "   "}, "status": 200, "file": "content/1_notes/1_first-note/note.txt", "expected": "Title: \n\n----\n\nDate: 2024-01-15\n\n----\n\nText: Hello from the first note.\n\n----\n\nTags: alpha, beta\n\n----\n\nUuid: firstnote0000001"},
  {"step": 53, "method": "PATCH", "path": "users/noacc001/name?select=id,name,username", "body": {"name": "<b>x</b>"}, "status": 200, "file": "site/accounts/noacc001/index.php", "expected": "<?php\n\nreturn [\n    'email' => 'noaccess@example.com',\n    'language' => 'en',\n    'name' => '<b>x</b>',\n    'role' => 'noaccess'\n];"},
  {"step": 56, "method": "PATCH", "path": "users/noacc001/name?select=id,name,username", "body": {"name": " <i>Nora</i> & Co "}, "status": 200, "file": "site/accounts/noacc001/index.php", "expected": "<?php\n\nreturn [\n    'email' => 'noaccess@example.com',\n    'language' => 'en',\n    'name' => '<i>Nora</i> & Co',\n    'role' => 'noaccess'\n];"},];

afterAll(cleanUp);

function withPlaceholders(text: string, uuids: readonly string[]): string {
  return text.replace(/<page-uuid#(\d+)>/g, (_match, n: string) => uuids[Number(n) - 1] ?? "(missing)");
}

describe("files written through Sheaf are the files Kirby writes (58, 57)", () => {
  it("leaves every content and account file of the recorded writes byte-identical", async () => {
    const site = await startSite();
    const admin = await site.client().loginOrThrow(ADMIN);
    const uuids: string[] = [];
    for (const write of WRITES) {
      const before = write.file ? await readFile(path.join(site.root, write.file), "utf8").catch(() => null) : null;
      const reply = await admin.request(write.method, `/api/${write.path}`, { withCsrf: true, json: write.body });
      expect(reply.status, `step ${write.step}: ${reply.text}`).toBe(write.status);
      if (write.method === "POST" && reply.status === 200) {
        const uuid = String(dataOf(reply)["uuid"] ?? "");
        uuids.push(uuid.replace("page://", ""));
      }
      if (!write.file || write.expected === undefined) continue;
      const written = await readFile(path.join(site.root, write.file), "utf8");
      if (write.status !== 200) expect(written, `step ${write.step} changed nothing`).toBe(before);
      expect(written, `step ${write.step}: ${write.file}`).toBe(withPlaceholders(write.expected, uuids));
    }
  });

  it("writes the account files of created users as Kirby does (no name, a name with tags)", async () => {
    const site = await startSite();
    const admin = await site.client().loginOrThrow(ADMIN);
    const unnamed = await admin.request("POST", "/api/users", {
      withCsrf: true,
      json: { email: "lower@example.com", password: "Secret-pass-1", role: "editor" },
    });
    expect(unnamed.status, unnamed.text).toBe(200);
    expect(dataOf(unnamed)["name"]).toBeNull();
    const id = String(dataOf(unnamed)["id"]);
    const accounts = path.join(site.root, "site", "accounts");
    expect(await readFile(path.join(accounts, id, "index.php"), "utf8")).toBe(
      "<?php\n\nreturn [\n    'email' => 'lower@example.com',\n    'language' => 'en',\n    'name' => NULL,\n    'role' => 'editor'\n];",
    );
    expect(await readFile(path.join(accounts, id, "user.txt"), "utf8")).toBe("");

    const named = await admin.request("POST", "/api/users?select=id,name", {
      withCsrf: true,
      json: { email: "new@example.com", password: "Secret-pass-1", role: "editor", name: " <b>New</b> " },
    });
    expect(dataOf(named)["name"]).toBe("New");
    expect(await readFile(path.join(accounts, String(dataOf(named)["id"]), "index.php"), "utf8")).toBe(
      "<?php\n\nreturn [\n    'email' => 'new@example.com',\n    'language' => 'en',\n    'name' => 'New',\n    'role' => 'editor'\n];",
    );
  });
});
