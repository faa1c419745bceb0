import { type StaticDecode, Type } from "@sinclair/typebox";
import { bool, type DeepReadonly, group, optionalText, text } from "./schema-kit.js";

/**
 * Kirby's `email.transport` option (docs/kirby-compat/options.md#email): how login codes and password-reset mails
 * leave the server. Unset, every message becomes an `.eml` file in `site/logs/mail/` (development).
 */

const SMTP_PORTS = { tls: 587, ssl: 465, none: 25 } as const;

const TransportMap = Type.Object(
  {
    // `mail` (PHP's `mail()`) hands the message to the local sendmail too
    type: Type.Union([Type.Literal("smtp"), Type.Literal("sendmail"), Type.Literal("mail"), Type.Literal("file")], {
      default: "mail",
      expected: '"smtp", "sendmail", "mail" or "file"',
    }),
    host: Type.String({
      minLength: 1,
      maxLength: 255,
      pattern: "^[^\\s/]+$",
      default: "localhost",
      expected: "a host name",
    }),
    port: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 65535, expected: "a port number (1–65535); default by security" }),
    ),
    // Kirby: `true` means STARTTLS ("tls"); left out or false means none
    security: Type.Union([Type.Boolean(), Type.Literal("tls"), Type.Literal("ssl")], {
      default: false,
      expected: 'true, false, "tls" or "ssl"',
    }),
    auth: bool(false),
    username: optionalText(),
    /** `SHEAF_SMTP_PASSWORD` wins over it (config/environment.ts). */
    password: optionalText({ secret: true }),
    path: text("sendmail"),
  },
  { expected: "a map of transport options" },
);

type Transport =
  | { readonly type: "file" }
  | {
      readonly type: "smtp";
      readonly host: string;
      readonly port: number;
      /** `"tls"`: STARTTLS required; `"ssl"`: TLS from the first byte; `false`: plain (only for a local relay). */
      readonly security: "tls" | "ssl" | false;
      /** User name and password for SMTP AUTH, or null without `auth: true`. */
      readonly auth: { readonly username: string; readonly password: string } | null;
    }
  | { readonly type: "sendmail"; readonly path: string };

function decodeTransport(value: StaticDecode<typeof TransportMap> | null): Transport {
  if (value === null || value.type === "file") return { type: "file" };
  if (value.type !== "smtp") return { type: "sendmail", path: value.path };
  const security = value.security === true ? "tls" : value.security;
  return {
    type: "smtp",
    host: value.host,
    port: value.port ?? SMTP_PORTS[security === false ? "none" : security],
    security,
    // the schema's check (`smtpAuthProblems`) has made sure both are there
    auth: value.auth ? { username: value.username ?? "", password: value.password ?? "" } : null,
  };
}

export const EmailSchema = group({
  transport: Type.Transform(
    Type.Union([Type.Null(), TransportMap], { default: null, expected: "a map of transport options" }),
  )
    .Decode(decodeTransport)
    .Encode((): null => null),
});

export type EmailOptions = DeepReadonly<StaticDecode<typeof EmailSchema>>;
export type MailTransportOptions = EmailOptions["transport"];
