import path from "node:path";
import { LockedContentError } from "../errors.js";
import { KeyedMutex } from "../fs/keyed-mutex.js";
import type { ContentFields } from "../content/types.js";
import { deleteChanges, readChanges, removeLegacyLock, writeChanges } from "./changes-file.js";
import {
  LOCK_FIELD,
  lockDetails,
  lockHolder,
  sameContent,
  withLock,
  withoutLock,
  type LockHolderView,
  type StoredChanges,
} from "./lock.js";
import { withProcessLock } from "./process-lock.js";
import type { VersionedModel } from "./versioned-model.js";

/**
 * The four version actions of a model (docs/changes.md#routes): save, publish, discard, unlock. Each runs alone per
 * model, in this process (a mutex) and between processes sharing the site (a lock file in the model's folder), and
 * reads the changes version and its lock from disk inside that lock: the disk is the only state, so locks survive
 * restarts and every process sees the same ones. Permissions are the caller's business.
 */

/** Who acts, and how a lock is shown to them. */
export interface ChangesActor {
  readonly id: string;
  /** Option `content.locking`. */
  readonly locking: boolean;
  userExists(id: string): boolean;
  /** The lock holder as this actor may see them (both null when they may not). */
  viewHolder(id: string): LockHolderView;
}

/** A check of the content about to be published (permissions per field, for example); throws to refuse. */
export type PublishCheck = (published: ContentFields, next: ContentFields) => void;

/** The lock file that serialises version actions of a model between processes. */
export const PROCESS_LOCK_FILE = ".sheaf-changes.lock";

const LOCKED_MESSAGES = {
  update: "The version is locked and cannot be updated",
  delete: "The version is locked and cannot be deleted",
} as const;

const mutex = new KeyedMutex();

function exclusive<T>(model: VersionedModel, task: () => Promise<T>): Promise<T> {
  return mutex.run(model.changesFile, () => withProcessLock(path.join(model.dir, PROCESS_LOCK_FILE), task));
}

/** Refuses with 423 when another user holds the lock of the changes version. */
function assertUnlocked(changes: StoredChanges | null, actor: ChangesActor, action: "update" | "delete"): void {
  const holder = lockHolder(changes, {
    actorId: actor.id,
    locking: actor.locking,
    now: Date.now(),
    userExists: (id) => actor.userExists(id),
  });
  if (holder === null || !changes) return;
  throw new LockedContentError({
    key: `content.lock.${action}`,
    message: LOCKED_MESSAGES[action],
    details: lockDetails(changes.modifiedMs, actor.viewHolder(holder)),
  });
}

/** Submitted values never set the lock: it is always the actor's. */
function withoutLockInput(input: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(input).filter(([key]) => key.trim().toLowerCase() !== LOCK_FIELD));
}

/**
 * The content the model proposes after this save: the changes version (or the published one when there is none)
 * with the submitted values stored into it.
 */
function proposed(
  model: VersionedModel,
  changes: StoredChanges | null,
  published: ContentFields,
  input: Readonly<Record<string, unknown>>,
): ContentFields {
  const base = changes ? { ...published, ...withoutLock(changes.fields) } : published;
  return withoutLock(model.merge(base, withoutLockInput(input)));
}

/** Writes the proposed content as the changes version, or removes the version when it equals the published one. */
async function store(
  model: VersionedModel,
  actor: ChangesActor,
  content: ContentFields,
  published: ContentFields,
): Promise<void> {
  if (sameContent(content, published)) await deleteChanges(model.changesFile);
  else await writeChanges(model.changesFile, withLock(content, actor.id, actor.locking));
  await removeLegacyLock(model.dir);
}

/** Saves submitted values into the changes version (423 when another user holds its lock). */
export function saveChanges(
  model: VersionedModel,
  actor: ChangesActor,
  input: Readonly<Record<string, unknown>>,
): Promise<void> {
  return exclusive(model, async () => {
    const changes = await readChanges(model.changesFile);
    assertUnlocked(changes, actor, "update");
    const published = await model.readPublished();
    await store(model, actor, proposed(model, changes, published, input), published);
  });
}

/**
 * Saves the submitted values, then makes the changes version the published one. The published file is replaced
 * atomically and durably before the changes version is deleted, so a crash leaves the old or the new content, and
 * never loses the changes before they are published. Without changes it does nothing.
 */
export function publishChanges(
  model: VersionedModel,
  actor: ChangesActor,
  input: Readonly<Record<string, unknown>>,
  check: PublishCheck = () => undefined,
): Promise<void> {
  return exclusive(model, async () => {
    const changes = await readChanges(model.changesFile);
    assertUnlocked(changes, actor, "update");
    const published = await model.readPublished();
    const content = proposed(model, changes, published, input);
    if (sameContent(content, published)) {
      await deleteChanges(model.changesFile);
    } else {
      check(published, content);
      await model.writePublished(content);
      await deleteChanges(model.changesFile);
    }
    await removeLegacyLock(model.dir);
  });
}

/** Deletes the changes version (423 when another user holds its lock). */
export function discardChanges(model: VersionedModel, actor: ChangesActor): Promise<void> {
  return exclusive(model, async () => {
    const changes = await readChanges(model.changesFile);
    assertUnlocked(changes, actor, "delete");
    await deleteChanges(model.changesFile);
    await removeLegacyLock(model.dir);
  });
}

/** Removes the actor's own lock; the changes stay. Someone else's lock is left as it is. */
export function unlockChanges(model: VersionedModel, actor: ChangesActor): Promise<void> {
  return exclusive(model, async () => {
    const changes = await readChanges(model.changesFile);
    if (!changes || !Object.hasOwn(changes.fields, LOCK_FIELD)) return;
    if ((changes.fields[LOCK_FIELD] ?? "").trim() !== actor.id) return;
    await writeChanges(model.changesFile, withoutLock(changes.fields));
  });
}
