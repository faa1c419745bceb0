/**
 * `languages[/<code>]` (docs/languages.md): list and read for every Panel user; create, update and delete with the
 * role's `languages.*` permissions. Registered only on a multi-language site (`languages: true`).
 */
import path from "node:path";
import { slugify } from "../../content/slug.js";
import { DuplicateError, InvalidArgumentError, LogicError, PermissionError } from "../../errors.js";
import { convertToMultiLanguage, convertToSingleLanguage, type SiteConversion } from "../../languages/convert-site.js";
import { deleteLanguageFiles } from "../../languages/delete-language.js";
import { LANGUAGE_CODE, serializeLanguageFile } from "../../languages/language-file.js";
import type { SiteLanguages } from "../../languages/site-languages.js";
import type { Language } from "../../languages/types.js";
import type { Actor } from "../../permissions/can.js";
import type { ApiContext } from "../context.js";
import { CollectionResult, ModelResult } from "../result.js";
import { route, type RouteDefinition } from "../route.js";
import { languageSchema } from "../views/language.js";
import { languageInput } from "./languages-input.js";

const PERMISSION_MESSAGES: Readonly<Record<string, string>> = {
  create: "You are not allowed to create a language",
  update: "You are not allowed to update the language",
  delete: "You are not allowed to delete the language",
};

function languagesOf(context: ApiContext): SiteLanguages {
  const languages = context.services.languages;
  // the routes are registered only with the option; a site without it never gets here
  if (languages === undefined) throw new LogicError({ message: "The site has no languages" });
  return languages;
}

function mayChangeLanguages(actor: Actor, action: string): boolean {
  if (!actor || actor.role.name === "nobody") return false;
  if (actor.restrict && !actor.restrict("languages", action)) return false;
  return actor.role.permissions["languages"]?.[action] === true;
}

function assertMay(context: ApiContext, action: "create" | "update" | "delete"): void {
  if (!mayChangeLanguages(context.actor, action)) {
    throw new PermissionError({ key: `language.${action}.permission`, message: PERMISSION_MESSAGES[action] });
  }
}

/** The language of a route parameter as the path has it; null (Kirby's plain 404 "not found") when unknown. */
function findLanguage(context: ApiContext, param: string): Language | null {
  if (!LANGUAGE_CODE.test(param)) return null;
  return languagesOf(context).registry.find(param) ?? null;
}

/** Runs a language change alone with content writes (a default change or a deletion rewrites the index). */
function exclusive<T>(context: ApiContext, task: () => Promise<T>): Promise<T> {
  return context.services.writer.exclusive(task);
}

/** Makes `language` the only default: the previous default is written back as an ordinary language. */
async function saveWithDefault(languages: SiteLanguages, language: Language): Promise<void> {
  const previous = languages.registry.defaultLanguage();
  if (language.default && previous !== null && previous.code !== language.code && previous.default) {
    await languages.registry.save({ ...previous, default: false });
  }
  await languages.registry.save(language);
}

function accountsDirOf(languages: SiteLanguages): string {
  return path.join(path.dirname(languages.registry.dir), "accounts");
}

function conversionOf(context: ApiContext, languages: SiteLanguages, code: string): SiteConversion {
  const content = context.services.content;
  return {
    code,
    contentRoot: content.site.dir,
    accountsDir: accountsDirOf(languages),
    languageFile: languages.registry.fileOf(code),
    extension: context.services.options.content.extension,
    content,
  };
}

/** After the site's files were renamed to or from a language: every index reads them again under their new names. */
async function reloadAll(context: ApiContext, languages: SiteLanguages): Promise<void> {
  await languages.registry.reload();
  await context.services.content.reload();
  await context.services.accountWriter.reloadAll();
}

export const languageRoutes: readonly RouteDefinition[] = [
  route("GET", "languages", (context) => new CollectionResult(languageSchema, languagesOf(context).registry.list())),
  route("POST", "languages", (context) =>
    exclusive(context, async () => {
      const languages = languagesOf(context);
      const input = languageInput(context.request.body);
      const raw = context.request.body.string("code") ?? "";
      const code = slugify(raw.slice(0, 256), { maxLength: 0 });
      if (code.length < 2 || !LANGUAGE_CODE.test(code)) {
        throw new InvalidArgumentError({ key: "language.code", message: "Please enter a valid code for the language" });
      }
      if (languages.registry.find(code) !== undefined) {
        throw new DuplicateError({ key: "language.duplicate", message: "The language already exists" });
      }
      // as Kirby: the input is checked before the permission
      assertMay(context, "create");
      const isFirst = languages.registry.list().length === 0;
      const language: Language = Object.freeze({
        code,
        default: isFirst || input.default === true,
        direction: input.direction ?? "ltr",
        locale: input.locale ?? { LC_ALL: code },
        name: input.name ?? code,
        translations: input.translations ?? {},
        url: input.url ?? null,
      });
      if (isFirst) {
        // the site becomes multi-language: every content file moves into the new language, as one unit
        await convertToMultiLanguage(conversionOf(context, languages, code), serializeLanguageFile(language));
        await reloadAll(context, languages);
        return new ModelResult(languageSchema, language);
      }
      const defaultChanges = language.default;
      await saveWithDefault(languages, language);
      if (defaultChanges) await context.services.content.reload();
      return new ModelResult(languageSchema, language);
    }),
  ),
  route("GET", "languages/(:any)", (context, [param = ""]) => {
    const language = findLanguage(context, param);
    return language === null ? null : new ModelResult(languageSchema, language);
  }),
  route("PATCH", "languages/(:any)", (context, [param = ""]) =>
    exclusive(context, async () => {
      const language = findLanguage(context, param);
      if (language === null) return null;
      const languages = languagesOf(context);
      const input = languageInput(context.request.body);
      const isDefault = languages.defaultCode() === language.code;
      if (isDefault && input.default === false) {
        throw new LogicError({ message: "Please select another language to be the primary language" });
      }
      assertMay(context, "update");
      const updated: Language = Object.freeze({
        ...language,
        default: isDefault || input.default === true,
        ...(input.name !== undefined ? { name: input.name } : {}),
        ...(input.direction !== undefined ? { direction: input.direction } : {}),
        ...(input.locale !== undefined ? { locale: input.locale } : {}),
        ...(input.url !== undefined ? { url: input.url } : {}),
        ...(input.translations !== undefined ? { translations: input.translations } : {}),
      });
      await saveWithDefault(languages, updated);
      if (!isDefault && updated.default) await context.services.content.reload();
      return new ModelResult(languageSchema, updated);
    }),
  ),
  route("DELETE", "languages/(:any)", (context, [param = ""]) =>
    exclusive(context, async () => {
      const language = findLanguage(context, param);
      if (language === null) return null;
      assertMay(context, "delete");
      const languages = languagesOf(context);
      const isLast = languages.registry.list().length === 1;
      if (isLast) {
        // the site becomes single-language again: the language's files move back to `<name>.<ext>`, as one unit
        await convertToSingleLanguage(conversionOf(context, languages, language.code));
        await reloadAll(context, languages);
        return true as const;
      }
      // the default language holds every model's untranslated fields and UUID: while others exist, it stays
      if (languages.defaultCode() === language.code) {
        throw new PermissionError({ key: "language.delete.permission", message: PERMISSION_MESSAGES["delete"] });
      }
      const content = context.services.content;
      await deleteLanguageFiles({ ...conversionOf(context, languages, language.code), content });
      await languages.registry.forget(language.code);
      await content.reload();
      return true as const;
    }),
  ),
];
