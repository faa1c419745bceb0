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
