import { describe, expect, it } from "vitest";
import { Params } from "../../src/api/context.js";

describe("Params.textOrList", () => {
  it("reads a plain value as text, case-insensitively", () => {
    expect(new Params({ limit: "5" }).textOrList("limit")).toBe("5");
    expect(new Params({ LIMIT: "5" }).textOrList("limit")).toBe("5");
    expect(new Params({}).textOrList("limit")).toBeUndefined();
  });

  it("reads bracketed names as a list, as PHP does", () => {
    expect(new Params({ "limit[]": "1" }).textOrList("limit")).toEqual(["1"]);
    expect(new Params({ "Limit[a]": "1", "limit[b]": "2" }).textOrList("limit")).toEqual(["1", "2"]);
  });

  it("does not read other names or an unclosed bracket as the list", () => {
    expect(new Params({ "limits[]": "1" }).textOrList("limit")).toBeUndefined();
    expect(new Params({ "limit[": "1" }).textOrList("limit")).toBeUndefined();
  });
});
