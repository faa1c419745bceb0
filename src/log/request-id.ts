import { randomBytes } from "node:crypto";

/** Request ids a trusted proxy may hand on: short and plain, so they can go into logs and headers as they are. */
const FORWARDED_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;

/**
 * Ids for requests: a random prefix per process and a counter, so ids are unique across restarts and replicas
 * without a random draw per request.
 */
export class RequestIds {
  private readonly prefix = randomBytes(6).toString("hex");
  private counter = 0;

  next(): string {
    this.counter = (this.counter + 1) % Number.MAX_SAFE_INTEGER;
    return `${this.prefix}-${this.counter.toString(36)}`;
  }

  /** The proxy's id when it is usable, else a new one. */
  forRequest(forwarded: string | undefined, fromTrustedProxy: boolean): string {
    if (fromTrustedProxy && forwarded !== undefined && FORWARDED_ID.test(forwarded)) return forwarded;
    return this.next();
  }
}
