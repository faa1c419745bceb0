import type { Command } from "commander";
import { ConfigError } from "../../errors.js";
import { parseScope, type TokenScope } from "../../tokens/index.js";
import { withSite } from "../site-services.js";

interface Options {
  email: string;
  name: string;
  scope: string;
  expires?: string;
}

/** The scope as the API reads it: `read`, `full`, or a permission map (given as JSON here). */
function scopeFrom(text: string): TokenScope {
  let input: unknown = text;
  if (text.trim().startsWith("{")) {
    try {
      input = JSON.parse(text);
    } catch {
      throw new ConfigError("--scope is not valid JSON");
    }
  }
  try {
    return parseScope(input);
  } catch (error) {
    throw new ConfigError(error instanceof Error ? error.message : String(error));
  }
}

function expiryFrom(days: string | undefined, nowUnix: number): number | null {
  if (days === undefined) return null;
  const count = Number(days);
  if (days.trim() === "" || !Number.isFinite(count) || count <= 0)
    throw new ConfigError("--expires must be a positive number of days");
  return Math.floor(nowUnix + count * 86400);
}

export function defineTokenCreate(program: Command): void {
  program
    .command("token:create")
    .description("create an application password (API token) for a user; it is shown once")
    .argument("[site]", "site folder", ".")
    .requiredOption("-e, --email <email>", "owner's e-mail address or user id")
    .requiredOption("-n, --name <name>", 'what the token is for, e.g. "deploy script"')
    .option(
      "-s, --scope <scope>",
      'read (default), full, or a JSON permission map like \'{"pages":{"update":true}}\'',
      "read",
    )
    .option("--expires <days>", "days until it expires (default: never)")
    .action((root: string, options: Options) =>
      withSite(root, async (site) => {
        const user = site.findUser(options.email);
        // the API's rules for a token's name and scope
        const name = options.name.trim();
        if (name === "" || name.length > 100)
          throw new ConfigError("Please give the application password a name (1–100 characters)");
        const scope = scopeFrom(options.scope);
        const now = Math.floor(Date.now() / 1000);
        const expiresAt = expiryFrom(options.expires, now);
        const { record, token } = await (await site.tokens()).create({ userId: user.id, name, scope, expiresAt, now });
        await site.audit({
          event: "token.create",
          target: { user: user.id, token: record.id },
          details: { name, scope: typeof scope === "string" ? scope : "custom", expiresAt },
        });
        process.stdout.write(
          `Created application password ${record.id} for ${user.email}. It is shown only once:\n\n  ${token}\n\n`,
        );
        process.stdout.write(
          `Use it as the Basic-auth password with ${user.email}, or as "Authorization: Bearer ${token.slice(0, 12)}…".\n`,
        );
      }),
    );
}
