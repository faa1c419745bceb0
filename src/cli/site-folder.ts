import { stat } from "node:fs/promises";
import path from "node:path";
import { ConfigError } from "../errors.js";

async function isDirectory(file: string): Promise<boolean> {
  return stat(file).then(
    (info) => info.isDirectory(),
    () => false,
  );
}

/**
 * The absolute path of a site folder, or a ConfigError when `root` holds neither `content/` nor `site/`: a typo in
 * the path must not make a command create a fresh `site/accounts/` somewhere else.
 */
export async function requireSiteFolder(root: string): Promise<string> {
  const resolved = path.resolve(root);
  const [content, site] = await Promise.all([
    isDirectory(path.join(resolved, "content")),
    isDirectory(path.join(resolved, "site")),
  ]);
  if (!content && !site) {
    throw new ConfigError(
      `${resolved} is not a Sheaf site (it has neither a content/ nor a site/ folder); check the path, or create a site with "sheaf init"`,
    );
  }
  return resolved;
}
