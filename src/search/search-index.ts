/**
 * The in-memory search index: per model, its searchable values lower-cased once. Content records are immutable and
 * shared between content-index snapshots while their file is unchanged, so documents are kept by record: a change
 * prepares only the records it touched, and records of removed pages are collected with them. A query never reads a
 * file; it scores the prepared values of the models it is given. Users are few and are prepared per query.
 */
import type { Role, User } from "../accounts/types.js";
import type { ContentFields, Page } from "../content/types.js";
import { BoundedMemo } from "../cache/bounded-memo.js";
import {
  DEFAULT_SEARCH_OPTIONS,
  mentionsAnyWord,
  scoreEntries,
  type PreparedQuery,
  type SearchEntry,
} from "./search-query.js";

/** Keys that weigh 64 instead of 1 on pages (Kirby's default page search score). */
const PAGE_WEIGHTS: Readonly<Record<string, number>> = { title: 64 };
const ID_WEIGHT = 64;
const NO_HITS = Object.freeze({ hits: 0, score: 0 });
/** Lists shorter than this are scanned page by page: a corpus would cost more than it saves. */
const MIN_CORPUS_PAGES = 500;
/** Separates documents in a corpus; no word contains it (words never span two documents that matter). */
const SEPARATOR = "\u0000";

/**
 * The searchable text of many documents in one string, so that finding the documents that mention a word is a few
 * `indexOf` scans instead of one test per document.
 */
class Corpus {
  private readonly text: string;
  /** Offset of each document in `text`, ascending. */
  private readonly starts: Int32Array;
  /** Results of recent queries, best first (the list never changes, so neither do they). */
  readonly results = new BoundedMemo<readonly Page[]>({ maxEntries: 64, maxChars: 4 * 1024 * 1024 });

  constructor(
    readonly fields: readonly FieldEntries[],
    readonly ids: readonly string[],
  ) {
    const documents = fields.map((entries, index) => `${entries.text}\n${ids[index]}`);
    this.starts = new Int32Array(documents.length + 1);
    let offset = 0;
    documents.forEach((document, index) => {
      this.starts[index] = offset;
      offset += document.length + 1;
    });
    this.starts[documents.length] = offset;
    this.text = documents.join(SEPARATOR) + SEPARATOR;
  }

  /** Indexes of the documents that mention any word of the query, ascending. */
  candidates(query: PreparedQuery): number[] {
    const count = this.starts.length - 1;
    const found = new Uint8Array(count);
    for (const word of query.words) {
      let at = this.text.indexOf(word);
      while (at !== -1) {
        const index = this.documentAt(at);
        found[index] = 1;
        at = this.text.indexOf(word, this.starts[index + 1] ?? this.text.length);
      }
    }
    const result: number[] = [];
    for (let index = 0; index < count; index++) if (found[index] === 1) result.push(index);
    return result;
  }

  private documentAt(offset: number): number {
    let low = 0;
    let high = this.starts.length - 2;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if ((this.starts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  }
}

interface FieldEntries {
  readonly entries: readonly SearchEntry[];
  /** Every value joined, for the quick test whether a word occurs at all. */
  readonly text: string;
}

interface Document {
  readonly entries: readonly SearchEntry[];
  readonly text: string;
}

function entriesOf(fields: Readonly<Record<string, string>>, weights: Readonly<Record<string, number>>): FieldEntries {
  const entries: SearchEntry[] = [];
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    if (typeof value !== "string") continue;
    entries.push({ key, value: value.toLowerCase(), weight: Object.hasOwn(weights, key) ? (weights[key] ?? 1) : 1 });
  }
  return { entries, text: entries.map((entry) => entry.value).join("\n") };
}

function withExtra(base: FieldEntries, extra: readonly SearchEntry[]): Document {
  // an extra key that is also a content key is searched twice, as the content key list plus `id` would be
  return {
    entries: [...base.entries, ...extra],
    text: extra.length === 0 ? base.text : `${base.text}\n${extra.map((entry) => entry.value).join("\n")}`,
  };
}

export interface ScoredItem<T> {
  readonly item: T;
  readonly score: number;
}

/** Sorts by score, highest first; equal scores keep the order of the input (a stable sort). */
function byScore<T>(scored: ScoredItem<T>[]): T[] {
  return scored.sort((a, b) => b.score - a.score).map((entry) => entry.item);
}

/** Scores one page and keeps it when it has hits. The id is not part of the content record (a move changes it). */
function scorePage(
  page: Page,
  fields: FieldEntries,
  id: string,
  query: PreparedQuery,
  scored: ScoredItem<Page>[],
): void {
  const inFields = mentionsAnyWord(fields.text, query);
  const inId = mentionsAnyWord(id, query);
  if (!inFields && !inId) return;
  const content = inFields ? scoreEntries(fields.entries, query) : NO_HITS;
  const identity = inId ? scoreEntries([{ key: "id", value: id, weight: ID_WEIGHT }], query) : NO_HITS;
  if (content.hits + identity.hits > 0) scored.push({ item: page, score: content.score + identity.score });
}

/** What decides a query's result: its text and its options. */
function queryKey(query: PreparedQuery): string {
  const { options } = query;
  return options === DEFAULT_SEARCH_OPTIONS ? query.whole : `${query.whole}\u0001${JSON.stringify(options)}`;
}

export class SearchIndex {
  /** Lower-cased content values by content record (pages, the site and users share the cache). */
  private readonly contentEntries = new WeakMap<object, FieldEntries>();

  /** Corpora of immutable page lists (a content snapshot's pages, a page's children), by list. */
  private readonly corpora = new WeakMap<readonly Page[], Corpus>();

  /** The pages among `pages` that match, best first (ties in the given order). */
  searchPages(pages: readonly Page[], query: PreparedQuery): readonly Page[] {
    const corpus = this.corpusOf(pages);
    if (corpus === null) {
      const scored: ScoredItem<Page>[] = [];
      for (const page of pages) {
        scorePage(page, this.fieldsOf(page.content, PAGE_WEIGHTS), page.id.toLowerCase(), query, scored);
      }
      return byScore(scored);
    }
    const key = queryKey(query);
    const known = corpus.results.get(key);
    if (known !== undefined) return known;
    const scored: ScoredItem<Page>[] = [];
    for (const index of corpus.candidates(query)) {
      scorePage(pages[index] as Page, corpus.fields[index] as FieldEntries, corpus.ids[index] as string, query, scored);
    }
    // frozen and shared: callers may remember what they derive from it by its identity
    const found = Object.freeze(byScore(scored));
    corpus.results.set(key, found, key.length + found.length * 8);
    return found;
  }

  /**
   * The corpus of a large immutable list: built once per list (a content snapshot swaps in new lists, so a corpus
   * and the results it remembers never go stale). Small or changeable lists are scanned page by page.
   */
  private corpusOf(pages: readonly Page[]): Corpus | null {
    if (pages.length < MIN_CORPUS_PAGES || !Object.isFrozen(pages)) return null;
    let corpus = this.corpora.get(pages);
    if (corpus === undefined) {
      corpus = new Corpus(
        pages.map((page) => this.fieldsOf(page.content, PAGE_WEIGHTS)),
        pages.map((page) => page.id.toLowerCase()),
      );
      this.corpora.set(pages, corpus);
    }
    return corpus;
  }

  /**
   * The users among `users` that match, best first; `roleOf` names each user's role for the `role` key, `contentOf`
   * gives the content searched (the user's content in the request's language).
   */
  searchUsers(
    users: readonly User[],
    query: PreparedQuery,
    roleOf: (user: User) => Role,
    contentOf: (user: User) => Readonly<Record<string, string>> = (user) => user.content,
  ): User[] {
    const scored: ScoredItem<User>[] = [];
    for (const user of users) {
      const document = withExtra(this.fieldsOf(contentOf(user), {}), [
        { key: "id", value: user.id.toLowerCase(), weight: 1 },
        { key: "name", value: (user.name ?? "").toLowerCase(), weight: 1 },
        { key: "email", value: user.email.toLowerCase(), weight: 1 },
        { key: "role", value: roleOf(user).name.toLowerCase(), weight: 1 },
      ]);
      if (!mentionsAnyWord(document.text, query)) continue;
      const { hits, score } = scoreEntries(document.entries, query);
      if (hits > 0) scored.push({ item: user, score });
    }
    return byScore(scored);
  }

  /**
   * The records among `items` that match, best first: their fields and their id, every key of weight 1 (files: meta
   * fields and `<parent>/<filename>`). `describe` names each item's fields (an immutable record) and id.
   */
  searchRecords<T>(
    items: readonly T[],
    query: PreparedQuery,
    describe: (item: T) => { readonly fields: Readonly<Record<string, string>>; readonly id: string },
  ): T[] {
    const scored: ScoredItem<T>[] = [];
    for (const item of items) {
      const { fields, id } = describe(item);
      const document = withExtra(this.fieldsOf(fields, {}), [{ key: "id", value: id.toLowerCase(), weight: 1 }]);
      if (!mentionsAnyWord(document.text, query)) continue;
      const { hits, score } = scoreEntries(document.entries, query);
      if (hits > 0) scored.push({ item, score });
    }
    return byScore(scored);
  }

  private fieldsOf(
    content: ContentFields | Readonly<Record<string, string>>,
    weights: Readonly<Record<string, number>>,
  ): FieldEntries {
    let entries = this.contentEntries.get(content);
    if (entries === undefined) {
      entries = entriesOf(content, weights);
      this.contentEntries.set(content, entries);
    }
    return entries;
  }
}
