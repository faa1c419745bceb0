/**
 * Short keys for caches of rendered or filtered models: a number per object (item snapshots, roles, token scopes),
 * which are replaced, never changed, so a key never names stale state; and the key of an actor, which decides what
 * a caller may see and do (its role and the scope of its application password).
 */
import type { Actor } from "../permissions/can.js";

const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;

export function idOf(object: object): number {
  let id = objectIds.get(object);
  if (id === undefined) {
    id = nextObjectId++;
    objectIds.set(object, id);
  }
  return id;
}

/** What an actor may see and do, as a key; null when it cannot be named (a restriction without a key). */
export function actorKey(actor: Actor): string | null {
  if (!actor) return "0";
  const restriction = actor.restrictionKey;
  if (actor.restrict && restriction === undefined) return null;
  const scope =
    restriction === undefined ? "" : `/${typeof restriction === "string" ? restriction : `#${idOf(restriction)}`}`;
  return `${idOf(actor.role)}${scope}`;
}
