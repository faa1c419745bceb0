import { LanguageRegistry } from "./registry.js";
import { SiteLanguages } from "./site-languages.js";

/** Reads `site/languages/` for a multi-language site. */
export async function openSiteLanguages(
  dir: string,
  extension: string,
  warn: (message: string) => void,
): Promise<SiteLanguages> {
  const registry = await LanguageRegistry.open({ dir, warn });
  return new SiteLanguages(registry, extension);
}
