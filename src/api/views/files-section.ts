/**
 * A `files` section of a blueprint as `GET <model>/sections/<name>` answers it (docs/kirby-compat/blueprints.md):
 * the model's listable files of the section's template in Kirby's order, one page of them as Panel items, the min/max
 * errors, the section's Panel options and the pagination.
 */
import { extensionsForMime } from "../../files/file-types.js";
import type { ViewContext } from "../context.js";
import type { FileParent } from "./file-model.js";
import { filesOf, fileTemplate, type FileModel } from "./file-model.js";
import { fileItem } from "./file-picker.js";
import { acceptedMimes, fileBlueprint, isFileListable } from "./file-permissions.js";

type Props = Readonly<Record<string, unknown>>;

const DEFAULT_LIMIT = 20;
/** Largest `limit` a blueprint may set for one page of items. */
const MAX_LIMIT = 1000;

function positiveInteger(value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  const number = typeof value === "number" ? value : typeof value === "string" ? Number(value) : Number.NaN;
  return Number.isInteger(number) && number >= 1 ? Math.min(number, max) : fallback;
}

function optionalCount(value: unknown): number | null {
  const count = positiveInteger(value, 0);
  return count === 0 ? null : count;
}

function capitalised(name: string): string {
  return name.charAt(0).toUpperCase() + name.slice(1);
}

/** The section's headline: `headline`, else `label`, else its name with a capital first letter. */
function headlineOf(section: Props, name: string): string {
  for (const key of ["headline", "label"]) {
    const value = section[key];
    if (typeof value === "string") return value;
  }
  return capitalised(name);
}

/** Kirby's `Files::template()`: no template keeps every file, `default` also takes files without one. */
function matchesTemplate(model: FileModel, template: string | null): boolean {
  if (template === null) return true;
  const own = fileTemplate(model);
  return own === template || (template === "default" && own === null);
}

/** The `accept` attribute of the section's template: the extensions of its MIME types (`.png,.jpg,…`). */
function acceptAttribute(template: string | null, context: ViewContext): string | null {
  if (template === null) return null;
  const mimes = acceptedMimes(fileBlueprint(context.services.blueprints, template));
  if (mimes === null) return "*";
  return mimes.flatMap((mime) => extensionsForMime(mime).map((extension) => `.${extension}`)).join(",");
}

function apiPathOf(parent: FileParent): string {
  switch (parent.kind) {
    case "page":
      return `pages/${parent.page.id.replaceAll("/", "+")}`;
    case "site":
      return "site";
    case "user":
      return `users/${parent.user.id}`;
  }
}

/** Kirby's `errors`: `[]` (an empty PHP array) without any, else `{<name>: {label, message: {min?, max?}}}`. */
function errorsOf(section: Props, name: string, total: number): Record<string, unknown> | [] {
  const headline = headlineOf(section, name);
  const min = optionalCount(section["min"]);
  const max = optionalCount(section["max"]);
  const messages: Record<string, string> = {};
  if (max !== null && total > max) {
    messages["max"] =
      max === 1
        ? `You must not add more than one file to the "${headline}" section`
        : `You must not add more than ${max} files to the "${headline}" section`;
  }
  if (min !== null && total < min) {
    messages["min"] =
      min === 1
        ? `The "${headline}" section requires at least one file`
        : `The "${headline}" section requires at least ${min} files`;
  }
  return Object.keys(messages).length === 0 ? [] : { [name]: { label: headline, message: messages } };
}

/** The answer of a files section of the model whose files are `parent`'s. */
export function filesSectionAnswer(
  section: Props,
  name: string,
  parent: FileParent,
  context: ViewContext,
  requestedPage: unknown,
): Record<string, unknown> {
  const template = typeof section["template"] === "string" ? section["template"] : null;
  let models = filesOf(parent).filter((model) => matchesTemplate(model, template) && isFileListable(model, context));
  if (section["flip"] === true) models = models.reverse();
  const total = models.length;
  const limit = positiveInteger(section["limit"], DEFAULT_LIMIT, MAX_LIMIT);
  const pages = Math.max(1, Math.ceil(total / limit));
  const page = Math.min(positiveInteger(section["page"] ?? requestedPage, 1), pages);
  const offset = (page - 1) * limit;
  const sortable = section["sortable"] !== false;
  const max = optionalCount(section["max"]);
  const apiPath = apiPathOf(parent);
  const accept = acceptAttribute(template, context);
  const full = max !== null && total >= max;
  const upload =
    section["create"] === false || full
      ? false
      : {
          accept,
          api: `${apiPath}/files`,
          attributes: {
            sort: sortable ? total + 1 : null,
            template: template === "default" ? null : template,
          },
          max: max === null ? null : max - total,
          multiple: !(max !== null && total === max - 1),
          preview: section["image"] ?? [],
        };
  return {
    data: models.slice(offset, offset + limit).map((model) => fileItem(model, context)),
    errors: errorsOf(section, name, total),
    options: {
      accept,
      apiUrl: `${apiPath}/sections/${name}`,
      batch: section["batch"] === true,
      columns: {},
      empty: section["empty"] ?? null,
      headline: headlineOf(section, name),
      help: section["help"] ?? null,
      layout: typeof section["layout"] === "string" ? section["layout"] : "list",
      link: section["link"] ?? null,
      max,
      min: optionalCount(section["min"]),
      search: section["search"] === true,
      size: typeof section["size"] === "string" ? section["size"] : "auto",
      sortable,
      upload,
    },
    pagination: { limit, offset, page, total },
  };
}
