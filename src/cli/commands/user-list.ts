import type { Command } from "commander";
import { withSite } from "../site-services.js";

const COLUMNS = ["id", "email", "name", "role", "password"] as const;
type Row = Record<(typeof COLUMNS)[number], string>;

function table(rows: readonly Row[]): string {
  const widths = COLUMNS.map((column) => Math.max(column.length, ...rows.map((row) => row[column].length)));
  const line = (values: readonly string[]): string =>
    values
      .map((value, i) => value.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return `${line(COLUMNS)}\n${rows.map((row) => line(COLUMNS.map((column) => row[column]))).join("\n")}\n`;
}

export function defineUserList(program: Command): void {
  program
    .command("user:list")
    .description("list the site's users")
    .argument("[site]", "site folder", ".")
    .option("--json", "print JSON")
    .action((root: string, options: { json?: boolean }) =>
      withSite(root, async (site) => {
        const rows: Row[] = site.directory.users().map((user) => ({
          id: user.id,
          email: user.email,
          name: user.name ?? "",
          role: site.directory.roleOf(user).name,
          password: user.passwordHash ? "yes" : "no",
        }));
        if (options.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
        else process.stdout.write(rows.length === 0 ? "No users.\n" : table(rows));
      }),
    );
}
