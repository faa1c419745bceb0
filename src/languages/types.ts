/** A language of a multi-language site, as `site/languages/<code>.php` holds it. */
export interface Language {
  /** Lower-case code, also the file name (`de` ⇒ `site/languages/de.php`) and the content file infix. */
  readonly code: string;
  readonly default: boolean;
  readonly direction: "ltr" | "rtl";
  /** Locale settings by PHP category name (`LC_ALL` ⇒ `de_DE`). */
  readonly locale: Readonly<Record<string, string>>;
  readonly name: string;
  /** Interface string overrides, kept as stored. */
  readonly translations: Readonly<Record<string, unknown>>;
  /** Custom URL prefix (absolute or `/path`), null for `/<code>`. */
  readonly url: string | null;
}

/** What a create or update may set (the code of an existing language never changes). */
export interface LanguageInput {
  readonly name?: string;
  readonly direction?: "ltr" | "rtl";
  readonly locale?: Readonly<Record<string, string>>;
  readonly default?: boolean;
  readonly url?: string | null;
  readonly translations?: Readonly<Record<string, unknown>>;
}
