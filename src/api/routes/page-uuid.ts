import type { Page } from "../../content/types.js";
import type { ApiContext } from "../context.js";

/** A stored UUID that counts as none: empty or `0` (both false in PHP). */
function lacksUuid(page: Page): boolean {
  const uuid = page.content["uuid"];
  return uuid !== undefined && (uuid.trim() === "" || uuid.trim() === "0");
}

/**
 * The page, with a new UUID written into its content file first when the stored one is empty or `0`, as Kirby
 * gives such a page one when its UUID is read (docs/kirby-compat/content-format.md#uuids).
 */
export async function withUuid(context: ApiContext, page: Page): Promise<Page> {
  if (!lacksUuid(page) || context.services.options.content.uuid === false) return page;
  const { writer } = context.services;
  return writer.exclusive(async () => {
    const fresh = context.services.content.findPage(page.id) ?? page;
    if (!lacksUuid(fresh)) return fresh;
    const current = await writer.readContent(fresh.contentFile);
    const uuid = writer.newUuid();
    if (uuid === null) return fresh;
    await writer.writeContent(fresh, { ...current, uuid });
    return context.services.content.findPage(fresh.id) ?? fresh;
  });
}
