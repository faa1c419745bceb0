import type { User } from "../../accounts/types.js";
import { optionsAsViewed } from "./locked-options.js";
import { isRoleAccessible, isUserListable, optionsMap, USER_OPTION_KEYS } from "../../permissions/can.js";
import type { ViewContext } from "../context.js";
import { assignableRoles } from "../../permissions/user-rules.js";
import { NestedCollection, NestedModel, type ModelSchema } from "./engine.js";
import { formValues } from "./form-values.js";
import { renderUserBlueprint } from "./blueprint.js";
import { roleSchema } from "./role.js";
import { avatarField } from "./avatar.js";

export function username(user: User): string {
  return user.name !== null && user.name !== "" ? user.name : user.email;
}

const CHUNKS = /\d+|\D+/g;

/** PHP's natural, case-insensitive order: runs of digits compare as numbers, the rest by lower-cased code units. */
export function naturalCompare(a: string, b: string): number {
  const left = a.toLowerCase().match(CHUNKS) ?? [];
  const right = b.toLowerCase().match(CHUNKS) ?? [];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const [x, y] = [left[i] as string, right[i] as string];
    if (x === y) continue;
    const numeric = /^\d/.test(x) && /^\d/.test(y);
    if (numeric && Number(x) !== Number(y)) return Number(x) < Number(y) ? -1 : 1;
    return x < y ? -1 : 1;
  }
  return left.length - right.length;
}

/** Users in Kirby's list order: by username, then e-mail, both in natural case-insensitive order. */
export function sortUsers(users: readonly User[]): User[] {
  return [...users].sort((a, b) => naturalCompare(username(a), username(b)) || naturalCompare(a.email, b.email));
}

export function listableUsers(context: ViewContext): User[] {
  const { services, actor } = context;
  return sortUsers(services.users()).filter((user) =>
    isUserListable(actor, user, services.roleOf(user), services.permissions),
  );
}

function neighbour(user: User, context: ViewContext, offset: number): NestedModel<User, ViewContext> | null {
  const list = listableUsers(context);
  const index = list.findIndex((candidate) => candidate.id === user.id);
  const other = index < 0 ? undefined : list[index + offset];
  return other ? new NestedModel(userSchema, other) : null;
}

function roleValue(user: User, context: ViewContext): NestedModel<unknown, ViewContext> | null {
  const role = context.services.roleOf(user);
  return isRoleAccessible(context.actor, role, context.services.permissions)
    ? (new NestedModel(roleSchema, role) as NestedModel<unknown, ViewContext>)
    : null;
}

export const userSchema: ModelSchema<User, ViewContext> = {
  name: "user",
  fields: {
    avatar: (user, context) => avatarField(user, context),
    blueprint: (user, context) => renderUserBlueprint(user, context, `/users/${user.id}`),
    content: (user, context) => {
      const blueprint = context.services.blueprints.user(context.services.roleOf(user).name);
      if (!blueprint) return Object.keys(user.content).length ? { ...user.content } : [];
      return formValues(blueprint, user.content);
    },
    email: (user) => user.email,
    files: () => [],
    id: (user) => user.id,
    language: (user, context) => user.language ?? context.services.options.panel.language,
    name: (user) => user.name,
    next: (user, context) => neighbour(user, context, 1),
    options: (user, context) =>
      optionsAsViewed(
        user,
        optionsMap(
          USER_OPTION_KEYS,
          context.actor,
          { kind: "user", user, role: context.services.roleOf(user) },
          context.services.permissions,
        ),
        context,
      ),
    // the Panel's icon descriptor of a user without an avatar
    panelImage: () => ({ back: "black", color: "gray-500", cover: false, icon: "user", ratio: "1/1" }),
    permissions: (user, context) => {
      const role = context.services.roleOf(user);
      return isRoleAccessible(context.actor, role, context.services.permissions) ? role.permissions : null;
    },
    prev: (user, context) => neighbour(user, context, -1),
    role: (user, context) => roleValue(user, context),
    // the roles the caller could give this user, as `GET users/<id>/roles` lists them
    // (docs/kirby-compat/permissions.md#permission-of-each-route)
    roles: (user, context) =>
      context.actor ? new NestedCollection(roleSchema, assignableRoles(context.services, context.actor, user)) : [],
    username: (user) => username(user),
    uuid: (user) => `user://${user.id}`,
  },
  views: {
    default: [
      "avatar",
      "content",
      "email",
      "id",
      "language",
      "name",
      { field: "next", view: "compact" },
      "options",
      { field: "prev", view: "compact" },
      "role",
      "username",
      "uuid",
    ],
    compact: [
      { field: "avatar", view: "compact" },
      "id",
      "email",
      "language",
      "name",
      { field: "role", view: "compact" },
      "username",
      "uuid",
    ],
    auth: ["avatar", "permissions", "email", "id", "name", "role", "language"],
    panel: [
      "avatar",
      "blueprint",
      "content",
      "email",
      "id",
      "language",
      "name",
      { field: "next", select: ["id", "name"] },
      "options",
      { field: "prev", select: ["id", "name"] },
      "role",
      "username",
      "uuid",
    ],
  },
  defaultView: "default",
  collectionView: "compact",
  // every content field plus id, name, email and role name
  search: (users, query, context) =>
    context.services.search.searchUsers(users, query, (user) => context.services.roleOf(user)),
};
