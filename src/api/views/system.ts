import type { User } from "../../accounts/types.js";
import type { AuthStatus } from "../../auth/challenges/challenge-session.js";
import { ASCII_TABLE } from "../../content/slug.js";
import type { ViewContext } from "../context.js";
import { NestedModel, type ModelSchema } from "./engine.js";
import { siteTitle } from "./site.js";
import { userSchema } from "./user.js";
import { TRANSLATIONS, translationFor } from "./translation-model.js";
import { languageList } from "./language.js";

/** The state `GET system` reports, gathered by the route (the view only formats it). */
export interface SystemState {
  readonly authStatus: AuthStatus;
  /**
   * Why the request's Basic credentials failed, if they did: the `authStatus` field asks for the current user and
   * so answers with that refusal (docs/kirby-compat/auth-and-sessions.md#basic); every other field ignores it.
   */
  readonly credentialError?: Error;
  readonly user: User | null;
  readonly isLocal: boolean;
}

const LOCALES: Readonly<Record<string, string>> = { en: "en_US" };

function hasSystemAccess(context: ViewContext): boolean {
  return context.actor?.role.permissions["access"]?.["system"] === true;
}

export const systemSchema: ModelSchema<SystemState, ViewContext> = {
  name: "system",
  fields: {
    ascii: () => ASCII_TABLE,
    authStatus: (state) => {
      if (state.credentialError) throw state.credentialError;
      return state.authStatus;
    },
    defaultLanguage: (_state, context) => context.services.options.panel.language,
    isInstallable: (state, context) => state.isLocal || context.services.options.panel.install,
    isInstalled: (_state, context) => context.services.users().length > 0,
    isLocal: (state) => state.isLocal,
    isOk: () => true,
    kirbytext: (_state, context) => context.services.options.panel.kirbytext,
    languages: (_state, context) => languageList(context),
    license: (_state, context) =>
      hasSystemAccess(context)
        ? { code: null, status: "missing", type: "Unregistered" }
        : { code: null, status: null, type: null },
    locales: () => LOCALES,
    loginMethods: (_state, context) => Object.keys(context.services.options.auth.methods),
    multilang: (_state, context) => context.services.options.languages && languageList(context).length > 0,
    requirements: () => ({ accounts: true, content: true, sessions: true, node: true }),
    site: (_state, context) => siteTitle(context.services.content.site),
    slugs: () => [],
    title: (_state, context) => siteTitle(context.services.content.site),
    // the user's language, else the site's Panel language; English when the site has no translation for it
    translation: (state, context) =>
      translationFor(
        context.services.translations ?? TRANSLATIONS,
        state.user?.language ?? context.services.options.panel.language,
      ),
    user: (state) => (state.user ? new NestedModel(userSchema, state.user) : null),
    version: (_state, context) => (hasSystemAccess(context) ? context.services.version : null),
  },
  views: {
    login: ["authStatus", "isOk", "isInstallable", "isInstalled", "loginMethods", "title", "translation"],
    troubleshooting: ["isOk", "isInstallable", "isInstalled", "title", "translation", "requirements"],
    panel: [
      "ascii",
      "defaultLanguage",
      "isOk",
      "isInstalled",
      "isLocal",
      "kirbytext",
      "languages",
      "license",
      "locales",
      "multilang",
      "requirements",
      "site",
      "slugs",
      "title",
      "translation",
      { field: "user", view: "auth" },
      "version",
    ],
  },
  defaultView: null,
  collectionView: "login",
};
