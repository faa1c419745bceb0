import { Command, InvalidArgumentError as CommanderArgumentError } from "commander";
import path from "node:path";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import {
  buildRoles,
  createAccountIndex,
  generateUserId,
  hashPassword,
  writeNewAccount,
  writePasswordHash,
} from "../accounts/index.js";
import { passwordLength } from "../auth/index.js";
import { createBlueprintRegistry } from "../blueprints/index.js";
import { ConfigError } from "../errors.js";
import { createSheaf, sheafVersion } from "../app.js";

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new CommanderArgumentError("expected a port number 0–65535");
  return port;
}

/** Reads a line without echoing it (for passwords typed at a terminal). */
async function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const lines = createInterface({ input: process.stdin });
    for await (const line of lines) {
      lines.close();
      return line;
    }
    return "";
  }
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stdout.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      process.stdout.write("\n");
      resolve(answer);
    });
    muted = true;
  });
}

function checkPasswordRules(password: string): void {
  const length = passwordLength(password);
  if (length < 8) throw new ConfigError("Please enter a valid password. Passwords must be at least 8 characters long.");
  if (length > 1000) throw new ConfigError("Please enter a valid password. Passwords must not be longer than 1000 characters.");
}

async function readPassword(given: string | undefined): Promise<string> {
  const password = given ?? (await promptHidden("Password: "));
  checkPasswordRules(password);
  return password;
}

export async function main(argv: readonly string[]): Promise<void> {
  const program = new Command()
    .name("sheaf")
    .description("Serve a Kirby site folder through Kirby's REST API")
    .version(sheafVersion());

  program
    .command("serve")
    .description("serve a site folder (holding content/ and site/)")
    .argument("[root]", "site folder", ".")
    .option("-p, --port <port>", "port to listen on", parsePort, 8080)
    .option("-H, --host <host>", "address to listen on", "127.0.0.1")
    .action(async (root: string, options: { port: number; host: string }) => {
      const sheaf = await createSheaf({ root });
      for (const warning of sheaf.warnings) process.stderr.write(`warning: ${warning}\n`);
      const address = await sheaf.listen(options.port, options.host);
      process.stdout.write(`Sheaf ${sheafVersion()} serving ${path.resolve(root)} on ${address}\n`);
      const stop = (): void => {
        sheaf.close().then(() => process.exit(0), () => process.exit(1));
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
    });

  program
    .command("user:create")
    .description("create a user account")
    .argument("[root]", "site folder", ".")
    .requiredOption("-e, --email <email>", "e-mail address")
    .option("-r, --role <role>", "role name", "admin")
    .option("-n, --name <name>", "display name")
    .option("-l, --language <code>", "interface language", "en")
    .option("--password <password>", "password (prompted for when omitted)")
    .action(async (root: string, options: { email: string; role: string; name?: string; language: string; password?: string }) => {
      const siteDir = path.join(path.resolve(root), "site");
      const accountsDir = path.join(siteDir, "accounts");
      const email = options.email.trim().toLowerCase();
      if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new ConfigError("Please enter a valid email address");
      const roles = buildRoles(await createBlueprintRegistry(siteDir));
      const role = options.role.trim().toLowerCase();
      if (!roles.has(role)) throw new ConfigError(`Unknown role "${role}"; known roles: ${[...roles.keys()].join(", ")}`);
      const accounts = await createAccountIndex({ root: accountsDir, watch: false });
      if (accounts.findUser(email)) throw new ConfigError(`A user with the email address "${email}" already exists`);
      const password = await readPassword(options.password);
      const id = await generateUserId(accountsDir);
      await writeNewAccount(accountsDir, id, {
        email,
        role,
        name: options.name?.replace(/<[^>]*>/g, "").trim() || null,
        language: options.language.trim(),
        passwordHash: await hashPassword(password),
      });
      process.stdout.write(`Created user ${id} <${email}> with role ${role}\n`);
    });

  program
    .command("user:password")
    .description("set a user's password")
    .argument("[root]", "site folder", ".")
    .requiredOption("-e, --email <email>", "e-mail address or user id")
    .option("--password <password>", "new password (prompted for when omitted)")
    .action(async (root: string, options: { email: string; password?: string }) => {
      const accountsDir = path.join(path.resolve(root), "site", "accounts");
      const accounts = await createAccountIndex({ root: accountsDir, watch: false });
      const user = accounts.findUser(options.email.trim().toLowerCase()) ?? accounts.findUser(options.email.trim());
      if (!user) throw new ConfigError(`The user "${options.email}" cannot be found`);
      const password = await readPassword(options.password);
      await writePasswordHash(user.dir, await hashPassword(password));
      process.stdout.write(`Password of ${user.email} changed; the user's other sessions are logged out\n`);
    });

  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    process.stderr.write(`sheaf: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
