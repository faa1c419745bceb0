import type { ViewContext } from "../context.js";
import type { ModelSchema } from "./engine.js";
import { TRANSLATION_EN, type Translation } from "./translation.js";

export type { Translation } from "./translation.js";

/** Interface translations Sheaf ships (English only: there is no Panel); a site may add its own. */
export const TRANSLATIONS: readonly Translation[] = [TRANSLATION_EN];

/**
 * A translation from its texts in Kirby's key format (`translation.name`, `translation.direction`,
 * `translation.author` describe it).
 */
export function translationFrom(id: string, data: Readonly<Record<string, string>>): Translation {
  return {
    author: data["translation.author"] ?? "",
    data,
    direction: data["translation.direction"] === "rtl" ? "rtl" : "ltr",
    id,
    name: data["translation.name"] ?? id,
  };
}

/** The translation of a language, or English when there is none for it. */
export function translationFor(translations: readonly Translation[], language: string | null): Translation {
  return (
    translations.find((translation) => translation.id === language) ??
    translations.find((translation) => translation.id === "en") ??
    TRANSLATION_EN
  );
}

export const translationSchema: ModelSchema<Translation, ViewContext> = {
  name: "translation",
  fields: {
    author: (translation) => translation.author,
    data: (translation) => translation.data,
    direction: (translation) => translation.direction,
    id: (translation) => translation.id,
    name: (translation) => translation.name,
  },
  views: { compact: ["direction", "id", "name"] },
  defaultView: null,
  collectionView: "compact",
};
