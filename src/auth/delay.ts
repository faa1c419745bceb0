import { setTimeout as sleep } from "node:timers/promises";

/** Waits a random time in [minMs, maxMs] on a timer (never blocking the event loop). */
export function randomDelay(minMs: number, maxMs: number): Promise<void> {
  if (maxMs <= 0) return Promise.resolve();
  return sleep(minMs + Math.random() * Math.max(0, maxMs - minMs)).then(() => undefined);
}
