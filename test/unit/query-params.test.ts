import { describe, expect, it } from "vitest";
import { queryCollection } from "../../src/api/collection-query.js";
import { searchItems } from "../../src/api/collection-search.js";
import { queryValue, selectionParam } from "../../src/api/query-params.js";
import { parseQuery } from "../../src/http/body.js";

describe("PHP's bracket syntax in the query (57)", () => {
  it("keeps every entry of a repeated list key and reads nested maps", () => {
    const values = parseQuery("select[]=id&select[]=num&select[children][]=id&select[children][]=status");
    expect(queryValue(values, "select")).toEqual({ 0: "id", 1: "num", children: { 0: "id", 1: "status" } });
    expect(queryValue(parseQuery("query=abc"), "query")).toBe("abc");
  });

  it("turns select arrays into selections with sub-views and sub-selections", () => {
    expect(selectionParam(parseQuery("select[]=id&select[]=num"))).toEqual({ fields: ["id", "num"] });
    expect(selectionParam(parseQuery("select[]=id&select[parent]=compact"))).toEqual({
      fields: ["id", { field: "parent", view: "compact" }],
    });
    expect(selectionParam(parseQuery("select=id,title"))).toEqual({ fields: ["id", "title"] });
    expect(() => selectionParam(parseQuery("select[parent]=any"))).toThrow(/any/);
  });

  it("keeps prototype keys plain and ignores nesting deeper than it reads", () => {
    const value = queryValue(parseQuery("query[__proto__][limit]=1&query[constructor]=x"), "query") as object;
    expect(Object.getPrototypeOf(value)).toBeNull();
    expect(({} as Record<string, unknown>)["limit"]).toBeUndefined();
    expect(queryValue(parseQuery(`select${"[a]".repeat(50)}=x`), "select")).toBeUndefined();
  });
});

describe("query[…] on collections (57)", () => {
  const items = ["one", "two", "three", "four", "five"];
  const run = (search: string) =>
    queryCollection(items, parseQuery(search), (item: string) => [["id", item, 1] as const]);

  it("applies offset, limit, search and paginate in that order", () => {
    expect(run("query[offset]=1&query[limit]=2").items).toEqual(["two", "three"]);
    expect(run("query[limit]=0").items).toEqual([]);
    expect(run("query[limit]=2&query[search]=five").items).toEqual([]);
    expect(run("query[search]=fo").items).toEqual(["four"]);
    expect(run("query[paginate][limit]=2&query[paginate][page]=3").paginate).toEqual({ page: "3", limit: "2" });
    expect(run("query[paginate]=3").paginate).toEqual({ page: "1", limit: "20" });
    expect(run("query=abc&query[sortBy]=x").items).toEqual(items);
  });

  it("refuses counts that are not whole numbers", () => {
    expect(() => run("query[offset]=abc")).toThrow(/whole number/);
    expect(() => run(`query[limit]=${"9".repeat(40)}`)).toThrow(/whole number/);
  });

  it("orders search results by score, ties in their order", () => {
    const pages = [
      { id: "bulk/item-015", title: "Item 015" },
      { id: "x", title: "Other 015 thing" },
      { id: "item 015", title: "" },
    ];
    const found = searchItems(pages, "item 015", (page) => [
      ["id", page.id, 64],
      ["title", page.title, 64],
    ]);
    // the first two score the same (a whole match of id or title, and both words): they keep their order
    expect(found.map((page) => page.id)).toEqual(["bulk/item-015", "item 015", "x"]);
    expect(searchItems(pages, "a", () => [["id", "a", 1]])).toEqual([]);
  });
});
