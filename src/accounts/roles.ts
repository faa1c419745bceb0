/**
 * Roles (docs/kirby-compat/permissions.md#roles): one per `site/blueprints/users/<name>.yml` except `default.yml`, plus
 * the built-in `admin` when there is no `admin.yml`. `nobody` is the fallback role of users whose role does not exist
 * and of anonymous requests; it is never listed.
 */

import { translatedText, type BlueprintRegistry } from "../blueprints/index.js";
import { allPermissions, normalisePermissions } from "./permissions.js";
import type { PermissionMap, Role } from "./types.js";

function frozenPermissions(value: boolean): PermissionMap {
  const map = allPermissions(value);
  for (const actions of Object.values(map)) Object.freeze(actions);
  return Object.freeze(map);
}

function builtInAdmin(): Role {
  return { name: "admin", title: "Admin", description: "The admin has all rights", permissions: allPermissions(true) };
}

/** Role of users whose stored role does not exist, and of anonymous requests. Never listed among the roles. */
export const NOBODY_ROLE: Role = Object.freeze({
  name: "nobody",
  title: "Nobody",
  description: "This is a fallback role without any permissions",
  permissions: frozenPermissions(false),
});

function upperFirst(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * Builds every role, sorted by name.
 *
 * @throws ConfigError when a role file has a permission value that is not a boolean.
 */
export function buildRoles(registry: BlueprintRegistry): Map<string, Role> {
  const roles = new Map<string, Role>();
  for (const name of registry.roleNames()) {
    const blueprint = registry.user(name);
    if (blueprint === undefined) continue;
    const raw = blueprint.raw;
    roles.set(name, {
      name,
      title: translatedText(raw["title"]) ?? upperFirst(name),
      description: translatedText(raw["description"]) ?? null,
      permissions: normalisePermissions(raw["permissions"], name),
    });
  }
  if (!roles.has("admin")) roles.set("admin", builtInAdmin());

  const sortedNames = [...roles.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return new Map(sortedNames.map((name) => [name, roles.get(name) as Role]));
}
