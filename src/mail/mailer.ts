/**
 * Outgoing mail for login codes. Sheaf has no mail transport of its own: the default mailer writes every message
 * as an `.eml` file into `site/logs/mail/` (readable by the site owner, openable in any mail client) and logs a
 * line naming it. A deployment that should really send mail passes its own `Mailer` to `createSheaf`.
 */

import { randomBytes } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { safeValue } from "../log/safe-value.js";

export interface MailAddress {
  readonly email: string;
  readonly name: string | null;
}

export interface MailMessage {
  readonly from: MailAddress;
  readonly to: MailAddress;
  readonly subject: string;
  /** Plain-text body. */
  readonly text: string;
}

export interface Mailer {
  /** Delivers (or hands over) one message; rejects when that fails. */
  send(message: MailMessage): Promise<void>;
}

/** Keeps messages in memory, newest last (tests, embedding). */
export class MemoryMailer implements Mailer {
  readonly messages: MailMessage[] = [];

  async send(message: MailMessage): Promise<void> {
    this.messages.push(message);
  }

  /** The newest message sent to `email` (case-insensitive), if any. */
  lastTo(email: string): MailMessage | undefined {
    const wanted = email.toLowerCase();
    return this.messages.filter((message) => message.to.email.toLowerCase() === wanted).at(-1);
  }
}

/** A header value on one line: line breaks would start new headers. */
function oneLine(value: string): string {
  return value.replace(/[\r\n]+/g, " ").trim();
}

/** RFC 2047 encoded word for non-ASCII header text; plain text otherwise. */
function headerText(value: string): string {
  const text = oneLine(value);
  return /^[\x20-\x7e]*$/.test(text) ? text : `=?UTF-8?B?${Buffer.from(text, "utf8").toString("base64")}?=`;
}

function formatAddress(address: MailAddress): string {
  const email = oneLine(address.email);
  if (!address.name) return `<${email}>`;
  const name = oneLine(address.name);
  const display = /^[\x20-\x7e]*$/.test(name) ? `"${name.replace(/(["\\])/g, "\\$1")}"` : headerText(name);
  return `${display} <${email}>`;
}

/** The message in Internet Message Format (CRLF line ends, UTF-8 body). */
export function formatEml(message: MailMessage, date: Date): string {
  const headers = [
    `Date: ${date.toUTCString().replace("GMT", "+0000")}`,
    `From: ${formatAddress(message.from)}`,
    `To: ${formatAddress(message.to)}`,
    `Subject: ${headerText(message.subject)}`,
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=UTF-8",
    "Content-Transfer-Encoding: 8bit",
  ];
  const body = message.text.replace(/\r?\n/g, "\r\n");
  return `${headers.join("\r\n")}\r\n\r\n${body}\r\n`;
}

export interface FileMailerOptions {
  /** Folder of the message files, created when needed (usually `site/logs/mail`). */
  readonly dir: string;
  readonly log?: (message: string) => void;
  readonly now?: () => Date;
}

/** Writes each message to `<dir>/<UTC time>-<random id>.eml` (mode 0600, folder 0700). */
export class FileMailer implements Mailer {
  constructor(private readonly options: FileMailerOptions) {}

  async send(message: MailMessage): Promise<void> {
    const date = this.options.now?.() ?? new Date();
    const stamp = date
      .toISOString()
      .replace(/[-:]/g, "")
      .replace(/\.\d+Z$/, "Z");
    const file = path.join(this.options.dir, `${stamp}-${randomBytes(6).toString("hex")}.eml`);
    await mkdir(this.options.dir, { recursive: true, mode: 0o700 });
    await writeFile(file, formatEml(message, date), { mode: 0o600, flag: "wx" });
    this.options.log?.(`Mail "${safeValue(message.subject)}" to ${safeValue(message.to.email)} written to ${file}`);
  }
}
