/**
 * The content language of an API request on a multi-language site: `?language=` before `X-Language`, an unknown or
 * missing code meaning the default language. Routes then see the site's services with the content index in that
 * language, so every read and write of the request happens in it.
 */
import type { SiteLanguages } from "../languages/site-languages.js";
import { languageUrl } from "../languages/site-languages.js";
import type { Language } from "../languages/types.js";
import type { ApiContext, Params, RequestLanguage, SiteServices } from "./context.js";

/** Services per language, made once per language (the localized index follows each new content snapshot). */
const servicesByLanguage = new WeakMap<SiteServices, Map<string, SiteServices>>();

function servicesIn(services: SiteServices, languages: SiteLanguages, code: string): SiteServices {
  let byCode = servicesByLanguage.get(services);
  if (byCode === undefined) {
    byCode = new Map();
    servicesByLanguage.set(services, byCode);
  }
  let inLanguage = byCode.get(code);
  if (inLanguage === undefined) {
    const language = languages.registry.find(code);
    if (language === undefined) return services;
    inLanguage = { ...services, content: languages.contentIn(language) };
    byCode.set(code, inLanguage);
  }
  return inLanguage;
}

/** The code a request asks for, as text (a list or a map is no code). */
function requestedCode(query: Params, header: string | undefined): string | undefined {
  const fromQuery = query.get("language");
  if (typeof fromQuery === "string" && fromQuery !== "") return fromQuery;
  return header;
}

export function inRequestLanguage(
  services: SiteServices,
  languages: SiteLanguages,
  call: { readonly auth: { readonly info: { readonly headers: Readonly<Record<string, string | undefined>> } } },
  query: Params,
  context: Omit<ApiContext, "services" | "language">,
): ApiContext {
  const language = languages.forRequest(requestedCode(query, call.auth.info.headers["x-language"]));
  const { actor, baseUrl, request, auth, identity } = context;
  if (language === null) return { services, actor, baseUrl, request, auth, identity };
  const isDefault = language === languages.registry.defaultLanguage();
  return {
    services: isDefault ? services : servicesIn(services, languages, language.code),
    actor,
    baseUrl,
    request,
    auth,
    identity,
    language: requestLanguage(language, isDefault, baseUrl),
  };
}

/** The last request language made per language (requests of one site mostly share their base URL). */
const lastRequestLanguage = new WeakMap<Language, RequestLanguage>();

function requestLanguage(language: Language, isDefault: boolean, baseUrl: string): RequestLanguage {
  const url = languageUrl(language, baseUrl);
  const last = lastRequestLanguage.get(language);
  if (last !== undefined && last.url === url && last.isDefault === isDefault) return last;
  const made: RequestLanguage = { code: language.code, isDefault, url };
  lastRequestLanguage.set(language, made);
  return made;
}
