/**
 * Liveness and readiness for load balancers and orchestrators, outside Kirby's URL space: a page slug never starts
 * with `_`, so `/_sheaf/…` cannot shadow a page.
 *
 * - `<path>/live`: 200 while the process answers at all.
 * - `<path>/ready`: 200 once the site is loaded (Sheaf listens only after its indexes are read) and 503 from the
 *   moment a shutdown begins, so a balancer stops sending new requests while in-flight ones finish.
 */

export interface HealthAnswer {
  readonly status: number;
  readonly body: string;
}

export interface HealthState {
  /** True from the start of a shutdown. */
  readonly stopping: boolean;
}

/** The answer for a health path, or null when `url` is not one (so the request goes on to the site). */
export function healthAnswer(prefix: string, method: string, url: string, state: HealthState): HealthAnswer | null {
  if (!url.startsWith(prefix)) return null;
  const pathname = url.slice(prefix.length).split("?")[0];
  if (pathname !== "/live" && pathname !== "/ready") return null;
  if (method !== "GET" && method !== "HEAD") {
    return { status: 405, body: JSON.stringify({ status: "error", message: "Only GET and HEAD", code: 405 }) };
  }
  if (pathname === "/live") return { status: 200, body: JSON.stringify({ status: "ok" }) };
  return state.stopping
    ? { status: 503, body: JSON.stringify({ status: "stopping" }) }
    : { status: 200, body: JSON.stringify({ status: "ready" }) };
}
