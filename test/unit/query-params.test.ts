import { describe, expect, it } from "vitest";
import { collectionQueryParam, queryValue, selectionParam } from "../../src/api/query-params.js";
import { parseQuery } from "../../src/http/body.js";
import { applyCollectionQuery, type PreparedQuery } from "../../src/search/index.js";

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
  const search = (list: readonly string[], query: PreparedQuery) =>
    list.filter((item) => query.words.some((word) => item.includes(word)));
  const run = (text: string) => {
    const query = collectionQueryParam(parseQuery(text));
    return query ? applyCollectionQuery(items, query, search) : { items, paginate: undefined };
  };

  it("applies offset, limit, search and paginate in that order", () => {
    expect(run("query[offset]=1&query[limit]=2").items).toEqual(["two", "three"]);
    expect(run("query[limit]=0").items).toEqual([]);
    expect(run("query[limit]=2&query[search]=five").items).toEqual([]);
    expect(run("query[search]=fo").items).toEqual(["four"]);
    expect(run("query[search]=f").items).toEqual([]);
    expect(run("query[paginate][limit]=2&query[paginate][page]=3").paginate).toEqual({ page: "3", limit: "2" });
    expect(run("query[paginate]=3").paginate).toEqual({ page: "1", limit: "20" });
    expect(run("query[paginate]=").paginate).toBeUndefined();
    expect(run("query=abc&query[sortBy]=x").items).toEqual(items);
  });

  it("reads the option form of the search", () => {
    const query = collectionQueryParam(
      parseQuery("query[search][query]=a&query[search][options][fields][]=Title&query[search][options][minlength]=1"),
    );
    expect(query?.search?.text).toBe("a");
    expect(query?.search?.options.fields).toEqual(["title"]);
    expect(query?.search?.options.minlength).toBe(1);
  });

  it("refuses hostile values with a 400", () => {
    expect(() => run("query[offset]=abc")).toThrow(/whole number/);
    expect(() => run(`query[limit]=${"9".repeat(40)}`)).toThrow(/whole number/);
    expect(() => run(`query[search]=${"a".repeat(1_001)}`)).toThrow(/longer than/);
    expect(() => run("query[search][options][minlength]=0&query[search][query]=ab")).toThrow(/minlength/);
  });
});
