import { describe, expect, it } from "vitest";
import { childFilter, childList, templateSamplesOf, type ChildOwner } from "../../src/content/child-lists.js";
import type { Page, PageStatus } from "../../src/content/types.js";

function page(slug: string, status: PageStatus, template = "default"): Page {
  return {
    id: slug,
    slug,
    num: status === "listed" ? 1 : null,
    status,
    template,
    dir: `/content/${slug}`,
    contentFile: `/content/${slug}/${template}.txt`,
    content: {},
    parent: null,
    children: [],
    drafts: [],
    files: [],
  };
}

/** A snapshot's owner: children and drafts frozen, as the content index builds them. */
function owner(count: number, drafts: number): ChildOwner {
  const children = Array.from({ length: count }, (_, i) => page(`c${i}`, i % 4 === 3 ? "unlisted" : "listed"));
  const draftPages = Array.from({ length: drafts }, (_, i) => page(`d${i}`, "draft"));
  return { children: Object.freeze(children), drafts: Object.freeze(draftPages) };
}

const slugs = (pages: readonly Page[]): string[] => pages.map((item) => item.slug);

describe("childFilter", () => {
  it("reads Kirby's status values, lower-case only", () => {
    expect(childFilter("listed")).toBe("listed");
    expect(childFilter("unlisted")).toBe("unlisted");
    expect(childFilter("draft")).toBe("drafts");
    expect(childFilter("drafts")).toBe("drafts");
    expect(childFilter("all")).toBe("all");
    expect(childFilter("LISTED")).toBe("children");
    expect(childFilter(undefined)).toBe("children");
    expect(childFilter("published")).toBe("children");
  });
});

describe("childList", () => {
  it("matches a naive filter of the children for every status, in order", () => {
    const site = owner(203, 17);
    expect(childList(site, "children")).toBe(site.children);
    expect(childList(site, "drafts")).toBe(site.drafts);
    expect(slugs(childList(site, "listed"))).toEqual(slugs(site.children.filter((p) => p.status === "listed")));
    expect(slugs(childList(site, "unlisted"))).toEqual(slugs(site.children.filter((p) => p.status === "unlisted")));
    expect(slugs(childList(site, "all"))).toEqual([...slugs(site.children), ...slugs(site.drafts)]);
  });

  it("computes each list once per snapshot and hands out the same frozen list", () => {
    const site = owner(50, 3);
    for (const filter of ["listed", "unlisted", "all"] as const) {
      const first = childList(site, filter);
      expect(childList(site, filter)).toBe(first);
      expect(Object.isFrozen(first)).toBe(true);
    }
  });

  it("follows a new snapshot: new child arrays get their own lists", () => {
    const before = owner(20, 2);
    const listedBefore = childList(before, "listed");
    // the next snapshot: one page published, one removed
    const children = [...before.children.slice(1), page("new", "listed")];
    const after: ChildOwner = { children: Object.freeze(children), drafts: before.drafts };
    expect(childList(after, "listed")).not.toBe(listedBefore);
    expect(slugs(childList(after, "listed"))).toEqual(slugs(children.filter((p) => p.status === "listed")));
    expect(slugs(childList(after, "all"))).toEqual([...slugs(children), ...slugs(before.drafts)]);
    expect(slugs(childList(before, "listed"))).toEqual(slugs(listedBefore));
  });

  it("needs no copy for all when there are no drafts or no children", () => {
    const onlyChildren = owner(5, 0);
    expect(childList(onlyChildren, "all")).toBe(onlyChildren.children);
    const onlyDrafts = owner(0, 4);
    expect(childList(onlyDrafts, "all")).toBe(onlyDrafts.drafts);
  });
});

describe("templateSamplesOf", () => {
  it("names the first page of each template", () => {
    const pages = Object.freeze([page("a", "listed", "x"), page("b", "listed", "y"), page("c", "listed", "x")]);
    const samples = templateSamplesOf(pages);
    expect([...samples.keys()]).toEqual(["x", "y"]);
    expect(samples.get("x")?.slug).toBe("a");
    expect(templateSamplesOf(pages)).toBe(samples);
  });
});
