import { Command, CommanderError } from "commander";
import { sheafVersion } from "../app.js";
import { defineInit } from "./commands/init.js";
import { defineServe } from "./commands/serve.js";
import { defineTokenCreate } from "./commands/token-create.js";
import { defineTokenList } from "./commands/token-list.js";
import { defineTokenRevoke } from "./commands/token-revoke.js";
import { defineUser2faReset } from "./commands/user-2fa-reset.js";
import { defineUser2faStatus } from "./commands/user-2fa-status.js";
import { defineUserCreate } from "./commands/user-create.js";
import { defineUserDelete } from "./commands/user-delete.js";
import { defineUserList } from "./commands/user-list.js";
import { defineUserPassword } from "./commands/user-password.js";

/** Exit codes: 0 success, 1 the command failed (bad input, missing site, …), 2 the command line was wrong. */
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Commander "errors" that are really requests for information. */
const INFORMATIONAL: ReadonlySet<string> = new Set(["commander.helpDisplayed", "commander.version"]);

function buildProgram(): Command {
  const program = new Command()
    .name("sheaf")
    .description("Serve a Kirby site folder through Kirby's REST API")
    .version(sheafVersion())
    // usage errors are thrown (and mapped to exit code 2) instead of ending the process from inside commander
    .exitOverride();
  defineServe(program);
  defineInit(program);
  defineUserCreate(program);
  defineUserPassword(program);
  defineUserList(program);
  defineUserDelete(program);
  defineUser2faStatus(program);
  defineUser2faReset(program);
  defineTokenCreate(program);
  defineTokenList(program);
  defineTokenRevoke(program);
  return program;
}

export async function main(argv: readonly string[]): Promise<void> {
  try {
    await buildProgram().parseAsync([...argv], { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      // commander has printed its message already
      process.exitCode = INFORMATIONAL.has(error.code) ? 0 : EXIT_USAGE;
      return;
    }
    process.stderr.write(`sheaf: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = EXIT_FAILURE;
  }
}
