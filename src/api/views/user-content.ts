/**
 * A user's content in the request's language: on a multi-language site the default language's fields overwritten,
 * field by field, by those of the language's `user.<code>.txt` (docs/languages.md). Merged once per user record and
 * language, so views and the search index see the same object on every request.
 */
import type { User } from "../../accounts/types.js";
import { mergeTranslation } from "../../content/localized-index.js";
import type { RequestLanguage } from "../context.js";

type Fields = Readonly<Record<string, string>>;

const mergedByUser = new WeakMap<User, Map<string, Fields>>();

export function userContentIn(user: User, language: RequestLanguage | undefined): Fields {
  const translations = user.translations;
  if (language === undefined || language.isDefault || translations === undefined) return user.content;
  if (!Object.hasOwn(translations, language.code)) return user.content;
  let byCode = mergedByUser.get(user);
  if (byCode === undefined) {
    byCode = new Map();
    mergedByUser.set(user, byCode);
  }
  let merged = byCode.get(language.code);
  if (merged === undefined) {
    merged = mergeTranslation(user.content, translations[language.code]);
    byCode.set(language.code, merged);
  }
  return merged;
}
