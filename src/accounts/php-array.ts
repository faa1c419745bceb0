/**
 * The `index.php` of an account folder: a PHP file that returns an array literal. It is parsed as data and never
 * executed. Accepted: `<?php`, `return [ … ];` or `return array( … );`, single- and double-quoted strings, integers,
 * floats, `true`/`false`/`null` in any case, nested arrays, list items without keys, trailing commas and `//`, `#`
 * and `/* *\/` comments. Anything that would need PHP to run (variables, constants, function calls, concatenation,
 * heredoc) is refused with a ConfigError.
 */

import { ConfigError } from "../errors.js";

export type PhpValue = string | number | boolean | null | PhpValue[] | { [key: string]: PhpValue };

/** A scalar as written into an account's `index.php`. */
export type PhpScalar = string | number | boolean | null;

const IDENTIFIER_START = /[A-Za-z_\x80-\uffff]/;
const IDENTIFIER_PART = /[A-Za-z0-9_\x80-\uffff]/;

class PhpArrayReader {
  private position = 0;

  constructor(private readonly text: string) {}

  readFile(): PhpValue {
    this.skipWhitespace();
    if (this.text.slice(this.position, this.position + 5).toLowerCase() !== "<?php") {
      this.fail("expected the file to start with <?php");
    }
    this.position += 5;
    if (this.position < this.text.length && !/\s/.test(this.current())) this.fail("expected whitespace after <?php");
    this.skipInsignificant();

    const keyword = this.readIdentifier();
    if (keyword?.toLowerCase() !== "return") this.fail("expected `return` followed by an array");
    this.skipInsignificant();
    const value = this.readValue();
    this.skipInsignificant();
    this.expect(";");
    this.skipInsignificant();
    if (this.text.startsWith("?>", this.position)) {
      this.position += 2;
      this.skipWhitespace();
    }
    if (this.position < this.text.length) this.fail("unexpected content after `return …;`");
    return value;
  }

  private readValue(): PhpValue {
    const char = this.current();
    if (char === "[") {
      this.position += 1;
      return this.readArrayItems("]");
    }
    if (char === "'") return this.readSingleQuoted();
    if (char === '"') return this.readDoubleQuoted();
    if (char === "-" || char === "+" || char === "." || /[0-9]/.test(char)) return this.readNumber();
    if (char === "$") this.fail("variables are not allowed");
    if (this.text.startsWith("<<<", this.position)) this.fail("heredoc and nowdoc strings are not allowed");

    const start = this.position;
    const word = this.readIdentifier();
    if (word === undefined) this.fail(`unexpected ${this.describeCurrent()}`);
    const lower = word.toLowerCase();
    this.skipInsignificant();
    if (lower === "array" && this.current() === "(") {
      this.position += 1;
      return this.readArrayItems(")");
    }
    if (this.current() === "(" || this.current() === ":" || this.current() === "\\") {
      this.position = start;
      this.fail(`function calls and class references are not allowed (\`${word}\`)`);
    }
    if (lower === "true") return true;
    if (lower === "false") return false;
    if (lower === "null") return null;
    this.position = start;
    return this.fail(`constants are not allowed (\`${word}\`)`);
  }

  private readArrayItems(closing: "]" | ")"): PhpValue {
    const entries = new Map<string, PhpValue>();
    let nextIndex = 0;
    let isList = true;

    this.skipInsignificant();
    while (this.current() !== closing) {
      const first = this.readValue();
      this.skipInsignificant();
      let key: string;
      let value: PhpValue;
      if (this.text.startsWith("=>", this.position)) {
        this.position += 2;
        this.skipInsignificant();
        key = this.arrayKey(first);
        value = this.readValue();
        this.skipInsignificant();
      } else {
        key = String(nextIndex);
        value = first;
      }
      const numericKey = /^(?:0|-?[1-9][0-9]*)$/.test(key) ? Number(key) : undefined;
      if (numericKey !== undefined && numericKey >= nextIndex) nextIndex = numericKey + 1;
      if (numericKey === undefined || numericKey !== entries.size || entries.has(key)) isList = false;
      entries.set(key, value);

      this.assertNoOperator();
      if (this.current() === ",") {
        this.position += 1;
        this.skipInsignificant();
      } else if (this.current() !== closing) {
        this.fail(`expected "," or "${closing}" but found ${this.describeCurrent()}`);
      }
    }
    this.position += 1;
    this.skipInsignificant();
    if (isList) return [...entries.values()];
    return Object.fromEntries(entries);
  }

  /** PHP array keys: strings that look like decimal integers become integers, other strings stay strings. */
  private arrayKey(value: PhpValue): string {
    if (typeof value === "string") return value;
    if (typeof value === "number" && Number.isInteger(value)) return String(value);
    return this.fail("array keys must be strings or integers");
  }

  private assertNoOperator(): void {
    const char = this.current();
    if (char === ".") this.fail("string concatenation is not allowed");
    if (char !== "" && "+-*/%?|&^<>=!".includes(char)) this.fail("expressions are not allowed");
  }

  private readSingleQuoted(): string {
    let result = "";
    let index = this.position + 1;
    while (index < this.text.length) {
      const char = this.text[index] ?? "";
      if (char === "'") {
        this.position = index + 1;
        this.skipInsignificant();
        return result;
      }
      if (char === "\\") {
        const next = this.text[index + 1];
        if (next === "'" || next === "\\") {
          result += next;
          index += 2;
          continue;
        }
      }
      result += char;
      index += 1;
    }
    return this.fail("unterminated string");
  }

  private readDoubleQuoted(): string {
    let result = "";
    let index = this.position + 1;
    while (index < this.text.length) {
      const char = this.text[index] ?? "";
      if (char === '"') {
        this.position = index + 1;
        this.skipInsignificant();
        return result;
      }
      if (char === "$" && IDENTIFIER_START.test(this.text[index + 1] ?? "")) {
        this.position = index;
        this.fail("variables inside double-quoted strings are not allowed");
      }
      if (char === "{" && this.text[index + 1] === "$") {
        this.position = index;
        this.fail("variables inside double-quoted strings are not allowed");
      }
      if (char !== "\\") {
        result += char;
        index += 1;
        continue;
      }
      const [decoded, length] = this.decodeEscape(index);
      result += decoded;
      index += length;
    }
    return this.fail("unterminated string");
  }

  /** One escape sequence of a double-quoted string starting at `index` (the backslash): [text, length]. */
  private decodeEscape(index: number): [string, number] {
    const rest = this.text.slice(index + 1);
    const simple: Record<string, string> = {
      n: "\n",
      t: "\t",
      r: "\r",
      v: "\v",
      e: "\x1b",
      f: "\f",
      "\\": "\\",
      $: "$",
      '"': '"',
    };
    const first = rest[0] ?? "";
    const mapped = simple[first];
    if (mapped !== undefined) return [mapped, 2];

    const octal = /^[0-7]{1,3}/.exec(rest);
    if (octal !== null) return [String.fromCharCode(parseInt(octal[0], 8) & 0xff), 1 + octal[0].length];
    const hex = /^x([0-9A-Fa-f]{1,2})/.exec(rest);
    if (hex?.[1] !== undefined) return [String.fromCharCode(parseInt(hex[1], 16)), 1 + hex[0].length];
    const unicode = /^u\{([0-9A-Fa-f]+)\}/.exec(rest);
    if (unicode?.[1] !== undefined) {
      const codePoint = parseInt(unicode[1], 16);
      if (codePoint > 0x10ffff) {
        this.position = index;
        this.fail("invalid unicode escape");
      }
      return [String.fromCodePoint(codePoint), 1 + unicode[0].length];
    }
    // Unknown escapes keep their backslash, as in PHP.
    return ["\\", 1];
  }

  private readNumber(): number {
    const match =
      /^([-+]?)(0[xX][0-9A-Fa-f_]+|0[bB][01_]+|0[oO][0-7_]+|(?:[0-9][0-9_]*)?\.?[0-9_]*(?:[eE][-+]?[0-9_]+)?)/.exec(
        this.text.slice(this.position),
      );
    const literal = match?.[2]?.replace(/_/g, "") ?? "";
    if (match === null || !/[0-9]/.test(literal)) this.fail(`unexpected ${this.describeCurrent()}`);
    const sign = match[1] === "-" ? -1 : 1;
    let value: number;
    if (/^0[xX]/.test(literal)) value = parseInt(literal.slice(2), 16);
    else if (/^0[bB]/.test(literal)) value = parseInt(literal.slice(2), 2);
    else if (/^0[oO]/.test(literal)) value = parseInt(literal.slice(2), 8);
    else if (/^0[0-7]+$/.test(literal)) value = parseInt(literal, 8);
    else value = Number(literal);
    if (Number.isNaN(value)) this.fail("invalid number");
    this.position += match[0].length;
    this.skipInsignificant();
    return sign * value;
  }

  private readIdentifier(): string | undefined {
    if (!IDENTIFIER_START.test(this.current())) return undefined;
    const start = this.position;
    while (this.position < this.text.length && IDENTIFIER_PART.test(this.current())) this.position += 1;
    return this.text.slice(start, this.position);
  }

  private skipWhitespace(): void {
    while (this.position < this.text.length && /\s/.test(this.current())) this.position += 1;
  }

  /** Whitespace and comments. A line comment ends at a newline or before `?>`, as in PHP. */
  private skipInsignificant(): void {
    for (;;) {
      this.skipWhitespace();
      if (this.text.startsWith("/*", this.position)) {
        const end = this.text.indexOf("*/", this.position + 2);
        if (end === -1) this.fail("unterminated comment");
        this.position = end + 2;
      } else if (this.text.startsWith("//", this.position) || this.current() === "#") {
        while (
          this.position < this.text.length &&
          this.current() !== "\n" &&
          !this.text.startsWith("?>", this.position)
        ) {
          this.position += 1;
        }
      } else {
        return;
      }
    }
  }

  private expect(char: string): void {
    if (this.current() !== char) this.fail(`expected "${char}" but found ${this.describeCurrent()}`);
    this.position += 1;
  }

  private current(): string {
    return this.text[this.position] ?? "";
  }

  private describeCurrent(): string {
    const char = this.current();
    return char === "" ? "the end of the file" : `"${char}"`;
  }

  private fail(reason: string): never {
    const before = this.text.slice(0, this.position);
    const line = before.split("\n").length;
    const column = this.position - before.lastIndexOf("\n");
    throw new ConfigError(
      `Cannot read PHP array file at line ${line}, column ${column}: ${reason} (the file is read as data, not run)`,
    );
  }
}

/**
 * Parses the array literal returned by a PHP file such as `site/accounts/<id>/index.php`.
 *
 * @throws ConfigError naming line, column and the unsupported construct.
 */
export function parsePhpArrayFile(text: string): Record<string, PhpValue> {
  const value = new PhpArrayReader(text.replace(/^\uFEFF/, "")).readFile();
  if (value === null || typeof value !== "object") {
    throw new ConfigError("Cannot read PHP array file: it must return an array");
  }
  return Array.isArray(value) ? Object.fromEntries(value.map((item, index) => [String(index), item])) : value;
}

/** `var_export`-style literal of a scalar: single-quoted strings with `\\` and `\'`, `NULL`, bare numbers. */
function phpLiteral(value: PhpScalar): string {
  if (value === null) return "NULL";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new ConfigError(`Cannot write ${value} into a PHP array file`);
    return String(value);
  }
  return `'${value.replace(/\\/g, "\\\\").replace(/'/g, "\\'")}'`;
}

function phpKey(key: string): string {
  return /^(?:0|-?[1-9][0-9]*)$/.test(key) && Number.isSafeInteger(Number(key)) ? key : phpLiteral(key);
}

/**
 * Writes a flat array in exactly the format Kirby writes account credentials
 * (docs/kirby-compat/content-format.md#account-files):
 * `<?php`, a blank line, `return [`, one 4-space indented `'key' => value` line per entry joined by `,\n`, `];`.
 * No newline at the end.
 */
export function serializePhpArrayFile(values: Record<string, PhpScalar>): string {
  const keys = Object.keys(values);
  const isList = keys.every((key, index) => key === String(index));
  const lines = keys.map((key) => {
    const literal = phpLiteral(values[key] ?? null);
    return isList && keys.length > 0 ? `    ${literal}` : `    ${phpKey(key)} => ${literal}`;
  });
  return `<?php\n\nreturn [\n${lines.join(",\n")}\n];`;
}
