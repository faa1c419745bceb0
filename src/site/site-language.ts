/**
 * The language of a site path on a multi-language site: `/de/notes` is the page `notes` in German, with links under
 * `/de`. A path without a language prefix shows the default language.
 */
import type { ContentIndex } from "../content/types.js";
import type { SiteLanguages } from "../languages/site-languages.js";

export interface SitePathInLanguage {
  readonly content: ContentIndex;
  /** The path below the language's prefix. */
  readonly path: string;
  /** The language's path prefix (`/de`), to put before every link. */
  readonly prefix: string;
}

function prefixOf(code: string, url: string | null): string | null {
  if (url === null) return `/${code}`;
  if (/^https?:\/\//i.test(url)) return null;
  const path = url.replace(/^\/+|\/+$/g, "");
  return path === "" ? "" : `/${path}`;
}

export function sitePathInLanguage(languages: SiteLanguages, path: string): SitePathInLanguage | null {
  const normalised = path.startsWith("/") ? path : `/${path}`;
  let best: SitePathInLanguage | null = null;
  for (const language of languages.registry.list()) {
    const prefix = prefixOf(language.code, language.url);
    if (prefix === null || prefix === "") continue;
    if (normalised !== prefix && !normalised.startsWith(`${prefix}/`)) continue;
    if (best !== null && best.prefix.length >= prefix.length) continue;
    best = { content: languages.contentIn(language), path: normalised.slice(prefix.length), prefix };
  }
  return best;
}
