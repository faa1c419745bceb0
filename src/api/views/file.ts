/** The file model → JSON (docs/files.md#the-file-model). */
import { optionsAsViewed } from "./locked-options.js";
import { renderFileBlueprint } from "./blueprint.js";
import { extensionOf, fileTypeOf, mimeOf, nameOf, niceSize } from "../../files/file-types.js";
import { isPageListable } from "../../permissions/can.js";
import type { ViewContext } from "../context.js";
import { NestedCollection, NestedModel, type ModelSchema } from "./engine.js";
import {
  fileId,
  filesOf,
  fileTemplate,
  isoDate,
  mediaUrl,
  panelLink,
  sortedMedia,
  type FileModel,
} from "./file-model.js";
import { fileBlueprint, fileOptions } from "./file-permissions.js";
import { formValues } from "./form-values.js";
import { pageSchema } from "./page.js";
import { siteSchema } from "./site.js";
import { userSchema } from "./user.js";
import type { Page } from "../../content/types.js";
import { pickerItems } from "./file-picker.js";
import { providePageFileViews } from "./page-files.js";

const THUMB_WIDTHS: ReadonlyArray<readonly [string, number]> = [
  ["tiny", 128],
  ["small", 256],
  ["medium", 512],
  ["large", 768],
  ["huge", 1024],
];

function neighbour(
  model: FileModel,
  offset: number,
  template?: string | null,
): NestedModel<FileModel, ViewContext> | null {
  const files = model.siblings ?? sortedMedia(model.parent);
  let index = files.indexOf(model.file);
  if (index < 0) return null;
  for (;;) {
    index += offset;
    const file = files[index];
    if (file === undefined) return null;
    const candidate = model.siblings
      ? { file, parent: model.parent, siblings: model.siblings }
      : { file, parent: model.parent };
    if (template === undefined || fileTemplate(candidate) === template) return new NestedModel(fileSchema, candidate);
  }
}

function dimensions(model: FileModel): unknown {
  const size = model.file.dimensions;
  if (size === null) return { dimensions: null };
  const ratio = size.width / size.height;
  const orientation = size.width === size.height ? "square" : size.width > size.height ? "landscape" : "portrait";
  return { width: size.width, height: size.height, ratio, orientation };
}

function parentModel(model: FileModel, context: ViewContext): unknown {
  const { parent } = model;
  switch (parent.kind) {
    case "page":
      return new NestedModel(pageSchema, parent.page);
    case "site":
      return new NestedModel(siteSchema, context.services.content.site);
    case "user":
      return new NestedModel(userSchema, parent.user);
  }
}

function ancestors(page: Page): Page[] {
  const list: Page[] = [];
  for (let current: Page | null = page; current; current = current.parent) list.unshift(current);
  return list;
}

/** ISO 8601 with the server's offset (`2026-01-02T03:04:05+00:00`). */
export { isoDate };

export const fileSchema: ModelSchema<FileModel, ViewContext> = {
  name: "file",
  fields: {
    blueprint: (model, context) =>
      renderFileBlueprint(fileBlueprint(context.services.blueprints, fileTemplate(model)), panelLink(model, context)),
    content: (model, context) => {
      const blueprint = fileBlueprint(context.services.blueprints, fileTemplate(model));
      if (blueprint === undefined) return Object.keys(model.file.meta).length ? { ...model.file.meta } : [];
      return formValues(blueprint, model.file.meta);
    },
    dimensions: (model) => dimensions(model),
    dragText: (model) => {
      const uuid = model.file.meta["uuid"];
      const reference = uuid ? `file://${uuid}` : model.file.filename;
      return fileTypeOf(extensionOf(model.file.filename)) === "image"
        ? `(image: ${reference})`
        : `(file: ${reference})`;
    },
    exists: () => true,
    extension: (model) => extensionOf(model.file.filename),
    filename: (model) => model.file.filename,
    id: (model) => fileId(model),
    link: (model, context) => panelLink(model, context),
    mime: (model) => mimeOf(extensionOf(model.file.filename)),
    modified: (model) => isoDate(model.file.modifiedMs),
    name: (model) => nameOf(model.file.filename),
    next: (model) => neighbour(model, 1),
    nextWithTemplate: (model) => neighbour(model, 1, fileTemplate(model)),
    niceSize: (model) => niceSize(model.file.size),
    options: (model, context) => optionsAsViewed(model, fileOptions(model, context), context),
    parent: (model, context) => parentModel(model, context),
    parents: (model, context) =>
      model.parent.kind === "page"
        ? new NestedCollection(
            pageSchema,
            ancestors(model.parent.page).filter((page) =>
              isPageListable(context.actor, page, context.services.permissions),
            ),
          )
        : [],
    prev: (model) => neighbour(model, -1),
    prevWithTemplate: (model) => neighbour(model, -1, fileTemplate(model)),
    size: (model) => model.file.size,
    template: (model) => fileTemplate(model),
    thumbs: (model, context) => {
      if (model.file.dimensions === null) return null;
      const name = nameOf(model.file.filename);
      const extension = extensionOf(model.file.filename);
      return Object.fromEntries(
        THUMB_WIDTHS.map(([key, width]) => [key, mediaUrl(model, context, `${name}-${width}x.${extension}`)]),
      );
    },
    type: (model) => fileTypeOf(extensionOf(model.file.filename)),
    url: (model, context) => mediaUrl(model, context),
    uuid: (model) => (model.file.meta["uuid"] ? `file://${model.file.meta["uuid"]}` : null),
  },
  views: {
    default: [
      "content",
      "dimensions",
      "exists",
      "extension",
      "filename",
      "id",
      "link",
      "mime",
      "modified",
      "name",
      { field: "next", view: "compact" },
      "niceSize",
      "options",
      { field: "parent", view: "compact" },
      { field: "prev", view: "compact" },
      "size",
      "template",
      "type",
      "url",
      "uuid",
    ],
    compact: ["filename", "id", "link", "type", "url", "uuid"],
  },
  defaultView: "default",
  collectionView: "default",
};

providePageFileViews({
  files: (page, context) =>
    new NestedCollection(
      fileSchema,
      filesOf({ kind: "page", page }).filter((model) => fileOptions(model, context)["list"] === true),
    ),
  pickerItems,
});
