/**
 * The table of error kinds. Every failure Sheaf reports is one of these classes; `api/envelope.ts` is the only
 * place that turns them into Kirby's error envelope. This module imports nothing and may be thrown from anywhere.
 */

export type ErrorDetails = Record<string, unknown>;

export interface SheafErrorOptions {
  /** Kirby error key without the `error.` prefix, e.g. `access.login`. Defaults to the class key. */
  key?: string;
  /** Literal message. When omitted, the message template of the key is used. */
  message?: string;
  /** Values for `{placeholders}` in the message template. */
  data?: Record<string, string | number | null | undefined>;
  details?: ErrorDetails;
  httpCode?: number;
  cause?: unknown;
  /** Extra response headers the error needs (e.g. `Retry-After`). */
  headers?: Record<string, string>;
}

/** English messages of key-based errors (Kirby's interface translation `en`). */
export const ERROR_MESSAGES: Readonly<Record<string, string>> = {
  auth: "Unauthenticated",
  "access.panel": "You are not allowed to access the panel",
  "access.login": "Invalid login",
  "access.code": "Invalid code",
  "user.notFound": 'The user "{name}" cannot be found',
  "user.undefined": "The user cannot be found",
  "user.password.invalid": "Please enter a valid password. Passwords must be at least 8 characters long.",
  "user.password.excessive": "Please enter a valid password. Passwords must not be longer than 1000 characters.",
  "user.password.wrong": "Wrong password",
  "user.password.undefined": "The user does not have a password",
  "user.duplicate": 'A user with the email address "{email}" already exists',
  "user.email.invalid": "Please enter a valid email address",
  "user.role.invalid": "Please enter a valid role",
  "user.language.invalid": "Please enter a valid language",
  "user.name.invalid": "Please enter a valid name",
  "user.create.permission": "You are not allowed to create this user",
  "user.changeEmail.permission": 'You are not allowed to change the email for the user "{name}"',
  "user.changeLanguage.permission": 'You are not allowed to change the language for the user "{name}"',
  "user.changeName.permission": 'You are not allowed to change the name for the user "{name}"',
  "user.changePassword.permission": 'You are not allowed to change the password for the user "{name}"',
  "user.changeRole.permission": 'You are not allowed to change the role for the user "{name}"',
  "user.changeRole.toAdmin": "You are not allowed to promote someone to the admin role",
  "user.changeRole.lastAdmin": "The role of the last admin cannot be changed",
  "user.update.permission": 'You are not allowed to update the user "{name}"',
  "user.delete.permission": 'You are not allowed to delete the user "{name}"',
  "user.delete.lastAdmin": "The last admin cannot be deleted",
  "user.delete.lastUser": "The last user cannot be deleted",
  "page.notFound": 'The page "{slug}" cannot be found',
  "page.create.permission": 'You are not allowed to create "{slug}"',
  "page.update.permission": 'You are not allowed to update "{slug}"',
  "page.changeSlug.permission": 'You are not allowed to change the URL appendix for "{slug}"',
  "page.changeStatus.permission": "The status for this page cannot be changed",
  "page.changeStatus.toDraft.invalid": 'The page "{slug}" cannot be converted to a draft',
  "page.changeStatus.incomplete": "The page has errors and cannot be published",
  "page.status.invalid": "Please set a valid page status",
  "page.changeTemplate.permission": 'You are not allowed to change the template for "{slug}"',
  "page.changeTemplate.invalid": 'The template for the page "{slug}" cannot be changed to "{template}"',
  "page.changeTitle.permission": 'You are not allowed to change the title for "{slug}"',
  "page.changeTitle.empty": "The title must not be empty",
  "page.duplicate.permission": 'You are not allowed to duplicate "{slug}"',
  "page.sort.permission": 'The page "{slug}" cannot be sorted',
  "page.slug.invalid": "Please enter a valid URL appendix",
  "page.slug.maxlength": "The URL appendix must not contain more than {length} characters",
  "site.update.permission": "You are not allowed to update the site",
  "site.changeTitle.permission": "You are not allowed to change the title of the site",
  "site.changeTitle.empty": "The title must not be empty",
  "page.duplicate": 'A page with the URL appendix "{slug}" already exists',
  "page.draft.duplicate": 'A page draft with the URL appendix "{slug}" already exists',
  "page.changeSlug.reserved": 'The path of top-level pages must not start with "{path}"',
  "page.delete.hasChildren": "The page has subpages and cannot be deleted",
  "page.delete.permission": 'You are not allowed to delete "{slug}"',
  "role.notFound": 'The role "{name}" cannot be found',
  "site.notAccessible": "The site is not accessible",
  "file.notFound": 'The file "{filename}" cannot be found',
  "form.incomplete": "Please fix all form errors…",
  "content.lock.update": "The version is locked and cannot be updated",
  invalidArgument: "Invalid argument",
  unavailable: "The service is temporarily unavailable, please try again",
  permission: "You are not allowed to do this",
  notFound: "Not found",
  duplicate: "The entry exists",
  logic: "This task cannot be finished",
  errorPage: "Not found",
  general: "An unexpected error occurred",
};

function fillTemplate(template: string, data: SheafErrorOptions["data"]): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = data?.[name];
    // only missing values show as "-"; an empty string stays empty (Appendix A)
    return value === undefined || value === null ? "-" : String(value);
  });
}

/**
 * Capturing a stack trace costs more than everything else about an error, and the envelope only shows where an
 * error came from in debug mode. So Sheaf errors carry a stack only while a site with `debug: true` is served.
 */
let stackCapturers = 0;

/** Makes Sheaf errors capture their stack until the returned function is called (once per debug site). */
export function captureErrorStacks(): () => void {
  stackCapturers++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    stackCapturers--;
  };
}

/** Base class of every Kirby-style error: carries the key, the HTTP code and the details of the envelope. */
export abstract class SheafError extends Error {
  /** Full Kirby key, e.g. `error.access.login`. */
  readonly key: string;
  readonly httpCode: number;
  readonly details: ErrorDetails;
  readonly responseHeaders: Readonly<Record<string, string>>;

  protected constructor(defaultKey: string, defaultHttpCode: number, options: SheafErrorOptions = {}) {
    const key = options.key ?? defaultKey;
    const message =
      options.message ?? fillTemplate(ERROR_MESSAGES[key] ?? ERROR_MESSAGES[defaultKey] ?? key, options.data);
    const stackTraceLimit = Error.stackTraceLimit;
    if (stackCapturers === 0) Error.stackTraceLimit = 0;
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    Error.stackTraceLimit = stackTraceLimit;
    this.name = new.target.name;
    this.key = `error.${key}`;
    this.httpCode = options.httpCode ?? defaultHttpCode;
    this.details = options.details ?? {};
    this.responseHeaders = options.headers ?? {};
  }
}

export class AuthError extends SheafError {
  constructor(options: SheafErrorOptions = {}) {
    super("auth", 401, options);
  }
}

export class PermissionError extends SheafError {
  constructor(options: SheafErrorOptions = {}) {
    super("permission", 403, options);
  }
}

export class NotFoundError extends SheafError {
  constructor(options: SheafErrorOptions = {}) {
    super("notFound", 404, options);
  }
}

export class InvalidArgumentError extends SheafError {
  constructor(options: SheafErrorOptions = {}) {
    super("invalidArgument", 400, options);
  }
}

export class DuplicateError extends SheafError {
  constructor(options: SheafErrorOptions = {}) {
    super("duplicate", 400, options);
  }
}

export class LogicError extends SheafError {
  constructor(options: SheafErrorOptions = {}) {
    super("logic", 400, options);
  }
}

export class ErrorPageError extends SheafError {
  constructor(options: SheafErrorOptions = {}) {
    super("errorPage", 404, options);
  }
}

export class LockedContentError extends SheafError {
  constructor(options: SheafErrorOptions = {}) {
    super("content.lock", 423, options);
  }
}

/** A request body over the route's size limit (Sheaf; Kirby leaves this to PHP's `post_max_size`). */
export class PayloadTooLargeError extends SheafError {
  constructor(limitBytes: number) {
    super("invalidArgument", 413, { message: `The request body is larger than ${limitBytes} bytes` });
  }
}

/** The client closed the connection before its request body was complete (nobody is left to read the answer). */
export class IncompleteBodyError extends SheafError {
  constructor() {
    super("invalidArgument", 400, { message: "The request body was not received completely" });
  }
}

/**
 * A shared service the request needs (the Redis of option `redis`) cannot be reached: nothing was changed, and the
 * client may try again shortly (Sheaf; Kirby has no shared state of this kind).
 */
export class ServiceUnavailableError extends SheafError {
  constructor(options: SheafErrorOptions = {}) {
    super("unavailable", 503, { headers: { "Retry-After": "1" }, ...options });
  }
}

export class GeneralError extends SheafError {
  constructor(options: SheafErrorOptions = {}) {
    super("general", 500, options);
  }
}

/**
 * A failure that is not a Kirby exception: rendered with the generic message and `key: null`
 * (for example "no route found"). `httpCode` is still honoured.
 */
export class UnexpectedError extends Error {
  readonly httpCode: number;
  constructor(message: string, httpCode = 500) {
    super(message);
    this.name = "UnexpectedError";
    this.httpCode = httpCode;
  }
}

/** Invalid configuration found at start: names the option and what was expected. */
export class ConfigError extends Error {
  /** Every problem found, one line each (a config with several mistakes names them all at once). */
  readonly problems: readonly string[];

  constructor(message: string, problems: readonly string[] = [message]) {
    super(message);
    this.problems = problems;
    this.name = "ConfigError";
  }
}
