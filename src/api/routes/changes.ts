import { CREDENTIAL_KEYS } from "../../accounts/account-writer.js";
import type { User } from "../../accounts/types.js";
import type { Blueprint } from "../../blueprints/types.js";
import {
  discardChanges,
  fileVersions,
  pageVersions,
  publishChanges,
  saveChanges,
  siteVersions,
  unlockChanges,
  userVersions,
  type ChangesActor,
  type LockHolderView,
  type PublishCheck,
  type VersionedModel,
} from "../../changes/index.js";
import { assertNoUuidChange, submittedFields } from "../../content/stored-values.js";
import { AuthError, NotFoundError, PermissionError } from "../../errors.js";
import { can, isUserListable } from "../../permissions/can.js";
import { checkUpdate } from "../../permissions/user-rules.js";
import type { ApiContext } from "../context.js";
import { route, type ApiResult, type RouteDefinition } from "../route.js";
import type { FileParent } from "../views/file-model.js";
import { canFile, fileBlueprint } from "../views/file-permissions.js";
import { userParent } from "./files-avatar.js";
import { findParentFile, pageParent, siteParent } from "./files-lookup.js";
import { currentParent, fileWriterOf } from "./files-write.js";
import { findAccessiblePage, findAccessibleUser, requireSiteAccess } from "./lookup.js";

/**
 * Content changes (docs/changes.md): `POST <model>/changes/save|publish|discard|unlock` for a page, the site, the
 * account, a user and a file of any of them. Each needs the model's `update` permission; the lock is checked by the changes service on
 * what is on disk. Every action answers `{"status": "ok"}`; the model's GET keeps showing the published version.
 */

type Action = "save" | "publish" | "discard" | "unlock";

const OK = { status: "ok" } as const;
const HIDDEN_HOLDER: LockHolderView = { id: null, email: null };

/** The submitted values: query parameters and body, the body winning (as Kirby reads a request's data). */
function submitted(context: ApiContext): Record<string, unknown> {
  const values = { ...context.request.query.values, ...context.request.body.values };
  // the UUID is managed by Sheaf, as on PATCH (and keys that would collide are refused before any work)
  assertNoUuidChange(submittedFields(values));
  return values;
}

function changesActor(context: ApiContext): ChangesActor {
  const actor = context.actor;
  if (!actor || !context.identity) throw new AuthError();
  const { services } = context;
  const exactUser = (id: string): User | undefined => {
    const user = services.findUser(id);
    return user?.id === id ? user : undefined;
  };
  return {
    id: actor.user.id,
    locking: services.options.content.locking,
    userExists: (id) => exactUser(id) !== undefined,
    viewHolder: (id) => {
      const user = exactUser(id);
      if (!user || !isUserListable(actor, user, services.roleOf(user), services.permissions)) return HIDDEN_HOLDER;
      return { id: user.id, email: user.email };
    },
  };
}

async function run(
  context: ApiContext,
  action: Action,
  model: VersionedModel,
  check: PublishCheck = () => undefined,
): Promise<ApiResult> {
  const actor = changesActor(context);
  switch (action) {
    case "save":
      await saveChanges(model, actor, submitted(context));
      break;
    case "publish":
      await publishChanges(model, actor, submitted(context), check);
      break;
    case "discard":
      await discardChanges(model, actor);
      break;
    case "unlock":
      await unlockChanges(model, actor);
      break;
  }
  return OK;
}

/** Publishing a new title needs the `changeTitle` permission too, as the title routes do. */
function titleCheck(allowed: () => boolean, refuse: () => Error): PublishCheck {
  return (published, next) => {
    if ((published["title"] ?? "") !== (next["title"] ?? "") && !allowed()) throw refuse();
  };
}

function pageAction(action: Action) {
  return (context: ApiContext, [param = ""]: readonly string[]): Promise<ApiResult> => {
    if (action === "save" || action === "publish") submitted(context);
    const { services } = context;
    return services.writer.exclusive(async () => {
      const page = findAccessiblePage(context, param);
      const target = { kind: "page", page } as const;
      if (!can(context.actor, "update", target, services.permissions)) {
        throw new PermissionError({ key: "page.update.permission", data: { slug: page.slug } });
      }
      const model = pageVersions(services.writer, services.blueprints.page(page.template), page);
      const check = titleCheck(
        () => can(context.actor, "changeTitle", target, services.permissions),
        () => new PermissionError({ key: "page.changeTitle.permission", data: { slug: page.slug } }),
      );
      return run(context, action, model, check);
    });
  };
}

function siteAction(action: Action) {
  return (context: ApiContext): Promise<ApiResult> => {
    if (action === "save" || action === "publish") submitted(context);
    const { services } = context;
    return services.writer.exclusive(async () => {
      requireSiteAccess(context);
      if (!can(context.actor, "update", { kind: "site" }, services.permissions)) {
        throw new PermissionError({ key: "site.update.permission" });
      }
      const check = titleCheck(
        () => can(context.actor, "changeTitle", { kind: "site" }, services.permissions),
        () => new PermissionError({ key: "site.changeTitle.permission" }),
      );
      return run(context, action, siteVersions(services.writer, services.blueprints.site()), check);
    });
  };
}

function userBlueprint(context: ApiContext, user: User): Blueprint {
  const role = context.services.roleOf(user).name;
  return (
    context.services.blueprints.user(role) ?? {
      name: `users/${role}`,
      title: role,
      fields: [],
      options: {},
      num: "default",
      status: [],
      raw: {},
    }
  );
}

async function userAction(context: ApiContext, action: Action, user: User): Promise<ApiResult> {
  if (action === "save" || action === "publish") submitted(context);
  const actor = context.actor;
  if (!actor || !context.identity) throw new AuthError();
  checkUpdate(context.services, actor, user);
  const model = userVersions(context.services.accountWriter, userBlueprint(context, user), user, CREDENTIAL_KEYS);
  return run(context, action, model);
}

function accountAction(action: Action) {
  return (context: ApiContext): Promise<ApiResult> => {
    if (!context.identity) throw new NotFoundError({ key: "user.undefined" });
    return userAction(context, action, context.identity.user);
  };
}

function usersAction(action: Action) {
  return (context: ApiContext, [key = ""]: readonly string[]): Promise<ApiResult> =>
    userAction(context, action, findAccessibleUser(context, key));
}

/**
 * A file of a page, the site or a user (`<parent>/files/<name>/changes/<action>`): the file's `update` permission;
 * the published version is its meta file, written under the content write lock.
 */
function fileAction(action: Action, parentOf: (context: ApiContext, key: string) => FileParent | Promise<FileParent>) {
  return async (context: ApiContext, params: readonly string[]): Promise<ApiResult> => {
    if (action === "save" || action === "publish") submitted(context);
    const key = params.length > 1 ? (params[0] ?? "") : "";
    const parent = await parentOf(context, key);
    const writer = fileWriterOf(context.services);
    return writer.exclusive(async () => {
      const { file } = findParentFile(context, parent, params.at(-1) ?? "");
      const current = findParentFile(context, currentParent(context, parent), file.filename);
      if (!canFile(context.actor, "update", current, context)) {
        throw new PermissionError({ key: "file.update.permission", message: "The file cannot be updated" });
      }
      const blueprint = fileBlueprint(context.services.blueprints, current.file.meta["template"] || null);
      const model = fileVersions(writer, blueprint ?? EMPTY_FILE_BLUEPRINT, current.file);
      return run(context, action, model);
    });
  };
}

const EMPTY_FILE_BLUEPRINT: Blueprint = {
  name: "files/default",
  title: "File",
  fields: [],
  options: {},
  num: "default",
  status: [],
  raw: {},
};

const ACTIONS: readonly Action[] = ["save", "publish", "discard", "unlock"];

/** The changes routes of pages, the site, the account and users; any other method or action is no route (404). */
export const changesRoutes: readonly RouteDefinition[] = ACTIONS.flatMap((action) => [
  route("POST", `pages/(:any)/changes/${action}`, pageAction(action)),
  route("POST", `site/changes/${action}`, siteAction(action)),
  route("POST", `account/changes/${action}`, accountAction(action)),
  route("POST", `users/(:any)/changes/${action}`, usersAction(action)),
  route("POST", `pages/(:any)/files/(:any)/changes/${action}`, fileAction(action, pageParent)),
  route("POST", `site/files/(:any)/changes/${action}`, fileAction(action, siteParent)),
  route(
    "POST",
    `account/files/(:any)/changes/${action}`,
    fileAction(action, (context) => {
      if (!context.identity) throw new NotFoundError({ key: "user.undefined" });
      return userParent(context.services, context.identity.user);
    }),
  ),
  route(
    "POST",
    `users/(:any)/files/(:any)/changes/${action}`,
    fileAction(action, (context, key) => userParent(context.services, findAccessibleUser(context, key))),
  ),
]);
