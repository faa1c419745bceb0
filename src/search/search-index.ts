/**
 * The in-memory search index: per model, its searchable values lower-cased once. Content records are immutable and
 * shared between content-index snapshots while their file is unchanged, so documents are kept by record: a change
 * re-reads only the pages it touched, and records of removed pages are collected with them. A query never reads a
 * file; it scores the prepared values of the models it is given.
 */
import type { Role, User } from "../accounts/types.js";
import type { ContentFields, Page } from "../content/types.js";
import { mentionsAnyWord, scoreEntries, type PreparedQuery, type SearchEntry } from "./search-query.js";

/** Keys that weigh 64 instead of 1 on pages (Kirby's default page search score). */
const PAGE_WEIGHTS: Readonly<Record<string, number>> = { id: 64, title: 64 };

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
  /** Whole documents of pages, by page snapshot object. */
  private readonly pageDocuments = new WeakMap<Page, Document>();
  private readonly userDocuments = new WeakMap<User, Document>();

  /** The pages among `pages` that match, best first (ties in the given order). */
  searchPages(pages: readonly Page[], query: PreparedQuery): Page[] {
    const scored: ScoredItem<Page>[] = [];
    for (const page of pages) {
      const document = this.pageDocument(page);
      if (!mentionsAnyWord(document.text, query)) continue;
      const { hits, score } = scoreEntries(document.entries, query);
      if (hits > 0) scored.push({ item: page, score });
    }
    return byScore(scored);
  }

  /** The users among `users` that match, best first; `roleOf` names each user's role for the `role` key. */
  searchUsers(users: readonly User[], query: PreparedQuery, roleOf: (user: User) => Role): User[] {
    const scored: ScoredItem<User>[] = [];
    for (const user of users) {
      const document = this.userDocument(user, roleOf(user));
      if (!mentionsAnyWord(document.text, query)) continue;
      const { hits, score } = scoreEntries(document.entries, query);
      if (hits > 0) scored.push({ item: user, score });
    }
    return byScore(scored);
  }

  private fieldsOf(
    content: ContentFields | Readonly<Record<string, string>>,
    weights: Readonly<Record<string, number>>,
  ) {
    let entries = this.contentEntries.get(content);
    if (entries === undefined) {
      entries = entriesOf(content, weights);
      this.contentEntries.set(content, entries);
    }
    return entries;
  }

  private pageDocument(page: Page): Document {
    let document = this.pageDocuments.get(page);
    if (document === undefined) {
      document = withExtra(this.fieldsOf(page.content, PAGE_WEIGHTS), [
        { key: "id", value: page.id.toLowerCase(), weight: PAGE_WEIGHTS["id"] ?? 1 },
      ]);
      this.pageDocuments.set(page, document);
    }
    return document;
  }

  private userDocument(user: User, role: Role): Document {
    let document = this.userDocuments.get(user);
    if (document === undefined || document.entries.at(-1)?.value !== role.name.toLowerCase()) {
      document = withExtra(this.fieldsOf(user.content, {}), [
        { key: "id", value: user.id.toLowerCase(), weight: 1 },
        { key: "name", value: (user.name ?? "").toLowerCase(), weight: 1 },
        { key: "email", value: user.email.toLowerCase(), weight: 1 },
        { key: "role", value: role.name.toLowerCase(), weight: 1 },
      ]);
      this.userDocuments.set(user, document);
    }
    return document;
  }
}
