import type { ViewContext } from "../context.js";
import type { ModelSchema } from "./engine.js";
import { TRANSLATION_EN } from "./translation.js";

export type Translation = typeof TRANSLATION_EN;

/** Interface translations Sheaf ships (English only: there is no Panel). */
export const TRANSLATIONS: readonly Translation[] = [TRANSLATION_EN];

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
