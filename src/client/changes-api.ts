import { okOf } from "./envelopes.js";
import { SheafApiError } from "./errors.js";
import { filePath, pagePath, userPath, type FileOwner } from "./paths.js";
import type { Transport } from "./transport.js";
import type { ContentInput } from "./types.js";

/**
 * Content changes (docs/changes.md): unpublished edits of a model kept as its "changes" version, published or
 * discarded later. `client.changes.page(id)`, `.site()`, `.account()`, `.user(id)` and `.file(owner, filename)` give
 * the same four methods.
 * A model another user has changes on is locked: save, publish and discard then reject with a `SheafApiError` of
 * status 423, whose `lockOf()` tells who holds the lock.
 */
export interface ModelChanges {
  /** `POST <model>/changes/save`: merges the fields into the changes version (dropped when equal to the published one). */
  save(fields: ContentInput): Promise<void>;
  /** `POST <model>/changes/publish`: saves the fields (if any), then makes the changes the published version. */
  publish(fields?: ContentInput): Promise<void>;
  /** `POST <model>/changes/discard`: deletes the changes version. */
  discard(): Promise<void>;
  /** `POST <model>/changes/unlock`: lets others change the model; your changes stay. */
  unlock(): Promise<void>;
}

export interface ChangesApi {
  page(id: string): ModelChanges;
  site(): ModelChanges;
  /** The logged-in user. */
  account(): ModelChanges;
  user(idOrEmail: string): ModelChanges;
  /** A file's meta fields: `file({ page: "blog/hello" }, "cover.jpg")`, `file("site", "logo.png")`. */
  file(owner: FileOwner, filename: string): ModelChanges;
}

/** Who holds the lock of a model, as a 423 answer tells it (`id` and `email` are null when you may not see them). */
export interface ContentLock {
  readonly modified: string;
  readonly user: { readonly id: string | null; readonly email: string | null };
}

/** The lock of a 423 error of the changes routes, or null for any other error. */
export function lockOf(error: unknown): ContentLock | null {
  if (!(error instanceof SheafApiError) || error.status !== 423) return null;
  const details = error.details as Record<string, unknown>;
  const user = (details["user"] ?? {}) as Record<string, unknown>;
  const text = (value: unknown): string | null => (typeof value === "string" ? value : null);
  return { modified: String(details["modified"] ?? ""), user: { id: text(user["id"]), email: text(user["email"]) } };
}

function modelChanges(transport: Transport, modelPath: () => string): ModelChanges {
  const action = async (name: string, body?: ContentInput): Promise<void> => {
    okOf(
      await transport.send({
        method: "POST",
        path: `${modelPath()}/changes/${name}`,
        ...(body === undefined ? {} : { body }),
      }),
    );
  };
  return {
    save: (fields) => action("save", fields),
    publish: (fields) => action("publish", fields),
    discard: () => action("discard"),
    unlock: () => action("unlock"),
  };
}

/** `client.changes`. */
export function changesApi(transport: Transport): ChangesApi {
  return {
    page: (id) => modelChanges(transport, () => pagePath(id)),
    site: () => modelChanges(transport, () => "site"),
    account: () => modelChanges(transport, () => "account"),
    user: (idOrEmail) => modelChanges(transport, () => userPath(idOrEmail)),
    file: (owner, filename) => modelChanges(transport, () => filePath(owner, filename)),
  };
}
