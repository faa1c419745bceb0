/** The `translations` option: a map of language code to a map of text keys; anything else in it is left out. */
export function readTranslations(value: unknown): Readonly<Record<string, Readonly<Record<string, string>>>> {
  const translations: Record<string, Record<string, string>> = Object.create(null) as Record<
    string,
    Record<string, string>
  >;
  if (typeof value !== "object" || value === null || Array.isArray(value)) return translations;
  for (const [code, keys] of Object.entries(value)) {
    if (typeof keys !== "object" || keys === null || Array.isArray(keys)) continue;
    translations[code] = flatTexts(
      keys as Record<string, unknown>,
      "",
      Object.create(null) as Record<string, string>,
      0,
    );
  }
  return translations;
}

/** Text keys, with maps that dotted option keys became joined back into dotted keys (`translation.name`). */
function flatTexts(
  map: Readonly<Record<string, unknown>>,
  prefix: string,
  into: Record<string, string>,
  depth: number,
): Record<string, string> {
  for (const [key, value] of Object.entries(map)) {
    if (typeof value === "string") into[`${prefix}${key}`] = value;
    else if (typeof value === "object" && value !== null && !Array.isArray(value) && depth < 8)
      flatTexts(value as Record<string, unknown>, `${prefix}${key}.`, into, depth + 1);
  }
  return into;
}
