import type { ContentIndex, Page, Site } from "../content/types.js";
import type { TemplateStore } from "./templates.js";

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

export interface RenderedPage {
  readonly status: number;
  readonly html: string;
}

/** A page as templates see it: read-only values, published children only. */
export interface TemplatePage {
  readonly id: string;
  readonly slug: string;
  readonly title: string;
  readonly url: string;
  readonly status: string;
  readonly template: string;
  readonly num: number | null;
  readonly content: Readonly<Record<string, string>>;
  readonly isHome: boolean;
  children(): TemplatePage[];
  parent(): TemplatePage | null;
}

export interface TemplateSite {
  readonly title: string;
  readonly url: string;
  readonly content: Readonly<Record<string, string>>;
  children(): TemplatePage[];
}

export interface RenderHelpers {
  readonly baseUrl: string;
  /** The visitor's CSRF token (creates their session on first use). */
  csrf(): string;
}

export interface SiteRenderOptions {
  readonly content: ContentIndex;
  readonly templates: TemplateStore | null;
  readonly homeId: string;
  readonly errorId: string;
}

function titleOf(page: Page): string {
  return page.content["title"] || page.slug;
}

function templatePage(page: Page, options: SiteRenderOptions, baseUrl: string): TemplatePage {
  const isHome = page.id === options.homeId;
  return {
    id: page.id,
    slug: page.slug,
    title: titleOf(page),
    url: isHome ? baseUrl || "/" : `${baseUrl}/${page.uri ?? page.id}`,
    status: page.status,
    template: page.template,
    num: page.num,
    content: page.content,
    isHome,
    children: () => page.children.map((child) => templatePage(child, options, baseUrl)),
    parent: () => (page.parent ? templatePage(page.parent, options, baseUrl) : null),
  };
}

function templateSite(site: Site, options: SiteRenderOptions, baseUrl: string): TemplateSite {
  return {
    title: site.content["title"] ?? "",
    url: baseUrl || "/",
    content: site.content,
    children: () => site.children.map((child) => templatePage(child, options, baseUrl)),
  };
}

function hasDraftAncestor(page: Page): boolean {
  for (let p: Page | null = page; p; p = p.parent) if (p.status === "draft") return true;
  return false;
}

/** The page a site path shows: `/` is the home page; drafts are never shown here. */
export function resolveSitePath(content: ContentIndex, path: string, homeId: string): Page | undefined {
  const id = path.replace(/^\/+|\/+$/g, "");
  const page = content.findPage(id === "" ? homeId : id);
  return page && !hasDraftAncestor(page) ? page : undefined;
}

/**
 * Renders a site path through its page's template (`site/templates/<template>.eta`, else `default.eta`); an
 * unknown path renders the error page with 404. Without templates, a minimal page with the title is sent.
 */
export function renderSitePath(options: SiteRenderOptions, path: string | null, helpers: RenderHelpers): RenderedPage {
  const found = path === null ? undefined : resolveSitePath(options.content, path, options.homeId);
  const page = found ?? options.content.findPage(options.errorId);
  const status = found ? 200 : 404;
  if (!page) return { status, html: "<h1>Error</h1>\n" };
  const baseUrl = helpers.baseUrl.replace(/\/+$/, "");
  const data = {
    page: templatePage(page, options, baseUrl),
    site: templateSite(options.content.site, options, baseUrl),
    csrf: () => helpers.csrf(),
    url: (target = "") => `${baseUrl}/${String(target).replace(/^\/+/, "")}`,
    escape: escapeHtml,
  };
  const html = options.templates?.render(page.template, data) ?? `<h1>${escapeHtml(titleOf(page))}</h1>\n`;
  return { status, html };
}
