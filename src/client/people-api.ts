import { collectionOf, modelOf, okOf } from "./envelopes.js";
import { avatarApi, filesApi } from "./files-api.js";
import { collectionParams, modelParams, rolePath, userPath } from "./paths.js";
import type { Transport } from "./transport.js";
import type { CompactRole, ContentInput, Role, User, UserFields, UserViews } from "./types.js";
import type {
  ChangePasswordInput,
  Collection,
  CollectionQuery,
  CreateUserInput,
  ItemShape,
  ModelQuery,
  ModelShape,
} from "./wire-types.js";

/**
 * What can be done to a user, at `users/<id>` or at `account` (the logged-in user). `at` names the user's path;
 * it is called inside the promise so that an invalid id rejects instead of throwing.
 */
function userActions(transport: Transport) {
  const patch = async (at: () => string, suffix: string, body: unknown): Promise<User> =>
    modelOf<User>(await transport.send({ method: "PATCH", path: `${at()}${suffix}`, body }));
  return {
    read: async <T>(at: () => string, query: ModelQuery | undefined): Promise<T> =>
      modelOf<T>(await transport.send({ method: "GET", path: at(), query: modelParams(query) })),
    update: (at: () => string, fields: ContentInput) => patch(at, "", fields),
    changeEmail: (at: () => string, email: string) => patch(at, "/email", { email }),
    changeLanguage: (at: () => string, language: string) => patch(at, "/language", { language }),
    changeName: (at: () => string, name: string) => patch(at, "/name", { name }),
    changePassword: (at: () => string, input: ChangePasswordInput) =>
      patch(at, "/password", { password: input.password, currentPassword: input.currentPassword }),
    changeRole: (at: () => string, role: string) => patch(at, "/role", { role }),
    delete: async (at: () => string): Promise<void> => okOf(await transport.send({ method: "DELETE", path: at() })),
    roles: async (at: () => string): Promise<Collection<CompactRole>> =>
      collectionOf<CompactRole>(await transport.send({ method: "GET", path: `${at()}/roles` })),
  };
}

/** Users: `client.users`. A user is named by id or e-mail address. */
export function usersApi(transport: Transport) {
  const act = userActions(transport);
  const user = (id: string) => () => userPath(id);
  return {
    /** `GET users`: the users the current user may list, compact unless `select`/`view` say otherwise. */
    async list<K extends keyof UserFields = never, V extends string = never>(
      query?: CollectionQuery<K, V>,
    ): Promise<Collection<ItemShape<UserFields, UserViews, K, V>>> {
      return collectionOf(await transport.send({ method: "GET", path: "users", query: collectionParams(query) }));
    },
    get<K extends keyof UserFields = never, V extends string = never>(
      id: string,
      query?: ModelQuery<K, V>,
    ): Promise<ModelShape<UserFields, UserViews, K, V>> {
      return act.read(user(id), query);
    },
    create: async (input: CreateUserInput): Promise<User> =>
      modelOf<User>(await transport.send({ method: "POST", path: "users", body: input })),
    /** `PATCH users/<id>`: changes the given content fields; the others stay. */
    update: (id: string, fields: ContentInput): Promise<User> => act.update(user(id), fields),
    changeEmail: (id: string, email: string): Promise<User> => act.changeEmail(user(id), email),
    changeLanguage: (id: string, language: string): Promise<User> => act.changeLanguage(user(id), language),
    changeName: (id: string, name: string): Promise<User> => act.changeName(user(id), name),
    /** `currentPassword` is the logged-in user's own password. The user's older sessions end. */
    changePassword: (id: string, input: ChangePasswordInput): Promise<User> => act.changePassword(user(id), input),
    changeRole: (id: string, role: string): Promise<User> => act.changeRole(user(id), role),
    delete: (id: string): Promise<void> => act.delete(user(id)),
    /** The roles the current user may give this user. */
    roles: (id: string): Promise<Collection<CompactRole>> => act.roles(user(id)),
    /** The user's avatar: `get()` (null without one), `set(image)`, `remove()`; needs `update` on the user. */
    avatar: (id: string) => avatarApi(transport, user(id)),
    /** The user's files (`users/<id>/files`). */
    files: (id: string) => filesApi(transport, user(id)),
  };
}

/** The logged-in user: `client.account`. */
export function accountApi(transport: Transport) {
  const act = userActions(transport);
  const account = () => "account";
  return {
    get<K extends keyof UserFields = never, V extends string = never>(
      query?: ModelQuery<K, V>,
    ): Promise<ModelShape<UserFields, UserViews, K, V>> {
      return act.read(account, query);
    },
    update: (fields: ContentInput): Promise<User> => act.update(account, fields),
    changeEmail: (email: string): Promise<User> => act.changeEmail(account, email),
    changeLanguage: (language: string): Promise<User> => act.changeLanguage(account, language),
    changeName: (name: string): Promise<User> => act.changeName(account, name),
    /** This session stays logged in; the account's other sessions end. */
    changePassword: (input: ChangePasswordInput): Promise<User> => act.changePassword(account, input),
    changeRole: (role: string): Promise<User> => act.changeRole(account, role),
    delete: (): Promise<void> => act.delete(account),
    roles: (): Promise<Collection<CompactRole>> => act.roles(account),
    /** The logged-in user's avatar: `get()` (null without one), `set(image)`, `remove()`. */
    avatar: avatarApi(transport, account),
    /** The logged-in user's files (`account/files`). */
    files: filesApi(transport, account),
  };
}

/** Roles: `client.roles`. */
export function rolesApi(transport: Transport) {
  return {
    list: async (): Promise<Collection<CompactRole>> =>
      collectionOf<CompactRole>(await transport.send({ method: "GET", path: "roles" })),
    /** A role with its permissions. */
    get: async (name: string): Promise<Role> =>
      modelOf<Role>(await transport.send({ method: "GET", path: rolePath(name) })),
  };
}

export type UsersApi = ReturnType<typeof usersApi>;
export type AccountApi = ReturnType<typeof accountApi>;
export type RolesApi = ReturnType<typeof rolesApi>;
