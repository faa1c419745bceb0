import type { Command } from "commander";
import { describeToken } from "../../tokens/index.js";
import { withSite } from "../site-services.js";

export function defineTokenList(program: Command): void {
  program
    .command("token:list")
    .description("list a user's application passwords (never the secrets)")
    .argument("[site]", "site folder", ".")
    .requiredOption("-e, --email <email>", "owner's e-mail address or user id")
    .option("--json", "print JSON")
    .action((root: string, options: { email: string; json?: boolean }) =>
      withSite(root, async (site) => {
        const user = site.findUser(options.email);
        const tokens = (await site.tokens()).list(user.id).map(describeToken);
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
          const from = token.lastUsedIp ? ` from ${token.lastUsedIp}` : "";
          process.stdout.write(
            `${token.id}  ${token.name}  scope=${scope}  created=${token.createdAt}  expires=${token.expiresAt ?? "never"}  lastUsed=${token.lastUsedAt ?? "never"}${from}\n`,
          );
        }
      }),
    );
}
