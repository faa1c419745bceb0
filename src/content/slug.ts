/**
 * Slug rules: lower-case, transliterate to ASCII, collapse every run of characters outside the allowed set into one
 * separator. Used for page slugs and for the keys written to content files.
 */

/**
 * Transliteration table, keyed by `|`-separated alternatives. Its order and spelling are what `GET /api/system`
 * reports as `ascii`, so keep it byte-identical.
 */
export const ASCII_TABLE: Readonly<Record<string, string>> = Object.freeze({
  "°|₀": "0",
  "¹|₁": "1",
  "²|₂": "2",
  "³|₃": "3",
  "⁴|₄": "4",
  "⁵|₅": "5",
  "⁶|₆": "6",
  "⁷|₇": "7",
  "⁸|₈": "8",
  "⁹|₉": "9",
  "À|Á|Â|Ã|Å|Ǻ|Ā|Ă|Ą|Ǎ|Ä|A": "A",
  "à|á|â|ã|å|ǻ|ā|ă|ą|ǎ|ª|æ|ǽ|ä|a|а": "a",
  Б: "B",
  б: "b",
  "Ç|Ć|Ĉ|Ċ|Č|Ц": "C",
  "ç|ć|ĉ|ċ|č|ц": "c",
  "Ð|Ď|Đ": "Dj",
  "ð|ď|đ": "dj",
  Д: "D",
  д: "d",
  "È|É|Ê|Ë|Ē|Ĕ|Ė|Ę|Ě|Е|Ё|Э": "E",
  "è|é|ê|ë|ē|ĕ|ė|ę|ě|е|ё|э": "e",
  Ф: "F",
  "ƒ|ф": "f",
  "Ĝ|Ğ|Ġ|Ģ|Г": "G",
  "ĝ|ğ|ġ|ģ|г": "g",
  "Ĥ|Ħ|Х": "H",
  "ĥ|ħ|х": "h",
  "Ì|Í|Î|Ï|Ĩ|Ī|Ĭ|Ǐ|Į|İ|И": "I",
  "ì|í|î|ï|ĩ|ī|ĭ|ǐ|į|ı|и|i\u0307": "i",
  "Ĵ|Й": "J",
  "ĵ|й": "j",
  "Ķ|К": "K",
  "ķ|к": "k",
  "Ĺ|Ļ|Ľ|Ŀ|Ł|Л": "L",
  "ĺ|ļ|ľ|ŀ|ł|л": "l",
  М: "M",
  м: "m",
  "Ñ|Ń|Ņ|Ň|Н": "N",
  "ñ|ń|ņ|ň|ŉ|н": "n",
  "Ò|Ó|Ô|Õ|Ō|Ŏ|Ǒ|Ő|Ơ|Ø|Ǿ|Ö|O": "O",
  "ò|ó|ô|õ|ō|ŏ|ǒ|ő|ơ|ø|ǿ|º|ö|o|о": "o",
  П: "P",
  п: "p",
  "Ŕ|Ŗ|Ř|Р": "R",
  "ŕ|ŗ|ř|р": "r",
  "Ś|Ŝ|Ş|Ș|Š|С": "S",
  "ś|ŝ|ş|ș|š|ſ|с": "s",
  "Ţ|Ț|Ť|Ŧ|Т": "T",
  "ţ|ț|ť|ŧ|т": "t",
  "Ù|Ú|Û|Ũ|Ū|Ŭ|Ů|Ű|Ų|Ư|Ǔ|Ǖ|Ǘ|Ǚ|Ǜ|У|Ü|U": "U",
  "ù|ú|û|ũ|ū|ŭ|ů|ű|ų|ư|ǔ|ǖ|ǘ|ǚ|ǜ|у|ü|u": "u",
  В: "V",
  в: "v",
  "Ý|Ÿ|Ŷ|Ы": "Y",
  "ý|ÿ|ŷ|ы": "y",
  Ŵ: "W",
  ŵ: "w",
  "Ź|Ż|Ž|З": "Z",
  "ź|ż|ž|з": "z",
  "Æ|Ǽ": "AE",
  ß: "ss",
  Ĳ: "IJ",
  ĳ: "ij",
  Œ: "OE",
  Ч: "Ch",
  ч: "ch",
  Ю: "Ju",
  ю: "ju",
  Я: "Ja",
  я: "ja",
  Ш: "Sh",
  ш: "sh",
  Щ: "Shch",
  щ: "shch",
  Ж: "Zh",
  ж: "zh",
});

export interface SlugOptions {
  /** Replaces every run of disallowed characters (default `-`). */
  separator?: string;
  /** Body of a regular-expression character class (default `a-z0-9`). */
  allowed?: string;
  /** Maximum length of the result (default 128); `0` or a non-finite number disables the limit. */
  maxLength?: number;
}

const DEFAULT_SEPARATOR = "-";
const DEFAULT_ALLOWED = "a-z0-9";
const DEFAULT_MAX_LENGTH = 128;

const transliterations: ReadonlyMap<string, string> = buildTransliterationMap(ASCII_TABLE);
const transliterationPattern: RegExp = buildTransliterationPattern(transliterations);

function buildTransliterationMap(table: Readonly<Record<string, string>>): Map<string, string> {
  const map = new Map<string, string>();
  for (const [alternatives, replacement] of Object.entries(table)) {
    for (const alternative of alternatives.split("|")) {
      // The table maps a few plain ASCII letters to themselves; they need no replacing.
      if (alternative !== "" && alternative !== replacement && !map.has(alternative)) {
        map.set(alternative, replacement);
      }
    }
  }
  return map;
}

function buildTransliterationPattern(map: ReadonlyMap<string, string>): RegExp {
  // Longest alternatives first, so a multi-code-point key (`i` + combining dot) wins over its first letter.
  const alternatives = [...map.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
  return new RegExp(alternatives.join("|"), "gu");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Characters PHP's `trim()` removes by default. */
const PHP_TRIM_CHARS = " \t\n\r\0\x0B";

/** Removes `chars` (each character individually) from both ends of `text`, like PHP's `trim($text, $chars)`. */
export function trimChars(text: string, chars: string = PHP_TRIM_CHARS): string {
  let start = 0;
  let end = text.length;
  while (start < end && chars.includes(text.charAt(start))) start++;
  while (end > start && chars.includes(text.charAt(end - 1))) end--;
  return text.slice(start, end);
}

/** Transliterates with the table, then strips accents; characters still outside printable ASCII are dropped. */
export function toAscii(text: string): string {
  const replaced = text.replace(transliterationPattern, (match) => transliterations.get(match) ?? match);
  return replaced
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .replace(/[^\t\n\r\x20-\x7E]/g, "");
}

export function slugify(text: string, options: SlugOptions = {}): string {
  const separator = options.separator ?? DEFAULT_SEPARATOR;
  const allowed = options.allowed ?? DEFAULT_ALLOWED;
  const maxLength = options.maxLength ?? DEFAULT_MAX_LENGTH;

  let slug = toAscii(trimChars(text).toLowerCase()).toLowerCase();
  slug = slug.replace(new RegExp(`[^${allowed}]`, "gi"), separator);
  if (separator !== "") {
    const escaped = escapeRegExp(separator);
    slug = slug.replace(new RegExp(`(?:${escaped}){2,}`, "g"), separator);
    slug = slug.replaceAll("/", separator);
    slug = trimChars(slug, separator);
  }
  if (maxLength > 0 && Number.isFinite(maxLength) && slug.length > maxLength) {
    slug = slug.slice(0, maxLength);
  }
  return slug;
}

/**
 * Key as written to a content file: slugified (max 128 characters), first letter upper-cased
 * (`my_field` ⇒ `My-field`).
 */
export function fieldKeyToFileKey(key: string): string {
  const slug = slugify(key);
  return slug.charAt(0).toUpperCase() + slug.slice(1);
}
