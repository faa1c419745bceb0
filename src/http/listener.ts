import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import type { SheafOptions } from "../config/index.js";
import type { Logger } from "../log/logger.js";

/**
 * The `node:http` server around Sheaf's request handler: the limits on slow and idle clients, the answer to requests
 * Node cannot parse, listening, and a shutdown that drains requests in flight within a deadline.
 */

const JSON_TYPE = "application/json; charset=UTF-8";

/** How long the rest of an unparsable request is still read (and thrown away) after the answer. */
const UNPARSABLE_LINGER_MS = 5_000;

export interface Listener {
  readonly httpServer: Server;
  /** Starts listening; resolves with the URL. */
  listen(options: { port: number; host?: string }): Promise<string>;
  /** Stops accepting, lets requests in flight finish, and cuts what is still open after `shutdownTimeout`. */
  close(): Promise<void>;
}

/**
 * A request Node cannot parse (a bad request line, oversized headers, a timeout). Node's own answer destroys the
 * socket at once, which resets the connection while the client may still be sending, and the answer is lost. So
 * Sheaf answers in Kirby's error shape, half-closes, and throws away what still arrives, within bounds.
 */
function answerUnparsable(error: NodeJS.ErrnoException, socket: Duplex, logger: Logger): void {
  if (error.code === "ECONNRESET" || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = error.code === "HPE_HEADER_OVERFLOW" ? 431 : error.code === "ERR_HTTP_REQUEST_TIMEOUT" ? 408 : 400;
  const reason =
    status === 431 ? "Request Header Fields Too Large" : status === 408 ? "Request Timeout" : "Bad Request";
  logger.debug({ code: error.code, status }, "Unparsable request");
  const body = JSON.stringify({ status: "error", message: reason, code: status, key: null, details: [] });
  socket.end(
    `HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${JSON_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  socket.resume();
  setTimeout(() => socket.destroy(), UNPARSABLE_LINGER_MS).unref();
}

export function createListener(
  handler: (request: IncomingMessage, response: ServerResponse) => void,
  limits: SheafOptions["server"],
  logger: Logger,
  /** Set when a shutdown begins (the readiness answer reads it). */
  state: { stopping: boolean },
): Listener {
  const httpServer = createServer(
    {
      keepAliveTimeout: limits.keepAliveTimeout,
      headersTimeout: limits.headersTimeout,
      requestTimeout: limits.requestTimeout,
      // how often Node looks for sockets past those timeouts (its default, 30 s, would let a slow client overstay)
      connectionsCheckingInterval: Math.min(5_000, limits.headersTimeout),
    },
    handler,
  );
  httpServer.maxConnections = limits.maxConnections;
  httpServer.on("clientError", (error: NodeJS.ErrnoException, socket: Duplex) =>
    answerUnparsable(error, socket, logger),
  );

  return {
    httpServer,
    listen: ({ port, host = "127.0.0.1" }) =>
      new Promise((resolve, reject) => {
        httpServer.once("error", reject);
        httpServer.listen(port, host, () => {
          httpServer.off("error", reject);
          const address = httpServer.address() as AddressInfo;
          const shown = address.family === "IPv6" ? `[${address.address}]` : address.address;
          resolve(`http://${shown}:${address.port}`);
        });
      }),
    close: () =>
      new Promise((resolve) => {
        state.stopping = true;
        if (!httpServer.listening) {
          resolve();
          return;
        }
        const deadline = setTimeout(() => httpServer.closeAllConnections(), limits.shutdownTimeout);
        deadline.unref();
        httpServer.close(() => {
          clearTimeout(deadline);
          resolve();
        });
        httpServer.closeIdleConnections();
      }),
  };
}
