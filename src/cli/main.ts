import { Command, InvalidArgumentError as CommanderArgumentError } from "commander";
import path from "node:path";
import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { cp, mkdir, readdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import {
  buildRoles,
  createAccountIndex,
  generateUserId,
  hashPassword,
  NOBODY_ROLE,
  writeNewAccount,
  writePasswordHash,
} from "../accounts/index.js";
import { removeAccount } from "../accounts/account-writer.js";
import { describeToken, parseScope, TokenStore } from "../tokens/index.js";
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
      for (const warning of sheaf.warnings) sheaf.logger.warn(warning);
      const address = await sheaf.listen(options.port, options.host);
      sheaf.logger.info({ address, root: path.resolve(root) }, `Sheaf ${sheafVersion()} serving ${path.resolve(root)} on ${address}`);
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

  program
    .command("init")
    .description("create a new site from the starterkit (content, blueprints, templates; no accounts)")
    .argument("[dir]", "folder of the new site (must be empty or not exist)", ".")
    .option("-e, --email <email>", "also create the first admin with this e-mail")
    .option("--password <password>", "password of the first admin (prompted for when --email is given without it)")
    .action(async (dir: string, options: { email?: string; password?: string }) => {
      const target = path.resolve(dir);
      const existing = await readdir(target).catch(() => [] as string[]);
      if (existing.length > 0) throw new ConfigError(`${target} is not empty; choose a new or empty folder`);
      const starterkit = fileURLToPath(new URL("../../examples/starterkit/", import.meta.url));
      await mkdir(target, { recursive: true });
      await cp(path.join(starterkit, "content"), path.join(target, "content"), { recursive: true });
      for (const part of ["blueprints", "templates"]) {
        await cp(path.join(starterkit, "site", part), path.join(target, "site", part), { recursive: true });
      }
      // A new site starts with safe options (the starterkit's demo config allows Basic auth over plain HTTP).
      await mkdir(path.join(target, "site", "config"), { recursive: true });
      await writeFile(path.join(target, "site", "config", "config.json"), `${JSON.stringify({ debug: false }, null, 2)}\n`);
      await mkdir(path.join(target, "site", "accounts"), { recursive: true });
      process.stdout.write(`Created a new site in ${target}\n`);
      if (options.email) {
        const email = options.email.trim().toLowerCase();
        if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw new ConfigError("Please enter a valid email address");
        const password = await readPassword(options.password);
        const accountsDir = path.join(target, "site", "accounts");
        const id = await generateUserId(accountsDir);
        await writeNewAccount(accountsDir, id, { email, role: "admin", name: null, language: "en", passwordHash: await hashPassword(password) });
        process.stdout.write(`Created admin ${id} <${email}>\n`);
      } else {
        process.stdout.write(`Next: sheaf user:create ${dir} --email you@example.com --role admin\n`);
      }
      process.stdout.write(`Then: sheaf serve ${dir}\n`);
    });

  program
    .command("user:list")
    .description("list the site's users")
    .argument("[root]", "site folder", ".")
    .option("--json", "print JSON")
    .action(async (root: string, options: { json?: boolean }) => {
      const siteDir = path.join(path.resolve(root), "site");
      const roles = buildRoles(await createBlueprintRegistry(siteDir));
      const accounts = await createAccountIndex({ root: path.join(siteDir, "accounts"), watch: false });
      const rows = accounts.users().map((user) => ({
        id: user.id,
        email: user.email,
        name: user.name ?? "",
        role: (roles.get(user.role) ?? NOBODY_ROLE).name,
        password: user.passwordHash ? "yes" : "no",
      }));
      if (options.json) {
        process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        return;
      }
      if (rows.length === 0) {
        process.stdout.write("No users.\n");
        return;
      }
      const columns = ["id", "email", "name", "role", "password"] as const;
      const widths = columns.map((column) => Math.max(column.length, ...rows.map((row) => row[column].length)));
      const line = (values: readonly string[]): string => values.map((value, i) => value.padEnd(widths[i] ?? 0)).join("  ").trimEnd();
      process.stdout.write(`${line(columns)}\n${rows.map((row) => line(columns.map((column) => row[column]))).join("\n")}\n`);
    });

  program
    .command("user:delete")
    .description("delete a user account (refuses the last admin)")
    .argument("[root]", "site folder", ".")
    .requiredOption("-e, --email <email>", "e-mail address or user id")
    .action(async (root: string, options: { email: string }) => {
      const siteDir = path.join(path.resolve(root), "site");
      const accountsDir = path.join(siteDir, "accounts");
      const roles = buildRoles(await createBlueprintRegistry(siteDir));
      const accounts = await createAccountIndex({ root: accountsDir, watch: false });
      const user = accounts.findUser(options.email.trim().toLowerCase()) ?? accounts.findUser(options.email.trim());
      if (!user) throw new ConfigError(`The user "${options.email}" cannot be found`);
      const isAdmin = (roles.get(user.role) ?? NOBODY_ROLE).name === "admin";
      const admins = accounts.users().filter((other) => (roles.get(other.role) ?? NOBODY_ROLE).name === "admin");
      if (isAdmin && admins.length <= 1) throw new ConfigError("The last admin cannot be deleted");
      if (accounts.users().length <= 1) throw new ConfigError("The last user cannot be deleted");
      await removeAccount(accountsDir, user.id);
      process.stdout.write(`Deleted user ${user.id} <${user.email}>\n`);
    });

  const findUserIn = async (root: string, key: string) => {
    const accountsDir = path.join(path.resolve(root), "site", "accounts");
    const accounts = await createAccountIndex({ root: accountsDir, watch: false });
    const user = accounts.findUser(key.trim().toLowerCase()) ?? accounts.findUser(key.trim());
    if (!user) throw new ConfigError(`The user "${key}" cannot be found`);
    return { user, accountsDir };
  };

  program
    .command("token:create")
    .description("create an application password (API token) for a user; it is shown once")
    .argument("[root]", "site folder", ".")
    .requiredOption("-e, --email <email>", "owner's e-mail address or user id")
    .requiredOption("-n, --name <name>", "what the token is for, e.g. \"deploy script\"")
    .option("-s, --scope <scope>", 'read (default), full, or a JSON permission map like \'{"pages":{"update":true}}\'', "read")
    .option("--expires <days>", "days until it expires (default: never)")
    .action(async (root: string, options: { email: string; name: string; scope: string; expires?: string }) => {
      const { user, accountsDir } = await findUserIn(root, options.email);
      let scopeInput: unknown = options.scope;
      if (options.scope.trim().startsWith("{")) {
        try {
          scopeInput = JSON.parse(options.scope);
        } catch {
          throw new ConfigError("--scope is not valid JSON");
        }
      }
      const scope = (() => {
        try {
          return parseScope(scopeInput);
        } catch (error) {
          throw new ConfigError(error instanceof Error ? error.message : String(error));
        }
      })();
      let expiresAt: number | null = null;
      if (options.expires !== undefined) {
        const days = Number(options.expires);
        if (!Number.isFinite(days) || days <= 0) throw new ConfigError("--expires must be a positive number of days");
        expiresAt = Math.floor(Date.now() / 1000 + days * 86400);
      }
      const name = options.name.trim();
      if (name === "" || name.length > 100) throw new ConfigError("--name must be 1–100 characters");
      const store = await TokenStore.open(accountsDir);
      const { record, token } = await store.create({ userId: user.id, name, scope, expiresAt, now: Math.floor(Date.now() / 1000) });
      process.stdout.write(`Created application password ${record.id} for ${user.email}. It is shown only once:\n\n  ${token}\n\n`);
      process.stdout.write(`Use it as the Basic-auth password with ${user.email}, or as "Authorization: Bearer ${token.slice(0, 12)}…".\n`);
    });

  program
    .command("token:list")
    .description("list a user's application passwords (never the secrets)")
    .argument("[root]", "site folder", ".")
    .requiredOption("-e, --email <email>", "owner's e-mail address or user id")
    .option("--json", "print JSON")
    .action(async (root: string, options: { email: string; json?: boolean }) => {
      const { user, accountsDir } = await findUserIn(root, options.email);
      const tokens = (await TokenStore.open(accountsDir)).list(user.id).map(describeToken);
      if (options.json) {
        process.stdout.write(`${JSON.stringify(tokens, null, 2)}\n`);
        return;
      }
      if (tokens.length === 0) {
        process.stdout.write(`${user.email} has no application passwords.\n`);
        return;
      }
      for (const token of tokens) {
        const scope = typeof token.scope === "string" ? token.scope : "custom";
        process.stdout.write(
          `${token.id}  ${token.name}  scope=${scope}  created=${token.createdAt}  expires=${token.expiresAt ?? "never"}  lastUsed=${token.lastUsedAt ?? "never"}${token.lastUsedIp ? ` from ${token.lastUsedIp}` : ""}\n`,
        );
      }
    });

  program
    .command("token:revoke")
    .description("revoke an application password")
    .argument("[root]", "site folder", ".")
    .argument("<id>", "token id (from token:list)")
    .action(async (root: string, id: string) => {
      const accountsDir = path.join(path.resolve(root), "site", "accounts");
      const store = await TokenStore.open(accountsDir);
      if (!(await store.revoke(id))) throw new ConfigError(`No application password with id "${id}"`);
      process.stdout.write(`Revoked application password ${id}\n`);
    });

  try {
    await program.parseAsync([...argv], { from: "user" });
  } catch (error) {
    process.stderr.write(`sheaf: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
