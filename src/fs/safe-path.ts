import path from "node:path";
import { InvalidArgumentError } from "../errors.js";

/**
 * The one way to build a file system path from request input (template names, slugs, file names, user ids,
 * language codes): the path is resolved and proven to lie inside `folder` before anything is opened.
 */

/** A path segment that can only ever name something inside its folder: no separators, no dots-only name, no NUL. */
function isPlainSegment(segment: string): boolean {
  if (segment === "" || segment === "." || segment === "..") return false;
  return !segment.includes("/") && !segment.includes("\\") && !segment.includes("\0");
}

/**
 * `folder` joined with `segments`, resolved; throws when the result is not strictly inside `folder` (a `..`, an
 * absolute segment, a NUL byte or an empty name anywhere). Segments may hold `/` to go several levels down, as
 * long as every part is a plain name.
 *
 * @throws InvalidArgumentError when the path would leave the folder.
 */
export function resolveInside(folder: string, ...segments: readonly string[]): string {
  const parts = segments.flatMap((segment) => segment.split("/"));
  if (parts.length === 0 || !parts.every(isPlainSegment)) {
    throw new InvalidArgumentError({ message: "Invalid path in the request" });
  }
  const base = path.resolve(folder);
  const resolved = path.resolve(base, ...parts);
  const relative = path.relative(base, resolved);
  if (relative === "" || relative === ".." || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) {
    throw new InvalidArgumentError({ message: "Invalid path in the request" });
  }
  return resolved;
}
