import { collectionOf, modelOf } from "./envelopes.js";
import { unexpectedAnswer } from "./errors.js";
import { childrenParams, filePath, ownerPath, pagePath, userPath, type FileOwner } from "./paths.js";
import type { ApiAnswer, Transport } from "./transport.js";
import type { ChildrenStatus, PageFields, PageViews, UserFields, UserViews } from "./types.js";
import type { Collection, CollectionQuery, ItemShape } from "./wire-types.js";

// ---- search --------------------------------------------------------------------------------------------------

/** How a query is matched (sent in a POST body; see docs/search.md). */
export interface SearchOptions {
  /** Only these fields (content keys, `id`; users also `name`, `email`, `role`). */
  readonly fields?: readonly string[];
  /** Whole words only. */
  readonly words?: boolean;
  /** Shortest query and word (default 2). */
  readonly minlength?: number;
  /** Weight per field (pages: `id` and `title` weigh 64 unless set). */
  readonly score?: Readonly<Record<string, number>>;
  readonly stopwords?: readonly string[];
}

/** A search: the usual collection options, plus search options (then the query goes in a POST body). */
export interface SearchQuery<K extends string = string, V extends string = string> extends CollectionQuery<K, V> {
  readonly options?: SearchOptions;
}

/** A children search: also `status` (default listed and unlisted; `all`, `drafts`, …). */
export interface ChildrenSearchQuery<K extends string = string, V extends string = string> extends SearchQuery<K, V> {
  readonly status?: ChildrenStatus;
}

/** `GET <path>?q=` for a plain query; with `options`, a `POST` whose body carries the query and its options. */
export function searchRequest(path: string, text: string, query: ChildrenSearchQuery | undefined) {
  const params = childrenParams(query);
  if (query?.options === undefined) return { method: "GET" as const, path, query: { ...params, q: text } };
  return { method: "POST" as const, path, query: params, body: { search: { query: text, options: query.options } } };
}

/**
 * Search: `client.search`. Results come best first; a query under two characters finds nothing. Pages in the
 * compact view and users in theirs unless `select`/`view` say otherwise.
 */
export function searchApi(transport: Transport) {
  return {
    /** `site/search`: every page and draft the current user may list. */
    async pages<K extends keyof PageFields = never, V extends string = never>(
      text: string,
      query?: SearchQuery<K, V>,
    ): Promise<Collection<ItemShape<PageFields, PageViews, K, V>>> {
      return collectionOf(await transport.send(searchRequest("site/search", text, query)));
    },
    /** `pages/<id>/children/search`, or `site/children/search` when `parentId` is null. */
    async children<K extends keyof PageFields = never, V extends string = never>(
      parentId: string | null,
      text: string,
      query?: ChildrenSearchQuery<K, V>,
    ): Promise<Collection<ItemShape<PageFields, PageViews, K, V>>> {
      // the path is built inside the promise, so that an invalid id rejects instead of throwing
      const path = parentId === null ? "site/children/search" : `${pagePath(parentId)}/children/search`;
      return collectionOf(await transport.send(searchRequest(path, text, query)));
    },
    /** `users/search`: the users the current user may list. */
    async users<K extends keyof UserFields = never, V extends string = never>(
      text: string,
      query?: SearchQuery<K, V>,
    ): Promise<Collection<ItemShape<UserFields, UserViews, K, V>>> {
      return collectionOf(await transport.send(searchRequest("users/search", text, query)));
    },
  };
}

// ---- blueprints ----------------------------------------------------------------------------------------------

/** A field of a blueprint: its props as written, with `type`, `name`, `label` and `width` filled in. */
export interface BlueprintFieldDefinition {
  readonly type: string;
  readonly name: string;
  readonly label: string;
  readonly width: string;
  readonly [prop: string]: unknown;
}

export interface BlueprintSection {
  readonly type: string;
  readonly name: string;
  /** Fields of a `fields` section. */
  readonly fields?: Readonly<Record<string, BlueprintFieldDefinition>>;
  readonly [prop: string]: unknown;
}

export interface BlueprintColumnDefinition {
  readonly width: string;
  readonly sections: Readonly<Record<string, BlueprintSection>>;
}

export interface BlueprintTabDefinition {
  readonly name: string;
  readonly label: string;
  readonly icon: string | null;
  /** Panel path of the tab, e.g. `/pages/notes+first-note/?tab=main`. */
  readonly link: string;
  readonly columns: readonly BlueprintColumnDefinition[];
}

export interface PageStatusSetting {
  readonly label: string;
  readonly text: string | null;
}

/** A blueprint as the blueprint routes render it. Options are as written (`null` unless set). */
export interface BlueprintDefinition {
  readonly name: string;
  readonly title: string;
  readonly options: Readonly<Record<string, unknown>>;
  readonly tabs: readonly BlueprintTabDefinition[];
  /** Page blueprints only. */
  readonly num?: string;
  readonly preview?: unknown;
  readonly status?: Readonly<Partial<Record<"draft" | "unlisted" | "listed", PageStatusSetting>>>;
}

/** A file as a files section lists it (a Panel item). */
export interface SectionFileItem {
  readonly id: string;
  readonly filename: string;
  readonly extension: string;
  readonly mime: string;
  readonly template: string | null;
  readonly url: string;
  readonly uuid: string | null;
  /** Panel path of the file and of its parent. */
  readonly link: string;
  readonly parent: string;
  readonly text: string;
  readonly info: string;
  readonly dragText: string;
  readonly image: Readonly<Record<string, unknown>>;
  readonly permissions: { readonly delete: boolean; readonly sort: boolean };
}

/** `GET <model>/sections/<name>` of a `fields` section. */
export interface FieldsSectionAnswer {
  readonly type: "fields";
  readonly name: string;
  readonly fields: Readonly<Record<string, BlueprintFieldDefinition>>;
}

/** `GET <model>/sections/<name>` of a `files` section: one page of the model's files. */
export interface FilesSectionAnswer {
  readonly type: "files";
  readonly name: string;
  readonly data: readonly SectionFileItem[];
  /** `[]`, or `{<name>: {label, message: {min?, max?}}}` when the section has too few or too many files. */
  readonly errors: readonly never[] | Readonly<Record<string, unknown>>;
  /** The section's Panel settings (accept, apiUrl, headline, layout, upload, …). */
  readonly options: Readonly<Record<string, unknown>>;
  readonly pagination: {
    readonly limit: number;
    readonly offset: number;
    readonly page: number;
    readonly total: number;
  };
}

export type SectionAnswer = FieldsSectionAnswer | FilesSectionAnswer;

function sectionOf(answer: ApiAnswer): SectionAnswer {
  const { body } = answer;
  if (typeof body !== "object" || body === null || (body as Record<string, unknown>)["status"] !== "ok") {
    throw unexpectedAnswer(answer, answer.status, "not a section");
  }
  return body as SectionAnswer;
}

/** A template a page may use: `{name, title}`. */
export interface TemplateChoice {
  readonly name: string;
  readonly title: string;
}

function listOf<T>(answer: ApiAnswer): T[] {
  if (!Array.isArray(answer.body)) throw unexpectedAnswer(answer, answer.status, "not a list");
  return answer.body as T[];
}

/** Blueprints: `client.blueprints`. */
export function blueprintsApi(transport: Transport) {
  const model = async (path: () => string) =>
    modelOf<BlueprintDefinition>(await transport.send({ method: "GET", path: path() }));
  const choices = async (path: () => string, section: string | undefined) =>
    listOf<TemplateChoice>(
      await transport.send({ method: "GET", path: path(), ...(section === undefined ? {} : { query: { section } }) }),
    );
  return {
    /** `pages/<id>/blueprint`. */
    page: (id: string) => model(() => `${pagePath(id)}/blueprint`),
    /** `pages/<id>/blueprints`: the templates the page may change to, or those a pages section offers. */
    pageTemplates: (id: string, section?: string) => choices(() => `${pagePath(id)}/blueprints`, section),
    /** `site/blueprint`. */
    site: () => model(() => "site/blueprint"),
    /** `site/blueprints`: the templates the site's pages sections offer. */
    siteTemplates: (section?: string) => choices(() => "site/blueprints", section),
    /** `users/<id>/blueprint`. */
    user: (idOrEmail: string) => model(() => `${userPath(idOrEmail)}/blueprint`),
    /** `account/blueprint`: the current user's. */
    account: () => model(() => "account/blueprint"),
    /**
     * `<model>/sections/<name>`: a fields or files section of a page, the site, the account or a user (other section
     * types are not served: 404). `page` is the files section's page of items (1-based).
     */
    section: async (owner: FileOwner, name: string, page?: number): Promise<SectionAnswer> =>
      sectionOf(
        await transport.send({
          method: "GET",
          path: `${ownerPath(owner)}/sections/${encodeURIComponent(name)}`,
          ...(page === undefined ? {} : { query: { page } }),
        }),
      ),
    /** `<owner>/files/<filename>/sections/<name>`: a fields section of a file's blueprint. */
    fileSection: async (owner: FileOwner, filename: string, name: string): Promise<SectionAnswer> =>
      sectionOf(
        await transport.send({
          method: "GET",
          path: `${filePath(owner, filename)}/sections/${encodeURIComponent(name)}`,
        }),
      ),
  };
}

export type SearchApi = ReturnType<typeof searchApi>;
export type BlueprintsApi = ReturnType<typeof blueprintsApi>;
