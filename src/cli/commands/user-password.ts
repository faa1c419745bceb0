import type { Command } from "commander";
import { hashPassword } from "../../accounts/index.js";
import { checkChangePassword } from "../../permissions/user-rules.js";
import { readPassword } from "../password-input.js";
import { withSite } from "../site-services.js";

export function defineUserPassword(program: Command): void {
  program
    .command("user:password")
    .description("set a user's password (logs the user out everywhere and revokes their application passwords)")
    .argument("[site]", "site folder", ".")
    .requiredOption("-e, --email <email>", "e-mail address or user id")
    .option("--password <password>", "new password (prompted for when omitted)")
    .action((root: string, options: { email: string; password?: string }) =>
      withSite(root, async (site) => {
        const user = site.findUser(options.email);
        const password = await readPassword(options.password);
        const passwordHash = await hashPassword(password);
        await site.writer.updatePasswordHash(user.id, passwordHash, () =>
          checkChangePassword(site.directory, site.operator, user, password),
        );
        // as after a change through the API, nothing issued with the old password keeps working
        const revokedTokens = await (await site.tokens()).revokeAllOf(user.id);
        await site.audit({ event: "password.change", target: { user: user.id }, details: { revokedTokens } });
        process.stdout.write(
          `Password of ${user.email} changed; the user's sessions are logged out and ${revokedTokens} application password(s) revoked\n`,
        );
      }),
    );
}
