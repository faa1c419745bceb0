/**
 * The shapes of what goes over the wire around the models: envelopes, collections, read options and write inputs.
 */
import type { AuthUser, ChildrenStatus, ContentInput } from "./types.js";

// ---- collections and envelopes -------------------------------------------------------------------------------

export interface Pagination {
  readonly page: number;
  readonly total: number;
  readonly offset: number;
  readonly limit: number;
}

/** What every collection method resolves to: one page of items and where it lies. */
export interface Collection<T> {
  readonly data: readonly T[];
  readonly pagination: Pagination;
}

export interface ModelEnvelope<T> {
  readonly code: 200;
  readonly data: T;
  readonly status: "ok";
  readonly type: "model";
}

export interface CollectionEnvelope<T> {
  readonly code: 200;
  readonly data: readonly T[];
  readonly pagination: Pagination;
  readonly status: "ok";
  readonly type: "collection";
}

/** The answer of actions without a model: logout, ping, deletes. */
export interface OkEnvelope {
  readonly status: "ok";
  readonly message: "ok";
  readonly code: 200;
}

/** `POST auth/login`: the user, or the challenge the server started instead (code or 2FA login). */
export type LoginEnvelope =
  | { readonly code: 200; readonly status: "ok"; readonly user: AuthUser }
  | { readonly code: 200; readonly status: "ok"; readonly challenge: string };

/** `GET auth/csrf` (Sheaf's route handing out the session's CSRF token). */
export interface CsrfEnvelope {
  readonly code: 200;
  readonly status: "ok";
  readonly csrf: string;
}

/** An empty map arrives as `[]`. */
export type ErrorDetails = Readonly<Record<string, unknown>> | readonly [];

export interface ErrorEnvelope {
  readonly status: "error";
  readonly message: string;
  /** Usually the HTTP status; may lie outside 400–599 (the HTTP status is then 500). */
  readonly code: number;
  /** E.g. `error.page.notFound`; null (or missing) for errors that are not the server's own. */
  readonly key?: string | null;
  readonly details?: ErrorDetails;
  /** The following four only with the server's `debug` option. */
  readonly exception?: string;
  readonly file?: string;
  readonly line?: number;
  readonly route?: string | null;
}

// ---- read options --------------------------------------------------------------------------------------------

/** `select` names the fields to return; `view` names a view (it wins over `select` for a single model). */
export interface ModelQuery<K extends string = string, V extends string = string> {
  readonly select?: readonly K[];
  readonly view?: V;
  /** Content language of this read on a multi-language site (`?language=`, which wins over the client's). */
  readonly language?: string;
}

/** Collections: `select` wins over `view`; `page` starts at 1, `limit` defaults to 100 on the server. */
export interface CollectionQuery<K extends string = string, V extends string = string> extends ModelQuery<K, V> {
  readonly page?: number;
  readonly limit?: number;
}

export interface ChildrenQuery<K extends string = string, V extends string = string> extends CollectionQuery<K, V> {
  readonly status?: ChildrenStatus;
}

type Chosen<Fields, Views, V extends string> = V extends keyof Views ? Views[V] : Partial<Fields>;

/** The shape of one model read: the view if one is named, else the selected fields, else the default view. */
export type ModelShape<
  Fields,
  Views extends { readonly default: unknown },
  K extends keyof Fields,
  V extends string,
> = [V] extends [never] ? ([K] extends [never] ? Views["default"] : Pick<Fields, K>) : Chosen<Fields, Views, V>;

/** The shape of a collection item: the selected fields if any, else the named view, else the compact view. */
export type ItemShape<Fields, Views extends { readonly compact: unknown }, K extends keyof Fields, V extends string> = [
  K,
] extends [never]
  ? [V] extends [never]
    ? Views["compact"]
    : Chosen<Fields, Views, V>
  : Pick<Fields, K>;

// ---- write inputs --------------------------------------------------------------------------------------------

export interface CreatePageInput {
  /** Defaults to the slug of `content.title`. */
  readonly slug?: string;
  /** Defaults to `default`. */
  readonly template?: string;
  readonly content?: ContentInput;
  /** New pages are drafts unless this is false (then unlisted, or listed when `num` is given). */
  readonly isDraft?: boolean;
  readonly num?: number;
}

export interface DuplicatePageOptions {
  /** Copy the children too. */
  readonly children?: boolean;
  /** Copy the files too. */
  readonly files?: boolean;
}

export interface DeletePageOptions {
  /** Needed to delete a page that has children or drafts. */
  readonly force?: boolean;
}

export interface CreateUserInput {
  readonly email: string;
  readonly password?: string;
  /** Defaults to `default`. */
  readonly role?: string;
  readonly name?: string;
  readonly language?: string;
  readonly content?: ContentInput;
  /** Chosen id; the server generates one when absent. */
  readonly id?: string;
}

export interface ChangePasswordInput {
  /** The password of the logged-in (acting) user, not of the user being changed. */
  readonly currentPassword: string;
  readonly password: string;
}

export interface LoginInput {
  readonly email: string;
  /** Without a password the server mails a login code (when `auth.methods` has `code`): see `verifyCode()`. */
  readonly password?: string;
  /** A long session (14 days, no idle timeout) instead of the normal one. */
  readonly long?: boolean;
}
