import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { BLUEPRINT_OPTION_KEYS } from "../../src/blueprints/builder.js";
import { createBlueprintRegistry } from "../../src/blueprints/registry.js";
import { ConfigError } from "../../src/errors.js";
import { FIXTURE_DIR } from "../paths.js";

const FIXTURE_SITE = path.join(FIXTURE_DIR, "site");

const tempDirs: string[] = [];

/** A site folder with the given `blueprints/<name>` files. */
async function siteWith(files: Record<string, string>): Promise<string> {
  const site = await mkdtemp(path.join(tmpdir(), "sheaf-blueprints-"));
  tempDirs.push(site);
  for (const [name, text] of Object.entries(files)) {
    const file = path.join(site, "blueprints", name);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text);
  }
  return site;
}

afterEach(async () => {
  await Promise.all(tempDirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

describe("createBlueprintRegistry on the fixture site", () => {
  it("reads a page blueprint with its fields in order", async () => {
    const registry = await createBlueprintRegistry(FIXTURE_SITE);
    const note = registry.page("note");
    expect(note.name).toBe("pages/note");
    expect(note.title).toBe("Note");
    expect(note.fields.map((field) => [field.name, field.type])).toEqual([
      ["date", "date"],
      ["text", "textarea"],
      ["tags", "tags"],
    ]);
    expect(note.num).toBe("default");
    expect(note.status).toEqual(["draft", "unlisted", "listed"]);
    expect(note.options).toEqual({});
  });

  it("reads page options", async () => {
    const registry = await createBlueprintRegistry(FIXTURE_SITE);
    expect(registry.page("notes").options).toEqual({ changeSlug: true });
    expect(registry.page("notes").fields.map((field) => field.name)).toEqual(["intro"]);
  });

  it("reads the site blueprint; its top-level fields win over its sections", async () => {
    const registry = await createBlueprintRegistry(FIXTURE_SITE);
    const site = registry.site();
    expect(site.name).toBe("site");
    expect(site.title).toBe("Site");
    expect(site.fields.map((field) => field.name)).toEqual(["description"]);
    expect(site.raw["sections"]).toEqual({ pages: { type: "pages" } });
  });

  it("falls back to pages/default for a template without blueprint", async () => {
    const registry = await createBlueprintRegistry(FIXTURE_SITE);
    const page = registry.page("unknown-template");
    expect(page.name).toBe("pages/default");
    expect(page.title).toBe("Default Page");
  });

  it("reads user blueprints and lists the role names", async () => {
    const registry = await createBlueprintRegistry(FIXTURE_SITE);
    expect(registry.roleNames()).toEqual(["editor", "noaccess"]);
    expect(registry.user("editor")?.title).toBe("Editor");
    expect(registry.user("noaccess")?.raw["permissions"]).toEqual({ access: { panel: false } });
    expect(registry.user("admin")).toBeUndefined();
  });
});

describe("createBlueprintRegistry defaults", () => {
  it("builds a default page blueprint when neither the template nor pages/default exists", async () => {
    const registry = await createBlueprintRegistry(await siteWith({}));
    const page = registry.page("article");
    expect(page).toMatchObject({ title: "Article", fields: [], num: "default", options: {} });
    expect(page.status).toEqual(["draft", "unlisted", "listed"]);
  });

  it("builds a default site blueprint when site.yml is missing", async () => {
    const registry = await createBlueprintRegistry(await siteWith({}));
    expect(registry.site()).toMatchObject({ name: "site", title: "Site", fields: [], options: {} });
  });

  it("works without a blueprints folder", async () => {
    const registry = await createBlueprintRegistry(path.join(tmpdir(), "sheaf-no-such-site-folder"));
    expect(registry.roleNames()).toEqual([]);
    expect(registry.page("home").title).toBe("Home");
  });

  it("derives the title from the name when the file has none", async () => {
    const registry = await createBlueprintRegistry(await siteWith({ "pages/album.yml": "fields:\n  cover: true\n" }));
    expect(registry.page("album").title).toBe("Album");
  });

  it("takes the English text of a translated title", async () => {
    const site = await siteWith({ "pages/album.yml": "title:\n  de: Album DE\n  en: Album EN\n" });
    expect((await createBlueprintRegistry(site)).page("album").title).toBe("Album EN");
  });

  it("leaves default.yml out of the role names", async () => {
    const site = await siteWith({ "users/default.yml": "title: Default", "users/client.yml": "title: Client" });
    const registry = await createBlueprintRegistry(site);
    expect(registry.roleNames()).toEqual(["client"]);
    expect(registry.user("default")?.title).toBe("Default");
  });
});

describe("field collection", () => {
  it("collects fields from sections of type fields, in order, and skips other sections", async () => {
    const site = await siteWith({
      "pages/a.yml": [
        "sections:",
        "  first:",
        "    type: fields",
        "    fields:",
        "      Headline: { type: text }",
        "  gallery:",
        "    type: files",
        "  fields:",
        "    fields:",
        "      body: { type: textarea }",
      ].join("\n"),
    });
    const fields = (await createBlueprintRegistry(site)).page("a").fields;
    expect(fields.map((field) => field.name)).toEqual(["headline", "body"]);
    expect(fields[0]?.label).toBe("Headline");
  });

  it("collects fields from columns given as a list or as a map", async () => {
    const site = await siteWith({
      "pages/list.yml": [
        "columns:",
        "  - width: 2/3",
        "    fields:",
        "      text: { type: textarea }",
        "  - width: 1/3",
        "    sections:",
        "      meta:",
        "        type: fields",
        "        fields:",
        "          date: { type: date }",
      ].join("\n"),
      "pages/map.yml": [
        "columns:",
        "  main:",
        "    fields:",
        "      text: { type: textarea }",
        "  sidebar:",
        "    fields:",
        "      date: { type: date }",
      ].join("\n"),
    });
    const registry = await createBlueprintRegistry(site);
    expect(registry.page("list").fields.map((field) => field.name)).toEqual(["text", "date"]);
    expect(registry.page("map").fields.map((field) => field.name)).toEqual(["text", "date"]);
  });

  it("collects fields from tabs with fields, sections or columns", async () => {
    const site = await siteWith({
      "pages/tabs.yml": [
        "tabs:",
        "  content:",
        "    fields:",
        "      text: { type: textarea }",
        "  seo:",
        "    sections:",
        "      seo:",
        "        type: fields",
        "        fields:",
        "          description: { type: text }",
        "  layout:",
        "    columns:",
        "      - fields:",
        "          color: { type: text }",
        "  hidden: false",
      ].join("\n"),
    });
    const fields = (await createBlueprintRegistry(site)).page("tabs").fields;
    expect(fields.map((field) => field.name)).toEqual(["text", "description", "color"]);
  });

  it("uses the field name as type for `true`, drops `false` fields and keeps other keys as props", async () => {
    const site = await siteWith({
      "pages/a.yml":
        "fields:\n  text: true\n  gone: false\n  count:\n    type: number\n    min: 1\n    required: true\n",
    });
    const fields = (await createBlueprintRegistry(site)).page("a").fields;
    expect(fields).toEqual([
      { name: "text", type: "text", label: "Text", props: {} },
      { name: "count", type: "number", label: "Count", props: { min: 1, required: true } },
    ]);
  });

  it("loads a field given as a string reference from blueprints/fields", async () => {
    const site = await siteWith({
      "fields/title.yml": "label: Heading\ntype: text\nrequired: true\n",
      "pages/a.yml": "fields:\n  title: fields/title\n",
    });
    const [field] = (await createBlueprintRegistry(site)).page("a").fields;
    expect(field).toEqual({ name: "title", type: "text", label: "Heading", props: { required: true } });
  });

  it("merges a field's extends under its local keys", async () => {
    const site = await siteWith({
      "fields/text.yml": "type: textarea\nlabel: Text\nbuttons:\n  - bold\n  - italic\nsize: small\n",
      "pages/a.yml": "fields:\n  body:\n    extends: fields/text\n    label: Body\n    size: large\n",
    });
    const [field] = (await createBlueprintRegistry(site)).page("a").fields;
    expect(field).toEqual({
      name: "body",
      type: "textarea",
      label: "Body",
      props: { buttons: ["bold", "italic"], size: "large" },
    });
  });

  it("resolves a top-level extends with the local keys winning", async () => {
    const site = await siteWith({
      "pages/base.yml": "title: Base\nnum: date\noptions:\n  delete: false\nfields:\n  text: { type: textarea }\n",
      "pages/child.yml": "extends: pages/base\ntitle: Child\noptions:\n  changeSlug: false\n",
    });
    const child = (await createBlueprintRegistry(site)).page("child");
    expect(child.title).toBe("Child");
    expect(child.num).toBe("date");
    expect(child.options).toEqual({ delete: false, changeSlug: false });
    expect(child.fields.map((field) => field.name)).toEqual(["text"]);
    expect(child.raw["extends"]).toBeUndefined();
  });

  it("ignores an extends that names no blueprint, and survives extends cycles", async () => {
    const site = await siteWith({
      "pages/a.yml": "extends: pages/nope\ntitle: A\n",
      "pages/b.yml": "extends: pages/c\ntitle: B\n",
      "pages/c.yml": "extends: pages/b\nnum: zero\n",
    });
    const registry = await createBlueprintRegistry(site);
    expect(registry.page("a").title).toBe("A");
    expect(registry.page("b")).toMatchObject({ title: "B", num: "zero" });
  });

  it("flattens group fields into their place", async () => {
    const site = await siteWith({
      "pages/a.yml": [
        "fields:",
        "  first: { type: text }",
        "  meta:",
        "    type: group",
        "    fields:",
        "      author: { type: text }",
        "      date: { type: date }",
        "  last: { type: text }",
      ].join("\n"),
    });
    const fields = (await createBlueprintRegistry(site)).page("a").fields;
    expect(fields.map((field) => field.name)).toEqual(["first", "author", "date", "last"]);
  });
});

describe("options, num and status", () => {
  it("resolves the v2 option aliases of page blueprints", async () => {
    const site = await siteWith({
      "pages/a.yml": "options:\n  status: false\n  template: false\n  title: false\n  url: false\n",
    });
    expect((await createBlueprintRegistry(site)).page("a").options).toEqual({
      changeStatus: false,
      changeTemplate: false,
      changeTitle: false,
      changeSlug: false,
    });
  });

  it("prefers the current option name over its alias", async () => {
    const site = await siteWith({ "pages/a.yml": "options:\n  url: false\n  changeSlug: true\n" });
    expect((await createBlueprintRegistry(site)).page("a").options).toEqual({ changeSlug: true });
  });

  it("resolves the site alias title", async () => {
    const site = await siteWith({ "site.yml": "options:\n  title: false\n" });
    expect((await createBlueprintRegistry(site)).site().options).toEqual({ changeTitle: false });
  });

  it("sets every option of the model kind to false for `options: false`", async () => {
    const site = await siteWith({ "pages/a.yml": "options: false\n", "site.yml": "options: false\n" });
    const registry = await createBlueprintRegistry(site);
    const pageOptions = registry.page("a").options;
    expect(Object.keys(pageOptions)).toEqual([...BLUEPRINT_OPTION_KEYS.page]);
    expect(Object.values(pageOptions).every((value) => value === false)).toBe(true);
    expect(registry.site().options).toEqual({ access: false, changeTitle: false, preview: false, update: false });
  });

  it("keeps role maps and drops values that are neither booleans nor maps", async () => {
    const site = await siteWith({
      "pages/a.yml": "options:\n  delete:\n    admin: true\n    '*': false\n  preview: '{{ page.url }}'\n",
    });
    expect((await createBlueprintRegistry(site)).page("a").options).toEqual({
      delete: { admin: true, "*": false },
    });
  });

  it("normalises num aliases", async () => {
    const site = await siteWith({
      "pages/zero.yml": "num: 0\n",
      "pages/sort.yml": "num: sort\n",
      "pages/date.yml": "num: date\n",
      "pages/custom.yml": "num: '{{ page.year }}'\n",
    });
    const registry = await createBlueprintRegistry(site);
    expect(registry.page("zero").num).toBe("zero");
    expect(registry.page("sort").num).toBe("default");
    expect(registry.page("date").num).toBe("date");
    expect(registry.page("custom").num).toBe("{{ page.year }}");
  });

  it("keeps the listed statuses, always adding draft first", async () => {
    const site = await siteWith({
      "pages/a.yml": "status:\n  unlisted: Hidden\n  listed: true\n",
      "pages/b.yml": "status:\n  draft: true\n  unlisted: false\n  listed:\n    label: Public\n  bogus: true\n",
    });
    const registry = await createBlueprintRegistry(site);
    expect(registry.page("a").status).toEqual(["draft", "unlisted", "listed"]);
    expect(registry.page("b").status).toEqual(["draft", "listed"]);
  });
});

describe("errors and reload", () => {
  it("throws a ConfigError naming the broken file", async () => {
    const site = await siteWith({ "pages/broken.yml": "title: Broken\nfields:\n  a: [1, 2\n  b: 3\n" });
    const attempt = createBlueprintRegistry(site);
    await expect(attempt).rejects.toThrow(ConfigError);
    await expect(createBlueprintRegistry(site)).rejects.toThrow(/broken\.yml on line \d+/);
  });

  it("re-reads the files on reload", async () => {
    const site = await siteWith({ "pages/a.yml": "title: First\n" });
    const registry = await createBlueprintRegistry(site);
    expect(registry.page("a").title).toBe("First");

    await writeFile(path.join(site, "blueprints/pages/a.yml"), "title: Second\n");
    await mkdir(path.join(site, "blueprints/users"), { recursive: true });
    await writeFile(path.join(site, "blueprints/users/client.yml"), "title: Client\n");
    await registry.reload();
    expect(registry.page("a").title).toBe("Second");
    expect(registry.roleNames()).toEqual(["client"]);
  });

  it("keeps the previous blueprints when a reload finds a broken file", async () => {
    const site = await siteWith({ "pages/a.yml": "title: First\n" });
    const registry = await createBlueprintRegistry(site);
    await writeFile(path.join(site, "blueprints/pages/a.yml"), "title: [broken\n");
    await expect(registry.reload()).rejects.toThrow(ConfigError);
    expect(registry.page("a").title).toBe("First");
  });
});
