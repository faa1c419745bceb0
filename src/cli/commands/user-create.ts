import type { Command } from "commander";
import { hashPassword } from "../../accounts/index.js";
import { assertValidLanguage, normaliseEmail, normaliseName, normaliseRoleName } from "../../accounts/user-fields.js";
import { assertValidEmail, checkCreate } from "../../permissions/user-rules.js";
import { ConfigError } from "../../errors.js";
import { readPassword } from "../password-input.js";
import { withSite, type CliSite } from "../site-services.js";

interface Options {
  email: string;
  role?: string;
  name?: string;
  language: string;
  password?: string;
}

/** The role to give: the one asked for (it must exist), or admin for the first user of a site only. */
function chosenRole(site: CliSite, requested: string | undefined): { role: string; defaulted: boolean } {
  if (requested === undefined) {
    if (site.directory.users().length > 0) {
      const known = site.directory
        .roles()
        .map((role) => role.name)
        .join(", ");
      throw new ConfigError(`The site has users already: choose the new user's role with --role (${known})`);
    }
    return { role: "admin", defaulted: true };
  }
  const role = normaliseRoleName(requested);
  if (!site.directory.findRole(role)) {
    const known = site.directory
      .roles()
      .map((candidate) => candidate.name)
      .join(", ");
    throw new ConfigError(`Unknown role "${role}"; known roles: ${known}`);
  }
  return { role, defaulted: false };
}

export function defineUserCreate(program: Command): void {
  program
    .command("user:create")
    .description("create a user account (the first user of a site defaults to admin; later ones need --role)")
    .argument("[site]", "site folder", ".")
    .requiredOption("-e, --email <email>", "e-mail address")
    .option("-r, --role <role>", "role name (required once the site has users)")
    .option("-n, --name <name>", "display name")
    .option("-l, --language <code>", "interface language", "en")
    .option("--password <password>", "password (prompted for when omitted)")
    .action((root: string, options: Options) =>
      withSite(root, async (site) => {
        const email = normaliseEmail(options.email);
        const language = options.language.trim();
        // everything that can be checked without the password is, before asking for it
        assertValidEmail(site.directory, email, null);
        assertValidLanguage(language);
        const { role, defaulted } = chosenRole(site, options.role);
        const password = await readPassword(options.password);
        const passwordHash = await hashPassword(password);
        const id = await site.writer.create(async () => {
          checkCreate(site.directory, site.operator, { id: null, email, role, language, password });
          return {
            id: await site.writer.newUserId(),
            account: {
              email,
              role,
              language,
              name: options.name === undefined ? null : normaliseName(options.name) || null,
              passwordHash,
            },
          };
        });
        await site.audit({ event: "user.create", target: { user: id }, details: { email, role } });
        if (defaulted) process.stdout.write("No --role given: the first user of a site is an admin.\n");
        process.stdout.write(`Created user ${id} <${email}> with role ${role}\n`);
      }),
    );
}
