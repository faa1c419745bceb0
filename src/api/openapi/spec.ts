import type { TObject, TSchema } from "@sinclair/typebox";

/** The area a route belongs to: one OpenAPI tag each. */
export type RouteTag =
  | "auth"
  | "site"
  | "pages"
  | "files"
  | "users"
  | "account"
  | "roles"
  | "blueprints"
  | "search"
  | "changes"
  | "languages"
  | "system"
  | "tokens"
  | "sessions"
  | "audit"
  | "two-factor"
  | "meta";

/**
 * What a route takes and answers, declared once with TypeBox: the OpenAPI document is generated from it
 * (api/openapi/document.ts), and the routes check their body with the same schema (`checkBody`, api/openapi/validate.ts)
 * at the point where they always did, so a request wrong in two ways gets the answer it always got.
 */
export interface RouteSpec {
  readonly summary: string;
  readonly tag: RouteTag;
  /** One name per placeholder of the pattern, in order (`pages/(:any)/files/(:any)` ⇒ `["id", "filename"]`). */
  readonly params?: readonly string[];
  readonly query?: TObject;
  /** The JSON body (multipart routes declare none: they take one `file` part). */
  readonly body?: TSchema;
  /** The whole success answer (envelope included). */
  readonly response: TSchema;
  /** Sheaf's addition to Kirby's API (documented as `x-sheaf: true`). */
  readonly sheaf?: boolean;
}

/** `METHOD pattern`, the key of a route's spec. */
export function specKey(method: string, pattern: string): string {
  return `${method} ${pattern}`;
}

export type SpecTable = Readonly<Record<string, RouteSpec>>;
