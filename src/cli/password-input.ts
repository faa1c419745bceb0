import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { assertValidPassword } from "../accounts/user-fields.js";

/** Reads a line without echoing it (for passwords typed at a terminal); the first line of piped input otherwise. */
async function promptHidden(question: string): Promise<string> {
  if (!process.stdin.isTTY) {
    const lines = createInterface({ input: process.stdin });
    for await (const line of lines) {
      lines.close();
      return line;
    }
    return "";
  }
  let muted = false;
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stdout.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      process.stdout.write("\n");
      resolve(answer);
    });
    muted = true;
  });
}

/** The given password, or one prompted for, checked against the API's password rules. */
export async function readPassword(given: string | undefined): Promise<string> {
  const password = given ?? (await promptHidden("Password: "));
  assertValidPassword(password);
  return password;
}
