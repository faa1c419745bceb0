import cluster, { type Worker } from "node:cluster";
import { ClusterCoordinator } from "../../coord/cluster-coordination.js";

export interface PrimarySettings {
  readonly workers: number;
  readonly root: string;
  readonly port: number;
  readonly host: string;
  readonly version: string;
}

/** A worker that dies this soon after its start is not restarted again and again. */
const MIN_UPTIME_MS = 5000;

function line(level: "info" | "error", msg: string, extra: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ level, time: Date.now(), pid: process.pid, ...extra, msg })}\n`);
}

/**
 * The primary of `sheaf serve --workers N`: forks the workers (each serves the site on the shared port), holds
 * their locks and relays their change notices (`ClusterCoordinator`), restarts a worker that dies, and stops them
 * all on SIGTERM/SIGINT. It serves no request itself.
 */
export function runPrimary(settings: PrimarySettings): void {
  const coordinator = new ClusterCoordinator();
  let stopping = false;
  let listening = 0;
  const started = new Map<Worker, number>();

  const fork = (): void => {
    const worker = cluster.fork();
    started.set(worker, Date.now());
    coordinator.attach(worker);
    worker.once("listening", (address) => {
      listening++;
      if (listening === settings.workers) {
        const where = `http://${settings.host.includes(":") ? `[${settings.host}]` : settings.host}:${address.port}`;
        line(
          "info",
          `Sheaf ${settings.version} serving ${settings.root} on ${where} with ${settings.workers} workers`,
          {
            address: where,
            root: settings.root,
            workers: settings.workers,
          },
        );
      }
    });
    worker.once("exit", (code, signal) => {
      const uptime = Date.now() - (started.get(worker) ?? 0);
      started.delete(worker);
      if (stopping) {
        if (started.size === 0) process.exit(0);
        return;
      }
      line("error", "A worker stopped; starting another", { workerPid: worker.process.pid, code, signal });
      if (uptime < MIN_UPTIME_MS && listening < settings.workers) {
        line("error", "A worker failed during its start; stopping");
        stop("SIGTERM");
        return;
      }
      fork();
    });
  };

  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) return;
    stopping = true;
    line("info", "Stopping: finishing the requests in flight", { signal });
    for (const worker of started.keys()) worker.process.kill("SIGTERM");
    if (started.size === 0) process.exit(0);
    setTimeout(() => process.exit(1), 30_000).unref();
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
  for (let i = 0; i < settings.workers; i++) fork();
}
