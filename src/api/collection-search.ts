/**
 * Kirby's search of a collection (docs/kirby-compat/routes-and-envelopes.md#query): the text split into words, a
 * model found when any word occurs in any of its searched values (case-insensitively), results ordered by score.
 */

/** A searched value of a model: its key, its text and the weight of a hit in it. */
export type SearchValue = readonly [key: string, text: string, weight: number];

export interface SearchOptions {
  /** Keys to search (all when absent). */
  readonly fields?: readonly string[];
  /** Shortest query searched (default 2); a shorter one finds nothing. */
  readonly minlength?: number;
}

/** Longest query text looked at; the rest is ignored. */
const MAX_QUERY_LENGTH = 256;
const MAX_WORDS = 32;

function occurrences(haystack: string, needle: string): number {
  if (needle === "") return 0;
  let count = 0;
  for (let at = haystack.indexOf(needle); at >= 0; at = haystack.indexOf(needle, at + needle.length)) count++;
  return count;
}

/** The items that match `text`, best first (ties keep their order). */
export function searchItems<T>(
  items: readonly T[],
  text: string,
  valuesOf: (item: T) => readonly SearchValue[],
  options: SearchOptions = {},
): T[] {
  const query = text.trim().slice(0, MAX_QUERY_LENGTH).toLowerCase();
  if (query.length < (options.minlength ?? 2)) return [];
  const words = [...new Set(query.split(/[\s,]+/).filter((word) => word.length >= 2))].slice(0, MAX_WORDS);
  if (words.length === 0) return [];
  const fields = options.fields ? new Set(options.fields.map((field) => field.toLowerCase())) : null;
  const scored: Array<{ item: T; score: number; index: number }> = [];
  items.forEach((item, index) => {
    let score = 0;
    let found = false;
    for (const [key, value, weight] of valuesOf(item)) {
      if (fields && !fields.has(key)) continue;
      const lower = value.toLowerCase();
      if (lower === query) score += 16 * weight;
      else if (lower.startsWith(query)) score += 8 * weight;
      else score += 2 * weight * occurrences(lower, query);
      for (const word of words) {
        const hits = occurrences(lower, word);
        if (hits > 0) found = true;
        score += weight * hits;
      }
    }
    if (found) scored.push({ item, score, index });
  });
  scored.sort((a, b) => b.score - a.score || a.index - b.index);
  return scored.map((entry) => entry.item);
}
