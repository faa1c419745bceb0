import type { Page } from "../../content/types.js";
import {
  isPageListable,
  listablePages,
  optionsMap,
  PAGE_OPTION_KEYS,
  allowedTemplates,
} from "../../permissions/can.js";
import type { ViewContext } from "../context.js";
import { NestedCollection, NestedModel, type ModelSchema } from "./engine.js";
import { formValues } from "./form-values.js";
import { optionsAsViewed } from "./locked-options.js";
import { renderPageBlueprint } from "./blueprint.js";
import { pageFileViews } from "./page-files.js";
import type { Blueprint } from "../../blueprints/types.js";

/** `files` fields of the content as Panel picker items (the stored references stay in the content file). */
function withFilePickers(
  page: Page,
  blueprint: Blueprint,
  values: Record<string, unknown> | [],
  context: ViewContext,
): Record<string, unknown> | [] {
  const views = pageFileViews();
  if (Array.isArray(values) || views === null) return values;
  for (const field of blueprint.fields) {
    const value = Object.hasOwn(values, field.name) ? values[field.name] : undefined;
    if (field.type === "files" && Array.isArray(value)) values[field.name] = views.pickerItems(page, value, context);
  }
  return values;
}

export function pageUrl(page: Page, context: ViewContext): string {
  // on a multi-language site URLs start with the language's prefix and follow its translated slugs
  const base = context.language === undefined ? context.baseUrl : context.language.url;
  return page.id === context.services.options.home ? base : `${base}/${page.uri ?? page.id}`;
}

export function pageTitle(page: Page): string {
  const title = page.content["title"];
  return title !== undefined && title !== "" ? title : page.slug;
}

function listable(pages: readonly Page[], context: ViewContext): readonly Page[] {
  return listablePages(context.actor, pages, context.services.permissions);
}

function parentsOf(page: Page): Page[] {
  const parents: Page[] = [];
  for (let parent = page.parent; parent; parent = parent.parent) parents.unshift(parent);
  return parents;
}

export const pageSchema: ModelSchema<Page, ViewContext> = {
  name: "page",
  fields: {
    blueprint: (page, context) => renderPageBlueprint(page, context),
    blueprints: (page, context) =>
      allowedTemplates(page, context.services.blueprints.page(page.template)).map((name) => ({
        name,
        title: context.services.blueprints.page(name).title,
      })),
    children: (page, context) => new NestedCollection(pageSchema, listable(page.children, context)),
    content: (page, context) => {
      const blueprint = context.services.blueprints.page(page.template);
      return withFilePickers(page, blueprint, formValues(blueprint, page.content), context);
    },
    drafts: (page, context) => new NestedCollection(pageSchema, listable(page.drafts, context)),
    errors: () => [],
    files: (page, context) => pageFileViews()?.files(page, context) ?? [],
    hasChildren: (page) => page.children.length > 0,
    hasDrafts: (page) => page.drafts.length > 0,
    hasFiles: (page) => page.files.length > 0,
    id: (page) => page.id,
    isSortable: (page, context) =>
      optionsMap(["sort"], context.actor, { kind: "page", page }, context.services.permissions)["sort"] === true,
    num: (page) => page.num,
    options: (page, context) =>
      optionsAsViewed(
        page,
        optionsMap(PAGE_OPTION_KEYS, context.actor, { kind: "page", page }, context.services.permissions),
        context,
        ["preview"],
      ),
    // the Panel's icon descriptor of a page without an image
    panelImage: () => ({ back: "pattern", color: "gray-500", cover: false, icon: "page" }),
    parent: (page, context) =>
      page.parent && isPageListable(context.actor, page.parent, context.services.permissions)
        ? new NestedModel(pageSchema, page.parent)
        : null,
    parents: (page, context) => new NestedCollection(pageSchema, listable(parentsOf(page), context)),
    previewUrl: (page, context) => pageUrl(page, context),
    siblings: (page, context) => {
      const pool =
        page.status === "draft"
          ? (page.parent?.drafts ?? context.services.content.site.drafts)
          : (page.parent?.children ?? context.services.content.site.children);
      return new NestedCollection(pageSchema, listable(pool, context));
    },
    slug: (page) => page.slug,
    status: (page) => page.status,
    template: (page) => page.template,
    title: (page) => pageTitle(page),
    url: (page, context) => pageUrl(page, context),
    uuid: (page, context) =>
      context.services.options.content.uuid !== false && page.content["uuid"] ? `page://${page.content["uuid"]}` : null,
  },
  views: {
    default: [
      "content",
      "id",
      "num",
      "options",
      { field: "parent", view: "compact" },
      "slug",
      "status",
      "template",
      "title",
      "url",
      "uuid",
    ],
    compact: ["id", "num", "title", "url", "uuid"],
    panel: [
      "id",
      "blueprint",
      "content",
      "status",
      "options",
      { field: "parents", select: ["id", "slug", "title"] },
      "previewUrl",
      "slug",
      "title",
      "url",
      "uuid",
    ],
    selector: [
      "id",
      "title",
      { field: "parent", select: ["id", "title"] },
      { field: "children", select: ["hasChildren", "id", "panelImage", "title"] },
    ],
  },
  defaultView: "default",
  collectionView: "compact",
  cacheable: true,
  lockFreeFields: new Set(["id", "num", "slug", "status", "template", "title", "url", "uuid"]),
  // every content field and the id, prepared by the search index; hits in the id and the title weigh 64
  search: (pages, query, context) => context.services.search.searchPages(pages, query),
};
