import type { ContentFields } from "../content/types.js";

/**
 * The content lock (docs/changes.md#the-lock): a changes version names the user who saved it in its `Lock` field.
 * For every other user it is locked while that user exists and the changes file was modified less than ten minutes
 * ago. Pure: the caller reads the file and the accounts.
 */

/** The field of a changes version that names the lock holder (`Lock:` in the file). */
export const LOCK_FIELD = "lock";
/** How long a saved changes version stays locked for others after its last modification. */
export const LOCK_DURATION_MS = 10 * 60 * 1000;

/** A changes version as read from disk. */
export interface StoredChanges {
  /** Every field of the file, `lock` included. */
  readonly fields: ContentFields;
  /** Modification time of the changes file, in milliseconds. */
  readonly modifiedMs: number;
}

export interface LockQuery {
  /** The user who wants to change or delete the version. */
  readonly actorId: string;
  /** Option `content.locking`. */
  readonly locking: boolean;
  readonly now: number;
  userExists(id: string): boolean;
}

/** The id of the user who holds the lock of `changes` against the actor, or null when the actor may go ahead. */
export function lockHolder(changes: StoredChanges | null, query: LockQuery): string | null {
  if (!changes || !query.locking) return null;
  const holder = Object.hasOwn(changes.fields, LOCK_FIELD) ? (changes.fields[LOCK_FIELD] ?? "").trim() : "";
  if (holder === "" || holder === query.actorId) return null;
  if (!query.userExists(holder)) return null;
  const age = query.now - changes.modifiedMs;
  return age < LOCK_DURATION_MS ? holder : null;
}

/** The fields of a changes version without its lock: the content it proposes. */
export function withoutLock(fields: ContentFields): ContentFields {
  return Object.fromEntries(Object.entries(fields).filter(([key]) => key !== LOCK_FIELD));
}

/** Content with the actor's lock as the last field (no lock when locking is off). */
export function withLock(fields: ContentFields, actorId: string, locking: boolean): ContentFields {
  const content = withoutLock(fields);
  return locking ? { ...content, [LOCK_FIELD]: actorId } : content;
}

/** Whether two versions hold the same fields with the same values (order does not matter). */
export function sameContent(a: ContentFields, b: ContentFields): boolean {
  const keysA = Object.keys(a);
  if (keysA.length !== Object.keys(b).length) return false;
  return keysA.every((key) => Object.hasOwn(b, key) && a[key] === b[key]);
}

/** A time as PHP's `date('c')` writes it in UTC: `2026-12-02T13:23:26+00:00`. */
export function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}+00:00`;
}

/** Who holds a lock, as the lock error shows it: both null when the caller may not see that user. */
export interface LockHolderView {
  readonly id: string | null;
  readonly email: string | null;
}

/** The `details` of a 423 answer. */
export function lockDetails(modifiedMs: number, holder: LockHolderView): Record<string, unknown> {
  return {
    isLegacy: false,
    isLocked: true,
    modified: isoSeconds(modifiedMs),
    user: { id: holder.id, email: holder.email },
  };
}
