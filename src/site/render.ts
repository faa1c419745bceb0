import type { ContentIndex, Page } from "../content/types.js";

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

export interface RenderedPage {
  readonly status: number;
  readonly html: string;
}

function titleOf(page: Page): string {
  return page.content["title"] || page.slug;
}

/**
 * The site frontend for non-API paths: `/` is the home page, a published page's path renders it, anything else
 * renders the error page with 404. Drafts are never shown here.
 */
export function renderSitePath(content: ContentIndex, path: string, homeId: string, errorId: string): RenderedPage {
  const id = path.replace(/^\/+|\/+$/g, "");
  let page = content.findPage(id === "" ? homeId : id);
  if (page && (page.status === "draft" || hasDraftAncestor(page))) page = undefined;
  if (!page) {
    const error = content.findPage(errorId);
    return { status: 404, html: `<h1>${escapeHtml(error ? titleOf(error) : "Error")}</h1>\n` };
  }
  return { status: 200, html: `<h1>${escapeHtml(titleOf(page))}</h1>\n` };
}

function hasDraftAncestor(page: Page): boolean {
  for (let parent = page.parent; parent; parent = parent.parent) if (parent.status === "draft") return true;
  return false;
}
