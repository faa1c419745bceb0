import { describe, expect, it } from "vitest";
import type { Blueprint } from "../../src/blueprints/types.js";
import { assertNoUuidChange, mergeContent, storedFieldKey, submittedFields } from "../../src/content/stored-values.js";
import { parseTxt, serializeTxt } from "../../src/content/txt.js";
import { InvalidArgumentError } from "../../src/errors.js";

const BLUEPRINT: Blueprint = {
  name: "pages/default",
  title: "Default",
  fields: [],
  options: {},
  num: "default",
  status: [],
  raw: {},
};

describe("storedFieldKey: the key as the content file will hold it", () => {
  it.each([["title!"], ["Title-"], ["títle"], ["TITLE_"], [" Title "], ["TITLE"], ["title?"], ["_title_"]])(
    "%j is stored as title",
    (key) => {
      expect(storedFieldKey(key)).toBe("title");
      // and that is what writing and reading back gives
      expect(Object.keys(parseTxt(serializeTxt({ [key.trim().toLowerCase()]: "x" })))).toEqual(["title"]);
    },
  );

  it("keeps underscores and maps dashes and spaces to them, as the reader does", () => {
    expect(storedFieldKey("my_field")).toBe("my_field");
    expect(storedFieldKey("My-Field")).toBe("my_field");
    expect(storedFieldKey("my field")).toBe("my_field");
    expect(storedFieldKey("!!!")).toBe("");
  });
});

describe("submittedFields", () => {
  it("maps keys to their stored names and leaves out keys stored as nothing", () => {
    expect([...submittedFields({ "Title!": "a", text: "b", "???": "c" })]).toEqual([
      ["title", "a"],
      ["text", "b"],
    ]);
  });

  it("refuses two keys stored as one field", () => {
    expect(() => submittedFields({ title: "a", títle: "b" })).toThrow(InvalidArgumentError);
    expect(() => submittedFields({ uuid: "a", UUID: "b" })).toThrow(InvalidArgumentError);
  });

  it("refuses a key longer than 128 characters", () => {
    expect(() => submittedFields({ ["k".repeat(129)]: "a" })).toThrow(InvalidArgumentError);
    expect(submittedFields({ ["k".repeat(128)]: "a" }).size).toBe(1);
  });

  it("finds uuid in any spelling", () => {
    for (const key of ["uuid", "UUID", "uuid!", "úuid", "Uuid-"]) {
      expect(() => assertNoUuidChange(submittedFields({ [key]: "x" }))).toThrow(InvalidArgumentError);
    }
    expect(() => assertNoUuidChange(submittedFields({ text: "x" }))).not.toThrow();
  });
});

describe("mergeContent", () => {
  it("stores a dodged title key as the title, not as a second field", () => {
    expect(mergeContent(BLUEPRINT, { title: "Old" }, { "Title!": "New" })).toEqual({ title: "New" });
  });

  it("caps titles at 1,024 characters and field values at 1 MiB", () => {
    expect(() => mergeContent(BLUEPRINT, {}, { title: "t".repeat(1025) })).toThrow(InvalidArgumentError);
    expect(() => mergeContent(BLUEPRINT, {}, { text: "x".repeat(1024 * 1024 + 1) })).toThrow(InvalidArgumentError);
    expect(mergeContent(BLUEPRINT, {}, { title: "t".repeat(1024) })["title"]).toHaveLength(1024);
  });
});

describe("content keys named like Object members", () => {
  it("stores constructor and toString as plain fields", () => {
    const merged = mergeContent(BLUEPRINT, { title: "T" }, { constructor: "c", toString: "s", valueOf: "v" });
    expect(merged).toEqual({ title: "T", constructor: "c", tostring: "s", valueof: "v" });
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
  });
});
