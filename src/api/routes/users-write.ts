import { CREDENTIAL_KEYS } from "../../accounts/account-writer.js";
import { hashPassword } from "../../accounts/passwords.js";
import type { User } from "../../accounts/types.js";
import { normaliseEmail, normaliseName, normaliseRoleName } from "../../accounts/user-fields.js";
import {
  assignableRoles,
  checkChangeEmail,
  checkChangeLanguage,
  checkChangeName,
  checkChangePassword,
  checkChangeRole,
  checkCreate,
  checkDelete,
  checkUpdate,
  storedRoleName,
  type ActingUser,
  type UserDraft,
} from "../../permissions/user-rules.js";
import type { Blueprint } from "../../blueprints/types.js";
import { assertNoUuidChange, mergeContent, submittedFields } from "../../content/stored-values.js";
import type { ContentFields } from "../../content/types.js";
import { validateContent } from "../../content/validation.js";
import { AuthError, InvalidArgumentError, NotFoundError } from "../../errors.js";
import type { ApiContext } from "../context.js";
import { CollectionResult, ModelResult } from "../result.js";
import { route, type ApiResult, type RouteDefinition } from "../route.js";
import { roleSchema } from "../views/role.js";
import { userSchema } from "../views/user.js";
import { translationToWrite } from "./languages-write.js";
import { findAccessibleUser } from "./lookup.js";

/**
 * Write routes of users and of the current account (docs/kirby-compat/routes-and-envelopes.md#routes, rules and
 * permissions in docs/kirby-compat/permissions.md#user-rules, password change in
 * docs/kirby-compat/auth-and-sessions.md#password-change). `account…` acts on the logged-in user, `users/<id|email>…`
 * on an accessible user. Each change goes through the account writer, which checks the rules inside its lock, writes
 * atomically and refreshes the account index; the answer is the user model as the index now holds it.
 */

/** Session flag set by a password-reset login: the password may then be changed without the current one. */
const RESET_PASSWORD_KEY = "kirby.resetPassword";

/** The acting user with any narrowing of an application password's scope (never the bare identity). */
function actingUser(context: ApiContext): ActingUser {
  if (!context.identity || !context.actor) throw new AuthError();
  return context.actor;
}

/** Text of a body value; absent, null and structured values count as empty. */
function text(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return "";
}

function bodyText(context: ApiContext, name: string): string {
  return context.request.body.string(name) ?? "";
}

function isGiven(value: unknown): boolean {
  return value !== undefined && value !== null;
}

function fieldMap(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/** The user as the index holds it now (after a write, or inside a lock). */
function current(context: ApiContext, id: string): User {
  const user = context.services.findUser(id);
  if (!user) throw new NotFoundError({ key: "user.notFound", data: { name: id } });
  return user;
}

/** The user model answer; when the target is the actor, rendered for the actor as they are now. */
function userModel(context: ApiContext, id: string): ModelResult {
  const user = current(context, id);
  const result = new ModelResult(userSchema, user);
  if (context.identity?.user.id !== id) return result;
  return result.withContext({ ...context, actor: { user, role: context.services.roleOf(user) } });
}

function blueprintOf(context: ApiContext, roleName: string): Blueprint {
  return (
    context.services.blueprints.user(roleName) ?? {
      name: `users/${roleName}`,
      title: roleName,
      fields: [],
      options: {},
      num: "default",
      status: [],
      raw: {},
    }
  );
}

function withoutCredentials(fields: ContentFields): ContentFields {
  return Object.fromEntries(Object.entries(fields).filter(([key]) => !CREDENTIAL_KEYS.has(key)));
}

// ---- actions -------------------------------------------------------------------------------------------------

async function createUser(context: ApiContext): Promise<ApiResult> {
  const { services } = context;
  const body = context.request.body;
  const actor = actingUser(context);
  const requestedId = body.get("id");
  const requestedRole = body.get("role");
  const language = body.get("language");
  const name = body.get("name");
  const password = bodyText(context, "password");
  const draft = (id: string | null): UserDraft => ({
    id,
    email: normaliseEmail(bodyText(context, "email")),
    role: isGiven(requestedRole) ? normaliseRoleName(text(requestedRole)) : null,
    language: isGiven(language) ? text(language).trim() : services.options.panel.language,
    password: password === "" ? null : password,
  });
  const chosenId = isGiven(requestedId) ? text(requestedId) : null;

  // Checked once before hashing (errors in Kirby's order, no bcrypt work for refused input) and again inside
  // the lock, where the check sees every account as it is.
  checkCreate(services, actor, draft(chosenId));
  const passwordHash = password === "" ? null : await hashPassword(password);

  const id = await services.accountWriter.create(async () => {
    const id = chosenId ?? (await services.accountWriter.newUserId());
    const checked = draft(chosenId);
    checkCreate(services, actor, checked);
    const role = storedRoleName(services, checked.role ?? "default");
    const content = withoutCredentials(
      mergeContent(blueprintOf(context, role), {}, fieldMap(body.get("content")), { allFields: false }),
    );
    return {
      id,
      account: {
        email: checked.email,
        language: checked.language,
        name: isGiven(name) ? normaliseName(text(name)) : null,
        role,
        passwordHash,
        content,
      },
    };
  });
  return userModel(context, id);
}

async function updateContent(context: ApiContext, target: User): Promise<ApiResult> {
  const { services } = context;
  checkUpdate(services, actingUser(context), target);
  const input = context.request.body.values;
  const submitted = new Set([...submittedFields(input).keys()].filter((key) => !CREDENTIAL_KEYS.has(key)));
  const blueprint = blueprintOf(context, services.roleOf(target).name);
  // in a non-default language the write goes to that language's file, without what is not translatable
  const language = context.language?.isDefault === false ? context.language.code : undefined;
  await services.accountWriter.updateContent(
    target.id,
    (stored) => {
      const merged = withoutCredentials(mergeContent(blueprint, stored, input));
      const errors = validateContent(blueprint, merged, submitted);
      if (Object.keys(errors).length) throw new InvalidArgumentError({ key: "form.incomplete", details: errors });
      return language === undefined ? merged : translationToWrite(blueprint, merged);
    },
    language,
  );
  return userModel(context, target.id);
}

async function changeEmail(context: ApiContext, target: User): Promise<ApiResult> {
  const { services } = context;
  const email = normaliseEmail(bodyText(context, "email"));
  await services.accountWriter.updateCredentials(
    target.id,
    () => {
      checkChangeEmail(services, actingUser(context), current(context, target.id), email);
      return { email };
    },
    { acrossAccounts: true },
  );
  return userModel(context, target.id);
}

async function changeLanguage(context: ApiContext, target: User): Promise<ApiResult> {
  const { services } = context;
  const language = bodyText(context, "language").trim();
  await services.accountWriter.updateCredentials(target.id, () => {
    checkChangeLanguage(services, actingUser(context), current(context, target.id), language);
    return { language };
  });
  return userModel(context, target.id);
}

async function changeName(context: ApiContext, target: User): Promise<ApiResult> {
  const { services } = context;
  // stored trimmed, tags kept (only a create strips them); this one answer shows the name without tags
  const name = bodyText(context, "name").trim();
  await services.accountWriter.updateCredentials(target.id, () => {
    checkChangeName(services, actingUser(context), current(context, target.id));
    return { name };
  });
  const result = userModel(context, target.id);
  const user = result.item as User;
  const shown: User = { ...user, name: user.name === null ? null : normaliseName(user.name) };
  return new ModelResult(result.schema, shown, result.view, result.context);
}

async function changeRole(context: ApiContext, target: User): Promise<ApiResult> {
  const { services } = context;
  const role = normaliseRoleName(bodyText(context, "role"));
  await services.accountWriter.updateCredentials(
    target.id,
    () => {
      checkChangeRole(services, actingUser(context), current(context, target.id), role);
      return { role };
    },
    { acrossAccounts: true },
  );
  if (current(context, target.id).role !== target.role) {
    await revokeAccess(context, target, "role.change", { from: target.role, to: role });
  }
  return userModel(context, target.id);
}

/**
 * Ends what the target had been granted (sessions, application passwords, cached Basic checks), keeping only the
 * acting session when the target is the caller, and records it in the audit log.
 */
async function revokeAccess(
  context: ApiContext,
  target: User,
  event: "password.change" | "role.change" | "user.delete",
  details: Record<string, unknown> = {},
): Promise<void> {
  const identity = context.identity;
  const keep = identity?.kind === "session" && identity.user.id === target.id ? identity.session.storeKey : undefined;
  const revoked = await context.services.security.revokeUserAccess(
    target.id,
    keep === undefined ? {} : { exceptStoreKey: keep },
  );
  const actor = identity?.user;
  void context.auth.audit({
    event,
    actor: actor ? { id: actor.id, email: actor.email } : null,
    target: { user: target.id },
    details: { ...details, revokedSessions: revoked.sessions, revokedTokens: revoked.tokens },
  });
}

/**
 * Password change (docs/kirby-compat/auth-and-sessions.md#password-change): the acting user's current password first
 * (unless this session logged in by password reset and changes its own password), then permission and the new
 * password's length. The new `.htpasswd` logs the target out of every session started before; the acting session is
 * kept logged in.
 */
async function changePassword(context: ApiContext, target: User): Promise<ApiResult> {
  const { services, identity } = context;
  const actor = actingUser(context);
  const isSelf = actor.user.id === target.id;
  const session = identity?.kind === "session" ? identity.session : null;
  const resetting = isSelf && session?.get(RESET_PASSWORD_KEY) === true;
  await context.auth.checkPasswordChange(identity, actor.user, bodyText(context, "currentPassword"), { resetting });

  const password = bodyText(context, "password");
  checkChangePassword(services, actor, target, password);
  const passwordHash = await hashPassword(password);
  await services.accountWriter.updatePasswordHash(target.id, passwordHash, () => {
    checkChangePassword(services, actor, current(context, target.id), password);
  });
  if (isSelf && session)
    context.auth.renewLoginAfterPasswordChange(session, current(context, target.id).passwordTimestamp);
  await revokeAccess(context, target, "password.change");
  return userModel(context, target.id);
}

async function deleteUser(context: ApiContext, target: User): Promise<ApiResult> {
  const { services } = context;
  await services.accountWriter.delete(target.id, () => {
    checkDelete(services, actingUser(context), current(context, target.id));
  });
  await revokeAccess(context, target, "user.delete");
  return true;
}

function roles(context: ApiContext, target: User): ApiResult {
  return new CollectionResult(roleSchema, assignableRoles(context.services, actingUser(context), target));
}

// ---- routes --------------------------------------------------------------------------------------------------

type UserAction = (context: ApiContext, target: User) => ApiResult | Promise<ApiResult>;

/** A check of the request alone, made before the target is looked up. */
type InputCheck = (context: ApiContext) => void;

/**
 * The same action under `account<suffix>` (the logged-in user) and `users/(:any)<suffix>` (an accessible user),
 * after `checkInput` when given.
 */
function forAccountAndUsers(
  method: string,
  suffix: string,
  action: UserAction,
  checkInput: InputCheck = () => undefined,
): RouteDefinition[] {
  return [
    route(method, `account${suffix}`, (context) => {
      checkInput(context);
      if (!context.identity) throw new NotFoundError({ key: "user.undefined" });
      return action(context, context.identity.user);
    }),
    route(method, `users/(:any)${suffix}`, (context, [key = ""]) => {
      checkInput(context);
      return action(context, findAccessibleUser(context, key));
    }),
  ];
}

/** Content keys as they will be stored: no two that collide, none that sets the UUID. */
function checkContentKeys(context: ApiContext): void {
  assertNoUuidChange(submittedFields(context.request.body.values));
}

/** Create, update, delete and the credential changes of users (docs/kirby-compat/routes-and-envelopes.md#routes). */
export const userWriteRoutes: readonly RouteDefinition[] = [
  route("POST", "users", createUser),
  ...forAccountAndUsers("PATCH", "", updateContent, checkContentKeys),
  ...forAccountAndUsers("DELETE", "", deleteUser),
  ...forAccountAndUsers("PATCH", "/email", changeEmail),
  ...forAccountAndUsers("PATCH", "/language", changeLanguage),
  ...forAccountAndUsers("PATCH", "/name", changeName),
  ...forAccountAndUsers("PATCH", "/password", changePassword),
  ...forAccountAndUsers("PATCH", "/role", changeRole),
  ...forAccountAndUsers("GET", "/roles", roles),
];
