import { describe, expect, it } from "vitest";
import type { Blueprint } from "../../src/blueprints/types.js";
import { parseDateInput, roundedDay } from "../../src/content/date-input.js";
import { kirbyYaml } from "../../src/content/kirby-yaml.js";
import { createdContent, mergeContent, passThroughText, storedValue } from "../../src/content/stored-values.js";

const NOTE: Blueprint = {
  name: "pages/note",
  title: "Note",
  fields: [
    { name: "date", type: "date", props: {} },
    { name: "text", type: "textarea", props: {} },
    { name: "tags", type: "tags", props: {} },
  ],
  options: {},
  num: "default",
  status: ["draft", "unlisted", "listed"],
  raw: {},
};

describe("Kirby's YAML for lists and maps (58)", () => {
  it("quotes, folds and blocks strings as Kirby's writer does", () => {
    const list = ["1", "true", "yes", "a: b", "", "x  y", "#c", "it's", 'say "hi" it\'s', "line1\nline2", " pad", "ü"];
    expect(kirbyYaml(list)).toBe(
      "- \"1\"\n- 'true'\n- 'yes'\n- 'a: b'\n- \"\"\n- 'x  y'\n- '#c'\n- \"it's\"\n- |\n  say \"hi\" it's\n- |\n  line1\n  line2\n- ' pad'\n- ü",
    );
    expect(kirbyYaml(["end:", 7, 2.5, true, false, null])).toBe("- 'end:'\n- 7\n- 2.5\n- true\n- false\n- null");
    expect(kirbyYaml(["a plain string that is clearly longer than forty characters"])).toBe(
      "- >\n  a plain string that is clearly longer\n  than forty characters",
    );
  });

  it("nests lists and maps under a bare dash or key, and writes empty ones as [ ]", () => {
    expect(kirbyYaml([{ a: 1 }, ["x"]])).toBe("- \n  a: 1\n- \n  - x");
    expect(kirbyYaml({ k: { n: 1, b: true, s: "v" }, e: [], "key:x": "y", "key#y": "z" })).toBe(
      'k:\n  n: 1\n  b: true\n  s: v\ne: [ ]\n"key:x": \'y\'\n"key#y": z',
    );
    expect(kirbyYaml({ 0: "a", 1: "b" })).toBe("- a\n- b");
  });
});

describe("values as Kirby stores them", () => {
  it("stores pass-through values by JSON type", () => {
    expect([true, false, 5, 0, 1.5, [], {}, "x"].map(passThroughText)).toEqual([
      "1",
      "0",
      "5",
      "0",
      "1.5",
      "",
      "",
      "x",
    ]);
    expect(passThroughText(["a", "b"])).toBe("- a\n- b");
    expect(passThroughText({ k: "v" })).toBe("k: v");
  });

  it("normalises blueprint fields on update and refuses a list for a textarea", () => {
    const text = NOTE.fields[1];
    expect([true, false, null, 1.5].map((value) => storedValue(text, value))).toEqual(["1", "", "", "1.5"]);
    expect(() => storedValue(text, ["x"])).toThrow(/text/);
    expect(storedValue(NOTE.fields[2], "a,b , c")).toBe("a, b, c");
    expect(storedValue(NOTE.fields[2], ["x", "y z"])).toBe("x, y z");
  });

  it("writes every blueprint field on update, removes pass-through keys sent as null, keeps the old order", () => {
    const current = { title: "A", uuid: "u1", custom: "c", text: "t" };
    const merged = mergeContent(NOTE, current, { custom: null, extra: true, text: null });
    expect(Object.entries(merged)).toEqual([
      ["title", "A"],
      ["date", ""],
      ["text", ""],
      ["tags", ""],
      ["uuid", "u1"],
      ["extra", "1"],
    ]);
  });

  it("writes created content as sent, blueprint fields first and the UUID last", () => {
    const content = createdContent(NOTE, { title: "P2", text: ["a"], tags: ["t1", "t2"], custom: false }, "uuid1");
    expect(Object.entries(content)).toEqual([
      ["title", "P2"],
      ["date", ""],
      ["text", "- a"],
      ["tags", "- t1\n- t2"],
      ["custom", "0"],
      ["uuid", "uuid1"],
    ]);
    expect(createdContent(NOTE, { uuid: "mine" }, "new")["uuid"]).toBe("new");
  });
});

describe("dates as Kirby's date field reads them (58)", () => {
  const day = (input: string): string | null => {
    const time = parseDateInput(input, new Date(Date.UTC(2026, 0, 2, 9, 0, 0)));
    return time === null ? null : roundedDay(time);
  };

  it("reads ISO, dotted, compact and relative dates, carries overflowing days and rounds to the nearest day", () => {
    expect(day("2024-02-30")).toBe("2024-03-01");
    expect(day("15.01.2024 13:45")).toBe("2024-01-16");
    expect(day("2024-01-15 11:59")).toBe("2024-01-15");
    expect(day("2024-01-15 12:00")).toBe("2024-01-15");
    expect(day("2024-01-15 12:00:01")).toBe("2024-01-16");
    expect(day("2024-01-15 +1 day")).toBe("2024-01-16");
    expect(day("20240115")).toBe("2024-01-15");
    expect(day("-1")).toBe("2026-01-02");
    expect(day("tomorrow")).toBe("2026-01-03");
  });

  it("reads nothing from text that is not a date", () => {
    for (const input of ["emoji 😀 ok", "", "2024-13-01", "2024-01-32", "x".repeat(10_000), "2024-01-15 nonsense"]) {
      expect(day(input), input).toBeNull();
    }
    expect(storedValue(NOTE.fields[0], "emoji 😀 ok")).toBe("");
    expect(storedValue(NOTE.fields[0], false)).toBe("");
    expect(storedValue(NOTE.fields[0], 20240115)).toBe("2024-01-15");
  });
});
