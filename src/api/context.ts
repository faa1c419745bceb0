import { InvalidArgumentError } from "../errors.js";
import { safeValue } from "../log/safe-value.js";
import type { AccountWriter } from "../accounts/account-writer.js";
import type { UserDirectory } from "../permissions/user-rules.js";
import type { AuthServices, Identity, RouteAuth } from "../auth/index.js";
import type { BlueprintRegistry } from "../blueprints/types.js";
import type { SheafOptions } from "../config/index.js";
import type { ContentIndex } from "../content/types.js";
import type { ContentWriter } from "../content/content-writer.js";
import type { Actor } from "../permissions/can.js";
import type { AuditLog } from "../audit/index.js";
import type { Translation } from "./views/translation.js";
import type { SiteLanguages } from "../languages/site-languages.js";
import type { SearchIndex } from "../search/index.js";

/**
 * Sessions, password checks, application passwords and the audit log, for the routes that manage them: the same
 * objects, under the same names, as in `AuthServices`.
 */
export interface SecurityServices extends Pick<AuthServices, "sessions" | "passwords" | "tokens"> {
  readonly audit: AuditLog;
  /**
   * Ends a user's sessions (except the acting one), revokes their application passwords and forgets cached
   * Basic-auth checks: after a password change, a role change or a deletion nothing issued before keeps working.
   */
  revokeUserAccess(
    userId: string,
    options?: { exceptStoreKey?: string },
  ): Promise<{ sessions: number; tokens: number }>;
}

/** Everything the API reads: the site's indexes and settings. Built once by `app.ts`. */
export interface SiteServices extends UserDirectory {
  readonly options: SheafOptions;
  readonly content: ContentIndex;
  /** The one way to change `content/`: serialised, crash-safe, index kept current. */
  readonly writer: ContentWriter;
  /** The one way to change `site/accounts/`: serialised, crash-safe, account index kept current. */
  readonly accountWriter: AccountWriter;
  readonly blueprints: BlueprintRegistry;
  /** Searchable values of pages and users, prepared once per content record (`search/`). */
  readonly search: SearchIndex;
  readonly version: string;
  readonly security: SecurityServices;
  /** The interface translations the site has (Sheaf's English and the site's own); English alone when absent. */
  readonly translations?: readonly Translation[];
  /** Set on a multi-language site (option `languages`). */
  readonly languages?: SiteLanguages;
}

const NO_KEYS: ReadonlyMap<string, unknown> = new Map();

/** The values by lower-case key (the first spelling wins); one shared empty map when there are none. */
function lowerCaseKeys(values: Readonly<Record<string, unknown>>): ReadonlyMap<string, unknown> {
  let lower: Map<string, unknown> | null = null;
  for (const [key, value] of Object.entries(values)) {
    lower ??= new Map();
    if (!lower.has(key.toLowerCase())) lower.set(key.toLowerCase(), value);
  }
  return lower ?? NO_KEYS;
}

/**
 * Request values with Kirby's case-insensitive key lookup (docs/kirby-compat/routes-and-envelopes.md#request-bodies).
 */
export class Params {
  private lower: ReadonlyMap<string, unknown> | null = null;

  constructor(readonly values: Readonly<Record<string, unknown>>) {}

  get(name: string): unknown {
    if (Object.hasOwn(this.values, name)) return this.values[name];
    // built on the first lookup that needs it: most requests only use exact keys
    this.lower ??= lowerCaseKeys(this.values);
    return this.lower === NO_KEYS ? undefined : this.lower.get(name.toLowerCase());
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /**
   * A value as PHP reads a query: the text, or a list when the name was sent with brackets (`limit[]=1`,
   * `limit[a]=1`), which a plain lookup does not see.
   */
  textOrList(name: string): string | readonly string[] | undefined {
    const prefix = `${name.toLowerCase()}[`;
    const list: string[] = [];
    for (const [key, value] of Object.entries(this.values)) {
      // PHP reads `limit[` without a closing bracket as the plain name `limit_`
      if (key.slice(0, prefix.length).toLowerCase() === prefix && key.includes("]", prefix.length))
        list.push(String(value));
    }
    return list.length ? list : this.string(name);
  }

  /**
   * A value read as text: numbers and booleans as text, absent and null as undefined. A list or a map where text is
   * expected is a PHP TypeError in Kirby (a 500); here it is a 400 that names the field (deviation zz), never a
   * silent "no value" that would let a write go on with a default.
   */
  string(name: string): string | undefined {
    const value = this.get(name);
    if (value === undefined || value === null) return undefined;
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    throw new InvalidArgumentError({
      message: `The "${safeValue(name, 64)}" field must be text, not ${Array.isArray(value) ? "a list" : "an object"}`,
    });
  }
}

/** The unread body of a `multipart` route: its stream and the headers that describe it. */
export interface UploadSource {
  readonly stream: NodeJS.ReadableStream;
  readonly contentType: string | undefined;
  /** Declared length (`Content-Length`), or null when not given. */
  readonly contentLength: number | null;
}

export interface ApiRequest {
  readonly method: string;
  /** Path below the API slug, without surrounding slashes, not decoded. */
  readonly path: string;
  readonly query: Params;
  readonly body: Params;
  /** Set for `multipart` routes: the body, not read yet. */
  readonly upload?: UploadSource;
}

/** What views need to render models for this caller. */
export interface ViewContext {
  readonly services: SiteServices;
  readonly actor: Actor;
  readonly baseUrl: string;
  /** Multi-language sites: the request's content language and its URL prefix. */
  readonly language?: RequestLanguage;
}

export interface RequestLanguage {
  readonly code: string;
  readonly isDefault: boolean;
  /** `<site url>/<code>` or the language's own url: the base of page and site URLs in this language. */
  readonly url: string;
}

export interface ApiContext extends ViewContext {
  readonly request: ApiRequest;
  readonly auth: RouteAuth;
  /** Set for routes that require authentication. */
  readonly identity: Identity | null;
}
