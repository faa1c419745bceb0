/**
 * Every check that runs on request input, fed 100k-character hostile strings: each must give its answer at once
 * (linear work, no backtracking regex). The 1 s bound is an alarm, not a benchmark.
 */
import { describe, expect, it } from "vitest";
import { isValidEmail, normaliseEmail, normaliseName, normaliseRoleName } from "../../src/accounts/user-fields.js";
import { paginate } from "../../src/api/pagination.js";
import { parseSelect } from "../../src/api/views/engine.js";
import type { BlueprintField } from "../../src/blueprints/types.js";
import { slugify } from "../../src/content/slug.js";
import { storedFieldKey, submittedFields } from "../../src/content/stored-values.js";
import { requestedTemplateName } from "../../src/content/template-name.js";
import { parseTxt, serializeTxt } from "../../src/content/txt.js";
import { validateField } from "../../src/content/validation.js";
import { resolveInside } from "../../src/fs/safe-path.js";

const N = 100_000;

/** Inputs built to make backtracking regexes go quadratic or worse. */
const HOSTILE: Readonly<Record<string, string>> = {
  "letters then @": `${"a".repeat(N)}@`,
  "dotted domain ending in @": `a@${"a.".repeat(N / 2)}@`,
  "dotted domain ending in a space": `a@${"a.".repeat(N / 2)} x`,
  "only @": "@".repeat(N),
  "hyphen runs": `a@${"a-".repeat(N / 2)}!`,
  "comment openers": "<!--".repeat(N / 4),
  "tag openers": "<a".repeat(N / 2),
  "digits then x": `${"1".repeat(N)}x`,
  "date-like": `2020-01-01${" 00:00".repeat(N / 6)}`,
  "dashes and newlines": "\n----".repeat(N / 5),
  accents: "ä".repeat(N),
  separators: "-_ ".repeat(N / 3),
};

function timed<T>(run: () => T): { result: T; ms: number } {
  const started = performance.now();
  const result = run();
  return { result, ms: performance.now() - started };
}

function field(type: string, props: Record<string, unknown> = {}): BlueprintField {
  return { name: "value", type, props };
}

describe.each(Object.entries(HOSTILE))("validators on a 100k-character hostile input (%s)", (_name, input) => {
  it("the email field check refuses it at once", () => {
    const { result, ms } = timed(() => validateField(field("email"), input));
    expect(result["email"]).toBe("Please enter a valid email address");
    expect(ms).toBeLessThan(1000);
  });

  it("the other field checks finish at once", () => {
    const { ms } = timed(() => {
      for (const type of ["url", "date", "number", "text", "tags", "select", "toggle"]) {
        validateField(field(type, { minlength: 1, maxlength: 10, options: ["a"] }), input);
      }
    });
    expect(ms).toBeLessThan(1000);
  });

  it("account input checks finish at once", () => {
    const { result, ms } = timed(() => {
      normaliseName(input);
      normaliseRoleName(input);
      return isValidEmail(normaliseEmail(input));
    });
    expect(result).toBe(false);
    expect(ms).toBeLessThan(1000);
  });

  it("slugs, stored keys and the content format finish at once", () => {
    const { ms } = timed(() => {
      slugify(input);
      storedFieldKey(input);
      parseTxt(serializeTxt({ text: input }));
    });
    expect(ms).toBeLessThan(1000);
  });

  it("request names (template, select, pagination, paths, field keys) are refused before any work", () => {
    const { ms } = timed(() => {
      expect(() => requestedTemplateName(input)).toThrow();
      expect(() => parseSelect(input)).toThrow();
      expect(() => paginate(10, input, undefined)).toThrow();
      expect(() => paginate(10, undefined, input)).toThrow();
      expect(() => submittedFields({ [input]: "x" })).toThrow();
      expect(() => resolveInside("/srv/site", `../${input}`)).toThrow();
    });
    expect(ms).toBeLessThan(1000);
  });
});

describe("the email field check", () => {
  it.each([["a@b.cd"], ["first.last@example.com"], ["x@sub.example.org"]])("accepts %s", (email) => {
    expect(validateField(field("email"), email)).toEqual({});
  });

  it.each([["a@b"], ["a@.b"], ["a@b."], ["@b.cd"], ["a b@c.de"], ["a@b@c.de"], [`${"a".repeat(250)}@b.cd`]])(
    "refuses %j",
    (email) => {
      expect(validateField(field("email"), email)["email"]).toBe("Please enter a valid email address");
    },
  );
});
