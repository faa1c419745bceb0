import type { Site } from "../../content/types.js";
import { isPageListable, optionsMap, SITE_OPTION_KEYS } from "../../permissions/can.js";
import type { ViewContext } from "../context.js";
import { NestedCollection, type ModelSchema } from "./engine.js";
import { formValues } from "./form-values.js";
import { renderSiteBlueprint } from "./blueprint.js";
import { pageSchema } from "./page.js";
import { optionsAsViewed } from "./locked-options.js";

export function siteTitle(site: Site): string {
  return site.content["title"] ?? "";
}

export const siteSchema: ModelSchema<Site, ViewContext> = {
  name: "site",
  fields: {
    blueprint: (_site, context) => renderSiteBlueprint(context),
    children: (site, context) =>
      new NestedCollection(
        pageSchema,
        site.children.filter((page) => isPageListable(context.actor, page, context.services.permissions)),
      ),
    content: (site, context) => formValues(context.services.blueprints.site(), site.content),
    drafts: (site, context) =>
      new NestedCollection(
        pageSchema,
        site.drafts.filter((page) => isPageListable(context.actor, page, context.services.permissions)),
      ),
    files: () => [],
    options: (site, context) =>
      optionsAsViewed(
        site,
        optionsMap(SITE_OPTION_KEYS, context.actor, { kind: "site" }, context.services.permissions),
        context,
      ),
    previewUrl: (_site, context) => context.language?.url ?? context.baseUrl,
    title: (site) => siteTitle(site),
    url: (_site, context) => context.language?.url ?? context.baseUrl,
  },
  views: {
    default: ["content", "options", "title", "url"],
    compact: ["title", "url"],
    panel: ["title", "blueprint", "content", "options", "previewUrl", "url"],
    selector: ["title", { field: "children", select: ["id", "title", "hasChildren"] }],
  },
  defaultView: "default",
  collectionView: "compact",
  cacheable: true,
};
