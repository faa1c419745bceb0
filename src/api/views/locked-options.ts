import { isLockedFor, lockedOptions } from "../../changes/index.js";
import type { ViewContext } from "../context.js";

/**
 * A model's `options` as the viewer sees them: while another user holds the lock of its changes version, every option
 * is false except those in `kept` (docs/changes.md#the-lock).
 */
export function optionsAsViewed(
  item: unknown,
  options: Record<string, boolean>,
  context: ViewContext,
  kept: readonly string[] = [],
): Record<string, boolean> {
  const actor = context.actor;
  if (!actor) return options;
  const { services } = context;
  const locked = isLockedFor(item, {
    actorId: actor.user.id,
    locking: services.options.content.locking,
    userExists: (id) => services.findUser(id)?.id === id,
  });
  return locked ? lockedOptions(options, kept) : options;
}
