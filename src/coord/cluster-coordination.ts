import type { Worker } from "node:cluster";
import type { Coordination, Lease, NoticeListener, SharedCell } from "./coordination.js";

/**
 * `sheaf serve --workers N` without Redis: the cluster's primary process holds the locks, counts notice versions
 * and relays notices between workers over the IPC channels. A channel delivers in order, so a worker always
 * receives every notice published before it is granted a lock after the publisher released it.
 */

type Request =
  | { readonly sheaf: "lock"; readonly id: number; readonly name: string }
  | { readonly sheaf: "unlock"; readonly id: number; readonly name: string }
  | { readonly sheaf: "publish"; readonly id: number; readonly topic: string; readonly data: string }
  | { readonly sheaf: "version"; readonly id: number; readonly topic: string }
  | { readonly sheaf: "cell-get"; readonly id: number; readonly name: string }
  | { readonly sheaf: "cell-set"; readonly id: number; readonly name: string; readonly text: string | null };

type Reply =
  | { readonly sheaf: "reply"; readonly id: number; readonly value: number | string | null }
  | { readonly sheaf: "notice"; readonly topic: string; readonly data: string; readonly version: number };

/** A request before it is numbered. */
type Unnumbered = Request extends infer Each ? (Each extends Request ? Omit<Each, "id"> : never) : never;

function isRequest(message: unknown): message is Request {
  return typeof message === "object" && message !== null && typeof (message as Request).sheaf === "string";
}

interface Holder {
  readonly worker: Worker;
  readonly id: number;
}

/** The primary's side: one instance serves every worker of the cluster. */
export class ClusterCoordinator {
  private readonly holders = new Map<string, Holder>();
  private readonly waiting = new Map<string, Holder[]>();
  private readonly fences = new Map<string, number>();
  private readonly versions = new Map<string, number>();
  private readonly cells = new Map<string, string>();
  private readonly workers = new Set<Worker>();

  attach(worker: Worker): void {
    this.workers.add(worker);
    worker.on("message", (message: unknown) => {
      if (isRequest(message)) this.handle(worker, message);
    });
    worker.on("exit", () => {
      this.workers.delete(worker);
      // a worker that died holding or awaiting a lock gives it up
      for (const [name, queue] of this.waiting)
        this.waiting.set(
          name,
          queue.filter((entry) => entry.worker !== worker),
        );
      for (const [name, holder] of this.holders) if (holder.worker === worker) this.grantNext(name);
    });
  }

  private reply(worker: Worker, id: number, value: number | string | null): void {
    if (worker.isConnected()) worker.send({ sheaf: "reply", id, value } satisfies Reply);
  }

  private grantNext(name: string): void {
    this.holders.delete(name);
    const next = this.waiting.get(name)?.shift();
    if (!next) return;
    this.holders.set(name, next);
    const fence = (this.fences.get(name) ?? 0) + 1;
    this.fences.set(name, fence);
    this.reply(next.worker, next.id, fence);
  }

  private handle(worker: Worker, request: Request): void {
    switch (request.sheaf) {
      case "lock": {
        const queue = this.waiting.get(request.name) ?? [];
        queue.push({ worker, id: request.id });
        this.waiting.set(request.name, queue);
        if (!this.holders.has(request.name)) this.grantNext(request.name);
        return;
      }
      case "unlock":
        if (this.holders.get(request.name)?.worker === worker) this.grantNext(request.name);
        return;
      case "publish": {
        const version = (this.versions.get(request.topic) ?? 0) + 1;
        this.versions.set(request.topic, version);
        const notice: Reply = { sheaf: "notice", topic: request.topic, data: request.data, version };
        for (const other of this.workers) if (other !== worker && other.isConnected()) other.send(notice);
        this.reply(worker, request.id, version);
        return;
      }
      case "version":
        this.reply(worker, request.id, this.versions.get(request.topic) ?? 0);
        return;
      case "cell-get":
        this.reply(worker, request.id, this.cells.get(request.name) ?? null);
        return;
      case "cell-set":
        if (request.text === null) this.cells.delete(request.name);
        else this.cells.set(request.name, request.text);
        this.reply(worker, request.id, null);
        return;
    }
  }
}

type Channel = Pick<NodeJS.Process, "send" | "on" | "off">;

/** A worker's side: talks to the `ClusterCoordinator` of its primary. */
export class WorkerCoordination implements Coordination {
  readonly shared = true;
  readonly live = true;
  private nextId = 1;
  private readonly pending = new Map<number, (value: number | string | null) => void>();
  private readonly listeners = new Set<NoticeListener>();
  private readonly onMessage = (message: unknown): void => {
    const reply = message as Reply;
    if (typeof reply !== "object" || reply === null) return;
    if (reply.sheaf === "reply") {
      const resolve = this.pending.get(reply.id);
      this.pending.delete(reply.id);
      resolve?.(reply.value);
    } else if (reply.sheaf === "notice") {
      for (const listener of this.listeners) listener(reply.topic, reply.data, reply.version);
    }
  };

  constructor(private readonly channel: Channel = process) {
    channel.on("message", this.onMessage);
  }

  private ask(request: Unnumbered): Promise<number | string | null> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.channel.send?.({ ...request, id });
    });
  }

  async withLock<T>(name: string, task: (lease: Lease) => Promise<T>): Promise<T> {
    const fence = Number(await this.ask({ sheaf: "lock", name }));
    try {
      return await task({ fence, assertHeld: async () => undefined });
    } finally {
      this.channel.send?.({ sheaf: "unlock", name, id: 0 });
    }
  }

  async publish(topic: string, data: string): Promise<number> {
    return Number(await this.ask({ sheaf: "publish", topic, data }));
  }

  async version(topic: string): Promise<number> {
    return Number(await this.ask({ sheaf: "version", topic }));
  }

  subscribe(listener: NoticeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  cell(name: string): SharedCell {
    return {
      get: async () => {
        const value = await this.ask({ sheaf: "cell-get", name });
        return typeof value === "string" ? value : null;
      },
      set: async (text) => {
        await this.ask({ sheaf: "cell-set", name, text });
      },
    };
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.channel.off("message", this.onMessage);
  }
}
