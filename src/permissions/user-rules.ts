/**
 * The rules of user actions (docs/kirby-compat/permissions.md#user-rules,
 * docs/kirby-compat/auth-and-sessions.md#passwords): validation and the permission each action needs, checked in
 * Kirby's order and failing with Kirby's error keys. Pure: it reads users, roles and permissions and decides;
 * nothing here touches the disk. What a valid field value is lives in accounts/user-fields.ts.
 */

import { DuplicateError, InvalidArgumentError, LogicError, PermissionError } from "../errors.js";
import { RESERVED_USER_IDS } from "../accounts/account-writer.js";
import { NOBODY_ROLE } from "../accounts/roles.js";
import type { Role, User } from "../accounts/types.js";
import { assertValidLanguage, assertValidPassword, isValidEmail } from "../accounts/user-fields.js";
import { can, type PermissionContext, type PermissionTarget } from "./can.js";

/** The user performing an action, with the role they act with. */
export interface ActingUser {
  readonly user: User;
  readonly role: Role;
  /** Narrows the user's rights (an application password's scope); see `Actor` in permissions/can.ts. */
  readonly restrict?: (category: string, action: string) => boolean;
}

/** What the rules read about users and roles (the API's `SiteServices` provides it). */
export interface UserDirectory {
  users(): readonly User[];
  findUser(key: string): User | undefined;
  /** Roles that exist (sorted by name; `nobody` excluded). */
  roles(): readonly Role[];
  roleOf(user: User): Role;
  findRole(name: string): Role | undefined;
  readonly permissions: PermissionContext;
}

/** Role names that mean "no particular role" when creating a user. */
const UNASSIGNED_ROLES: ReadonlySet<string> = new Set(["default", "nobody"]);

/** Ids usable as folder names; longer ids are refused before the file system does it less politely. */
const USER_ID = /^[A-Za-z0-9_-]{1,128}$/;

// ---- validation ----------------------------------------------------------------------------------------------

/** A valid address that no other user has (compared case-insensitively). */
export function assertValidEmail(directory: UserDirectory, email: string, owner: User | null): void {
  if (!isValidEmail(email)) throw new InvalidArgumentError({ key: "user.email.invalid" });
  const holder = directory.findUser(email.toLowerCase());
  if (holder && holder.id !== owner?.id) throw new DuplicateError({ key: "user.duplicate", data: { email } });
}

/** An id chosen for a new user: a plain folder name, not reserved, not taken (in any letter case). */
export function assertValidUserId(directory: UserDirectory, id: string): void {
  if (!USER_ID.test(id)) throw new InvalidArgumentError({ message: `"${id}" cannot be used as user id` });
  if (RESERVED_USER_IDS.has(id.toLowerCase())) {
    throw new InvalidArgumentError({ message: `"${id}" is a reserved word and cannot be used as user id` });
  }
  if (directory.users().some((user) => user.id.toLowerCase() === id.toLowerCase())) {
    throw new DuplicateError({ message: "A user with this id exists" });
  }
}

// ---- helpers -------------------------------------------------------------------------------------------------

function isAdmin(role: Role): boolean {
  return role.name === "admin";
}

function displayName(user: User): string {
  return user.name !== null && user.name !== "" ? user.name : user.email;
}

function targetOf(directory: UserDirectory, user: User): PermissionTarget {
  return { kind: "user", user, role: directory.roleOf(user) };
}

/** The same user as if they had `role`: what permission checks of a role change or creation look at. */
function withRole(user: User, role: Role): PermissionTarget {
  return { kind: "user", user: { ...user, role: role.name }, role };
}

function assertCan(directory: UserDirectory, actor: ActingUser, action: string, target: User): void {
  if (!can(actor, action, targetOf(directory, target), directory.permissions)) {
    throw new PermissionError({ key: `user.${action}.permission`, data: { name: displayName(target) } });
  }
}

export function isLastAdmin(directory: UserDirectory, user: User): boolean {
  return isAdmin(directory.roleOf(user)) && directory.permissions.adminCount() <= 1;
}

export function isLastUser(directory: UserDirectory, user: User): boolean {
  const users = directory.users();
  return users.length === 1 && users[0]?.id === user.id;
}

// ---- roles ---------------------------------------------------------------------------------------------------

/**
 * Roles `target` can be given by `actor` (`GET …/roles`, `PATCH …/role`): for admins every role, except that the
 * last admin stays admin; for other users the target's own role plus the roles for which the change would be
 * permitted (never `admin`), or only the own role when the actor may not change the target's role at all.
 */
export function assignableRoles(directory: UserDirectory, actor: ActingUser, target: User): Role[] {
  const roles = directory.roles();
  const current = directory.roleOf(target).name;
  const own = roles.filter((role) => role.name === current);
  if (isAdmin(actor.role)) return isLastAdmin(directory, target) ? own : [...roles];
  if (!can(actor, "changeRole", targetOf(directory, target), directory.permissions)) return own;
  return roles.filter(
    (role) => role.name === current || can(actor, "changeRole", withRole(target, role), directory.permissions),
  );
}

/** Roles `actor` may give a new user: every role for admins, else those the `create` permission allows. */
export function creatableRoles(directory: UserDirectory, actor: ActingUser): Role[] {
  return rolesAllowing(directory, actor, "create");
}

/** Roles some user could be changed to or from by `actor`: every role for admins, else those `changeRole` allows. */
export function changeableRoles(directory: UserDirectory, actor: ActingUser): Role[] {
  return rolesAllowing(directory, actor, "changeRole");
}

/** Roles for which `action` on a user holding them is permitted to `actor` (admins: every role). */
function rolesAllowing(directory: UserDirectory, actor: ActingUser, action: "create" | "changeRole"): Role[] {
  const roles = directory.roles();
  if (isAdmin(actor.role)) return [...roles];
  const draft = transientUser("", "", NOBODY_ROLE.name);
  return roles.filter((role) => can(actor, action, withRole(draft, role), directory.permissions));
}

/**
 * The role written for a requested role name: the role if it exists, else `nobody`
 * (docs/kirby-compat/permissions.md#roles).
 */
export function storedRoleName(directory: UserDirectory, requested: string): string {
  return directory.findRole(requested)?.name ?? NOBODY_ROLE.name;
}

function transientUser(id: string, email: string, role: string): User {
  return {
    id,
    dir: "",
    email,
    language: null,
    name: null,
    role,
    passwordHash: null,
    secrets: {},
    passwordTimestamp: null,
    content: {},
  };
}

// ---- actions -------------------------------------------------------------------------------------------------

/** A user about to be created, normalised. */
export interface UserDraft {
  /** Chosen id; null when one will be generated. */
  readonly id: string | null;
  readonly email: string;
  /** Requested role name (normalised), or null when none was given. */
  readonly role: string | null;
  readonly language: string;
  /** Null when no password was given. */
  readonly password: string | null;
}

/**
 * Create (docs/kirby-compat/permissions.md#user-rules), in order: id; e-mail (valid, unique); language; the first user
 * needs a password; password length; admins may do the rest; the first user is always allowed; `users.create` for the
 * new user; the role must be one the actor can create unless none, `default` or `nobody` was asked for.
 */
export function checkCreate(directory: UserDirectory, actor: ActingUser | null, draft: UserDraft): void {
  if (draft.id !== null) assertValidUserId(directory, draft.id);
  assertValidEmail(directory, draft.email, null);
  assertValidLanguage(draft.language);
  const isFirstUser = directory.users().length === 0;
  if (isFirstUser && draft.password === null) assertValidPassword("");
  if (draft.password !== null) assertValidPassword(draft.password);
  // an application password's scope limits even an admin
  if (actor?.restrict && !actor.restrict("users", "create"))
    throw new PermissionError({ key: "user.create.permission" });
  if (actor && isAdmin(actor.role)) return;
  if (isFirstUser) return;

  const role = directory.findRole(storedRoleName(directory, draft.role ?? "default")) ?? NOBODY_ROLE;
  const newUser = transientUser(draft.id ?? "", draft.email, role.name);
  if (!actor || !can(actor, "create", withRole(newUser, role), directory.permissions)) {
    throw new PermissionError({ key: "user.create.permission" });
  }
  if (draft.role !== null && !UNASSIGNED_ROLES.has(draft.role)) {
    if (!creatableRoles(directory, actor).some((candidate) => candidate.name === draft.role)) {
      throw new InvalidArgumentError({ key: "user.role.invalid" });
    }
  }
}

export function checkUpdate(directory: UserDirectory, actor: ActingUser, target: User): void {
  assertCan(directory, actor, "update", target);
}

export function checkChangeEmail(directory: UserDirectory, actor: ActingUser, target: User, email: string): void {
  assertCan(directory, actor, "changeEmail", target);
  assertValidEmail(directory, email, target);
}

export function checkChangeLanguage(directory: UserDirectory, actor: ActingUser, target: User, language: string): void {
  assertCan(directory, actor, "changeLanguage", target);
  assertValidLanguage(language);
}

export function checkChangeName(directory: UserDirectory, actor: ActingUser, target: User): void {
  assertCan(directory, actor, "changeName", target);
}

/**
 * The new password's permission and length; the current password is the route's business
 * (docs/kirby-compat/auth-and-sessions.md#password-change).
 */
export function checkChangePassword(directory: UserDirectory, actor: ActingUser, target: User, password: string): void {
  assertCan(directory, actor, "changePassword", target);
  assertValidPassword(password);
}

/**
 * Change role (docs/kirby-compat/permissions.md#user-rules), in order: only admins promote to admin; the last admin
 * keeps the role; permission `changeRole`; the role must be among the target's assignable roles.
 */
export function checkChangeRole(directory: UserDirectory, actor: ActingUser, target: User, role: string): void {
  if (role === "admin" && !isAdmin(actor.role)) throw new PermissionError({ key: "user.changeRole.toAdmin" });
  if (role !== "admin" && isLastAdmin(directory, target)) {
    throw new LogicError({ key: "user.changeRole.lastAdmin", data: { name: displayName(target) } });
  }
  assertCan(directory, actor, "changeRole", target);
  if (!assignableRoles(directory, actor, target).some((candidate) => candidate.name === role)) {
    throw new InvalidArgumentError({ key: "user.role.invalid" });
  }
}

/**
 * Delete (docs/kirby-compat/permissions.md#user-rules): never the last admin, never the last user, then permission
 * `delete`.
 */
export function checkDelete(directory: UserDirectory, actor: ActingUser, target: User): void {
  if (isLastAdmin(directory, target)) throw new LogicError({ key: "user.delete.lastAdmin" });
  if (isLastUser(directory, target)) throw new LogicError({ key: "user.delete.lastUser" });
  assertCan(directory, actor, "delete", target);
}
