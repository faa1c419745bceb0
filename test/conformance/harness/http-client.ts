/** One request on its own connection to 127.0.0.1, sent exactly as prepared. */

import http from "node:http";
import type { LiveResponse } from "./compare.js";
import type { OutgoingRequest } from "./request.js";

export const LOOPBACK = "127.0.0.1";

export function sendRequest(port: number, request: OutgoingRequest, timeoutMs = 60_000): Promise<LiveResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: LOOPBACK,
        port,
        method: request.method,
        path: request.path,
        headers: request.headers.flat(),
        setHost: false,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (chunk: Buffer) => chunks.push(chunk));
        res.on("error", reject);
        res.on("end", () => {
          const headers: [string, string][] = [];
          for (let i = 0; i + 1 < res.rawHeaders.length; i += 2)
            headers.push([res.rawHeaders[i] as string, res.rawHeaders[i + 1] as string]);
          resolve({ status: res.statusCode ?? 0, headers, body: Buffer.concat(chunks), receivedAt: Date.now() });
        });
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on("error", reject);
    req.end(request.body ?? undefined);
  });
}
