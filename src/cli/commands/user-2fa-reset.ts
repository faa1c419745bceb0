import type { Command } from "commander";
import { withSite } from "../site-services.js";

/** `sheaf user:2fa:reset`: turns off a user's time-based codes (a lost phone), as an admin's reset through the API. */
export function defineUser2faReset(program: Command): void {
  program
    .command("user:2fa:reset")
    .description(
      "turn off a user's two-factor authentication (TOTP secret and recovery codes); logs the user out everywhere",
    )
    .argument("[site]", "site folder", ".")
    .requiredOption("-u, --user <user>", "e-mail address or user id")
    .action((root: string, options: { user: string }) =>
      withSite(root, async (site) => {
        const user = site.findUser(options.user);
        if (typeof user.secrets["totp"] !== "string" || user.secrets["totp"] === "") {
          process.stdout.write(`${user.email} has no two-factor authentication; nothing changed\n`);
          return;
        }
        await site.writer.updateSecrets(user.id, (secrets) => ({
          secrets: Object.fromEntries(Object.entries(secrets).filter(([key]) => key !== "totp")),
          recoveryHashes: null,
        }));
        // the new `.htpasswd` ends the user's sessions; application passwords end too, as after an API reset
        const revokedTokens = await (await site.tokens()).revokeAllOf(user.id);
        await site.audit({ event: "totp.reset", target: { user: user.id }, details: { revokedTokens } });
        process.stdout.write(
          `Two-factor authentication of ${user.email} turned off; the user's sessions are logged out and ${revokedTokens} application password(s) revoked\n`,
        );
      }),
    );
}
