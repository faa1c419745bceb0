import { fail, isPlainObject, type Reader } from "./reader.js";

/**
 * Kirby's `email.transport` option (docs/kirby-compat/options.md#email): how login codes and password-reset mails
 * leave the server.
 */
export type MailTransportOptions =
  | {
      /** Sheaf: every message becomes an `.eml` file in `site/logs/mail/` (development; the default). */
      readonly type: "file";
    }
  | {
      readonly type: "smtp";
      readonly host: string;
      readonly port: number;
      /** `"tls"`: STARTTLS required; `"ssl"`: TLS from the first byte; `false`: plain (only for a local relay). */
      readonly security: "tls" | "ssl" | false;
      /** User name and password for SMTP AUTH, or null without `auth: true`. */
      readonly auth: { readonly username: string; readonly password: string } | null;
    }
  | {
      /** `sendmail` and Kirby's `mail` (PHP's `mail()` hands the message to the local sendmail too). */
      readonly type: "sendmail";
      readonly path: string;
    };

export interface EmailOptions {
  readonly transport: MailTransportOptions;
}

const SMTP_PORTS = { tls: 587, ssl: 465, none: 25 } as const;

function readSecurity(reader: Reader): "tls" | "ssl" | false {
  const value = reader.get("email.transport.security");
  // Kirby: `true` means STARTTLS ("tls"); absent or false means none
  if (value === undefined || value === null || value === false) return false;
  if (value === true || value === "tls") return "tls";
  if (value === "ssl") return "ssl";
  return fail("email.transport.security", 'true, false, "tls" or "ssl"', value);
}

/**
 * Reads `email.transport`. `environment` supplies secrets that should not live in a config file:
 * `SHEAF_SMTP_PASSWORD` wins over `email.transport.password`.
 */
export function readEmailOptions(
  reader: Reader,
  environment: Readonly<Record<string, string | undefined>>,
): EmailOptions {
  const transport = reader.get("email.transport");
  if (transport === undefined || transport === null) return { transport: { type: "file" } };
  if (!isPlainObject(transport)) return fail("email.transport", "a map of transport options", transport);
  const type = reader.string("email.transport.type", "mail");
  switch (type) {
    case "file":
      return { transport: { type: "file" } };
    case "mail":
    case "sendmail":
      return { transport: { type: "sendmail", path: reader.string("email.transport.path", "sendmail") } };
    case "smtp": {
      const security = readSecurity(reader);
      const host = reader.string("email.transport.host", "localhost");
      if (host.length > 255 || /[\s/]/.test(host)) fail("email.transport.host", "a host name", host);
      const port = reader.positiveInt("email.transport.port", SMTP_PORTS[security === false ? "none" : security]);
      if (port > 65535) fail("email.transport.port", "a port number", port);
      const useAuth = reader.bool("email.transport.auth", false);
      const password = environment["SHEAF_SMTP_PASSWORD"] ?? reader.optionalString("email.transport.password");
      const username = reader.optionalString("email.transport.username");
      if (useAuth && (username === null || password === null))
        fail("email.transport.auth", "username and password (or SHEAF_SMTP_PASSWORD) with auth: true", true);
      return {
        transport: {
          type: "smtp",
          host,
          port,
          security,
          auth: useAuth ? { username: username as string, password: password as string } : null,
        },
      };
    }
    default:
      return fail("email.transport.type", '"smtp", "sendmail", "mail" or "file"', type);
  }
}
