/**
 * The in-memory search index: per model, its searchable values lower-cased once. Content records are immutable and
 * shared between content-index snapshots while their file is unchanged, so documents are kept by record: a change
 * prepares only the records it touched, and records of removed pages are collected with them. A query never reads a
 * file; it scores the prepared values of the models it is given. Users are few and are prepared per query.
 */
import type { Role, User } from "../accounts/types.js";
import type { ContentFields, Page } from "../content/types.js";
import { mentionsAnyWord, scoreEntries, type PreparedQuery, type SearchEntry } from "./search-query.js";

/** Keys that weigh 64 instead of 1 on pages (Kirby's default page search score). */
const PAGE_WEIGHTS: Readonly<Record<string, number>> = { title: 64 };
const ID_WEIGHT = 64;
const NO_HITS = Object.freeze({ hits: 0, score: 0 });

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

export class SearchIndex {
  /** Lower-cased content values by content record (pages, the site and users share the cache). */
  private readonly contentEntries = new WeakMap<object, FieldEntries>();

  /** The pages among `pages` that match, best first (ties in the given order). */
  searchPages(pages: readonly Page[], query: PreparedQuery): Page[] {
    const scored: ScoredItem<Page>[] = [];
    for (const page of pages) {
      const fields = this.fieldsOf(page.content, PAGE_WEIGHTS);
      // the id is not part of the record (a parent's move changes it), so it is lower-cased per query
      const id = page.id.toLowerCase();
      const inFields = mentionsAnyWord(fields.text, query);
      const inId = mentionsAnyWord(id, query);
      if (!inFields && !inId) continue;
      const content = inFields ? scoreEntries(fields.entries, query) : NO_HITS;
      const identity = inId ? scoreEntries([{ key: "id", value: id, weight: ID_WEIGHT }], query) : NO_HITS;
      if (content.hits + identity.hits > 0) scored.push({ item: page, score: content.score + identity.score });
    }
    return byScore(scored);
  }

  /** The users among `users` that match, best first; `roleOf` names each user's role for the `role` key. */
  searchUsers(users: readonly User[], query: PreparedQuery, roleOf: (user: User) => Role): User[] {
    const scored: ScoredItem<User>[] = [];
    for (const user of users) {
      const document = withExtra(this.fieldsOf(user.content, {}), [
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
