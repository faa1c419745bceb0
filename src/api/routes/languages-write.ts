/**
 * Writes in a non-default language (docs/languages.md#writing-in-a-language): a page or the site seen in a
 * translation (`language` set by the localized index) is written to that language's file only, which then holds
 * the form values for the language — the merged content of default and translation, without the `Uuid` and
 * without fields the blueprint marks `translate: false`. A slug in a translation is a `Slug:` field; the folder
 * and the page id stay as they are.
 */
import path from "node:path";
import type { Blueprint } from "../../blueprints/types.js";
import { orderContent } from "../../content/stored-values.js";
import type { ContentFields, Page, Site } from "../../content/types.js";
import type { ApiContext } from "../context.js";

/** Whether a model was read in a non-default language (its writes go to the translation file). */
export function isTranslation(model: Page | Site): boolean {
  return model.language !== undefined;
}

function defaultFileOf(context: ApiContext, model: Page | Site, name: string): string | null {
  const code = context.services.languages?.defaultCode() ?? null;
  if (code === null) return null;
  return path.join(model.dir, `${name}.${code}.${context.services.options.content.extension}`);
}

/** Keeps what a translation may hold: no `uuid`, no untranslatable blueprint fields. */
function translatable(blueprint: Blueprint, fields: ContentFields): ContentFields {
  const fixed = new Set(blueprint.fields.filter((field) => field.props["translate"] === false).map((f) => f.name));
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(fields)) if (key !== "uuid" && !fixed.has(key)) kept[key] = value;
  return kept;
}

/**
 * The content a write starts from, read fresh inside the write lock: the model's own file, or for a translation
 * the default language's fields overwritten by the translation's (as the language's form shows them).
 */
export async function contentToUpdate(
  context: ApiContext,
  model: Page | Site,
  name: string,
  blueprint: Blueprint,
): Promise<ContentFields> {
  const writer = context.services.writer;
  if (!isTranslation(model)) return writer.readContent(model.contentFile);
  const defaultFile = defaultFileOf(context, model, name);
  const base = defaultFile === null ? {} : await writer.readContent(defaultFile);
  const own = await writer.readContent(model.contentFile);
  return translatable(blueprint, { ...base, ...own });
}

/** What a translation file receives: untranslatable fields and the UUID removed again after merging input. */
export function translationToWrite(blueprint: Blueprint, merged: ContentFields): ContentFields {
  return translatable(blueprint, merged);
}

/** Stores a translated slug: `Title`, `Slug`, then the other fields of the language. */
export async function writeTranslatedSlug(context: ApiContext, page: Page, slug: string): Promise<void> {
  const blueprint = context.services.blueprints.page(page.template);
  const current = await contentToUpdate(context, page, page.template, blueprint);
  const ordered = orderContent(blueprint, current);
  const withSlug: Record<string, string> = {};
  if (Object.hasOwn(ordered, "title")) withSlug["title"] = ordered["title"] as string;
  withSlug["slug"] = slug;
  for (const [key, value] of Object.entries(ordered)) if (!Object.hasOwn(withSlug, key)) withSlug[key] = value;
  await context.services.writer.writeContent(page, withSlug);
}
