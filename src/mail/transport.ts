/**
 * The mailer a site's `email.transport` option asks for: SMTP or the local sendmail through nodemailer, or `.eml`
 * files for development.
 */

import path from "node:path";
import nodemailer from "nodemailer";
import type { MailTransportOptions } from "../config/email.js";
import type { Logger } from "../log/logger.js";
import { safeValue } from "../log/safe-value.js";
import { FileMailer, type MailAddress, type Mailer, type MailMessage } from "./mailer.js";

/** How long one delivery may take at most: a login request waits for it. */
const CONNECT_TIMEOUT_MS = 10_000;
const SOCKET_TIMEOUT_MS = 30_000;

interface Transporter {
  sendMail(message: {
    from: { name: string; address: string } | string;
    to: { name: string; address: string } | string;
    subject: string;
    text: string;
  }): Promise<unknown>;
  close(): void;
}

function address(value: MailAddress): { name: string; address: string } | string {
  return value.name ? { name: value.name, address: value.email } : value.email;
}

/** Whatever the transport said, without the credentials it was given. */
function describeFailure(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { error: safeValue(String(error)) };
  const details: Record<string, unknown> = { error: safeValue(error.message) };
  for (const key of ["code", "command", "responseCode", "response"] as const) {
    const value = (error as unknown as Record<string, unknown>)[key];
    if (typeof value === "string" || typeof value === "number") details[key] = safeValue(String(value));
  }
  return details;
}

/** Hands messages to nodemailer; a failure is logged for the operator and rethrown to the caller. */
export class TransportMailer implements Mailer {
  constructor(
    private readonly transporter: Transporter,
    private readonly logger: Logger,
    private readonly description: string,
  ) {}

  async send(message: MailMessage): Promise<void> {
    try {
      await this.transporter.sendMail({
        from: address(message.from),
        to: address(message.to),
        subject: message.subject,
        text: message.text,
      });
    } catch (error) {
      this.logger.error(
        { mail: { transport: this.description, subject: safeValue(message.subject) }, ...describeFailure(error) },
        "A mail could not be sent",
      );
      throw error;
    }
  }

  close(): void {
    this.transporter.close();
  }
}

export interface MailerSettings {
  readonly transport: MailTransportOptions;
  /** The site's `site/` folder (file mails go to `site/logs/mail/`). */
  readonly siteDir: string;
  readonly logger: Logger;
}

/** The mailer for a transport option, and a line for the operator saying where mail goes. */
export function createMailer({ transport, siteDir, logger }: MailerSettings): Mailer & { close?(): void } {
  switch (transport.type) {
    case "file": {
      const dir = path.join(siteDir, "logs", "mail");
      logger.warn(
        { mail: { transport: "file", dir } },
        "Mail is not sent: login codes and reset mails are written to site/logs/mail/ (set email.transport to send them)",
      );
      return new FileMailer({ dir, log: (line) => logger.info(line) });
    }
    case "sendmail": {
      logger.info({ mail: { transport: "sendmail", path: transport.path } }, "Mail is handed to the local sendmail");
      const transporter = nodemailer.createTransport({ sendmail: true, path: transport.path, newline: "unix" });
      return new TransportMailer(transporter as unknown as Transporter, logger, "sendmail");
    }
    case "smtp": {
      const description = `smtp://${transport.host}:${transport.port}`;
      logger.info({ mail: { transport: description, security: transport.security } }, "Mail is sent by SMTP");
      const transporter = nodemailer.createTransport({
        host: transport.host,
        port: transport.port,
        secure: transport.security === "ssl",
        requireTLS: transport.security === "tls",
        ignoreTLS: transport.security === false,
        ...(transport.auth ? { auth: { user: transport.auth.username, pass: transport.auth.password } } : {}),
        connectionTimeout: CONNECT_TIMEOUT_MS,
        greetingTimeout: CONNECT_TIMEOUT_MS,
        socketTimeout: SOCKET_TIMEOUT_MS,
      });
      return new TransportMailer(transporter as unknown as Transporter, logger, description);
    }
  }
}
