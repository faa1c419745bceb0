import { KeyedMutex } from "../fs/keyed-mutex.js";

/**
 * What several Sheaf processes serving one site share besides the site folder: locks that hold across processes,
 * change notices (every process drops what another one changed), and small shared documents. One process alone
 * uses `LocalCoordination`; `sheaf serve --workers N` without Redis the cluster's primary (`cluster-coordination.ts`);
 * with option `redis` a Redis or Valkey server (`redis-coordination.ts`).
 */
export interface Coordination {
  /** True when other processes may change state this process holds (caches must listen to notices). */
  readonly shared: boolean;
  /**
   * True while notices from other processes are certain to arrive. While false, nothing learnt from another
   * process may be trusted from memory.
   */
  readonly live: boolean;
  /** Runs a task holding the lock `name` in every process; throws `ServiceUnavailableError` when it cannot. */
  withLock<T>(name: string, task: (lease: Lease) => Promise<T>): Promise<T>;
  /**
   * Tells every other process about a change; resolves with the topic's new version (a counter shared by all
   * processes) once every listening process has been handed the notice.
   */
  publish(topic: string, data: string): Promise<number>;
  /** The topic's current version (the number of notices published on it so far). */
  version(topic: string): Promise<number>;
  /** Listens to other processes' notices (never this process's own). */
  subscribe(listener: NoticeListener): () => void;
  /** A small shared text (a JSON document); read and replace it under `withLock`. */
  cell(name: string): SharedCell;
  close(): Promise<void>;
}

/** Topic `*` is the coordination's own: data `down` (notices may be missed from now on) or `up` (back). */
export type NoticeListener = (topic: string, data: string, version: number) => void;

export interface Lease {
  /** Strictly increasing per lock across all processes: a later holder always has a larger token. */
  readonly fence: number;
  /** Throws `ServiceUnavailableError` when the lock has been lost (it expired while the holder was stalled). */
  assertHeld(): Promise<void>;
}

export interface SharedCell {
  get(): Promise<string | null>;
  /** Replaces the text; null deletes it. */
  set(text: string | null): Promise<void>;
}

/** One process, nothing shared: locks are in-process, notices go nowhere. */
export class LocalCoordination implements Coordination {
  readonly shared = false;
  readonly live = true;
  private readonly mutex = new KeyedMutex();
  private readonly fences = new Map<string, number>();
  private readonly versions = new Map<string, number>();
  private readonly cells = new Map<string, string>();

  withLock<T>(name: string, task: (lease: Lease) => Promise<T>): Promise<T> {
    return this.mutex.run(name, () => {
      const fence = (this.fences.get(name) ?? 0) + 1;
      this.fences.set(name, fence);
      return task({ fence, assertHeld: async () => undefined });
    });
  }

  async publish(topic: string): Promise<number> {
    const version = (this.versions.get(topic) ?? 0) + 1;
    this.versions.set(topic, version);
    return version;
  }

  async version(topic: string): Promise<number> {
    return this.versions.get(topic) ?? 0;
  }

  subscribe(): () => void {
    return () => undefined;
  }

  cell(name: string): SharedCell {
    return {
      get: async () => this.cells.get(name) ?? null,
      set: async (text) => {
        if (text === null) this.cells.delete(name);
        else this.cells.set(name, text);
      },
    };
  }

  async close(): Promise<void> {}
}
