import { describe, expect, it } from "vitest";
import { MAX_LOGGED_CHARS, NOT_LOGGED, safeLogged, safeValue } from "../../src/log/safe-value.js";

describe("safeValue", () => {
  it("escapes CR, LF, ANSI ESC, other controls, U+2028/9, bidi overrides and the backslash", () => {
    expect(safeValue('a\r\n{"event":"login.success"}')).toBe('a\\r\\n{"event":"login.success"}');
    expect(safeValue("\u001b[31mred\u001b[0m")).toBe("\\u001b[31mred\\u001b[0m");
    expect(safeValue("x\u0000\u007f\u009b\u2028\u2029\u202e\t")).toBe("x\\u0000\\u007f\\u009b\\u2028\\u2029\\u202e\\t");
    expect(safeValue("back\\nslash")).toBe("back\\\\nslash");
    expect(safeValue("anna@exämple.com")).toBe("anna@exämple.com");
  });

  it("cuts long values and says how much was cut", () => {
    const cut = safeValue("x".repeat(8 * 1024 * 1024));
    expect(cut).toBe(`${"x".repeat(MAX_LOGGED_CHARS)}…[cut ${8 * 1024 * 1024 - MAX_LOGGED_CHARS} chars]`);
    expect(safeValue("y".repeat(MAX_LOGGED_CHARS))).toBe("y".repeat(MAX_LOGGED_CHARS));
  });

  it("never keeps half a surrogate pair", () => {
    const value = `${"a".repeat(MAX_LOGGED_CHARS - 1)}😀tail`;
    expect(safeValue(value)).toBe(`${"a".repeat(MAX_LOGGED_CHARS - 1)}…[cut 6 chars]`);
  });
});

describe("safeLogged", () => {
  it("replaces password fields at any depth and escapes keys and values", () => {
    expect(
      safeLogged({ email: "a\nb", password: "secret", nested: { currentPassword: "old", list: ["\u001b"] } }),
    ).toEqual({
      email: "a\\nb",
      password: NOT_LOGGED,
      nested: { currentPassword: NOT_LOGGED, list: ["\\u001b"] },
    });
    expect(safeLogged({ "k\ney": 1 })).toEqual({ "k\\ney": 1 });
  });

  it("bounds depth and breadth", () => {
    const deep = safeLogged({ a: { b: { c: { d: { e: 1 } } } } });
    expect(JSON.stringify(deep)).toContain("[nested too deep]");
    const wide = safeLogged(Array.from({ length: 1000 }, (_, i) => i)) as unknown[];
    expect(wide).toHaveLength(33);
  });
});
