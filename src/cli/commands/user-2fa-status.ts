import type { Command } from "commander";
import { withSite } from "../site-services.js";

/** `sheaf user:2fa:status`: whether a user has time-based codes on, and how many recovery codes are left. */
export function defineUser2faStatus(program: Command): void {
  program
    .command("user:2fa:status")
    .description("show whether a user has two-factor authentication and how many recovery codes are left")
    .argument("[site]", "site folder", ".")
    .requiredOption("-u, --user <user>", "e-mail address or user id")
    .option("--json", "print JSON")
    .action((root: string, options: { user: string; json?: boolean }) =>
      withSite(root, async (site) => {
        const user = site.findUser(options.user);
        const enabled = typeof user.secrets["totp"] === "string" && user.secrets["totp"] !== "";
        const recoveryCodesLeft = enabled ? await site.writer.recoveryCodesLeft(user.id) : 0;
        process.stdout.write(
          options.json
            ? `${JSON.stringify({ user: user.id, email: user.email, enabled, recoveryCodesLeft })}\n`
            : enabled
              ? `${user.email}: two-factor authentication on, ${recoveryCodesLeft} recovery code(s) left\n`
              : `${user.email}: two-factor authentication off\n`,
        );
      }),
    );
}
