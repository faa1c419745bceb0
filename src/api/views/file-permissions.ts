/**
 * What a caller may do with a file (docs/files.md#permissions): the role's `files.*` keys, narrowed by the file
 * blueprint's `options` (booleans or role maps), and the dynamic rule for `changeTemplate`.
 */
import type { Blueprint, BlueprintRegistry } from "../../blueprints/types.js";
import { blueprintDecision, type Actor } from "../../permissions/can.js";
import { FILE_ACTIONS } from "../../accounts/permissions.js";
import { extensionOf, mimeOf } from "../../files/file-types.js";
import type { ViewContext } from "../context.js";
import type { MediaFile } from "../../files/types.js";
import { fileTemplate, filesOf, mediaOf, type FileModel, type FileParent } from "./file-model.js";

interface FileBlueprints {
  file(template: string): Blueprint;
}

/** The file blueprint of a template (`files/<template>`, then `files/default`, then the built-in one). */
export function fileBlueprint(registry: BlueprintRegistry, template: string | null): Blueprint | undefined {
  const withFiles = registry as BlueprintRegistry & Partial<FileBlueprints>;
  return typeof withFiles.file === "function" ? withFiles.file(template ?? "default") : undefined;
}

/** MIME patterns of a blueprint's `accept.mime` (a list or a comma-separated text), or null without one. */
export function acceptedMimes(blueprint: Blueprint | undefined): string[] | null {
  const accept = blueprint?.raw["accept"];
  if (typeof accept !== "object" || accept === null) return null;
  const mime = (accept as Record<string, unknown>)["mime"];
  const list = typeof mime === "string" ? mime.split(",") : Array.isArray(mime) ? mime.map(String) : null;
  return list === null ? null : list.map((item) => item.trim().toLowerCase()).filter(Boolean);
}

export function mimeMatches(patterns: readonly string[], mime: string): boolean {
  return patterns.some((pattern) =>
    pattern.endsWith("/*") ? mime.startsWith(pattern.slice(0, -1)) : pattern === mime.toLowerCase(),
  );
}

/** `template` of every files section of a blueprint (`default` when a section names none), in any nesting. */
function sectionTemplates(raw: unknown, found: Set<string>, depth = 0): void {
  if (depth > 8 || typeof raw !== "object" || raw === null) return;
  if (Array.isArray(raw)) {
    for (const item of raw) sectionTemplates(item, found, depth + 1);
    return;
  }
  const record = raw as Record<string, unknown>;
  if (record["type"] === "files" && !("fields" in record)) {
    const template = record["template"];
    found.add(typeof template === "string" && template !== "" ? template : "default");
    return;
  }
  for (const key of ["sections", "columns", "tabs"]) {
    if (Object.hasOwn(record, key)) sectionTemplates(record[key], found, depth + 1);
  }
  if (depth > 0)
    for (const value of Object.values(record)) {
      if (typeof value === "object" && value !== null && !Array.isArray(value) && "type" in value) {
        sectionTemplates(value, found, depth + 1);
      }
    }
}

/** Templates the file could switch to: its own and those of the parent's files sections that accept its type. */
function templateChoices(model: FileModel, context: ViewContext): Set<string> {
  const { blueprints } = context.services;
  const parentBlueprint =
    model.parent.kind === "page"
      ? blueprints.page(model.parent.page.template)
      : model.parent.kind === "site"
        ? blueprints.site()
        : undefined;
  const found = new Set<string>();
  if (parentBlueprint) sectionTemplates(parentBlueprint.raw, found);
  const mime = mimeOf(extensionOf(model.file.filename));
  const choices = new Set<string>([fileTemplate(model) ?? "default"]);
  for (const template of found) {
    const accepted = acceptedMimes(fileBlueprint(blueprints, template));
    if (accepted === null || mimeMatches(accepted, mime)) choices.add(template);
  }
  return choices;
}

export function canFile(actor: Actor, action: string, model: FileModel, context: ViewContext): boolean {
  if (!actor || actor.role.name === "nobody") return false;
  if (action === "changeTemplate" && templateChoices(model, context).size <= 1) return false;
  if (actor.restrict && !actor.restrict("files", action)) return false;
  const decided = blueprintDecision(
    fileBlueprint(context.services.blueprints, fileTemplate(model)),
    action,
    actor.role.name,
  );
  if (decided !== undefined) return decided;
  return actor.role.permissions["files"]?.[action] === true;
}

export function fileOptions(model: FileModel, context: ViewContext): Record<string, boolean> {
  const options: Record<string, boolean> = {};
  for (const key of FILE_ACTIONS) options[key] = canFile(context.actor, key, model, context);
  return options;
}

export function isFileAccessible(model: FileModel, context: ViewContext): boolean {
  return canFile(context.actor, "access", model, context) && canFile(context.actor, "read", model, context);
}

export function isFileListable(model: FileModel, context: ViewContext): boolean {
  return isFileAccessible(model, context) && canFile(context.actor, "list", model, context);
}

/**
 * A check of many files of one parent that asks `can()` once per file template: for one caller, whether a file may
 * be listed depends only on its template (role keys, blueprint options), so a listing costs O(files) cheap lookups
 * plus O(templates) checks, and rendering the page of results is what grows with `limit`.
 */
export function listabilityOf(context: ViewContext): (model: FileModel) => boolean {
  const byTemplate = new Map<string | null, boolean>();
  return (model) => {
    const template = fileTemplate(model);
    let listable = byTemplate.get(template);
    if (listable === undefined) {
      listable = isFileListable(model, context);
      byTemplate.set(template, listable);
    }
    return listable;
  };
}

interface ListingCache {
  /** The page, site or user the list was made for (a new snapshot makes new ones). */
  readonly owner: object;
  /** Listable files by role, then by restriction key (roles are rebuilt, never changed, when blueprints change). */
  readonly byRole: WeakMap<object, Map<unknown, readonly FileModel[]>>;
}

/** Listings by the (immutable) media list they were made from. */
const listings = new WeakMap<readonly MediaFile[], ListingCache>();

function ownerOf(parent: FileParent): object {
  return parent.kind === "page" ? parent.page : parent.kind === "site" ? parent.site : parent.user;
}

/**
 * The files of a parent the caller may list, in Kirby's order. Remembered per media list, owner and role, so a
 * listing of 50 files of a page with thousands costs what one of a page with 50 costs: slicing and rendering.
 */
export function listableFiles(parent: FileParent, context: ViewContext): readonly FileModel[] {
  const { actor } = context;
  const media = mediaOf(parent);
  if (actor === null || (actor.restrict !== undefined && actor.restrictionKey === undefined)) {
    return filesOf(parent).filter(listabilityOf(context));
  }
  const owner = ownerOf(parent);
  let cache = listings.get(media);
  if (cache === undefined || cache.owner !== owner) {
    cache = { owner, byRole: new WeakMap() };
    listings.set(media, cache);
  }
  let byRestriction = cache.byRole.get(actor.role);
  if (byRestriction === undefined) {
    byRestriction = new Map();
    cache.byRole.set(actor.role, byRestriction);
  }
  let listed = byRestriction.get(actor.restrictionKey);
  if (listed === undefined) {
    listed = Object.freeze(filesOf(parent).filter(listabilityOf(context)));
    byRestriction.set(actor.restrictionKey, listed);
  }
  return listed;
}
