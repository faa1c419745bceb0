/**
 * `sheaf/client`: a typed client for the Sheaf (Kirby 5) REST API, for Node 20+ and browsers. ESM, no
 * dependencies, the global `fetch` (or one you pass).
 */
export { createClient } from "./client.js";
export type { AuthApi, RawRequestOptions, SheafClient, SystemApi } from "./client.js";
export type { PagesApi, SiteApi } from "./content-api.js";
export type {
  BlueprintColumnDefinition,
  BlueprintDefinition,
  BlueprintFieldDefinition,
  BlueprintSection,
  BlueprintsApi,
  BlueprintTabDefinition,
  ChildrenSearchQuery,
  FieldsSectionAnswer,
  FilesSectionAnswer,
  PageStatusSetting,
  SearchApi,
  SearchOptions,
  SearchQuery,
  SectionAnswer,
  SectionFileItem,
  TemplateChoice,
} from "./search-blueprints-api.js";
export { lockOf } from "./changes-api.js";
export type { ChangesApi, ContentLock, ModelChanges } from "./changes-api.js";
export type { AccountApi, RolesApi, UsersApi } from "./people-api.js";
export type { AvatarApi, FileItemShape, FilesApi } from "./files-api.js";
export type * from "./file-types.js";
export { SheafApiError } from "./errors.js";
export { isPendingLogin } from "./security-api.js";
export type { AuditApi, ForUser, SessionsApi, TokensApi, TwoFactorApi } from "./security-api.js";
export type * from "./security-types.js";
export type { AuthOptions, ClientOptions, FetchFunction, HttpMethod } from "./transport.js";
export type { FileOwner, QueryParams, QueryValue } from "./paths.js";
export type * from "./types.js";
export type * from "./wire-types.js";
