/**
 * A page's (or the site's) children as the API lists them, by status, in Kirby's order: listed and unlisted pages in
 * folder order, drafts after them. Snapshots are immutable and every change builds new child arrays, so each list is
 * computed once per snapshot (when first asked for) and a request then takes its page of it in O(limit).
 */
import type { Page } from "./types.js";

/** Which children a `status` query asks for. */
export type ChildFilter = "children" | "listed" | "unlisted" | "drafts" | "all";

/** What has children: a page or the site. */
export interface ChildOwner {
  readonly children: readonly Page[];
  readonly drafts: readonly Page[];
}

/** The filter of a `status` query (lower-case values only, as Kirby; anything else lists the children). */
export function childFilter(status: string | undefined): ChildFilter {
  switch (status) {
    case "all":
      return "all";
    case "draft":
    case "drafts":
      return "drafts";
    case "listed":
      return "listed";
    case "unlisted":
      return "unlisted";
    default:
      return "children";
  }
}

interface StatusLists {
  readonly listed: readonly Page[];
  readonly unlisted: readonly Page[];
}

const byStatus = new WeakMap<readonly Page[], StatusLists>();
/** Children followed by drafts, keyed by the children array, then by the drafts array it was joined with. */
const joined = new WeakMap<readonly Page[], WeakMap<readonly Page[], readonly Page[]>>();
const templateSamples = new WeakMap<readonly Page[], ReadonlyMap<string, Page>>();

/** The owner's children of one filter; the returned list is shared and frozen, never copy it to read a page of it. */
export function childList(owner: ChildOwner, filter: ChildFilter): readonly Page[] {
  switch (filter) {
    case "children":
      return owner.children;
    case "drafts":
      return owner.drafts;
    case "listed":
      return statusLists(owner.children).listed;
    case "unlisted":
      return statusLists(owner.children).unlisted;
    case "all":
      return allChildren(owner);
  }
}

function statusLists(children: readonly Page[]): StatusLists {
  let lists = byStatus.get(children);
  if (lists === undefined) {
    const listed: Page[] = [];
    const unlisted: Page[] = [];
    for (const page of children) (page.status === "listed" ? listed : unlisted).push(page);
    lists = { listed: Object.freeze(listed), unlisted: Object.freeze(unlisted) };
    byStatus.set(children, lists);
  }
  return lists;
}

function allChildren(owner: ChildOwner): readonly Page[] {
  if (owner.drafts.length === 0) return owner.children;
  if (owner.children.length === 0) return owner.drafts;
  let withDrafts = joined.get(owner.children);
  if (withDrafts === undefined) {
    withDrafts = new WeakMap();
    joined.set(owner.children, withDrafts);
  }
  let all = withDrafts.get(owner.drafts);
  if (all === undefined) {
    all = Object.freeze([...owner.children, ...owner.drafts]);
    withDrafts.set(owner.drafts, all);
  }
  return all;
}

/**
 * The first page of each template in a list. What a role may see of a page depends on its template only (its
 * blueprint's options), so asking once per template tells whether a whole list is visible.
 */
export function templateSamplesOf(pages: readonly Page[]): ReadonlyMap<string, Page> {
  let samples = templateSamples.get(pages);
  if (samples === undefined) {
    const found = new Map<string, Page>();
    for (const page of pages) if (!found.has(page.template)) found.set(page.template, page);
    samples = found;
    // lists built per request (not frozen) are not worth remembering
    if (Object.isFrozen(pages)) templateSamples.set(pages, samples);
  }
  return samples;
}
