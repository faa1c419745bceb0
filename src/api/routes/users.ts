import { changeableRoles, creatableRoles } from "../../permissions/user-rules.js";
import { NotFoundError } from "../../errors.js";
import { isRoleAccessible } from "../../permissions/can.js";
import { CollectionResult, ModelResult } from "../result.js";
import { route, type RouteDefinition } from "../route.js";
import { roleSchema } from "../views/role.js";
import { listableUsers, userSchema } from "../views/user.js";
import { prepareAvatar } from "../views/avatar.js";
import { findAccessibleUser } from "./lookup.js";
import type { ApiContext } from "../context.js";

function accountUser(context: ApiContext) {
  if (!context.identity) throw new NotFoundError({ key: "user.undefined" });
  return context.identity.user;
}

/** Read routes of users, the current account and roles (docs/kirby-compat/routes-and-envelopes.md#routes). */
export const userRoutes: readonly RouteDefinition[] = [
  route("GET", "account", async (context) => {
    const user = accountUser(context);
    await prepareAvatar(user, context.services.content.site.dir);
    return new ModelResult(userSchema, user);
  }),
  route("GET", "roles", (context) => {
    const { services, actor } = context;
    let visible = services.roles().filter((role) => isRoleAccessible(actor, role, services.permissions));
    // `canBe` narrows the list for non-admins to the roles they could give
    // (docs/kirby-compat/permissions.md#permission-of-each-route)
    const canBe = context.request.query.string("canBe");
    if (actor && (canBe === "changed" || canBe === "created")) {
      const allowed = new Set(
        (canBe === "created" ? creatableRoles(services, actor) : changeableRoles(services, actor)).map(
          (role) => role.name,
        ),
      );
      visible = visible.filter((role) => allowed.has(role.name));
    }
    return new CollectionResult(roleSchema, visible);
  }),
  route("GET", "roles/(:any)", (context, [name = ""]) => {
    const role = context.services.findRole(name);
    if (!role || !isRoleAccessible(context.actor, role, context.services.permissions)) {
      throw new NotFoundError({ key: "role.notFound", data: { name } });
    }
    return new ModelResult(roleSchema, role);
  }),
  route("GET", "users", (context) => new CollectionResult(userSchema, listableUsers(context))),
  route("GET", "users/(:any)", async (context, [key = ""]) => {
    const user = findAccessibleUser(context, key);
    await prepareAvatar(user, context.services.content.site.dir);
    return new ModelResult(userSchema, user);
  }),
];
