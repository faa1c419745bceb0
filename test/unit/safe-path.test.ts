import path from "node:path";
import { describe, expect, it } from "vitest";
import { InvalidArgumentError } from "../../src/errors.js";
import { resolveInside } from "../../src/fs/safe-path.js";
import { requestedTemplateName } from "../../src/content/template-name.js";

const ROOT = "/srv/site/content";

describe("resolveInside", () => {
  it("joins plain names below the folder", () => {
    expect(resolveInside(ROOT, "notes", "note.txt")).toBe(path.join(ROOT, "notes", "note.txt"));
    expect(resolveInside(ROOT, "notes/_drafts/x")).toBe(path.join(ROOT, "notes", "_drafts", "x"));
    expect(resolveInside(`${ROOT}/`, "..x")).toBe(path.join(ROOT, "..x"));
  });

  it.each([
    [["../x"]],
    [["..", "x"]],
    [["notes/../../x"]],
    [["/etc/passwd"]],
    [["a\\..\\..\\b"]],
    [["note\0.txt"]],
    [[""]],
    [["."]],
    [["notes", ""]],
    [[]],
  ])("refuses %j with a typed 400 before anything is opened", (segments) => {
    expect(() => resolveInside(ROOT, ...segments)).toThrow(InvalidArgumentError);
  });
});

describe("requestedTemplateName (rule y)", () => {
  it("lower-cases plain names and leaves an absent name to the caller", () => {
    expect(requestedTemplateName("NOTE")).toBe("note");
    expect(requestedTemplateName("my_page-2")).toBe("my_page-2");
    expect(requestedTemplateName("x".repeat(255))).toBe("x".repeat(255));
    expect(requestedTemplateName(undefined)).toBeUndefined();
  });

  it.each([
    [""],
    ["../x"],
    ["a b"],
    ["note.txt"],
    ["a\\b"],
    ["x".repeat(256)],
    ["İ"],
    [null],
    [true],
    [["note"]],
    [-1],
  ])("refuses %j", (value) => {
    expect(() => requestedTemplateName(value)).toThrow(InvalidArgumentError);
  });
});
