/**
 * PHP's locale categories: the language file names them (`LC_ALL`), the API shows them by number (`{"6": "de_DE"}`).
 */
const CATEGORY_NUMBERS: Readonly<Record<string, number>> = Object.freeze({
  LC_CTYPE: 0,
  LC_NUMERIC: 1,
  LC_TIME: 2,
  LC_COLLATE: 3,
  LC_MONETARY: 4,
  LC_MESSAGES: 5,
  LC_ALL: 6,
});

const CATEGORY_NAMES: ReadonlyMap<string, string> = new Map(
  Object.entries(CATEGORY_NUMBERS).map(([name, number]) => [String(number), name]),
);

/** The locale map as the API shows it: keyed by category number. Unknown names keep their name. */
export function localeByNumber(locale: Readonly<Record<string, string>>): Record<string, string> {
  const shown: Record<string, string> = {};
  for (const [name, value] of Object.entries(locale)) {
    const number = Object.hasOwn(CATEGORY_NUMBERS, name) ? CATEGORY_NUMBERS[name] : undefined;
    shown[number === undefined ? name : String(number)] = value;
  }
  return shown;
}

/** A category given as a number (`6`) or a name (`LC_ALL`), as its name; null when it is neither. */
export function categoryName(key: string): string | null {
  if (Object.hasOwn(CATEGORY_NUMBERS, key)) return key;
  return CATEGORY_NAMES.get(key) ?? null;
}
