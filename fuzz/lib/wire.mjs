// HTTP/1.1 over a raw `net` socket. node:http refuses to send most of what a hostile client sends (invalid
// header bytes, lying lengths, broken framing), so every fuzz request is written byte by byte, and the
// answers are parsed here.

import net from "node:net";

/** Answers larger than this are cut (a leak check only needs the beginning, and memory stays bounded). */
const MAX_KEPT_BYTES = 4 * 1024 * 1024;
const HEAD_END = Buffer.from("\r\n\r\n");

/** Serialises a request: `target` and header values may be strings (sent as UTF-8) or Buffers (sent as they are). */
export function serialiseRequest({ method, target, headers, body }) {
  const parts = [Buffer.from(`${method} `, "latin1"), toBytes(target), Buffer.from(" HTTP/1.1\r\n", "latin1")];
  for (const [name, value] of headers) {
    parts.push(toBytes(name));
    if (value !== null) parts.push(Buffer.from(": ", "latin1"), toBytes(value));
    parts.push(Buffer.from("\r\n", "latin1"));
  }
  parts.push(Buffer.from("\r\n", "latin1"));
  if (body) parts.push(body);
  return Buffer.concat(parts);
}

function toBytes(value) {
  return Buffer.isBuffer(value) ? value : Buffer.from(String(value), "utf8");
}

/**
 * Parses as many complete responses as `data` holds. `headMethods[i]` says whether answer i belongs to a HEAD
 * request (no body). Interim 1xx answers are skipped. Returns the responses and whether the last one is still open.
 */
export function parseResponses(data, headMethods, { ended }) {
  const responses = [];
  let offset = 0;
  while (offset < data.length) {
    const headEnd = data.indexOf(HEAD_END, offset);
    if (headEnd < 0) return { responses, incomplete: true };
    const head = data.subarray(offset, headEnd).toString("latin1");
    const [statusLine, ...lines] = head.split("\r\n");
    const status = Number(/^HTTP\/\d\.\d (\d{3})/.exec(statusLine)?.[1] ?? NaN);
    const headers = {};
    for (const line of lines) {
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      headers[name] = name in headers ? [].concat(headers[name], value) : value;
    }
    const bodyStart = headEnd + 4;
    if (status >= 100 && status < 200) {
      offset = bodyStart;
      continue;
    }
    const isHead = headMethods[responses.length] === true;
    const length = headers["content-length"];
    const chunked = /chunked/i.test(String(headers["transfer-encoding"] ?? ""));
    let body;
    let next;
    if (isHead || status === 204 || status === 304) {
      body = Buffer.alloc(0);
      next = bodyStart;
    } else if (chunked) {
      const decoded = decodeChunked(data, bodyStart);
      if (!decoded) return { responses, incomplete: true };
      ({ body, next } = decoded);
    } else if (length !== undefined) {
      const size = Number(Array.isArray(length) ? length[0] : length);
      if (data.length < bodyStart + size) return { responses, incomplete: true };
      body = data.subarray(bodyStart, bodyStart + size);
      next = bodyStart + size;
    } else {
      // no length: the body runs until the connection closes
      if (!ended) return { responses, incomplete: true };
      body = data.subarray(bodyStart);
      next = data.length;
    }
    responses.push({ status, statusLine, head, headers, body });
    offset = next;
  }
  return { responses, incomplete: false };
}

function decodeChunked(data, start) {
  const chunks = [];
  let offset = start;
  for (;;) {
    const lineEnd = data.indexOf("\r\n", offset, "latin1");
    if (lineEnd < 0) return null;
    const size = parseInt(data.subarray(offset, lineEnd).toString("latin1"), 16);
    if (!Number.isFinite(size)) return null;
    offset = lineEnd + 2;
    if (size === 0) {
      const trailerEnd = data.indexOf("\r\n", offset, "latin1");
      return trailerEnd < 0 ? null : { body: Buffer.concat(chunks), next: trailerEnd + 2 };
    }
    if (data.length < offset + size + 2) return null;
    chunks.push(data.subarray(offset, offset + size));
    offset += size + 2;
  }
}

/**
 * Sends `payload` (one Buffer, or a list of Buffers written `gapMs` apart) and collects the answers.
 * Outcome: `complete` (all expected answers arrived), `closed` (the server closed first), `reset`, `timeout`,
 * or `refused` (no connection).
 */
export function exchange({ port, payload, expected = 1, headMethods = [], halfClose = false, timeoutMs, gapMs = 0 }) {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect({ port, host: "127.0.0.1" });
    let received = Buffer.alloc(0);
    let connected = false;
    let settled = false;
    const finish = (outcome, error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      const { responses } = parseResponses(received, headMethods, { ended: outcome !== "timeout" });
      socket.destroy();
      resolve({ outcome, error, responses, elapsedMs: Date.now() - started, receivedBytes: received.length });
    };
    const timer = setTimeout(() => finish("timeout"), timeoutMs);
    socket.on("connect", async () => {
      connected = true;
      const pieces = Array.isArray(payload) ? payload : [payload];
      for (const [index, piece] of pieces.entries()) {
        if (settled || socket.destroyed) return;
        if (index > 0 && gapMs > 0) await new Promise((done) => setTimeout(done, gapMs));
        socket.write(piece);
      }
      if (halfClose && !settled) socket.end();
    });
    socket.on("data", (chunk) => {
      if (received.length < MAX_KEPT_BYTES) received = Buffer.concat([received, chunk]);
      const parsed = parseResponses(received, headMethods, { ended: false });
      if (parsed.responses.length >= expected && !parsed.incomplete) finish("complete");
    });
    socket.on("end", () => {
      const parsed = parseResponses(received, headMethods, { ended: true });
      finish(parsed.responses.length >= expected ? "complete" : "closed");
    });
    socket.on("error", (error) => finish(connected ? "reset" : "refused", error.code ?? error.message));
    socket.on("close", () => finish("closed"));
  });
}
