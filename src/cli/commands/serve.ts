import cluster from "node:cluster";
import { InvalidArgumentError as CommanderArgumentError, type Command } from "commander";
import { createSheaf, sheafVersion, type Sheaf } from "../../app.js";
import { WorkerCoordination } from "../../coord/cluster-coordination.js";
import { listenSettings, loadConfig } from "../../config/index.js";
import { problemsMessage } from "../../config/options.js";
import { type ConfigProblem, problemText } from "../../config/validate.js";
import { ConfigError } from "../../errors.js";
import { requireSiteFolder } from "../site-folder.js";
import { runPrimary } from "./serve-cluster.js";

const CLOSE_TIMEOUT_MS = 2000;

function parsePort(value: string): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || !Number.isInteger(port) || port > 65535)
    throw new CommanderArgumentError("expected a port number 0–65535");
  return port;
}

function parseWorkers(value: string): number {
  const count = Number(value);
  if (!/^\d+$/.test(value) || count < 1 || count > 64) throw new CommanderArgumentError("expected 1–64 workers");
  return count;
}

function describeListenError(error: unknown, host: string, port: number): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  if (code === "EADDRINUSE")
    return `Port ${port} on ${host} is already in use; stop the other server or choose another port with --port`;
  if (code === "EACCES") return `Not allowed to listen on ${host}:${port}; choose a port above 1023 with --port`;
  if (code === "EADDRNOTAVAIL")
    return `The address ${host} is not available on this machine; choose another with --host`;
  return `Cannot listen on ${host}:${port}: ${error instanceof Error ? error.message : String(error)}`;
}

/** Stops what the start left running (watchers, timers), but never waits long for it. */
async function closeQuietly(sheaf: Sheaf): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    sheaf.close().catch(() => undefined),
    new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_TIMEOUT_MS))),
  ]);
  clearTimeout(timer);
}

/** Every problem at once: the listen variables' and the config's, as a bad start should name them all. */
async function refuseListenSettings(siteRoot: string, problems: readonly ConfigProblem[]): Promise<never> {
  const lines = problems.map(problemText);
  try {
    await loadConfig(siteRoot);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    lines.push(...error.problems);
  }
  throw new ConfigError(problemsMessage(lines), lines);
}

export function defineServe(program: Command): void {
  program
    .command("serve")
    .description("serve a site folder (holding content/ and site/)")
    .argument("[site]", "site folder", ".")
    .option("-p, --port <port>", "port to listen on (default: SHEAF_PORT, PORT or 8080)", parsePort)
    .option("-H, --host <host>", "address to listen on (default: SHEAF_HOST or 127.0.0.1)")
    .option("-w, --workers <count>", "processes serving the site on one port (node:cluster)", parseWorkers, 1)
    .action(async (root: string, given: { port?: number; host?: string; workers: number }) => {
      const siteRoot = await requireSiteFolder(root);
      const options = listenSettings(given, process.env);
      if (options.problems.length) await refuseListenSettings(siteRoot, options.problems);
      if (given.workers > 1 && cluster.isPrimary) {
        runPrimary({
          workers: given.workers,
          root: siteRoot,
          port: options.port,
          host: options.host,
          version: sheafVersion(),
        });
        return;
      }
      const sheaf = await createSheaf({
        root: siteRoot,
        ...(cluster.isWorker ? { coordination: new WorkerCoordination() } : {}),
      });
      for (const warning of sheaf.warnings) sheaf.logger.warn(warning);
      let address: string;
      try {
        address = await sheaf.listen(options.port, options.host);
      } catch (error) {
        sheaf.logger.error(
          { err: error, port: options.port, host: options.host },
          describeListenError(error, options.host, options.port),
        );
        await closeQuietly(sheaf);
        // a half-started server keeps handles open; the process must end rather than hang
        process.exit(1);
      }
      // before the start line: whoever reads it may signal at once, and a signal without a listener kills outright
      let stopping = false;
      const stop = (signal: NodeJS.Signals): void => {
        if (stopping) return;
        stopping = true;
        sheaf.logger.info({ signal }, "Stopping: finishing the requests in flight");
        // requests in flight get server.shutdownTimeout; the writers, logs and watchers a little more, then exit anyway
        const deadline = setTimeout(() => {
          sheaf.logger.error({ signal }, "Shutdown did not finish in time; exiting");
          process.exit(1);
        }, sheaf.options.server.shutdownTimeout + CLOSE_TIMEOUT_MS);
        deadline.unref();
        sheaf.close().then(
          () => process.exit(0),
          (error: unknown) => {
            sheaf.logger.error({ err: error }, "Shutdown failed");
            process.exit(1);
          },
        );
      };
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      sheaf.logger.info({ address, root: siteRoot }, `Sheaf ${sheafVersion()} serving ${siteRoot} on ${address}`);
    });
}
