/**
 * The models, envelopes and options of the Sheaf (Kirby 5) REST API as the client sees them.
 *
 * Two wire facts shape these types: the server sorts the top-level keys of every model alphabetically, and it
 * encodes an empty map as `[]` (PHP's JSON encoding). The client hands data over exactly as it arrives.
 */

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/**
 * A model's `content`: form values, keys lower-case. An empty one arrives as `[]`; reading any key of it gives
 * `undefined`, exactly as it would on `{}`.
 */
export type Content = Readonly<Record<string, JsonValue>>;

/** Field values to write (`PATCH pages/<id>`, `PATCH site`, …): keys are field names, values what the field takes. */
export type ContentInput = Readonly<Record<string, JsonValue>>;

export type PageStatus = "listed" | "unlisted" | "draft";

/** `?status=` of the children routes; without it the listed and unlisted children are returned. */
export type ChildrenStatus = "all" | "draft" | "drafts" | "listed" | "unlisted" | "published";

// ---- permissions ---------------------------------------------------------------------------------------------

export interface AccessPermissions {
  readonly account: boolean;
  readonly languages: boolean;
  readonly panel: boolean;
  readonly site: boolean;
  readonly system: boolean;
  readonly users: boolean;
}

export interface FilePermissions {
  readonly access: boolean;
  readonly changeName: boolean;
  readonly changeTemplate: boolean;
  readonly create: boolean;
  readonly delete: boolean;
  readonly list: boolean;
  readonly read: boolean;
  readonly replace: boolean;
  readonly sort: boolean;
  readonly update: boolean;
}

export interface LanguagePermissions {
  readonly create: boolean;
  readonly delete: boolean;
  readonly update: boolean;
}

/** Also the shape of a page's `options` (what the current user may do with that page). */
export interface PagePermissions {
  readonly access: boolean;
  readonly changeSlug: boolean;
  readonly changeStatus: boolean;
  readonly changeTemplate: boolean;
  readonly changeTitle: boolean;
  readonly create: boolean;
  readonly delete: boolean;
  readonly duplicate: boolean;
  readonly list: boolean;
  readonly move: boolean;
  readonly preview: boolean;
  readonly read: boolean;
  readonly sort: boolean;
  readonly update: boolean;
}

/** Also the shape of the site's `options`. */
export interface SitePermissions {
  readonly access: boolean;
  readonly changeTitle: boolean;
  readonly preview: boolean;
  readonly update: boolean;
}

/** Permissions on other users (`users`) and on oneself (`user`, which has no `create`). */
export interface UserPermissions {
  readonly access: boolean;
  readonly changeEmail: boolean;
  readonly changeLanguage: boolean;
  readonly changeName: boolean;
  readonly changePassword: boolean;
  readonly changeRole: boolean;
  readonly create: boolean;
  readonly delete: boolean;
  readonly list: boolean;
  readonly update: boolean;
}

/** A role's permission map: every category and action, booleans only. */
export interface Permissions {
  readonly access: AccessPermissions;
  readonly files: FilePermissions;
  readonly languages: LanguagePermissions;
  readonly pages: PagePermissions;
  readonly site: SitePermissions;
  readonly users: UserPermissions;
  readonly user: Omit<UserPermissions, "create">;
}

export type PageOptions = PagePermissions;
export type SiteOptions = SitePermissions;
/** What the current user may do with a user (note: the server lists `create` second). */
export type UserOptions = UserPermissions;

// ---- roles ---------------------------------------------------------------------------------------------------

export interface CompactRole {
  readonly description: string | null;
  readonly name: string;
  readonly title: string;
}

/** A role with all its fields (`GET roles/<name>`, and the `role` of a user). */
export interface Role extends CompactRole {
  readonly permissions: Permissions;
}

// ---- pages ---------------------------------------------------------------------------------------------------

/** A page in the `compact` view: the item of every page collection. */
export interface CompactPage {
  readonly id: string;
  readonly num: number | null;
  readonly title: string;
  readonly url: string;
  readonly uuid: string | null;
}

/** A page in the `default` view (`GET pages/<id>` and every page write). */
export interface Page extends CompactPage {
  readonly content: Content;
  readonly options: PageOptions;
  /** The parent if the current user may list it, else null (also null for top-level pages). */
  readonly parent: CompactPage | null;
  readonly slug: string;
  readonly status: PageStatus;
  readonly template: string;
}

/** `{name, title}` of a blueprint; the server may add more keys (e.g. the whole blueprint). */
export interface BlueprintSummary {
  readonly name: string;
  readonly title: string;
  readonly [key: string]: unknown;
}

/** Every field a page has, for `select` (nested models in their compact view unless a view says otherwise). */
export interface PageFields extends Page {
  readonly blueprint: BlueprintSummary;
  readonly blueprints: readonly BlueprintSummary[];
  readonly children: readonly CompactPage[];
  readonly drafts: readonly CompactPage[];
  readonly errors: unknown;
  readonly files: readonly Readonly<Record<string, unknown>>[];
  readonly hasChildren: boolean;
  readonly hasDrafts: boolean;
  readonly hasFiles: boolean;
  readonly isSortable: boolean;
  readonly panelImage: unknown;
  readonly parents: readonly CompactPage[];
  readonly previewUrl: string | null;
  readonly siblings: readonly CompactPage[];
}

export interface PageViews {
  readonly default: Page;
  readonly compact: CompactPage;
  readonly any: PageFields;
}

// ---- site ----------------------------------------------------------------------------------------------------

export interface CompactSite {
  readonly title: string;
  readonly url: string;
}

/** The site in the `default` view (`GET site`, `PATCH site`, `PATCH site/title`). */
export interface Site extends CompactSite {
  readonly content: Content;
  readonly options: SiteOptions;
}

export interface SiteFields extends Site {
  readonly blueprint: BlueprintSummary;
  readonly children: readonly CompactPage[];
  readonly drafts: readonly CompactPage[];
  readonly files: readonly Readonly<Record<string, unknown>>[];
  readonly previewUrl: string | null;
}

export interface SiteViews {
  readonly default: Site;
  readonly compact: CompactSite;
  readonly any: SiteFields;
}

// ---- users ---------------------------------------------------------------------------------------------------

/** A user's avatar image (a file model); null when the user has none. */
export interface Avatar {
  readonly filename: string;
  readonly id: string;
  readonly type: string;
  readonly url: string;
  readonly [key: string]: unknown;
}

/** A user in the `compact` view: the item of every user collection. */
export interface CompactUser {
  readonly avatar: Avatar | null;
  readonly email: string;
  readonly id: string;
  readonly language: string;
  readonly name: string | null;
  /** Null when the current user may not see the user's role. */
  readonly role: CompactRole | null;
  readonly username: string;
  readonly uuid: string;
}

/** A user in the `default` view (`GET users/<id>`, `GET account` and every user write). */
export interface User extends Omit<CompactUser, "role"> {
  readonly content: Content;
  /** The next/previous user in list order (by username), if the current user may list it. */
  readonly next: CompactUser | null;
  readonly options: UserOptions;
  readonly prev: CompactUser | null;
  readonly role: Role | null;
}

/** The logged-in user as `GET auth` and a login answer return it (view `auth`). */
export interface AuthUser {
  readonly avatar: Avatar | null;
  readonly email: string;
  readonly id: string;
  readonly language: string;
  readonly name: string | null;
  /** The role's permissions; null when the role is not accessible. */
  readonly permissions: Permissions | null;
  readonly role: Role | null;
}

export interface UserFields extends User {
  readonly blueprint: BlueprintSummary;
  readonly files: readonly Readonly<Record<string, unknown>>[];
  readonly panelImage: unknown;
  readonly permissions: Permissions | null;
  readonly roles: readonly CompactRole[];
}

export interface UserViews {
  readonly default: User;
  readonly compact: CompactUser;
  readonly auth: AuthUser;
  readonly any: UserFields;
}

// ---- system --------------------------------------------------------------------------------------------------

export interface AuthStatus {
  readonly challenge: string | null;
  readonly email: string | null;
  readonly mode: string | null;
  readonly status: "active" | "impersonated" | "pending" | "inactive";
}

export interface Translation {
  readonly author?: string;
  readonly data: Readonly<Record<string, string>>;
  readonly direction: "ltr" | "rtl";
  readonly id: string;
  readonly name: string;
}

/** `GET system` without a logged-in user (view `login`). */
export interface LoginSystem {
  readonly authStatus: AuthStatus;
  readonly isInstallable: boolean;
  readonly isInstalled: boolean;
  readonly isOk: boolean;
  readonly loginMethods: readonly string[];
  readonly title: string;
  readonly translation: Translation;
}

/** `GET system` without a logged-in user when the server reports a problem (view `troubleshooting`). */
export interface TroubleshootingSystem {
  readonly isInstallable: boolean;
  readonly isInstalled: boolean;
  readonly isOk: boolean;
  readonly requirements: Readonly<Record<string, boolean>>;
  readonly title: string;
  readonly translation: Translation;
}

/** `GET system` with a logged-in user (view `panel`). */
export interface PanelSystem {
  readonly ascii: Readonly<Record<string, string>>;
  readonly defaultLanguage: string;
  readonly isInstalled: boolean;
  readonly isLocal: boolean;
  readonly isOk: boolean;
  readonly kirbytext: boolean;
  readonly languages: readonly unknown[];
  readonly license: { readonly code: string | null; readonly status: string | null; readonly type: string | null };
  readonly locales: Readonly<Record<string, string>>;
  readonly multilang: boolean;
  readonly requirements: Readonly<Record<string, boolean>>;
  readonly site: string;
  readonly slugs: Readonly<Record<string, string>> | readonly [];
  readonly title: string;
  readonly translation: Translation;
  readonly user: AuthUser;
  /** Null unless the user's role has `access.system`. */
  readonly version: string | null;
}

/** Tell the three apart with `"user" in system` (panel) and `"authStatus" in system` (login). */
export type System = LoginSystem | TroubleshootingSystem | PanelSystem;

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
export type ModelShape<Fields, Views extends { readonly default: unknown }, K extends keyof Fields, V extends string> = [V] extends [never]
  ? [K] extends [never]
    ? Views["default"]
    : Pick<Fields, K>
  : Chosen<Fields, Views, V>;

/** The shape of a collection item: the selected fields if any, else the named view, else the compact view. */
export type ItemShape<Fields, Views extends { readonly compact: unknown }, K extends keyof Fields, V extends string> = [K] extends [never]
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
  readonly password: string;
  /** A long session (14 days, no idle timeout) instead of the normal one. */
  readonly long?: boolean;
}
