import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { parsePhpArrayFile, serializePhpArrayFile } from "../../src/accounts/php-array.js";
import { ConfigError } from "../../src/errors.js";
import path from "node:path";
import { FIXTURE_DIR } from "../paths.js";

const FIXTURE_ACCOUNT = path.join(FIXTURE_DIR, "site/accounts/admin001/index.php");

describe("parsePhpArrayFile", () => {
  it("reads the credentials file Kirby writes", async () => {
    const text = await readFile(FIXTURE_ACCOUNT, "utf8");
    expect(parsePhpArrayFile(text)).toEqual({
      email: "admin@example.com",
      language: "en",
      name: "Ada Admin",
      role: "admin",
    });
  });

  it("reads `return array( … );` with double-quoted strings, comments and a trailing comma", () => {
    const text = `<?php
// credentials
return array(
    "email" => "a@b.c", # hash comment
    /* block
       comment */
    'name'  => "Line\\nBreak \\"quoted\\" \\$dollar \\x41\\101\\u{1F600}",
);
`;
    expect(parsePhpArrayFile(text)).toEqual({ email: "a@b.c", name: 'Line\nBreak "quoted" $dollar AA\u{1F600}' });
  });

  it("decodes single-quoted escapes and keeps other backslashes", () => {
    const text = String.raw`<?php return ['a' => 'It\'s', 'b' => 'C:\\dir', 'c' => 'keep\n'];`;
    expect(parsePhpArrayFile(text)).toEqual({ a: "It's", b: "C:\\dir", c: "keep\\n" });
  });

  it("reads numbers, booleans and null in any case", () => {
    const text =
      "<?php\nreturn ['i' => 42, 'n' => -7, 'f' => 1.5, 'e' => 2e3, 'o' => 017, 'h' => 0x1F, " +
      "'t' => TRUE, 'x' => False, 'z' => NULL, 'y' => null];";
    expect(parsePhpArrayFile(text)).toEqual({
      i: 42,
      n: -7,
      f: 1.5,
      e: 2000,
      o: 15,
      h: 31,
      t: true,
      x: false,
      z: null,
      y: null,
    });
  });

  it("reads nested arrays and list items without keys", () => {
    const text =
      "<?php return ['list' => ['a', 'b'], 'map' => [3 => 'x', 'y', 'k' => ['deep' => true]], 'empty' => []];";
    expect(parsePhpArrayFile(text)).toEqual({
      list: ["a", "b"],
      map: { 3: "x", 4: "y", k: { deep: true } },
      empty: [],
    });
  });

  it("lets a repeated key overwrite the earlier value", () => {
    expect(parsePhpArrayFile("<?php return ['a' => 1, 'a' => 2];")).toEqual({ a: 2 });
  });

  it("accepts a closing ?> tag", () => {
    expect(parsePhpArrayFile("<?php return ['a' => 1]; ?>\n")).toEqual({ a: 1 });
  });

  it.each([
    ["a function call", "<?php return ['a' => strtoupper('x')];", /function calls/],
    ["a variable", "<?php return ['a' => $secret];", /variables are not allowed/],
    ["string interpolation", '<?php return ["a" => "hi $name"];', /variables inside double-quoted strings/],
    ["concatenation", "<?php return ['a' => 'x' . 'y'];", /concatenation/],
    ["a constant", "<?php return ['a' => PHP_EOL];", /constants are not allowed/],
    ["a heredoc", "<?php return ['a' => <<<EOT\nx\nEOT];", /heredoc/],
    ["arithmetic", "<?php return ['a' => 1 + 2];", /expressions are not allowed/],
    ["code before return", "<?php echo 'x'; return [];", /expected `return`/],
    ["code after return", "<?php return []; echo 1;", /unexpected content/],
    ["a missing open tag", "return ['a' => 1];", /<\?php/],
    ["an unterminated string", "<?php return ['a' => 'x];", /unterminated string/],
    ["a scalar return value", "<?php return 'x';", /must return an array/],
  ])("refuses %s with a ConfigError", (_name, text, message) => {
    expect(() => parsePhpArrayFile(text)).toThrow(ConfigError);
    expect(() => parsePhpArrayFile(text)).toThrow(message);
  });

  it("names the line and column of the problem", () => {
    expect(() => parsePhpArrayFile("<?php\n\nreturn [\n    'a' => foo()\n];")).toThrow(/line 4, column 12/);
  });
});

describe("serializePhpArrayFile", () => {
  it("writes the fixture's index.php byte for byte", async () => {
    const expected = await readFile(FIXTURE_ACCOUNT, "utf8");
    const written = serializePhpArrayFile({
      email: "admin@example.com",
      language: "en",
      name: "Ada Admin",
      role: "admin",
    });
    expect(written).toBe(expected);
    expect(written.endsWith("];")).toBe(true);
  });

  it("writes null as NULL, booleans and numbers bare, and escapes quotes and backslashes", () => {
    const written = serializePhpArrayFile({ name: "O'Brien \\ Co", language: null, active: true, count: 3 });
    expect(written).toBe(
      "<?php\n\nreturn [\n    'name' => 'O\\'Brien \\\\ Co',\n    'language' => NULL,\n    'active' => true,\n    'count' => 3\n];",
    );
  });

  it("round-trips through the parser", () => {
    const values = { email: "x@y.z", name: 'It\'s \\ "me"', language: null, role: "editor" };
    expect(parsePhpArrayFile(serializePhpArrayFile(values))).toEqual(values);
  });
});
