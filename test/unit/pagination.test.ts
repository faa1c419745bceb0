import { describe, expect, it } from "vitest";
import { renderError } from "../../src/api/envelope.js";
import { paginate } from "../../src/api/pagination.js";

function errorOf(run: () => unknown): { status: number; body: Record<string, unknown> } {
  try {
    run();
  } catch (error) {
    const rendered = renderError(error, { debug: false, route: null, projectRoot: "/" });
    return { status: rendered.status, body: rendered.body as Record<string, unknown> };
  }
  throw new Error("expected an error");
}

describe("paginate (docs/kirby-compat/routes-and-envelopes.md)", () => {
  it("defaults to page 1 and limit 100", () => {
    expect(paginate(200, undefined, undefined)).toEqual({ page: 1, total: 200, offset: 0, limit: 100 });
  });

  it("computes the offset from page and limit (row 61)", () => {
    expect(paginate(4, "2", "1")).toEqual({ page: 2, total: 4, offset: 1, limit: 1 });
    expect(paginate(5, "3", "2")).toEqual({ page: 3, total: 5, offset: 4, limit: 2 });
  });

  it.each([["0"], [""]])("uses limit 20 for limit=%j", (limit) => {
    expect(paginate(50, undefined, limit).limit).toBe(20);
  });

  it.each([["0"], [""], ["1.5"]])("starts at page 1 for page=%j", (page) => {
    expect(paginate(50, page, "10").page).toBe(1);
  });

  it("casts decimal numbers as PHP does (limit=2.5 is 2)", () => {
    expect(paginate(10, "2.9", "2.5")).toEqual({ page: 2, total: 10, offset: 2, limit: 2 });
  });

  it("allows the last page and refuses the one after it with a 404 naming the range (row 61)", () => {
    expect(paginate(5, "3", "2").page).toBe(3);
    expect(errorOf(() => paginate(5, "99", "2"))).toEqual({
      status: 404,
      body: {
        status: "error",
        message: "Pagination page 99 does not exist, expected 1-3",
        code: 404,
        key: "error.errorPage",
        details: [],
      },
    });
    expect(errorOf(() => paginate(5, "4", "2")).body["message"]).toBe("Pagination page 4 does not exist, expected 1-3");
  });

  it("reads a page beyond 64 bits as PHP_INT_MAX: a 404, not an error", () => {
    expect(errorOf(() => paginate(5, "99999999999999999999999", "2"))).toMatchObject({
      status: 404,
      body: { message: "Pagination page 9223372036854775807 does not exist, expected 1-3", key: "error.errorPage" },
    });
  });

  it("allows only page 1 of an empty collection and reports expected 0-0", () => {
    expect(paginate(0, undefined, undefined)).toEqual({ page: 0, total: 0, offset: 0, limit: 100 });
    expect(paginate(0, "1", "5")).toEqual({ page: 0, total: 0, offset: 0, limit: 5 });
    expect(errorOf(() => paginate(0, "2", undefined))).toEqual({
      status: 404,
      body: {
        status: "error",
        message: "Pagination page 2 does not exist, expected 0-0",
        code: 404,
        key: "error.errorPage",
        details: [],
      },
    });
  });

  it("refuses a negative limit with 400 error.invalidArgument (deviation w)", () => {
    expect(errorOf(() => paginate(5, undefined, "-1"))).toEqual({
      status: 400,
      body: {
        status: "error",
        message: "Invalid pagination limit: -1",
        code: 400,
        key: "error.invalidArgument",
        details: [],
      },
    });
  });

  it.each([
    ["limit", "abc"],
    ["limit", "-Infinity"],
    ["limit", "Infinity"],
    ["limit", "1e308"],
    ["limit", "-0"],
    ["limit", "0.5"],
    ["limit", "00"],
    ["limit", "9".repeat(100_000)],
    ["page", "xyz"],
    ["page", "-1"],
    ["page", "1e308"],
    ["page", "NaN"],
  ])("refuses %s=%s with 400 error.invalidArgument, never a 500 (deviation w)", (name, value) => {
    const run = name === "limit" ? () => paginate(5, undefined, value) : () => paginate(5, value, "2");
    expect(errorOf(run)).toMatchObject({ status: 400, body: { code: 400, key: "error.invalidArgument", details: [] } });
  });

  it("refuses a page or limit sent as a list (limit[]=1)", () => {
    expect(errorOf(() => paginate(5, undefined, ["1"]))).toMatchObject({
      status: 400,
      body: { key: "error.invalidArgument" },
    });
    expect(errorOf(() => paginate(5, ["1"], undefined))).toMatchObject({
      status: 400,
      body: { key: "error.invalidArgument" },
    });
  });

  it("accepts surrounding whitespace in numbers", () => {
    expect(paginate(10, " 2 ", " 3 ")).toEqual({ page: 2, total: 10, offset: 3, limit: 3 });
  });
});
