// Slow clients: many connections that send their headers a line at a time and never finish. While they are
// held open, a normal request must still be answered quickly.

import net from "node:net";
import { healthCheck } from "./callers.mjs";

export async function slowloris({
  port,
  admin,
  connections = 64,
  holdMs = 3000,
  lineEveryMs = 250,
  healthBudgetMs = 2000,
}) {
  const sockets = [];
  let closedByServer = 0;
  for (let i = 0; i < connections; i++) {
    const socket = net.connect({ port, host: "127.0.0.1" });
    socket.on("error", () => undefined);
    socket.on("close", () => closedByServer++);
    socket.write(`GET /api/site HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
    sockets.push(socket);
  }
  const dribble = setInterval(() => {
    for (const socket of sockets)
      if (!socket.destroyed) socket.write(`X-Slow-${Date.now() % 1000}: ${"s".repeat(10)}\r\n`);
  }, lineEveryMs);
  await new Promise((resolve) => setTimeout(resolve, holdMs / 3));
  const health = await healthCheck(port, admin).catch((error) => ({ status: 0, elapsedMs: -1, error: String(error) }));
  await new Promise((resolve) => setTimeout(resolve, (holdMs * 2) / 3));
  clearInterval(dribble);
  const stillOpen = sockets.filter((socket) => !socket.destroyed).length;
  for (const socket of sockets) socket.destroy();
  const failures = [];
  if (health.status !== 200 || health.elapsedMs > healthBudgetMs) {
    failures.push({
      check: "slowloris",
      detail: `with ${connections} slow connections open, GET /api/site answered ${health.status} in ${health.elapsedMs} ms${health.error ? ` (${health.error})` : ""}`,
    });
  }
  return {
    failures,
    health,
    connections,
    stillOpenAfterHold: stillOpen,
    closedByServer: Math.min(closedByServer, connections - stillOpen),
  };
}
