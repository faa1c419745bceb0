import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { localize, mergeTranslation } from "../../src/content/localized-index.js";
import type { Page, Site } from "../../src/content/types.js";
import { parseLanguageFile, serializeLanguageFile } from "../../src/languages/language-file.js";
import { categoryName, localeByNumber } from "../../src/languages/locale.js";
import { languageUrl } from "../../src/languages/site-languages.js";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const LANGUAGES = path.resolve(HERE, "..", "conformance", "fixture-multilang", "site", "languages");

describe("language files", () => {
  it("writes back the fixture's files byte for byte (Kirby ends them without a newline)", () => {
    for (const code of ["de", "en"]) {
      const text = readFileSync(path.join(LANGUAGES, `${code}.php`), "utf8");
      expect(serializeLanguageFile(parseLanguageFile(code, text))).toBe(text.replace(/\n$/, ""));
    }
  });

  it("reads a string locale as LC_ALL and writes nested maps with Kirby's indentation", () => {
    const language = parseLanguageFile(
      "fr",
      "<?php return ['code' => 'fr', 'locale' => 'fr_FR', 'translations' => ['a' => 'b'], 'url' => '/fr'];",
    );
    expect(language.locale).toEqual({ LC_ALL: "fr_FR" });
    expect(language.name).toBe("fr");
    expect(serializeLanguageFile(language)).toContain(
      "'translations' => [\n        'a' => 'b'\n    ],\n    'url' => '/fr'\n];",
    );
  });

  it("escapes quotes and backslashes, and refuses a file that names another code or runs code", () => {
    const language = parseLanguageFile("it", "<?php return ['name' => 'It\\'s'];");
    expect(serializeLanguageFile({ ...language, name: "a'b\\c" })).toContain("'name' => 'a\\'b\\\\c'");
    expect(() => parseLanguageFile("it", "<?php return ['code' => 'de'];")).toThrow();
    expect(() => parseLanguageFile("it", "<?php return ['name' => system('id')];")).toThrow();
  });
});

describe("locales and URLs", () => {
  it("shows locale categories by PHP's numbers", () => {
    expect(localeByNumber({ LC_ALL: "de_DE", LC_TIME: "de_AT" })).toEqual({ "6": "de_DE", "2": "de_AT" });
    expect(categoryName("6")).toBe("LC_ALL");
    expect(categoryName("LC_CTYPE")).toBe("LC_CTYPE");
    expect(categoryName("__proto__")).toBeNull();
  });

  it("builds a language's URL from its url or its code", () => {
    const base = { code: "de", default: false, direction: "ltr", locale: {}, name: "de", translations: {} } as const;
    expect(languageUrl({ ...base, url: null }, "https://x.test")).toBe("https://x.test/de");
    expect(languageUrl({ ...base, url: "/" }, "https://x.test")).toBe("https://x.test");
    expect(languageUrl({ ...base, url: "/deutsch/" }, "https://x.test")).toBe("https://x.test/deutsch");
    expect(languageUrl({ ...base, url: "https://de.x.test/" }, "https://x.test")).toBe("https://de.x.test");
  });
});

function page(id: string, slug: string, parent: Page | null, translations: Page["translations"]): Page {
  return {
    id,
    slug,
    num: 1,
    status: "listed",
    template: "note",
    dir: `/c/${id}`,
    contentFile: `/c/${id}/note.en.txt`,
    content: { title: slug, uuid: `u-${slug}` },
    parent,
    children: [],
    drafts: [],
    files: [],
    ...(translations ? { translations } : {}),
  };
}

describe("content in a language", () => {
  it("overwrites the default fields field by field and never takes a translation's slug as content", () => {
    expect(mergeTranslation({ title: "A", text: "x", uuid: "u" }, { title: "B", slug: "b" })).toEqual({
      title: "B",
      text: "x",
      uuid: "u",
    });
  });

  it("translates slugs along the path, keeps ids and points writes at the language's file", () => {
    const parent = page("notes", "notes", null, { de: { title: "Notizen", slug: "notizen" } });
    const child = page("notes/first", "first", parent, {});
    (parent as { children: readonly Page[] }).children = [child];
    const site: Site = {
      dir: "/c",
      contentFile: "/c/site.en.txt",
      content: {},
      children: [parent],
      drafts: [],
      files: [],
    };
    const localized = localize(site, "de", "txt");
    const notes = localized.pagesById.get("notes") as Page;
    expect(notes.slug).toBe("notizen");
    expect(notes.uri).toBe("notizen");
    expect(notes.content).toEqual({ title: "Notizen", uuid: "u-notes" });
    expect(notes.contentFile).toBe("/c/notes/note.de.txt");
    const first = localized.pagesByUri.get("notizen/first") as Page;
    expect(first.id).toBe("notes/first");
    expect(first.parent).toBe(notes);
    expect(localized.site.contentFile).toBe("/c/site.de.txt");
  });
});
