/** A file as a Panel picker item, the value a `files` field shows in a model's content (docs/files.md). */
import type { Page } from "../../content/types.js";
import { extensionOf, fileTypeOf, mimeOf, nameOf } from "../../files/file-types.js";
import type { ViewContext } from "../context.js";
import { fileTemplate, findFile, mediaUrl, panelLink, type FileModel, type FileParent } from "./file-model.js";
import { fileOptions } from "./file-permissions.js";

const BLANK_GIF = "data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw";
const PICKER_WIDTHS = [38, 76] as const;
const MAX_REFERENCES = 1000;

function resolveReference(page: Page, reference: unknown, context: ViewContext): FileModel | undefined {
  if (typeof reference !== "string" || reference === "" || reference.length > 512) return undefined;
  if (reference.startsWith("file://")) {
    const location = context.services.content.findFileByUuid(reference.slice("file://".length));
    if (location === undefined) return undefined;
    let parent: FileParent;
    if (location.parentId === null) parent = { kind: "site", site: context.services.content.site };
    else {
      const owner = context.services.content.findPage(location.parentId);
      if (owner === undefined) return undefined;
      parent = { kind: "page", page: owner };
    }
    return findFile(parent, location.filename);
  }
  return reference.includes("/") ? undefined : findFile({ kind: "page", page }, reference);
}

function panelParent(model: FileModel): string {
  const { parent } = model;
  switch (parent.kind) {
    case "page":
      return `pages/${parent.page.id.replaceAll("/", "+")}`;
    case "site":
      return "site";
    case "user":
      return `users/${parent.user.id}`;
  }
}

/** A file as a Panel list item (Kirby's `FileItem`): the model item's keys, then the file's own. */
export function fileItem(model: FileModel, context: ViewContext): Record<string, unknown> {
  const { filename } = model.file;
  const extension = extensionOf(filename);
  const type = fileTypeOf(extension);
  const uuid = model.file.meta["uuid"] ? `file://${model.file.meta["uuid"]}` : null;
  const url = mediaUrl(model, context);
  const options = fileOptions(model, context);
  const image =
    type === "image"
      ? {
          back: "pattern",
          color: "orange-500",
          cover: false,
          icon: "image",
          url,
          src: BLANK_GIF,
          srcset: PICKER_WIDTHS.map(
            (width) => `${mediaUrl(model, context, `${nameOf(filename)}-${width}x.${extension}`)} ${width}w`,
          ).join(", "),
        }
      : { back: "pattern", color: "gray-500", cover: false, icon: "file" };
  return {
    id: filename,
    image,
    info: "",
    link: panelLink(model, context),
    permissions: { delete: options["delete"] === true, sort: options["sort"] === true },
    text: filename,
    uuid,
    dragText: `(${type === "image" ? "image" : "file"}: ${uuid ?? filename})`,
    extension,
    filename,
    mime: mimeOf(extension),
    parent: panelParent(model),
    template: fileTemplate(model),
    url,
  };
}

/** A file as a picker item: the list item with `sortable` and `type`. */
export function pickerItem(model: FileModel, context: ViewContext): Record<string, unknown> {
  return { ...fileItem(model, context), sortable: true, type: fileTypeOf(extensionOf(model.file.filename)) };
}

/** The files a `files` field refers to, in its order, as picker items (unknown references are left out). */
export function pickerItems(page: Page, references: readonly unknown[], context: ViewContext): unknown[] {
  const items: unknown[] = [];
  for (const reference of references.slice(0, MAX_REFERENCES)) {
    const model = resolveReference(page, reference, context);
    if (model !== undefined) items.push(pickerItem(model, context));
  }
  return items;
}
