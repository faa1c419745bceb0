import { describe, it, expect } from "vitest";
import { parseTxt, serializeTxt } from "../../src/content/txt.js";

describe("serializeTxt", () => {
  it("collapses keys that differ only in case, keeping the first position and the last value", () => {
    const encoded = serializeTxt({ title: "Title", text: "Text", tItLe: "Another title", TEXT: "UPPERTEXT" });
    expect(encoded).toBe("Title: Another title\n\n----\n\nText: UPPERTEXT");
  });

  it("gives an empty string for empty data", () => {
    expect(serializeTxt({})).toBe("");
  });

  it("slugifies keys and upper-cases their first letter", () => {
    const encoded = serializeTxt({ my_field: "a", "Other Field": "b", "Ünïcode Kéy": "c" });
    expect(encoded).toBe("My-field: a\n\n----\n\nOther-field: b\n\n----\n\nUnicode-key: c");
  });

  it("skips null and undefined values and empty keys", () => {
    expect(serializeTxt({ a: null, b: undefined, "": "x", "!!!": "y", c: "kept" })).toBe("C: kept");
  });

  it("writes an empty single-line value with a trailing space", () => {
    expect(serializeTxt({ text: "" })).toBe("Text: ");
  });

  it("trims values and puts multi-line values after a blank line", () => {
    expect(serializeTxt({ title: "  padded  " })).toBe("Title: padded");
    expect(serializeTxt({ text: "line 1\nline 2\n" })).toBe("Text:\n\nline 1\nline 2");
    expect(serializeTxt({ text: "a\r\nb" })).toBe("Text:\n\na\r\nb");
    expect(serializeTxt({ text: "a\rb" })).toBe("Text:\n\na\rb");
  });

  it("escapes lines that start with four dashes", () => {
    expect(serializeTxt({ text: "----\nmiddle\n---- end\nnot ----" })).toBe(
      "Text:\n\n\\----\nmiddle\n\\---- end\nnot ----",
    );
  });

  it("stores lists and maps as YAML, numbers and booleans as decimal strings", () => {
    expect(serializeTxt({ tags: ["a", "b"] })).toBe("Tags:\n\n- a\n- b");
    expect(serializeTxt({ items: [{ title: "x", count: 2 }] })).toBe("Items:\n\n- title: x\n  count: 2");
    expect(serializeTxt({ tags: [] })).toBe("Tags: ");
    expect(serializeTxt({ count: 5, ratio: 3.2, big: 10n })).toBe("Count: 5\n\n----\n\nRatio: 3.2\n\n----\n\nBig: 10");
    expect(serializeTxt({ yes: true, no: false })).toBe("Yes: 1\n\n----\n\nNo: 0");
  });
});

describe("parseTxt", () => {
  it("removes a leading BOM and normalises keys", () => {
    const fields = parseTxt("\uFEFFTitle with spaces: A\n\n----\n\nText-with-Dashes : B");
    expect(fields).toEqual({ title_with_spaces: "A", text_with_dashes: "B" });
  });

  it("keeps a BOM that is not at the start of the file", () => {
    expect(parseTxt("Title: a\uFEFFb")).toEqual({ title: "a\uFEFFb" });
  });

  it("splits on any line starting with four dashes, whatever follows on that line", () => {
    expect(parseTxt("A: 1\n----\nB: 2\n----   \n\n\nC: 3")).toEqual({ a: "1", b: "2", c: "3" });
  });

  it("makes a fifth dash part of the next key", () => {
    expect(parseTxt("A: 1\n\n-----\n\nB: 2")).toEqual({ a: "1", "_\n\nb": "2" });
  });

  it("ignores chunks without a key", () => {
    expect(parseTxt("no colon here\n\n----\n\n: no key\n\n----\n\n  : blank key\n\n----\n\nOk: yes")).toEqual({
      ok: "yes",
    });
  });

  it("takes the key up to the first colon only", () => {
    expect(parseTxt("Link: https://example.com:8080/x")).toEqual({ link: "https://example.com:8080/x" });
  });

  it("lets the last of duplicate keys win", () => {
    expect(parseTxt("Title: one\n\n----\n\ntitle: two")).toEqual({ title: "two" });
  });

  it("trims values and unescapes dividers only at line starts", () => {
    const fields = parseTxt("Text:\n\n\\----\nline\n\\---- end\nnot \\----\n\n");
    expect(fields).toEqual({ text: "----\nline\n---- end\nnot \\----" });
  });

  it("decodes CRLF files while keeping line breaks inside values", () => {
    const fields = parseTxt("Title: A\r\n\r\n----\r\n\r\nText:\r\n\r\nline 1\r\nline 2\r\n");
    expect(fields).toEqual({ title: "A", text: "line 1\r\nline 2" });
  });

  it("trims only the characters PHP trims", () => {
    expect(parseTxt("Title: \u00A0x\u00A0 ")).toEqual({ title: "\u00A0x\u00A0" });
  });

  it("returns an empty object for empty input", () => {
    expect(parseTxt("")).toEqual({});
  });

  it("stores a __proto__ key as an ordinary field", () => {
    const fields = parseTxt("__proto__: x");
    expect(Object.getPrototypeOf(fields)).toBe(Object.prototype);
    expect(Object.keys(fields)).toEqual(["__proto__"]);
    // biome-ignore lint/suspicious/noProto: the test is that a field named __proto__ is stored as a plain key
    expect(fields["__proto__"]).toBe("x");
  });
});

describe("round trip", () => {
  it("reads back what it writes, dividers included", () => {
    const data = {
      title: "A title",
      text: "----\nstarts with a divider\n----\nand ---- inside a line",
      empty: "",
      multi: "a\n\nb",
    };
    expect(parseTxt(serializeTxt(data))).toEqual(data);
  });

  it("re-encodes the fixture format byte for byte", () => {
    const source = "Title: First Note\n\n----\n\nDate: 2024-01-15\n\n----\n\nTags: alpha, beta";
    expect(serializeTxt(parseTxt(source))).toBe(source);
  });
});
