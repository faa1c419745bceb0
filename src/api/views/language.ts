import { localeByNumber } from "../../languages/locale.js";
import { languageUrl } from "../../languages/site-languages.js";
import { slugRules } from "../../languages/slug-rules.js";
import type { Language } from "../../languages/types.js";
import type { ViewContext } from "../context.js";
import { asJsonMap, defaultSelection, renderModel, type ModelSchema } from "./engine.js";

/** The language model (docs/languages.md): `locale` keyed by PHP category number, `rules` for slugs, `url`. */
export const languageSchema: ModelSchema<Language, ViewContext> = {
  name: "language",
  fields: {
    code: (language) => language.code,
    default: (language, context) => language.default || context.services.languages?.defaultCode() === language.code,
    direction: (language) => language.direction,
    locale: (language) => asJsonMap(localeByNumber(language.locale)),
    name: (language) => language.name,
    rules: (language) => asJsonMap({ ...slugRules(language.code) }),
    url: (language, context) => languageUrl(language, context.baseUrl),
  },
  views: {
    default: ["code", "default", "direction", "locale", "name", "rules", "url"],
  },
  defaultView: "default",
  collectionView: "default",
};

/** Every language of the site, rendered as `GET system` lists them; [] on a single-language site. */
export function languageList(context: ViewContext): Record<string, unknown>[] {
  const languages = context.services.languages;
  if (languages === undefined) return [];
  const selection = defaultSelection(languageSchema);
  return languages.registry.list().map((language) => renderModel(languageSchema, language, selection, context));
}
