import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import { afterEach, describe, expect, it } from "vitest";
import { resolveOptions } from "../../src/config/index.js";
import { ConfigError } from "../../src/errors.js";
import { cleanUp, EDITOR, type Client, copySite, startSite } from "./helpers.js";

interface Received {
  readonly from: string;
  readonly to: string[];
  readonly raw: string;
  readonly user: string | undefined;
}

interface TestSmtp {
  readonly port: number;
  readonly received: Received[];
  close(): Promise<void>;
}

const servers = new Set<TestSmtp>();

afterEach(async () => {
  await cleanUp();
  await Promise.all([...servers].map((server) => server.close()));
  servers.clear();
});

/** A real SMTP server in this process; `reject` makes it refuse every message with a 550. */
async function startSmtp({ reject = false, auth = false } = {}): Promise<TestSmtp> {
  const received: Received[] = [];
  const options: SMTPServerOptions = {
    secure: false,
    disabledCommands: auth ? ["STARTTLS"] : ["STARTTLS", "AUTH"],
    authOptional: !auth,
    allowInsecureAuth: true,
    logger: false,
    onAuth(credentials, _session, callback) {
      if (credentials.username === "mailer" && credentials.password === "s3cret") callback(null, { user: "mailer" });
      else callback(new Error("Invalid username or password"));
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        if (reject) {
          const error = new Error("Mailbox unavailable") as Error & { responseCode: number };
          error.responseCode = 550;
          callback(error);
          return;
        }
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
          user: typeof session.user === "string" ? session.user : undefined,
        });
        callback();
      });
    },
  };
  const server = new SMTPServer(options);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  const smtp: TestSmtp = { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  servers.add(smtp);
  return smtp;
}

function smtpConfig(port: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    auth: { methods: ["password", "code"], challenge: { email: { from: "login@example.org", fromName: "Oracle" } } },
    email: { transport: { type: "smtp", host: "127.0.0.1", port, security: false, ...extra } },
  };
}

async function requestCode(client: Client, email: string) {
  await client.fetchCsrf();
  return client.request("POST", "/api/auth/login", { withCsrf: true, json: { email, long: false } });
}

describe("mail through email.transport (smtp)", () => {
  it("delivers a login code with the configured sender, the user's address, Kirby's subject and the code", async () => {
    const smtp = await startSmtp({ auth: true });
    const config = smtpConfig(smtp.port, { auth: true, username: "mailer", password: "s3cret" });
    const site = await startSite({ root: await copySite(), config, memorySessions: true });
    const client = site.client();

    const reply = await requestCode(client, EDITOR.email);
    expect(reply.body).toEqual({ code: 200, status: "ok", challenge: "email" });
    expect(smtp.received).toHaveLength(1);
    const delivered = smtp.received[0]!;
    expect(delivered.user).toBe("mailer");
    expect(delivered.from).toBe("login@example.org");
    expect(delivered.to).toEqual([EDITOR.email]);
    const mail = await simpleParser(delivered.raw);
    expect(mail.from?.value).toEqual([{ address: "login@example.org", name: "Oracle" }]);
    expect(mail.to).toMatchObject({ value: [{ address: EDITOR.email, name: "Ed Editor" }] });
    expect(mail.subject).toBe("Your login code");
    const code = /^(\d{3}) (\d{3})$/m.exec(mail.text ?? "");
    expect(code).not.toBeNull();

    const login = await client.request("POST", "/api/auth/code", {
      withCsrf: true,
      json: { code: `${code![1]}${code![2]}` },
    });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ status: "ok", user: { email: EDITOR.email } });
  });

  it("answers a failed delivery exactly like an unknown e-mail and tells the operator", async () => {
    const smtp = await startSmtp({ reject: true });
    const lines: string[] = [];
    const site = await startSite({
      root: await copySite(),
      config: smtpConfig(smtp.port),
      memorySessions: true,
      extra: { log: (line: string) => lines.push(line) },
    });

    const known = await requestCode(site.client(), EDITOR.email);
    const unknown = await requestCode(site.client(), "nobody@example.com");
    expect(known.status).toBe(200);
    expect(known.body).toEqual({ code: 200, status: "ok", challenge: "email" });
    expect(unknown.body).toEqual(known.body);

    const failures = lines
      .map((line) => JSON.parse(line) as Record<string, unknown>)
      .filter((l) => l["msg"] === "A mail could not be sent");
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ level: 50, responseCode: "550", mail: { subject: "Your login code" } });
    expect(JSON.stringify(failures[0])).not.toContain(EDITOR.email);
  });

  it("answers when the SMTP server is down without revealing anything either", async () => {
    const smtp = await startSmtp();
    await smtp.close();
    servers.delete(smtp);
    const site = await startSite({ root: await copySite(), config: smtpConfig(smtp.port), memorySessions: true });
    const reply = await requestCode(site.client(), EDITOR.email);
    expect(reply.body).toEqual({ code: 200, status: "ok", challenge: "email" });
  });
});

describe("email.transport option", () => {
  it("defaults to mail files, and reads Kirby's smtp keys with their ports", () => {
    expect(resolveOptions({}, {}).email.transport).toEqual({ type: "file" });
    expect(
      resolveOptions({ email: { transport: { type: "smtp", host: "mx.example.org", security: true } } }, {}).email,
    ).toEqual({ transport: { type: "smtp", host: "mx.example.org", port: 587, security: "tls", auth: null } });
    expect(resolveOptions({ "email.transport": { type: "smtp", security: "ssl" } }, {}).email.transport).toMatchObject({
      host: "localhost",
      port: 465,
      security: "ssl",
    });
    expect(resolveOptions({ email: { transport: { type: "mail" } } }, {}).email.transport).toEqual({
      type: "sendmail",
      path: "sendmail",
    });
  });

  it("takes the SMTP password from SHEAF_SMTP_PASSWORD over the config file", () => {
    const config = { email: { transport: { type: "smtp", auth: true, username: "u", password: "in-file" } } };
    expect(resolveOptions(config, { SHEAF_SMTP_PASSWORD: "from-env" }).email.transport).toMatchObject({
      auth: { username: "u", password: "from-env" },
    });
    expect(resolveOptions(config, {}).email.transport).toMatchObject({ auth: { password: "in-file" } });
  });

  it("refuses transports it cannot use, naming the option", () => {
    expect(() => resolveOptions({ email: { transport: { type: "pigeon" } } }, {})).toThrow(ConfigError);
    expect(() => resolveOptions({ email: { transport: { type: "smtp", auth: true } } }, {})).toThrow(
      /email\.transport\.auth/,
    );
    expect(() => resolveOptions({ email: { transport: { type: "smtp", security: "starttls" } } }, {})).toThrow(
      /email\.transport\.security/,
    );
    expect(() => resolveOptions({ email: { transport: { type: "smtp", port: 70000 } } }, {})).toThrow(
      /email\.transport\.port/,
    );
  });
});
