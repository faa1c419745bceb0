import path from "node:path";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { FIXTURE_DIR } from "../paths.js";
import { ADMIN, cleanUp, copySite, dataOf, EDITOR, itemsOf, startSite, type Client, type TestSite } from "./helpers.js";
import { postParts } from "./multipart-helper.js";

const MULTILANG = path.join(path.dirname(FIXTURE_DIR), "fixture-multilang");
const FILES_FIXTURE = path.join(path.dirname(FIXTURE_DIR), "fixture-files");

let site: TestSite;
let admin: Client;

function about(name = ""): string {
  return path.join(site.root, "content", "2_about", name);
}

beforeEach(async () => {
  const root = await copySite(MULTILANG, ["content/3_bulk"]);
  const dir = path.join(root, "content", "2_about");
  await writeFile(
    path.join(dir, "doc.pdf"),
    await readFile(path.join(FILES_FIXTURE, "content", "4_gallery", "c-doc.pdf")),
  );
  await writeFile(
    path.join(dir, "doc.pdf.en.txt"),
    "Caption: An English caption\n\n----\n\nAlt: Document\n\n----\n\nUuid: docpdf0000000001",
  );
  await writeFile(path.join(dir, "doc.pdf.de.txt"), "Caption: Eine deutsche Beschriftung");
  site = await startSite({ root, config: { languages: true }, memorySessions: true });
  admin = await site.client().loginOrThrow(ADMIN);
});

afterAll(cleanUp);

function content(reply: { body: unknown }): Record<string, unknown> {
  return dataOf(reply as never)["content"] as Record<string, unknown>;
}

describe("files on a multi-language site", () => {
  it("reads the meta file of the request's language, falling back field by field to the default language", async () => {
    const english = await admin.get("/api/pages/about/files/doc.pdf?select=content,uuid");
    expect(content(english)).toEqual({ caption: "An English caption", alt: "Document", uuid: "docpdf0000000001" });
    expect(dataOf(english)["uuid"]).toBe("file://docpdf0000000001");
    const german = await admin.get("/api/pages/about/files/doc.pdf?select=content", {
      headers: { "x-language": "de" },
    });
    expect(content(german)).toEqual({
      caption: "Eine deutsche Beschriftung",
      alt: "Document",
      uuid: "docpdf0000000001",
    });
    const byQuery = await admin.get("/api/pages/about/files?language=de&select=content");
    expect(itemsOf(byQuery)[0]?.["content"]).toMatchObject({ caption: "Eine deutsche Beschriftung" });
    // an unknown language is the default one
    const unknown = await admin.get("/api/pages/about/files/doc.pdf?language=fr&select=content");
    expect(content(unknown)).toMatchObject({ caption: "An English caption" });
  });

  it("searches in the request's language", async () => {
    const found = await admin.get("/api/pages/about/files/search?q=deutsche&select=id", {
      headers: { "x-language": "de" },
    });
    expect(itemsOf(found).map((item) => item["id"])).toEqual(["about/doc.pdf"]);
    const notInEnglish = await admin.get("/api/pages/about/files/search?q=deutsche&select=id");
    expect(itemsOf(notInEnglish)).toEqual([]);
  });

  it("writes a PATCH in a language to that language's meta file only", async () => {
    const english = await readFile(about("doc.pdf.en.txt"), "utf8");
    const reply = await admin.request("PATCH", "/api/pages/about/files/doc.pdf?select=content", {
      json: { alt: "Dokument" },
      headers: { "x-language": "de" },
      withCsrf: true,
    });
    expect(reply.status).toBe(200);
    expect(content(reply)).toMatchObject({ caption: "Eine deutsche Beschriftung", alt: "Dokument" });
    expect(await readFile(about("doc.pdf.en.txt"), "utf8")).toBe(english);
    const german = await readFile(about("doc.pdf.de.txt"), "utf8");
    expect(german).toContain("Alt: Dokument");
    expect(german).not.toContain("Uuid");

    await admin.request("PATCH", "/api/pages/about/files/doc.pdf", { json: { alt: "Paper" }, withCsrf: true });
    expect(await readFile(about("doc.pdf.en.txt"), "utf8")).toContain("Alt: Paper");
    expect(await readFile(about("doc.pdf.de.txt"), "utf8")).toBe(german);
  });

  it("writes a new file's meta file in the default language and moves every language's meta file with it", async () => {
    const png = await readFile(path.join(FILES_FIXTURE, "content", "4_gallery", "a-red.png"));
    const uploaded = await postParts(site, admin, "/api/pages/about/files", [
      { name: "file", filename: "red.png", body: png },
    ]);
    expect(uploaded.status).toBe(200);
    expect((await readdir(about())).filter((name) => name.startsWith("red"))).toEqual(["red.png", "red.png.en.txt"]);
    expect(await readFile(about("red.png.en.txt"), "utf8")).toMatch(/^Uuid: [a-z0-9]{16}$/);

    const renamed = await admin.request("PATCH", "/api/pages/about/files/doc.pdf/name", {
      json: { name: "paper" },
      withCsrf: true,
    });
    expect(dataOf(renamed)["filename"]).toBe("paper.pdf");
    expect(
      (await readdir(about())).filter((name) => name.startsWith("paper") || name.startsWith("doc")).sort(),
    ).toEqual(["paper.pdf", "paper.pdf.de.txt", "paper.pdf.en.txt"]);
    const german = await admin.get("/api/pages/about/files/paper.pdf?select=content", {
      headers: { "x-language": "de" },
    });
    expect(content(german)).toMatchObject({ caption: "Eine deutsche Beschriftung" });

    const editor = await site.client().loginOrThrow(EDITOR);
    expect((await editor.request("DELETE", "/api/pages/about/files/paper.pdf", { withCsrf: true })).status).toBe(200);
    expect((await readdir(about())).filter((name) => name.startsWith("paper"))).toEqual([]);
  });
});
