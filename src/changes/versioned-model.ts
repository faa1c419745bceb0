import path from "node:path";
import { readUserContent, type AccountWriter } from "../accounts/account-writer.js";
import type { User } from "../accounts/types.js";
import type { Blueprint } from "../blueprints/types.js";
import type { ContentWriter } from "../content/content-writer.js";
import { mergeContent } from "../content/stored-values.js";
import type { ContentFields, Page } from "../content/types.js";
import type { FileWriter } from "../files/file-writer.js";
import type { MediaFile } from "../files/types.js";
import { changesFileOf, USER_CONTENT_FILE } from "./changes-file.js";
import { fileChangesFileOf } from "./lock-probe.js";

/**
 * A model that has versions: where its changes version lives, how its published ("latest") version is read and
 * written, and how submitted values become stored fields. One factory per kind of model.
 */
export interface VersionedModel {
  /** The model's folder (page folder, content root, account folder, the folder a file is in). */
  readonly dir: string;
  /** `<dir>/_changes/<content file name>`. */
  readonly changesFile: string;
  /** The published fields as they are on disk now. */
  readPublished(): Promise<ContentFields>;
  /** Replaces the published version atomically and durably, and updates the in-memory index. */
  writePublished(fields: ContentFields): Promise<void>;
  /** `current` with the submitted values stored into it (converted by field type, ordered as on disk). */
  merge(current: ContentFields, input: Readonly<Record<string, unknown>>): ContentFields;
}

/**
 * A page. Call inside `writer.exclusive()`, with the page as the index holds it there: the published version is
 * written through the content writer's crash-safe path.
 */
export function pageVersions(writer: ContentWriter, blueprint: Blueprint, page: Page): VersionedModel {
  return {
    dir: page.dir,
    changesFile: changesFileOf(page.dir, path.basename(page.contentFile)),
    readPublished: () => writer.readContent(page.contentFile),
    writePublished: (fields) => writer.writeContent(page, fields),
    merge: (current, input) => mergeContent(blueprint, current, input),
  };
}

/** The site (`content/_changes/site.txt`). Call inside `writer.exclusive()`. */
export function siteVersions(writer: ContentWriter, blueprint: Blueprint): VersionedModel {
  const site = writer.index.site;
  return {
    dir: site.dir,
    changesFile: changesFileOf(site.dir, path.basename(site.contentFile)),
    readPublished: () => writer.readContent(site.contentFile),
    writePublished: (fields) => writer.writeSiteContent(fields),
    merge: (current, input) => mergeContent(blueprint, current, input),
  };
}

/**
 * A user (`site/accounts/<id>/_changes/user.txt`): only content fields, never the credentials of `index.php`
 * (`credentialKeys`), which have routes of their own.
 */
export function userVersions(
  accounts: AccountWriter,
  blueprint: Blueprint,
  user: User,
  credentialKeys: ReadonlySet<string>,
): VersionedModel {
  const contentOnly = (fields: ContentFields): ContentFields =>
    Object.fromEntries(Object.entries(fields).filter(([key]) => !credentialKeys.has(key)));
  return {
    dir: user.dir,
    changesFile: changesFileOf(user.dir, USER_CONTENT_FILE),
    readPublished: async () => contentOnly(await readUserContent(user.dir)),
    writePublished: (fields) => accounts.updateContent(user.id, () => contentOnly(fields)),
    merge: (current, input) => contentOnly(mergeContent(blueprint, current, input)),
  };
}

/**
 * A file (`<folder>/_changes/<filename>.txt`): its meta file is the published version. Call inside
 * `writer.exclusive()`; publishing writes the meta file through the file writer's atomic path. Only submitted keys
 * are stored (blueprint fields first), so saving a file's values back leaves no changes.
 */
export function fileVersions(writer: FileWriter, blueprint: Blueprint, file: MediaFile): VersionedModel {
  return {
    dir: path.dirname(file.root),
    changesFile: fileChangesFileOf(file),
    readPublished: () => writer.readMeta(file),
    writePublished: (fields) => writer.writeMeta(file, fields),
    merge: (current, input) => mergeContent(blueprint, current, input, { allFields: false }),
  };
}
