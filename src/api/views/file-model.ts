/**
 * A media file as the API sees it: the file with its parent (a page, the site or a user), its id, its sorted
 * siblings, its media URL and hash (docs/files.md#media-urls).
 */
import { createHmac } from "node:crypto";
import type { User } from "../../accounts/types.js";
import type { Page, Site } from "../../content/types.js";
import type { MediaFile } from "../../files/types.js";
import type { ViewContext } from "../context.js";

export type FileParent =
  | { readonly kind: "page"; readonly page: Page }
  | { readonly kind: "site"; readonly site: Site }
  | { readonly kind: "user"; readonly user: User; readonly media: readonly MediaFile[] };

export interface FileModel {
  readonly file: MediaFile;
  readonly parent: FileParent;
  /** The neighbours `next`/`prev` are taken from, when not the parent's sorted files (a renamed file's answer). */
  readonly siblings?: readonly MediaFile[];
}

const NO_FILES: readonly MediaFile[] = Object.freeze([]);

export function mediaOf(parent: FileParent): readonly MediaFile[] {
  switch (parent.kind) {
    case "page":
      return parent.page.media ?? NO_FILES;
    case "site":
      return parent.site.media ?? NO_FILES;
    case "user":
      return parent.media;
  }
}

const AVATAR_NAME = /^profile\.[a-z0-9]{1,8}$/;

/** A user's avatar among the user's files: the first `profile.<ext>`. */
export function avatarFile(media: readonly MediaFile[]): MediaFile | undefined {
  return media.find((file) => AVATAR_NAME.test(file.filename));
}

function sortValue(file: MediaFile): number | null {
  const stored = file.meta["sort"];
  if (stored === undefined || stored.trim() === "") return null;
  const value = Number.parseInt(stored, 10);
  return Number.isNaN(value) ? null : value;
}

/** Sorted lists by the (immutable) media list they were made from. */
const sortedLists = new WeakMap<readonly MediaFile[], readonly MediaFile[]>();

/** The files of a parent in Kirby's order: without `Sort` first, then by `Sort`, then by name. */
export function sortedMedia(parent: FileParent): readonly MediaFile[] {
  const media = mediaOf(parent);
  let sorted = sortedLists.get(media);
  if (sorted === undefined) {
    sorted = Object.freeze(
      [...media].sort((a, b) => {
        const sortA = sortValue(a);
        const sortB = sortValue(b);
        if (sortA !== sortB) {
          if (sortA === null) return -1;
          if (sortB === null) return 1;
          return sortA - sortB;
        }
        return a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0;
      }),
    );
    sortedLists.set(media, sorted);
  }
  return sorted;
}

export function filesOf(parent: FileParent): FileModel[] {
  return sortedMedia(parent).map((file) => ({ file, parent }));
}

/** The file of a parent by name, case-insensitively (exact spelling first). */
export function findFile(parent: FileParent, filename: string): FileModel | undefined {
  const media = mediaOf(parent);
  const lower = filename.toLowerCase();
  const file =
    media.find((candidate) => candidate.filename === filename) ??
    media.find((candidate) => candidate.filename.toLowerCase() === lower);
  return file === undefined ? undefined : { file, parent };
}

export function parentId(parent: FileParent): string | null {
  switch (parent.kind) {
    case "page":
      return parent.page.id;
    case "site":
      return null;
    case "user":
      return parent.user.id;
  }
}

export function fileId(model: FileModel): string {
  const id = parentId(model.parent);
  return id === null ? model.file.filename : `${id}/${model.file.filename}`;
}

export function fileTemplate(model: FileModel): string | null {
  const template = model.file.meta["template"];
  return template === undefined || template === "" ? null : template;
}

/** The parent's part of a media path: `pages/<id>`, `site`, `users/<id>`. */
export function mediaFolder(parent: FileParent): string {
  switch (parent.kind) {
    case "page":
      return `pages/${parent.page.id}`;
    case "site":
      return "site";
    case "user":
      return `users/${parent.user.id}`;
  }
}

/** Tokens made lately (every rendered file and every media request needs one); emptied when full. */
const tokens = new Map<string, string>();
const MAX_TOKENS = 10_000;

/** The first 10 hex characters of an HMAC-SHA1 of the file id, keyed with the content root and the id. */
export function mediaToken(contentRoot: string, id: string): string {
  const key = `${contentRoot}\u0000${id}`;
  let token = tokens.get(key);
  if (token === undefined) {
    token = createHmac("sha1", `${contentRoot}/${id}`).update(id).digest("hex").slice(0, 10);
    if (tokens.size >= MAX_TOKENS) tokens.clear();
    tokens.set(key, token);
  }
  return token;
}

/** `<token>-<mtime in seconds>`: changes when the file is replaced, renamed or rewritten. */
export function mediaHash(contentRoot: string, model: FileModel): string {
  return `${mediaToken(contentRoot, fileId(model))}-${Math.floor(model.file.mtimeMs / 1000)}`;
}

export function mediaUrl(model: FileModel, context: ViewContext, filename = model.file.filename): string {
  const hash = mediaHash(context.services.content.site.dir, model);
  return `${context.baseUrl}/media/${mediaFolder(model.parent)}/${hash}/${filename}`;
}

/** Panel path of the file: `/pages/<id with +>/files/<name>`, `/site/files/<name>`, `/users/<id>/files/<name>`. */
export function panelLink(model: FileModel, context: ViewContext): string {
  const { parent } = model;
  const name = model.file.filename;
  switch (parent.kind) {
    case "page":
      return `/pages/${parent.page.id.replaceAll("/", "+")}/files/${name}`;
    case "site":
      return `/site/files/${name}`;
    case "user":
      return context.actor?.user.id === parent.user.id
        ? `/account/files/${name}`
        : `/users/${parent.user.id}/files/${name}`;
  }
}

/** A time as Kirby shows it: seconds, with the server's UTC offset (`2024-05-01T10:00:00+00:00`). */
export function isoDate(ms: number): string {
  const date = new Date(Math.floor(ms / 1000) * 1000);
  const offset = -date.getTimezoneOffset();
  const local = new Date(date.getTime() + offset * 60_000).toISOString().slice(0, 19);
  const sign = offset >= 0 ? "+" : "-";
  const hours = String(Math.floor(Math.abs(offset) / 60)).padStart(2, "0");
  const minutes = String(Math.abs(offset) % 60).padStart(2, "0");
  return `${local}${sign}${hours}:${minutes}`;
}
