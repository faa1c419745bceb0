// Child process: Sheaf (from dist/) on a site folder, listening on 127.0.0.1 with an ephemeral port.
// Prints `listening <port>` on stdout; server log lines go to stderr. Runs apart from the fuzzer so a server
// that blocks its event loop or dies is seen as such instead of stalling the fuzzer.

import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const [root, overridesJson] = process.argv.slice(2);
const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const { createSheaf } = await import(pathToFileURL(path.join(projectRoot, "dist", "app.js")).href);

const sheaf = await createSheaf({
  root,
  configOverrides: JSON.parse(overridesJson ?? "{}"),
  failureDelayMs: [0, 0],
  log: (message) => process.stderr.write(`${message}\n`),
});
const url = await sheaf.listen(0, "127.0.0.1");
process.stdout.write(`listening ${new URL(url).port}\n`);

const stop = () =>
  sheaf.close().then(
    () => process.exit(0),
    () => process.exit(1),
  );
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
