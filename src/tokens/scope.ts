import { PERMISSION_DEFAULTS } from "../accounts/permissions.js";
import { safeValue } from "../log/safe-value.js";
import type { TokenScope } from "./token-store.js";

/** Actions a read-only token keeps: looking, never changing. */
const READ_ACTIONS = new Set(["access", "list", "read", "preview"]);

/**
 * Whether a token's scope allows an action. This is only ever a further limit: the owner's own permission is
 * checked as well, on every request, so a token is never more than its owner can do now.
 */
export function scopeAllows(scope: TokenScope, category: string, action: string): boolean {
  if (scope === "full") return true;
  if (scope === "read") return READ_ACTIONS.has(action);
  const actions = Object.hasOwn(scope.permissions, category) ? scope.permissions[category] : undefined;
  return actions !== undefined && Object.hasOwn(actions, action) && actions[action] === true;
}

/** Validates a scope given through the API or the CLI; throws a readable message on anything else. */
export function parseScope(value: unknown): TokenScope {
  if (value === undefined || value === null || value === "read") return "read";
  if (value === "full") return "full";
  if (typeof value === "object" && !Array.isArray(value)) {
    const permissions: Record<string, Record<string, boolean>> = {};
    for (const [category, actions] of Object.entries(value as Record<string, unknown>)) {
      if (typeof actions !== "object" || actions === null || Array.isArray(actions)) {
        throw new Error(`The scope of "${category}" must be a map of actions to true or false`);
      }
      const known = Object.hasOwn(PERMISSION_DEFAULTS, category) ? PERMISSION_DEFAULTS[category] : undefined;
      if (known === undefined)
        throw new Error(`The scope names an unknown permission category "${safeValue(category, 64)}"`);
      permissions[category] = {};
      for (const [action, allowed] of Object.entries(actions as Record<string, unknown>)) {
        if (!known.includes(action))
          throw new Error(
            `The scope names an unknown permission "${safeValue(category, 64)}.${safeValue(action, 64)}"`,
          );
        if (typeof allowed !== "boolean") throw new Error(`The scope "${category}.${action}" must be true or false`);
        (permissions[category] as Record<string, boolean>)[action] = allowed;
      }
    }
    return { permissions };
  }
  throw new Error('The scope must be "read", "full" or a map of permissions such as {"pages": {"update": true}}');
}
