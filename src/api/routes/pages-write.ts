import { safeValue } from "../../log/safe-value.js";
import type { Page, PageStatus } from "../../content/types.js";
import {
  assertNoUuidChange,
  assertTitleLength,
  createdContent,
  mergeContent,
  submittedFields,
} from "../../content/stored-values.js";
import { slugify } from "../../content/slug.js";
import { requestedTemplateName } from "../../content/template-name.js";
import { validateContent } from "../../content/validation.js";
import { DuplicateError, InvalidArgumentError, NotFoundError, PermissionError } from "../../errors.js";
import { allowedTemplates, can } from "../../permissions/can.js";
import type { ApiContext } from "../context.js";
import { ModelResult } from "../result.js";
import { route, type RouteDefinition } from "../route.js";
import { pageSchema } from "../views/page.js";
import { siteSchema } from "../views/site.js";
import { findAccessiblePage, requireSiteAccess } from "./lookup.js";
import { contentToUpdate, isTranslation, translationToWrite, writeTranslatedSlug } from "./languages-write.js";

/**
 * Write routes of pages and the site (docs/kirby-compat/routes-and-envelopes.md#routes, permissions in
 * docs/kirby-compat/permissions.md#permission-of-each-route). Each write runs alone through the content
 * writer, re-reads the model inside the lock, checks permission and input, changes the disk, and answers with the
 * model as the index now holds it.
 */

const STATUSES: readonly PageStatus[] = ["draft", "unlisted", "listed"];

function assertCan(context: ApiContext, action: string, page: Page, key: string): void {
  if (!can(context.actor, action, { kind: "page", page }, context.services.permissions)) {
    throw new PermissionError({ key, data: { slug: page.slug } });
  }
}

function bodyObject(context: ApiContext, name: string): Record<string, unknown> {
  const value = context.request.body.get(name);
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

function reload(context: ApiContext, id: string): Page {
  const page = context.services.content.findPage(id);
  if (!page) throw new NotFoundError({ key: "page.notFound", data: { slug: id } });
  return page;
}

function assertValid(
  context: ApiContext,
  page: Page | null,
  content: Record<string, string>,
  only?: ReadonlySet<string>,
): void {
  const blueprint = page ? context.services.blueprints.page(page.template) : context.services.blueprints.site();
  const errors = validateContent(blueprint, content, only);
  if (Object.keys(errors).length) throw new InvalidArgumentError({ key: "form.incomplete", details: errors });
}

/** Publishing (a create that is not a draft, a draft made listed or unlisted) needs content without form errors. */
function assertPublishable(context: ApiContext, page: Page, content: Record<string, string>): void {
  const errors = validateContent(context.services.blueprints.page(page.template), content);
  if (Object.keys(errors).length) throw new PermissionError({ key: "page.changeStatus.incomplete", details: errors });
}

function maxSlugLength(context: ApiContext): number {
  const { slugsMaxLength } = context.services.options;
  return slugsMaxLength === false ? 10_000 : slugsMaxLength;
}

/**
 * Refuses slug input so long that no slug of it could be short enough, before any work is done on it. Slugifying
 * rarely shrinks text by much (runs of separators, dropped symbols), so four times the longest slug is generous.
 */
function assertSlugInputLength(context: ApiContext, input: string): void {
  const maxLength = maxSlugLength(context);
  if (input.length > 4 * maxLength)
    throw new InvalidArgumentError({ key: "page.slug.maxlength", data: { length: maxLength } });
}

/** Sanitises a slug; checks length, reserved top-level paths and duplicates among siblings and drafts. */
function checkedSlug(context: ApiContext, parent: Page | null, input: string, except: Page | null): string {
  const { options } = context.services;
  const maxLength = maxSlugLength(context);
  assertSlugInputLength(context, input);
  const slug = slugify(input, { maxLength: 10_000 });
  if (slug === "") throw new InvalidArgumentError({ key: "page.slug.invalid" });
  if (slug.length > maxLength)
    throw new InvalidArgumentError({ key: "page.slug.maxlength", data: { length: maxLength } });
  if (!parent) {
    const reserved = [options.api.slug, "assets", "media", options.panel.slug].map((path) => path.split("/")[0]);
    const hit = reserved.find((path) => path === slug);
    if (hit) throw new InvalidArgumentError({ key: "page.changeSlug.reserved", data: { path: hit } });
  }
  const site = context.services.content.site;
  const children = parent ? parent.children : site.children;
  const drafts = parent ? parent.drafts : site.drafts;
  if (children.some((page) => page.slug === slug && page !== except && page.id !== except?.id)) {
    throw new DuplicateError({ key: "page.duplicate", data: { slug } });
  }
  if (drafts.some((page) => page.slug === slug && page !== except && page.id !== except?.id)) {
    throw new DuplicateError({ key: "page.draft.duplicate", data: { slug } });
  }
  return slug;
}

function requestedStatus(context: ApiContext): PageStatus {
  const { body } = context.request;
  const status = body.string("status");
  if (status !== undefined) {
    if (!STATUSES.includes(status as PageStatus))
      throw new InvalidArgumentError({ message: `Invalid status: ${safeValue(status)}` });
    return status as PageStatus;
  }
  // `isDraft` when given and not null, else `draft`, else a draft; read with PHP's truthiness ("false" is true)
  const draft = body.get("isDraft") ?? body.get("draft") ?? true;
  if (!phpTruthy(draft)) return body.has("num") ? "listed" : "unlisted";
  return "draft";
}

/** PHP's truthiness: false, 0, "", "0", null and an empty list are false; everything else (also "false") is true. */
function phpTruthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === "" || value === "0")
    return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}

function positionInput(context: ApiContext, name: string): number | undefined {
  const value = context.request.body.get(name);
  if (value === undefined || value === null || value === "") return undefined;
  const number = Number(value);
  if (!Number.isFinite(number)) throw new InvalidArgumentError({ message: `Invalid ${name}: ${String(value)}` });
  return number;
}

/** Number a listed page gets from its blueprint's `num` mode, or null when it is positional (`default`). */
function fixedNum(context: ApiContext, page: Page, content: Record<string, string>): number | null {
  const mode = context.services.blueprints.page(page.template).num;
  if (mode === "zero") return 0;
  if (mode === "date" || mode === "datetime") {
    const match = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}))?/.exec(content["date"] ?? "");
    if (!match) return Number(new Date().toISOString().slice(0, 10).replace(/-/g, ""));
    return Number(
      mode === "date"
        ? `${match[1]}${match[2]}${match[3]}`
        : `${match[1]}${match[2]}${match[3]}${match[4] ?? "00"}${match[5] ?? "00"}`,
    );
  }
  return null;
}

/** Creates a page below the parent that `findParent` finds (null: the site). */
async function createChild(context: ApiContext, findParent: () => Page | null): Promise<ModelResult> {
  const { services } = context;
  const writer = services.writer;
  // checked before anything else: the name becomes the content file's name
  const template = requestedTemplateName(context.request.body.get("template")) ?? "default";
  const parent = findParent();
  return writer.exclusive(async () => {
    const freshParent = parent ? reload(context, parent.id) : null;
    const content = bodyObject(context, "content");
    const slugInput =
      context.request.body.string("slug") ?? (typeof content["title"] === "string" ? content["title"] : undefined);
    if (slugInput === undefined || slugInput.trim() === "")
      throw new InvalidArgumentError({ message: "The page slug is required" });
    const status = requestedStatus(context);
    // the permission check needs a slug; of an overlong input only a bounded prefix is slugified before it
    const slug = slugify(slugInput.slice(0, 4 * maxSlugLength(context)), { maxLength: 10_000 });
    if (slug === "") throw new InvalidArgumentError({ message: "The page slug is required" });
    const blueprint = services.blueprints.page(template);
    const parentDir = freshParent ? freshParent.dir : services.content.site.dir;
    const draft: Page = {
      id: freshParent ? `${freshParent.id}/${slug}` : slug,
      slug,
      num: null,
      status,
      template,
      dir: `${parentDir}/${slug}`,
      contentFile: `${parentDir}/${slug}/${template}.txt`,
      content: {},
      parent: freshParent,
      children: [],
      drafts: [],
      files: [],
    };
    assertCan(context, "create", draft, "page.create.permission");
    if (status !== "draft") assertCan(context, "changeStatus", draft, "page.changeStatus.permission");
    const finalSlug = checkedSlug(context, freshParent, slugInput, null);
    const stored = createdContent(blueprint, content, writer.newUuid());
    if (status !== "draft") assertPublishable(context, draft, stored);
    const id = await writer.createPage(freshParent, {
      slug: finalSlug,
      template,
      status,
      content: stored,
      ...(status === "listed" ? { position: positionInput(context, "num") ?? positionInput(context, "position") } : {}),
    });
    return new ModelResult(pageSchema, reload(context, id));
  });
}

/** Runs a change of one page alone, with the page re-read inside the lock. */
function withPage(
  context: ApiContext,
  param: string,
  change: (page: Page) => Promise<string | void>,
): Promise<ModelResult> {
  return context.services.writer.exclusive(async () => {
    const page = findAccessiblePage(context, param);
    const id = (await change(page)) ?? page.id;
    return new ModelResult(pageSchema, reload(context, id));
  });
}

export const pageWriteRoutes: readonly RouteDefinition[] = [
  route("PATCH", "pages/(:any)", (context, [param = ""]) => {
    const input = context.request.body.values;
    // by the keys as they will be stored: any spelling stored as `title` (Title!, títle, TITLE_) changes the title
    const fields = submittedFields(input);
    assertNoUuidChange(fields);
    return withPage(context, param, async (page) => {
      assertCan(context, "update", page, "page.update.permission");
      const title = fields.get("title");
      if (title !== null && title !== undefined) assertCan(context, "changeTitle", page, "page.changeTitle.permission");
      const keys = new Set(fields.keys());
      const blueprint = context.services.blueprints.page(page.template);
      const current = await contentToUpdate(context, page, page.template, blueprint);
      const merged = mergeContent(blueprint, current, input);
      // drafts are validated when they are published, not on every change
      if (page.status !== "draft") assertValid(context, page, merged, keys);
      await context.services.writer.writeContent(
        page,
        isTranslation(page) ? translationToWrite(blueprint, merged) : merged,
      );
    });
  }),
  route("DELETE", "pages/(:any)", (context, [param = ""]) =>
    context.services.writer.exclusive(async () => {
      const page = findAccessiblePage(context, param);
      assertCan(context, "delete", page, "page.delete.permission");
      const force = context.request.body.get("force") ?? context.request.query.get("force");
      const forced = force === true || force === "true" || force === "1" || force === 1;
      if ((page.children.length > 0 || page.drafts.length > 0) && !forced) {
        throw new InvalidArgumentError({ key: "page.delete.hasChildren" });
      }
      await context.services.writer.deletePage(page);
      return true as const;
    }),
  ),
  route("POST", "pages/(:any)/children", async (context, [param = ""]) =>
    createChild(context, () => findAccessiblePage(context, param)),
  ),
  route("POST", "pages/(:any)/duplicate", (context, [param = ""]) =>
    withPage(context, param, async (page) => {
      assertCan(context, "duplicate", page, "page.duplicate.permission");
      const slugInput = context.request.body.string("slug") ?? `${page.slug}-copy`;
      const slug = checkedSlug(context, page.parent, slugInput, null);
      const flag = (name: string): boolean => {
        const value = context.request.body.get(name);
        return value === true || value === "true" || value === 1 || value === "1";
      };
      return context.services.writer.duplicatePage(page, slug, { children: flag("children"), files: flag("files") });
    }),
  ),
  route("PATCH", "pages/(:any)/slug", (context, [param = ""]) =>
    withPage(context, param, async (page) => {
      assertCan(context, "changeSlug", page, "page.changeSlug.permission");
      const slug = checkedSlug(context, page.parent, context.request.body.string("slug") ?? "", page);
      if (slug === page.slug) return page.id;
      if (isTranslation(page)) return void (await writeTranslatedSlug(context, page, slug));
      return context.services.writer.changeSlug(page, slug);
    }),
  ),
  route("PATCH", "pages/(:any)/status", (context, [param = ""]) =>
    withPage(context, param, async (page) => {
      const status = context.request.body.string("status") ?? "";
      // an unlisted page made unlisted is answered as it is, before any check
      if (status === "unlisted" && page.status === "unlisted") return page.id;
      const position = positionInput(context, "position");
      const { options, permissions } = context.services;
      // home and error never offer `draft`; a status the blueprint does not offer is refused before permissions
      const offered = context.services.blueprints
        .page(page.template)
        .status.filter((name) => name !== "draft" || (page.id !== options.home && page.id !== options.error));
      if (!STATUSES.includes(status as PageStatus))
        throw new InvalidArgumentError({ message: `Invalid status: ${safeValue(status)}` });
      if (!offered.includes(status)) throw new InvalidArgumentError({ key: "page.status.invalid" });
      const target = status as PageStatus;
      if (target === "listed" && page.status === "listed") {
        if (!can(context.actor, "sort", { kind: "page", page }, permissions)) {
          throw new PermissionError({ key: "page.sort.permission", data: { slug: page.slug } });
        }
      } else {
        assertCan(context, "changeStatus", page, "page.changeStatus.permission");
      }
      if (page.status === "draft" && target !== "draft") assertPublishable(context, page, page.content);
      if (target === page.status && target !== "listed") return page.id;
      await context.services.writer.changeStatus(
        page,
        target,
        position,
        target === "listed" ? fixedNum(context, page, page.content) : null,
      );
      return page.id;
    }),
  ),
  route("PATCH", "pages/(:any)/template", (context, [param = ""]) => {
    // a given name is checked first, as it becomes the content file's name; a missing one is refused below
    const template = (context.request.body.string("template") ?? "").trim();
    if (template !== "") requestedTemplateName(template);
    return withPage(context, param, async (page) => {
      // the page's current template is answered as it is, before any check
      if (template === page.template) return;
      assertCan(context, "changeTemplate", page, "page.changeTemplate.permission");
      const allowed = allowedTemplates(page, context.services.blueprints.page(page.template));
      if (template === "" || !allowed.includes(template)) {
        throw new InvalidArgumentError({ key: "page.changeTemplate.invalid", data: { slug: page.slug, template } });
      }
      if (template !== page.template) await context.services.writer.changeTemplate(page, template);
    });
  }),
  route("PATCH", "pages/(:any)/title", (context, [param = ""]) =>
    withPage(context, param, async (page) => {
      assertCan(context, "changeTitle", page, "page.changeTitle.permission");
      // only the empty title is refused; one of spaces is stored empty (the page then shows its slug as title)
      const sent = context.request.body.string("title") ?? "";
      assertTitleLength(sent);
      if (sent === "") throw new InvalidArgumentError({ key: "page.changeTitle.empty" });
      const blueprint = context.services.blueprints.page(page.template);
      const current = await contentToUpdate(context, page, page.template, blueprint);
      const title = sent.trim();
      await context.services.writer.writeContent(
        page,
        mergeContent(blueprint, current, { title }, { allFields: false }),
      );
    }),
  ),
  route("PATCH", "site", (context) => {
    const input = context.request.body.values;
    const fields = submittedFields(input);
    assertNoUuidChange(fields);
    return context.services.writer.exclusive(async () => {
      requireSiteAccess(context);
      if (!can(context.actor, "update", { kind: "site" }, context.services.permissions)) {
        throw new PermissionError({ key: "site.update.permission" });
      }
      const keys = new Set(fields.keys());
      if (keys.has("title") && !can(context.actor, "changeTitle", { kind: "site" }, context.services.permissions)) {
        throw new PermissionError({ key: "site.changeTitle.permission" });
      }
      const site = context.services.content.site;
      const blueprint = context.services.blueprints.site();
      const current = await contentToUpdate(context, site, "site", blueprint);
      const merged = mergeContent(blueprint, current, input);
      assertValid(context, null, merged, keys);
      await context.services.writer.writeSiteContent(
        isTranslation(site) ? translationToWrite(blueprint, merged) : merged,
        site.contentFile,
      );
      return new ModelResult(siteSchema, context.services.content.site);
    });
  }),
  route("POST", "site/children", (context) => createChild(context, () => null)),
  route("PATCH", "site/title", (context) =>
    context.services.writer.exclusive(async () => {
      requireSiteAccess(context);
      if (!can(context.actor, "changeTitle", { kind: "site" }, context.services.permissions)) {
        throw new PermissionError({ key: "site.changeTitle.permission" });
      }
      const title = (context.request.body.string("title") ?? "").trim();
      assertTitleLength(title);
      if (title === "") throw new InvalidArgumentError({ key: "site.changeTitle.empty" });
      const site = context.services.content.site;
      const blueprint = context.services.blueprints.site();
      const current = await contentToUpdate(context, site, "site", blueprint);
      await context.services.writer.writeSiteContent(
        mergeContent(blueprint, current, { title }, { allFields: false }),
        site.contentFile,
      );
      return new ModelResult(siteSchema, context.services.content.site);
    }),
  ),
];
