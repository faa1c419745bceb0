import { describe, expect, it } from "vitest";
import { parseYaml } from "../../src/blueprints/yaml.js";
import { ConfigError } from "../../src/errors.js";

describe("parseYaml", () => {
  it("reads YAML 1.1 booleans in every case variant", () => {
    const parsed = parseYaml(
      ["a: yes", "b: Yes", "c: YES", "d: no", "e: No", "f: on", "g: OFF", "h: True", "i: false", "j: Off"].join("\n"),
      "test.yml",
    );
    expect(parsed).toEqual({
      a: true,
      b: true,
      c: true,
      d: false,
      e: false,
      f: true,
      g: false,
      h: true,
      i: false,
      j: false,
    });
  });

  it("keeps quoted booleans as strings", () => {
    expect(parseYaml("a: 'yes'\nb: \"off\"", "test.yml")).toEqual({ a: "yes", b: "off" });
  });

  it("keeps mapping keys as written instead of converting them", () => {
    const parsed = parseYaml("yes: 1\nno: 2\ny: 3\nn: 4\non: 5\n1.0: 6\n", "test.yml");
    expect(Object.keys(parsed as object)).toEqual(["yes", "no", "y", "n", "on", "1.0"]);
  });

  it("keeps dates, times and date-times as strings", () => {
    const parsed = parseYaml("date: 2024-01-02\nstamp: 2024-01-02 10:00:00\ntime: 12:30\n", "test.yml");
    expect(parsed).toEqual({ date: "2024-01-02", stamp: "2024-01-02 10:00:00", time: "12:30" });
  });

  it("reads plain decimal numbers and leaves other number-like text alone", () => {
    const parsed = parseYaml("i: 42\nn: -7\nf: 1.5\ne: 1e3\no: 0755\nh: 0x1F\nu: 1_000\n", "test.yml");
    expect(parsed).toEqual({ i: 42, n: -7, f: 1.5, e: 1000, o: "0755", h: "0x1F", u: "1_000" });
  });

  it("reads ~, null and empty values as null", () => {
    expect(parseYaml("a: ~\nb: null\nc: NULL\nd:\n", "test.yml")).toEqual({ a: null, b: null, c: null, d: null });
  });

  it("applies merge keys", () => {
    const parsed = parseYaml("base: &base\n  type: text\n  width: 1/2\nfield:\n  <<: *base\n  width: 1/3\n", "t.yml");
    expect(parsed).toEqual({
      base: { type: "text", width: "1/2" },
      field: { type: "text", width: "1/3" },
    });
  });

  it("allows duplicate keys, the last one winning in the first one's place", () => {
    const parsed = parseYaml("a: 1\nb: 2\na: 3\n", "test.yml");
    expect(parsed).toEqual({ a: 3, b: 2 });
    expect(Object.keys(parsed as object)).toEqual(["a", "b"]);
  });

  it("returns null for an empty document", () => {
    expect(parseYaml("", "empty.yml")).toBeNull();
    expect(parseYaml("# just a comment\n", "empty.yml")).toBeNull();
  });

  it("throws a ConfigError naming the file and the line of a syntax error", () => {
    const text = "title: Broken\nfields:\n  text: [1, 2\n  other: 3\n";
    expect(() => parseYaml(text, "site/blueprints/pages/broken.yml")).toThrow(ConfigError);
    expect(() => parseYaml(text, "site/blueprints/pages/broken.yml")).toThrow(
      /^Invalid YAML in site\/blueprints\/pages\/broken\.yml on line \d+: /,
    );
  });

  it("reports the line where the error is", () => {
    let message = "";
    try {
      parseYaml("a: 1\nb: 2\nc: 3\n  d: 4\n", "x.yml");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/^Invalid YAML in x\.yml on line 3: /);
  });

  it("throws a ConfigError for an alias without anchor", () => {
    expect(() => parseYaml("a: *missing\n", "alias.yml")).toThrow(/^Invalid YAML in alias\.yml/);
  });
});
