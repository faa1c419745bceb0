import { describe, expect, it } from "vitest";
import { GENERIC_ERROR_MESSAGE, renderError } from "../../src/api/envelope.js";
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

describe("paginate (spec §7.3)", () => {
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

  it.each([["0"], [""], ["abc"]])("starts at page 1 for page=%j", (page) => {
    expect(paginate(50, page, "10").page).toBe(1);
  });

  it("allows the last page and refuses the one after it with a 404 naming the range (row 61)", () => {
    expect(paginate(5, "3", "2").page).toBe(3);
    expect(errorOf(() => paginate(5, "99", "2"))).toEqual({
      status: 404,
      body: { status: "error", message: "Pagination page 99 does not exist, expected 1-3", code: 404, key: "error.errorPage", details: [] },
    });
    expect(errorOf(() => paginate(5, "4", "2")).body["message"]).toBe("Pagination page 4 does not exist, expected 1-3");
  });

  it("allows only page 1 of an empty collection and reports expected 0-0", () => {
    expect(paginate(0, undefined, undefined)).toEqual({ page: 1, total: 0, offset: 0, limit: 100 });
    expect(paginate(0, "1", "5")).toEqual({ page: 1, total: 0, offset: 0, limit: 5 });
    expect(errorOf(() => paginate(0, "2", undefined))).toEqual({
      status: 404,
      body: { status: "error", message: "Pagination page 2 does not exist, expected 0-0", code: 404, key: "error.errorPage", details: [] },
    });
  });

  it("refuses a negative limit with HTTP 500, key error.general", () => {
    expect(errorOf(() => paginate(5, undefined, "-1"))).toEqual({
      status: 500,
      body: { status: "error", message: "Invalid pagination limit: -1", code: 500, key: "error.general", details: [] },
    });
  });

  it("refuses a non-numeric limit with the generic HTTP 500 (key null)", () => {
    expect(errorOf(() => paginate(5, undefined, "abc"))).toEqual({
      status: 500,
      body: { status: "error", message: GENERIC_ERROR_MESSAGE, code: 500, key: null, details: [] },
    });
  });

  it("accepts surrounding whitespace in numbers", () => {
    expect(paginate(10, " 2 ", " 3 ")).toEqual({ page: 2, total: 10, offset: 3, limit: 3 });
  });
});
