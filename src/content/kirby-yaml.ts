/**
 * Lists and maps as Kirby writes them into content files (its default YAML writer), byte for byte
 * (docs/kirby-compat/content-values.md#yaml): `- value` lines for lists, `key: value` lines for maps, nested entries
 * indented by two spaces under a bare `- ` or `key:` line, `[ ]` for an empty nested list or map, and the writer's own
 * rules for when a string is quoted, folded or written as a literal block. The text ends without a line break.
 *
 * Depth is the caller's to bound (requests are capped before they get here).
 */

const INDENT_STEP = "  ";
const FOLD_WIDTH = 40;

/** Characters and sequences that make a string quoted (or a literal block). */
const NEEDS_QUOTES = /[\n\r*#<>%[\]{}&']|: |- | {2}/;
const NUMERIC = /^[ \t\n\r\v\f]*[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?[ \t\n\r\v\f]*$/;
const RESERVED_WORDS = new Set(["true", "false", "on", "off", "yes", "no", "y", "n", "null"]);

type Entries = ReadonlyArray<readonly [string, unknown]>;

/** The entries of a list or map, and whether they are written as a list (keys 0…n−1 in order). */
function entriesOf(value: object): { entries: Entries; isList: boolean } {
  if (Array.isArray(value))
    return { entries: value.map((item, index) => [String(index), item] as const), isList: true };
  const entries = Object.entries(value);
  return { entries, isList: entries.every(([key], index) => key === String(index)) };
}

function isReservedWord(text: string): boolean {
  if (text === "~") return true;
  const lower = text.toLowerCase();
  if (!RESERVED_WORDS.has(lower)) return false;
  const capitalised = lower.charAt(0).toUpperCase() + lower.slice(1);
  return text === lower || text === capitalised || text === lower.toUpperCase();
}

/** Quoting of rule 5: single quotes, else double quotes, else a literal block at `indent`. */
function quoted(text: string, indent: string): string {
  const hasBreak = /[\n\r]/.test(text);
  if (!hasBreak && !text.includes("'")) return `'${text}'`;
  if (!hasBreak && !text.includes('"')) return `"${text}"`;
  const lines = text.split(/\r\n|\n|\r/).map((line) => `${indent}${INDENT_STEP}${line.trim()}`);
  return `|\n${lines.join("\n")}`;
}

/** Word-wraps at FOLD_WIDTH characters, breaking at spaces only (a longer word stays whole). */
function folded(text: string, indent: string): string {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(" ")) {
    if (line === "") line = word;
    else if (line.length + 1 + word.length <= FOLD_WIDTH) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  lines.push(line);
  return `>\n${lines.map((part) => `${indent}${INDENT_STEP}${part}`).join("\n")}`;
}

function scalar(value: string, indent: string): string {
  if (NEEDS_QUOTES.test(value) || value.startsWith("!") || value.endsWith(":")) return quoted(value, indent);
  if (Buffer.byteLength(value, "utf8") > FOLD_WIDTH) return folded(value, indent);
  if (NUMERIC.test(value)) return `"${value}"`;
  if (value === "") return '""';
  if (isReservedWord(value) || value.trim() !== value) return quoted(value, indent);
  return value;
}

function plain(value: unknown, indent: string): string {
  if (value === null || value === undefined) return "null";
  if (typeof value === "boolean") return value ? "true" : "false";
  if (typeof value === "number" || typeof value === "bigint") return String(value);
  return scalar(String(value), indent);
}

function mapKey(key: string): string {
  return key.includes(":") || key.includes("#") ? `"${key}"` : key;
}

function dumpEntries(value: object, indent: string): string[] {
  const { entries, isList } = entriesOf(value);
  const lines: string[] = [];
  for (const [key, item] of entries) {
    const head = isList ? `${indent}-` : `${indent}${mapKey(key)}:`;
    if (typeof item === "object" && item !== null) {
      if (entriesOf(item).entries.length === 0) {
        lines.push(`${head} [ ]`);
        continue;
      }
      lines.push(isList ? `${head} ` : head, ...dumpEntries(item, indent + INDENT_STEP));
      continue;
    }
    lines.push(`${head} ${plain(item, indent)}`);
  }
  return lines;
}

/** A non-empty list or map as Kirby's YAML text; an empty one as the empty string. */
export function kirbyYaml(value: object): string {
  return dumpEntries(value, "").join("\n");
}
