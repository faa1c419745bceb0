import type { SharedCell } from "../coord/coordination.js";
import { parseLoginsLog, type LoginsLog, type ThrottleStore } from "./throttle.js";

type Lock = <T>(task: () => Promise<T>) => Promise<T>;

/** A throttle store whose read-modify-write also holds a lock across processes (processes sharing the folder). */
export class LockedThrottleStore implements ThrottleStore {
  constructor(
    private readonly inner: ThrottleStore,
    private readonly lock: Lock,
  ) {}

  update<T>(change: (log: LoginsLog) => { log: LoginsLog; result: T; changed: boolean }): Promise<T> {
    return this.lock(() => this.inner.update(change));
  }

  read(maxAgeMs: number): Promise<LoginsLog> {
    return this.inner.read(maxAgeMs);
  }
}

/**
 * The throttle log as one JSON document in a shared cell (Redis): every process counts into the same log, each
 * change under a lock held across processes.
 */
export class CellThrottleStore implements ThrottleStore {
  private cached: { log: LoginsLog; atMs: number } | null = null;

  constructor(
    private readonly cell: SharedCell,
    private readonly lock: Lock,
  ) {}

  private async load(): Promise<LoginsLog> {
    return parseLoginsLog(await this.cell.get());
  }

  update<T>(change: (log: LoginsLog) => { log: LoginsLog; result: T; changed: boolean }): Promise<T> {
    return this.lock(async () => {
      const outcome = change(await this.load());
      const next = outcome.log;
      this.cached = { log: next, atMs: Date.now() };
      if (outcome.changed) {
        const empty = !Object.values(next).some((entries) => Object.keys(entries).length > 0);
        await this.cell.set(empty ? null : JSON.stringify(next));
      }
      return outcome.result;
    });
  }

  async read(maxAgeMs: number): Promise<LoginsLog> {
    if (this.cached && Date.now() - this.cached.atMs < maxAgeMs) return this.cached.log;
    const log = await this.load();
    this.cached = { log, atMs: Date.now() };
    return log;
  }
}
