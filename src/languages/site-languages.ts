/**
 * The languages of a multi-language site together with the content seen in each of them: the registry of
 * `site/languages/`, and one localized view of the content index per non-default language.
 */
import { LocalizedContentIndex } from "../content/localized-index.js";
import type { ContentIndex, ContentLanguages } from "../content/types.js";
import type { LanguageRegistry } from "./registry.js";
import type { Language } from "./types.js";

/** Longest language code looked up from a request (longer ones are unknown, i.e. the default language). */
const MAX_REQUESTED_CODE = 64;

export class SiteLanguages implements ContentLanguages {
  private readonly views = new Map<string, LocalizedContentIndex>();
  private content: ContentIndex | null = null;

  constructor(
    readonly registry: LanguageRegistry,
    private readonly extension: string,
  ) {}

  /** Connects the live content index (it is opened after the languages, which it asks for the default). */
  attach(content: ContentIndex): void {
    this.content = content;
  }

  defaultCode(): string | null {
    return this.registry.defaultLanguage()?.code ?? null;
  }

  /** The language a request asked for (`?language=` before `X-Language`); unknown or none ⇒ the default. */
  forRequest(requested: string | undefined): Language | null {
    if (requested !== undefined && requested !== "" && requested.length <= MAX_REQUESTED_CODE) {
      const found = this.registry.find(requested);
      if (found !== undefined) return found;
    }
    return this.registry.defaultLanguage();
  }

  /** The content index in a language: the live index for the default language, else its localized view. */
  contentIn(language: Language): ContentIndex {
    const content = this.content;
    if (content === null) throw new Error("The content index is not attached to the languages");
    if (language.code === this.defaultCode()) return content;
    let view = this.views.get(language.code);
    if (view === undefined) {
      view = new LocalizedContentIndex(content, language.code, this.extension);
      this.views.set(language.code, view);
    }
    return view;
  }
}

/** The URL prefix of a language: its `url` (made absolute against the site URL), else `<site url>/<code>`. */
export function languageUrl(language: Language, baseUrl: string): string {
  const url = language.url;
  if (url === null) return `${baseUrl}/${language.code}`;
  if (/^https?:\/\//i.test(url)) return url.replace(/\/+$/, "");
  const path = url.replace(/^\/+|\/+$/g, "");
  return path === "" ? baseUrl : `${baseUrl}/${path}`;
}
