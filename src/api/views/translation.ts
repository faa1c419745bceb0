/** An interface translation in Kirby's key format. */
export interface Translation {
  readonly author: string;
  readonly data: Readonly<Record<string, string>>;
  readonly direction: "ltr" | "rtl";
  readonly id: string;
  readonly name: string;
}

/** Sheaf's interface translation as `GET system` reports it (a small English set; no Panel ships with Sheaf). */
export const TRANSLATION_EN = {
  author: "Sheaf",
  data: {
    "error.access.login": "Invalid login",
    "error.access.panel": "You are not allowed to access the panel",
    login: "Log in",
    logout: "Log out",
    "translation.direction": "ltr",
    "translation.name": "English",
    "translation.locale": "en_US",
  },
  direction: "ltr",
  id: "en",
  name: "English",
} as const;
