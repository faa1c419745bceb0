import { Type, type TObject } from "@sinclair/typebox";
import type { RouteSpec, SpecTable } from "../spec.js";
import { CollectionEnvelope, ModelEnvelope, Ok } from "../envelopes.js";
import { CompactRole, Role, User } from "../models.js";
import { Body, CollectionQuery, ContentBody, forAccountAndUsers, ModelQuery, spec, whose } from "./common.js";

const tagOf = (who: "account" | "user") => (who === "account" ? "account" : "users");
const change = (field: string, body: TObject) =>
  forAccountAndUsers("PATCH", `/${field}`, (who) =>
    spec(tagOf(who), `Changes ${whose(who)} ${field}`, ModelEnvelope(User), { body }),
  );

/** Kirby's user, account and role routes. */
export const userSpecs: SpecTable = {
  "GET account": spec("account", "The logged-in user", ModelEnvelope(User), { query: ModelQuery }),
  "GET roles": spec("roles", "The roles", CollectionEnvelope(Role), {
    query: Type.Object({ ...CollectionQuery.properties, canBe: Type.Optional(Type.String()) }),
  }),
  "GET roles/(:any)": spec("roles", "A role", ModelEnvelope(Role), { params: ["name"], query: ModelQuery }),
  "GET users": spec("users", "The users", CollectionEnvelope(User), { query: CollectionQuery }),
  "GET users/(:any)": spec("users", "A user by id or e-mail", ModelEnvelope(User), {
    params: ["user"],
    query: ModelQuery,
  }),
  "POST users": spec("users", "Creates a user", ModelEnvelope(User), {
    body: Body({
      email: Type.String(),
      password: Type.Optional(Type.String()),
      role: Type.Optional(Type.String()),
      name: Type.Optional(Type.String()),
      language: Type.Optional(Type.String()),
      content: Type.Optional(ContentBody),
    }),
  }),
  ...forAccountAndUsers("PATCH", "", (who) =>
    spec(tagOf(who), `Updates ${whose(who)} content`, ModelEnvelope(User), { body: ContentBody }),
  ),
  ...forAccountAndUsers("DELETE", "", (who): RouteSpec => spec(tagOf(who), `Deletes ${whose(who)} account`, Ok)),
  ...change("email", Body({ email: Type.String() })),
  ...change("language", Body({ language: Type.String() })),
  ...change("name", Body({ name: Type.String() })),
  ...change("password", Body({ password: Type.String(), currentPassword: Type.Optional(Type.String()) })),
  ...change("role", Body({ role: Type.String() })),
  ...forAccountAndUsers("GET", "/roles", (who) =>
    spec(tagOf(who), `Roles ${whose(who)} role may change to`, CollectionEnvelope(CompactRole)),
  ),
};
