/** Content layer: the `.txt` format, slugs, folder inventory and the live content index. */
export type * from "./types.js";
export { parseTxt, serializeTxt } from "./txt.js";
export { ASCII_TABLE, fieldKeyToFileKey, slugify, toAscii, trimChars, type SlugOptions } from "./slug.js";
export {
  DEFAULT_IGNORE,
  DRAFTS_FOLDER,
  naturalCompare,
  parseFolderName,
  readFolder,
  type FolderInventory,
  type FolderName,
  type ReadFolderOptions,
} from "./inventory.js";
export { createContentIndex } from "./content-index.js";
