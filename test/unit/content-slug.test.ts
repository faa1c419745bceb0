import { readFileSync } from "node:fs";
import { describe, it, expect } from "vitest";
import { ASCII_TABLE, fieldKeyToFileKey, slugify, toAscii, trimChars } from "../../src/content/slug.js";
import path from "node:path";
import { GOLDEN_DIR } from "../paths.js";

const GOLDEN_SYSTEM = path.join(GOLDEN_DIR, "22-read-endpoints.json");

interface GoldenStep {
  request: { path?: string };
  response: { body: { data?: { ascii?: Record<string, string> } } };
}

describe("ASCII_TABLE", () => {
  it("is the table Kirby reports in GET /api/system, in the same order", () => {
    const golden = JSON.parse(readFileSync(GOLDEN_SYSTEM, "utf8")) as { steps: GoldenStep[] };
    const system = golden.steps.find((step) => step.request.path === "/api/system");
    const ascii = system?.response.body.data?.ascii;
    expect(ascii).toBeDefined();
    expect(JSON.stringify(ASCII_TABLE)).toBe(JSON.stringify(ascii));
  });
});

describe("slugify", () => {
  it("lower-cases and joins words with dashes", () => {
    expect(slugify("Hello World")).toBe("hello-world");
    expect(slugify("my_field")).toBe("my-field");
  });

  it("turns every run of disallowed characters into one separator and trims separators", () => {
    expect(slugify("  --Hello,   World!!  ")).toBe("hello-world");
    expect(slugify("a--b__c//d")).toBe("a-b-c-d");
    expect(slugify("!!!")).toBe("");
  });

  it("transliterates with the table", () => {
    expect(slugify("Ünïcode Kéy")).toBe("unicode-key");
    expect(slugify("Straße")).toBe("strasse");
    expect(slugify("Щука и ёж")).toBe("shchuka-i-ezh");
    expect(slugify("Đorđe")).toBe("djordje");
    expect(slugify("İstanbul")).toBe("istanbul");
  });

  it("lower-cases before transliterating, as the reference does", () => {
    // `Æ` becomes `æ` first, which the table maps to `a`.
    expect(slugify("Æther")).toBe("ather");
  });

  it("strips accents the table does not know and drops other scripts", () => {
    expect(slugify("ẽṡ")).toBe("es");
    expect(slugify("a中文b")).toBe("ab");
    expect(slugify("中文")).toBe("");
  });

  it("cuts at the maximum length", () => {
    const long = "a".repeat(300);
    expect(slugify(long)).toHaveLength(128);
    expect(slugify(long, { maxLength: 255 })).toHaveLength(255);
    expect(slugify(long, { maxLength: 0 })).toHaveLength(300);
  });

  it("accepts another separator and allowed set", () => {
    expect(slugify("Hello World.txt", { separator: "_" })).toBe("hello_world_txt");
    expect(slugify("Hello World.txt", { allowed: "a-z0-9.", separator: "-" })).toBe("hello-world.txt");
  });
});

describe("fieldKeyToFileKey", () => {
  it("slugifies and upper-cases the first letter", () => {
    expect(fieldKeyToFileKey("my_field")).toBe("My-field");
    expect(fieldKeyToFileKey("Other Field")).toBe("Other-field");
    expect(fieldKeyToFileKey("Ünïcode Kéy")).toBe("Unicode-key");
    expect(fieldKeyToFileKey("TITLE")).toBe("Title");
    expect(fieldKeyToFileKey("x".repeat(200))).toHaveLength(128);
  });
});

describe("helpers", () => {
  it("toAscii keeps printable ASCII and line breaks", () => {
    expect(toAscii("Grüße\n✓ done")).toBe("Grusse\n done");
  });

  it("trimChars trims PHP's default set or the given characters", () => {
    expect(trimChars(" \t\n\r\0\x0Bx\u00A0 ")).toBe("x\u00A0");
    expect(trimChars("--a-b--", "-")).toBe("a-b");
  });
});
