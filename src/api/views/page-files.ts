/**
 * How a page model shows its files (the `files` field, and `files` blueprint fields in its content as Panel picker
 * items). The file views depend on the page views, so the file module provides these at load time instead of the
 * page module importing it (no import cycle).
 */
import type { Page } from "../../content/types.js";
import type { ViewContext } from "../context.js";

export interface PageFileViews {
  /** The page's files, in order, as a nested collection. */
  files(page: Page, context: ViewContext): unknown;
  /** A `files` field's stored references (`file://<uuid>` or names of the page's files) as picker items. */
  pickerItems(page: Page, references: readonly unknown[], context: ViewContext): unknown[];
}

let provided: PageFileViews | null = null;

export function providePageFileViews(views: PageFileViews): void {
  provided = views;
}

export function pageFileViews(): PageFileViews | null {
  return provided;
}
