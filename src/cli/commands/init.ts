import { randomBytes } from "node:crypto";
import { cp, mkdir, readdir, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Command } from "commander";
import { generateUserId, hashPassword, writeNewAccount } from "../../accounts/index.js";
import { isValidEmail, normaliseEmail } from "../../accounts/user-fields.js";
import { AuditLog } from "../../audit/index.js";
import { ConfigError, InvalidArgumentError } from "../../errors.js";
import { readPassword } from "../password-input.js";
import { CLI_ACTOR } from "../site-services.js";

const STARTERKIT = fileURLToPath(new URL("../../../examples/starterkit/", import.meta.url));
/** The audit log's defaults (a new site has no options that change them). */
const AUDIT_MAX_BYTES = 10 * 1024 * 1024;
const AUDIT_KEEP = 5;

interface FirstAdmin {
  readonly email: string;
  readonly passwordHash: string;
}

/** The target must be a new folder or an empty one, inside a folder that exists. */
async function checkTarget(target: string): Promise<"missing" | "empty"> {
  const info = await stat(target).catch(() => null);
  if (info && !info.isDirectory()) throw new ConfigError(`${target} is a file; choose a new or empty folder`);
  if (info) {
    if ((await readdir(target)).length > 0)
      throw new ConfigError(`${target} is not empty; choose a new or empty folder`);
    return "empty";
  }
  const parent = await stat(path.dirname(target)).catch(() => null);
  if (!parent?.isDirectory())
    throw new ConfigError(`${path.dirname(target)} does not exist; create it first or choose another folder`);
  return "missing";
}

async function firstAdminFrom(options: { email?: string; password?: string }): Promise<FirstAdmin | null> {
  if (options.email === undefined) {
    if (options.password !== undefined) throw new ConfigError("--password needs --email (the first admin's address)");
    return null;
  }
  const email = normaliseEmail(options.email);
  if (!isValidEmail(email)) throw new InvalidArgumentError({ key: "user.email.invalid" });
  const password = await readPassword(options.password);
  return { email, passwordHash: await hashPassword(password) };
}

/** Writes the whole site into `dir` (a fresh staging folder). */
async function buildSite(dir: string, admin: FirstAdmin | null): Promise<string | null> {
  await cp(path.join(STARTERKIT, "content"), path.join(dir, "content"), { recursive: true });
  for (const part of ["blueprints", "templates", "languages"]) {
    await cp(path.join(STARTERKIT, "site", part), path.join(dir, "site", part), { recursive: true });
  }
  // A new site starts with safe options (the starterkit's demo config allows Basic auth over plain HTTP); its
  // content is in English and German, one file per language.
  await mkdir(path.join(dir, "site", "config"), { recursive: true });
  const config = { debug: false, languages: true };
  await writeFile(path.join(dir, "site", "config", "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  const accountsDir = path.join(dir, "site", "accounts");
  await mkdir(accountsDir, { recursive: true });
  if (!admin) return null;
  const id = await generateUserId(accountsDir);
  await writeNewAccount(accountsDir, id, {
    email: admin.email,
    role: "admin",
    name: null,
    language: "en",
    passwordHash: admin.passwordHash,
  });
  const audit = new AuditLog({ dir: path.join(dir, "site", "logs"), maxBytes: AUDIT_MAX_BYTES, keep: AUDIT_KEEP });
  await audit.record({
    event: "user.create",
    actor: { ...CLI_ACTOR },
    target: { user: id },
    details: { email: admin.email, role: "admin", init: true },
  });
  return id;
}

/**
 * Moves the staged site into place: one rename for a new folder; for an existing empty folder (possibly the
 * working directory, which must stay the same folder) its two top-level folders are moved up, `site/` last.
 */
async function moveIntoPlace(staging: string, target: string, kind: "missing" | "empty"): Promise<void> {
  if (kind === "missing") {
    await rename(staging, target);
    return;
  }
  await rename(path.join(staging, "content"), path.join(target, "content"));
  try {
    await rename(path.join(staging, "site"), path.join(target, "site"));
  } catch (error) {
    await rename(path.join(target, "content"), path.join(staging, "content")).catch(() => undefined);
    throw error;
  }
  await rmdir(staging);
}

export function defineInit(program: Command): void {
  program
    .command("init")
    .description("create a new site from the starterkit (content, blueprints, templates; no accounts)")
    .argument("[dir]", "folder of the new site (must be empty or not exist)", ".")
    .option("-e, --email <email>", "also create the first admin with this e-mail")
    .option("--password <password>", "password of the first admin (prompted for when --email is given without it)")
    .action(async (dir: string, options: { email?: string; password?: string }) => {
      const target = path.resolve(dir);
      // every input is checked before anything is written
      await checkTarget(target);
      const admin = await firstAdminFrom(options);
      const kind = await checkTarget(target);
      // a new folder is staged next to it; an existing empty one inside it (its parent may not be writable)
      const stagingName = `.${path.basename(target)}.sheaf-init-${randomBytes(6).toString("hex")}`;
      const staging = path.join(kind === "empty" ? target : path.dirname(target), stagingName);
      await mkdir(staging, { mode: 0o755 });
      let adminId: string | null;
      try {
        adminId = await buildSite(staging, admin);
        await moveIntoPlace(staging, target, kind);
      } catch (error) {
        await rm(staging, { recursive: true, force: true }).catch(() => undefined);
        throw error;
      }
      process.stdout.write(`Created a new site in ${target}\n`);
      if (admin && adminId) process.stdout.write(`Created admin ${adminId} <${admin.email}>\n`);
      else
        process.stdout.write(`Next: sheaf user:create ${dir} --email you@example.com   # the first user is an admin\n`);
      process.stdout.write(`Then: sheaf serve ${dir}\n`);
    });
}
