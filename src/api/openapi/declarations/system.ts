import { Type } from "@sinclair/typebox";
import type { SpecTable } from "../spec.js";
import { CollectionEnvelope, ModelEnvelope, Ok } from "../envelopes.js";
import { Language, System, Translation, User } from "../models.js";
import { Body, ModelQuery, spec } from "./common.js";

const LanguageBody = Body({
  code: Type.Optional(Type.String()),
  name: Type.Optional(Type.String()),
  direction: Type.Optional(Type.Union([Type.Literal("ltr"), Type.Literal("rtl")])),
  locale: Type.Optional(Type.Unknown()),
  url: Type.Optional(Type.String()),
  default: Type.Optional(Type.Boolean()),
  translations: Type.Optional(Type.Record(Type.String(), Type.String())),
});

/** Languages (with the `languages` option), installation, translations, the system view, and this document. */
export const systemSpecs: SpecTable = {
  "GET languages": spec("languages", "The site's languages", CollectionEnvelope(Language)),
  "POST languages": spec("languages", "Adds a language", ModelEnvelope(Language), { body: LanguageBody }),
  "GET languages/(:any)": spec("languages", "A language", ModelEnvelope(Language), { params: ["code"] }),
  "PATCH languages/(:any)": spec("languages", "Changes a language", ModelEnvelope(Language), {
    params: ["code"],
    body: LanguageBody,
  }),
  "DELETE languages/(:any)": spec("languages", "Deletes a language and its content files", Ok, { params: ["code"] }),
  "POST system/install": spec(
    "system",
    "Creates the first user (an admin) of a site without users and logs it in",
    Type.Object({ status: Type.Literal("ok"), token: Type.Literal(true), user: User }),
    {
      body: Body({
        email: Type.String(),
        password: Type.String(),
        name: Type.Optional(Type.String()),
        language: Type.Optional(Type.String()),
      }),
    },
  ),
  "GET translations": spec("system", "The Panel's interface translations", CollectionEnvelope(Translation)),
  "GET translations/(:any)": spec("system", "One interface translation", ModelEnvelope(Translation), {
    params: ["code"],
    query: ModelQuery,
  }),
  "GET system": spec(
    "system",
    "The system: login view when anonymous, panel view when logged in",
    ModelEnvelope(System),
  ),
  "GET openapi.json": spec("meta", "This document (OpenAPI 3.1)", Type.Object({ openapi: Type.String() }), {
    sheaf: true,
  }),
};
