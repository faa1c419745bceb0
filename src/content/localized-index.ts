/**
 * A multi-language site seen in one non-default language: every page and the site with the default language's
 * fields overwritten by the language's own (field by field), slugs translated by a `Slug:` field, and the content
 * file of that language as the file a write goes to. Built once per content snapshot and language, so a read in a
 * translation costs what a read in the default language costs.
 */
import type { FileLocation } from "../files/types.js";
import { mediaInLanguage } from "../files/file-languages.js";
import { join } from "node:path";
import { normaliseId } from "./index-records.js";
import type { ContentFields, ContentIndex, Page, Site } from "./types.js";

interface LocalizedSnapshot {
  /** The default-language site this was built from (snapshots are replaced, never changed). */
  readonly source: Site;
  readonly site: Site;
  readonly pagesById: ReadonlyMap<string, Page>;
  readonly pagesByUri: ReadonlyMap<string, Page>;
  readonly pages: readonly Page[];
}

/** The fields of a model in a language: the default content, overwritten by the translation (without `slug`). */
export function mergeTranslation(content: ContentFields, translation: ContentFields | undefined): ContentFields {
  if (translation === undefined) return content;
  const merged: Record<string, string> = { ...content };
  for (const [key, value] of Object.entries(translation)) if (key !== "slug") merged[key] = value;
  return Object.freeze(merged);
}

function ownTranslation(
  translations: Readonly<Record<string, ContentFields>> | undefined,
  code: string,
): ContentFields | undefined {
  return translations !== undefined && Object.hasOwn(translations, code) ? translations[code] : undefined;
}

export function localize(site: Site, code: string, extension: string): LocalizedSnapshot {
  const pagesById = new Map<string, Page>();
  const pagesByUri = new Map<string, Page>();
  const pages: Page[] = [];

  const build = (sources: readonly Page[], parent: Page | null): readonly Page[] =>
    Object.freeze(
      sources.map((source) => {
        const translation = ownTranslation(source.translations, code);
        const translatedSlug = translation?.["slug"]?.trim();
        const slug = translatedSlug ? translatedSlug : source.slug;
        const parentUri = parent === null ? null : (parent.uri ?? parent.id);
        const uri = parentUri === null ? slug : `${parentUri}/${slug}`;
        const page: { -readonly [K in keyof Page]: Page[K] } = {
          ...source,
          slug,
          contentFile: join(source.dir, `${source.template}.${code}.${extension}`),
          content: mergeTranslation(source.content, translation),
          ...(source.media ? { media: mediaInLanguage(source.media, code, extension, true) } : {}),
          parent,
          children: [],
          drafts: [],
          language: code,
        };
        if (uri !== source.id) page.uri = uri;
        pages.push(page);
        const key = normaliseId(page.id);
        if (!pagesById.has(key)) pagesById.set(key, page);
        const uriKey = normaliseId(uri);
        if (!pagesByUri.has(uriKey)) pagesByUri.set(uriKey, page);
        page.children = build(source.children, page);
        page.drafts = build(source.drafts, page);
        return Object.freeze(page);
      }),
    );

  const localizedSite: Site = Object.freeze({
    ...site,
    contentFile: join(site.dir, `site.${code}.${extension}`),
    content: mergeTranslation(site.content, ownTranslation(site.translations, code)),
    ...(site.media ? { media: mediaInLanguage(site.media, code, extension, true) } : {}),
    children: build(site.children, null),
    drafts: build(site.drafts, null),
    language: code,
  });
  return { source: site, site: localizedSite, pagesById, pagesByUri, pages: Object.freeze(pages) };
}

/** The content index in one non-default language; writes, reloads and listeners go to the live index. */
export class LocalizedContentIndex implements ContentIndex {
  private snapshot: LocalizedSnapshot | null = null;

  constructor(
    private readonly live: ContentIndex,
    readonly code: string,
    private readonly extension: string,
  ) {}

  private current(): LocalizedSnapshot {
    const source = this.live.site;
    if (this.snapshot === null || this.snapshot.source !== source) {
      this.snapshot = localize(source, this.code, this.extension);
    }
    return this.snapshot;
  }

  get site(): Site {
    return this.current().site;
  }

  /** By id, else by the path of translated slugs. */
  findPage(id: string): Page | undefined {
    const snapshot = this.current();
    const key = normaliseId(id);
    return snapshot.pagesById.get(key) ?? snapshot.pagesByUri.get(key);
  }

  allPages(): Iterable<Page> {
    return this.current().pages;
  }

  findFileByUuid(uuid: string): FileLocation | undefined {
    return this.live.findFileByUuid(uuid);
  }

  reload(): Promise<void> {
    return this.live.reload();
  }

  refresh(dir: string): Promise<void> {
    return this.live.refresh(dir);
  }

  onChange(listener: () => void): () => void {
    return this.live.onChange(listener);
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
