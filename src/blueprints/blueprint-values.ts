/** Reading blueprint values shared by the blueprint builder and the tab/section layout. */

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** A translatable blueprint string: a plain string, or a map of language code to string (English preferred). */
export function translatedText(value: unknown): string | undefined {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  if (isPlainObject(value)) {
    const english = value["en"];
    if (typeof english === "string") return english;
    const first = Object.values(value).find((entry) => typeof entry === "string");
    return typeof first === "string" ? first : undefined;
  }
  return undefined;
}
