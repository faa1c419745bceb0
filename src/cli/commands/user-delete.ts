import type { Command } from "commander";
import { checkDelete } from "../../permissions/user-rules.js";
import { withSite } from "../site-services.js";

export function defineUserDelete(program: Command): void {
  program
    .command("user:delete")
    .description("delete a user account (refuses the last admin and the last user)")
    .argument("[site]", "site folder", ".")
    .requiredOption("-e, --email <email>", "e-mail address or user id")
    .action((root: string, options: { email: string }) =>
      withSite(root, async (site) => {
        const user = site.findUser(options.email);
        await site.writer.delete(user.id, () => checkDelete(site.directory, site.operator, user));
        const revokedTokens = await (await site.tokens()).revokeAllOf(user.id);
        await site.audit({
          event: "user.delete",
          target: { user: user.id },
          details: { email: user.email, revokedTokens },
        });
        process.stdout.write(`Deleted user ${user.id} <${user.email}>\n`);
      }),
    );
}
