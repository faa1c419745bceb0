/**
 * What a search query means (docs/search.md): the trimmed query, its words, the options of a POST body, and the
 * score of one searchable document. Pure functions; the index (search-index.ts) feeds them prepared values.
 */
import { InvalidArgumentError } from "../errors.js";

/** Longest query text accepted, in characters: a longer one is refused before any work (400). */
export const MAX_QUERY_LENGTH = 1_000;
/** Most distinct words a query may have: each is matched against every searched value. */
export const MAX_QUERY_WORDS = 32;
/** Most field names in `options.fields`, stopwords in `options.stopwords` and keys in `options.score`. */
export const MAX_OPTION_ENTRIES = 100;

export interface SearchOptions {
  /** Only these keys are searched (lower-cased); null for every key. */
  readonly fields: readonly string[] | null;
  /** Match whole words only (`\b` at both ends, ASCII word characters, as Kirby's patterns). */
  readonly words: boolean;
  /** Shortest query and shortest word, in characters (default 2). */
  readonly minlength: number;
  /** Weight per key; keys not named weigh 1. */
  readonly score: Readonly<Record<string, number>>;
  /** Words left out of the word list (compared as given, after lower-casing). */
  readonly stopwords: readonly string[];
}

export const DEFAULT_SEARCH_OPTIONS: SearchOptions = Object.freeze({
  fields: null,
  words: false,
  minlength: 2,
  score: Object.freeze({}),
  stopwords: Object.freeze([]),
});

/** A query ready to run: null from `prepareQuery` when it cannot match anything (too short, no words). */
export interface PreparedQuery {
  /** The trimmed query, lower-cased. */
  readonly whole: string;
  /** Distinct lower-cased words, in query order. */
  readonly words: readonly string[];
  readonly options: SearchOptions;
  /** Matches any word (global, so `countMatches` counts non-overlapping occurrences). */
  readonly anyWord: RegExp;
  /** Matches the whole query (only used with `options.words`). */
  readonly wholeWord: RegExp | null;
}

const WHITESPACE_OR_COMMA = /[\s,]+/u;

function escapeRegExp(text: string): string {
  return text.replace(/[\\^$.*+?()[\]{}|/-]/g, "\\$&");
}

/** Length in characters (code points), as PHP's `mb_strlen`. */
function characters(text: string): number {
  let count = 0;
  for (const _ of text) count++;
  return count;
}

/**
 * Turns query text into a prepared query, or null when it can match nothing (shorter than `minlength`, or no word
 * of `minlength` characters).
 *
 * @throws InvalidArgumentError when the query is longer than MAX_QUERY_LENGTH or has more than MAX_QUERY_WORDS words.
 */
export function prepareQuery(text: string, options: SearchOptions = DEFAULT_SEARCH_OPTIONS): PreparedQuery | null {
  if (text.length > MAX_QUERY_LENGTH * 2 || characters(text) > MAX_QUERY_LENGTH) {
    throw new InvalidArgumentError({ message: `The search query is longer than ${MAX_QUERY_LENGTH} characters` });
  }
  const trimmed = text.trim();
  if (characters(trimmed) < options.minlength) return null;
  const whole = trimmed.toLowerCase();
  const stopwords = new Set(options.stopwords.map((word) => word.toLowerCase()));
  const words = [
    ...new Set(
      whole
        .split(WHITESPACE_OR_COMMA)
        .filter((word) => word !== "" && characters(word) >= options.minlength && !stopwords.has(word)),
    ),
  ];
  if (words.length === 0) return null;
  if (words.length > MAX_QUERY_WORDS) {
    throw new InvalidArgumentError({ message: `The search query has more than ${MAX_QUERY_WORDS} words` });
  }
  const boundary = options.words ? "\\b" : "";
  const anyWord = new RegExp(words.map((word) => `${boundary}${escapeRegExp(word)}${boundary}`).join("|"), "g");
  const wholeWord = options.words ? new RegExp(`\\b${escapeRegExp(whole)}\\b`, "g") : null;
  return { whole, words, options, anyWord, wholeWord };
}

/** Non-overlapping occurrences of `needle` in `haystack`. */
function countOccurrences(haystack: string, needle: string): number {
  let count = 0;
  for (let at = haystack.indexOf(needle); at !== -1; at = haystack.indexOf(needle, at + needle.length)) count++;
  return count;
}

function countMatches(value: string, pattern: RegExp): number {
  pattern.lastIndex = 0;
  let count = 0;
  while (pattern.exec(value) !== null) count++;
  pattern.lastIndex = 0;
  return count;
}

/** One searched value of a document: its key (lower-case), lower-cased text and default weight. */
export interface SearchEntry {
  readonly key: string;
  readonly value: string;
  readonly weight: number;
}

/**
 * Hits and score of one document's entries: per key, the value equal to the query scores 16×w, starting with it 8×w,
 * else each occurrence of the whole query 2×w; each occurrence of any word adds w. No hits: no match.
 */
export function scoreEntries(entries: readonly SearchEntry[], query: PreparedQuery): { hits: number; score: number } {
  const { whole, options } = query;
  let hits = 0;
  let score = 0;
  for (const entry of entries) {
    if (options.fields !== null && !options.fields.includes(entry.key)) continue;
    const value = entry.value;
    // no word in the value: neither the query nor any word can match (the query contains every word)
    if (!mentionsAnyWord(value, query)) continue;
    const weight = Object.hasOwn(options.score, entry.key) ? (options.score[entry.key] as number) : entry.weight;
    if (value === whole) {
      score += 16 * weight;
      hits += 1;
    } else if (value.startsWith(whole)) {
      score += 8 * weight;
      hits += 1;
    } else {
      const occurrences =
        query.wholeWord === null ? countOccurrences(value, whole) : countMatches(value, query.wholeWord);
      score += 2 * weight * occurrences;
      hits += occurrences;
    }
    const wordHits =
      query.words.length === 1 && query.wholeWord === null
        ? countOccurrences(value, query.words[0] as string)
        : countMatches(value, query.anyWord);
    hits += wordHits;
    score += wordHits * weight;
  }
  return { hits, score };
}

/** Whether any word occurs anywhere in `text` (a cheap test before scoring). */
export function mentionsAnyWord(text: string, query: PreparedQuery): boolean {
  for (const word of query.words) if (text.includes(word)) return true;
  return false;
}
