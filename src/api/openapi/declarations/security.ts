import { Type } from "@sinclair/typebox";
import type { SpecTable } from "../spec.js";
import { CollectionEnvelope, DataEnvelope, Ok } from "../envelopes.js";
import {
  ApplicationPassword,
  AuditEntry,
  CreatedApplicationPassword,
  SessionInfo,
  TwoFactorSetup,
  TwoFactorStatus,
} from "../models.js";
import { Body, forAccountAndUsers, spec, whose } from "./common.js";

const sheaf = { sheaf: true } as const;

const SCOPE_MESSAGE = 'The scope must be "read", "full" or a map of permissions such as {"pages": {"update": true}}';

/** `POST account/tokens`: checked against this before the action (the scope's names are checked by parseScope). */
export const CreateTokenBody = Body({
  name: Type.String({
    minLength: 1,
    maxLength: 100,
    pattern: "\\S",
    errorMessage: "Please give the application password a name (1–100 characters)",
  }),
  scope: Type.Optional(
    Type.Union(
      [
        Type.Literal("read"),
        Type.Literal("full"),
        Type.Record(Type.String(), Type.Record(Type.String(), Type.Unknown()), {
          description: 'Permissions by area and action, e.g. {"pages": {"update": true}}',
        }),
        Type.Null(),
      ],
      { errorMessage: SCOPE_MESSAGE },
    ),
  ),
  expiresIn: Type.Optional(
    Type.Union([Type.Integer({ minimum: 1 }), Type.String(), Type.Null()], {
      description: "Seconds from now",
      errorMessage: "expiresIn must be a positive number of seconds",
    }),
  ),
  expiresAt: Type.Optional(
    Type.Union([Type.String({ description: "ISO 8601, in the future" }), Type.Null()], {
      errorMessage: "expiresAt must be a date in the future (ISO 8601)",
    }),
  ),
});

/** Two-factor bodies: `code` is what the route cannot go without. */
const codeField = Type.String({ errorMessage: 'The "code" field is missing' });
export const TwoFactorBody = Body({ code: codeField, password: Type.Optional(Type.String()) });

const SessionsRevoked = Type.Object({
  code: Type.Literal(200),
  status: Type.Literal("ok"),
  message: Type.Literal("ok"),
  revoked: Type.Integer({ minimum: 0 }),
});

/** Sheaf's own security routes: application passwords, sessions, the audit log and two-factor setup. */
export const securitySpecs: SpecTable = {
  ...forAccountAndUsers("GET", "/tokens", (who) =>
    spec(
      "tokens",
      `${who === "account" ? "The account's" : "A user's"} application passwords`,
      DataEnvelope(Type.Array(ApplicationPassword)),
      sheaf,
    ),
  ),
  ...forAccountAndUsers("POST", "/tokens", (who) =>
    spec(
      "tokens",
      `Creates an application password for ${whose(who)} account`,
      DataEnvelope(CreatedApplicationPassword),
      {
        ...sheaf,
        body: CreateTokenBody,
      },
    ),
  ),
  ...forAccountAndUsers("DELETE", "/tokens/(:any)", (who) =>
    spec("tokens", `Revokes one of ${whose(who)} application passwords`, Ok, { ...sheaf, params: ["token"] }),
  ),
  ...forAccountAndUsers("GET", "/sessions", (who) =>
    spec(
      "sessions",
      `${who === "account" ? "The account's" : "A user's"} sessions`,
      DataEnvelope(Type.Array(SessionInfo)),
      sheaf,
    ),
  ),
  ...forAccountAndUsers("DELETE", "/sessions", (who) =>
    spec("sessions", `Ends ${whose(who)} sessions but the caller's own`, SessionsRevoked, sheaf),
  ),
  ...forAccountAndUsers("DELETE", "/sessions/(:any)", (who) =>
    spec("sessions", `Ends one of ${whose(who)} sessions`, Ok, { ...sheaf, params: ["session"] }),
  ),
  "GET system/audit": spec("audit", "The audit log (admins)", CollectionEnvelope(AuditEntry), {
    ...sheaf,
    query: Type.Object({
      page: Type.Optional(Type.Integer({ minimum: 1 })),
      limit: Type.Optional(Type.Integer({ minimum: 1 })),
    }),
  }),
  "GET account/totp": spec("two-factor", "Whether time-based codes are on", DataEnvelope(TwoFactorStatus), sheaf),
  "POST account/totp": spec(
    "two-factor",
    "Starts a setup: a new secret, its URI and QR code",
    DataEnvelope(TwoFactorSetup),
    sheaf,
  ),
  "POST account/totp/enable": spec(
    "two-factor",
    "Confirms the setup with a first code and the password; answers ten recovery codes (shown once)",
    DataEnvelope(Type.Object({ enabled: Type.Literal(true), recoveryCodes: Type.Array(Type.String()) })),
    { ...sheaf, body: TwoFactorBody },
  ),
  "DELETE account/totp": spec("two-factor", "Turns time-based codes off (password and a code)", Ok, {
    ...sheaf,
    body: TwoFactorBody,
  }),
  "DELETE users/(:any)/totp": spec("two-factor", "Resets a user's time-based codes (admins)", Ok, {
    ...sheaf,
    params: ["user"],
  }),
};
