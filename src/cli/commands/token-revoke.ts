import type { Command } from "commander";
import { ConfigError } from "../../errors.js";
import { withSite } from "../site-services.js";

export function defineTokenRevoke(program: Command): void {
  program
    .command("token:revoke")
    .description("revoke an application password")
    .argument("[site]", "site folder", ".")
    .requiredOption("--id <id>", "token id (from token:list)")
    .action((root: string, options: { id: string }) =>
      withSite(root, async (site) => {
        const tokens = await site.tokens();
        const record = tokens.get(options.id);
        if (!record || !(await tokens.revoke(options.id)))
          throw new ConfigError(`No application password with id "${options.id}"`);
        await site.audit({ event: "token.revoke", target: { user: record.userId, token: record.id } });
        process.stdout.write(`Revoked application password ${record.id}\n`);
      }),
    );
}
