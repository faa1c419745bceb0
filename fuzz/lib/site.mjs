// The site under test: a throw-away copy of the conformance fixture, its fingerprints, and the Sheaf child process.

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { cp, mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const FIXTURE_DIR = path.join(PROJECT_ROOT, "test", "conformance", "fixture");
const SERVER_ENTRY = path.join(PROJECT_ROOT, "fuzz", "lib", "server-process.mjs");

/** Files that change on their own while the server runs: sessions, login throttling and logs. */
const VOLATILE = [/^site\/sessions(\/|$)/, /^site\/logs(\/|$)/, /^site\/accounts\/\.logins/];

export async function copyFixture() {
  const root = await mkdtemp(path.join(tmpdir(), "sheaf-fuzz-"));
  await cp(FIXTURE_DIR, root, { recursive: true });
  return root;
}

export async function removeSite(root) {
  await rm(root, { recursive: true, force: true });
}

async function listFiles(dir, prefix = "") {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const files = [];
  for (const entry of entries) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(relative + "/", ...(await listFiles(path.join(dir, entry.name), relative)));
    else files.push(relative);
  }
  return files;
}

/** File content as compared: application passwords note their last use, which reads may change. */
async function comparableContent(root, relative) {
  const bytes = await readFile(path.join(root, relative));
  if (relative !== "site/accounts/.tokens.json") return bytes;
  try {
    const records = JSON.parse(bytes.toString("utf8"));
    for (const record of Object.values(records)) {
      delete record.lastUsedAt;
      delete record.lastUsedIp;
    }
    return JSON.stringify(records);
  } catch {
    return bytes;
  }
}

/** Path → SHA-256 of every file under content/ and site/ except the volatile ones (folders as `name/`). */
export async function fingerprint(root) {
  const result = new Map();
  for (const top of ["content", "site"]) {
    for (const relative of await listFiles(path.join(root, top), top)) {
      if (VOLATILE.some((pattern) => pattern.test(relative))) continue;
      const hash = relative.endsWith("/")
        ? "dir"
        : createHash("sha256")
            .update(await comparableContent(root, relative))
            .digest("hex");
      result.set(relative, hash);
    }
  }
  return result;
}

/** Paths added, removed or changed between two fingerprints. */
export function fingerprintChanges(before, after) {
  const changes = [];
  for (const [file, hash] of after) {
    if (!before.has(file)) changes.push({ file, change: "added" });
    else if (before.get(file) !== hash) changes.push({ file, change: "modified" });
  }
  for (const file of before.keys()) if (!after.has(file)) changes.push({ file, change: "removed" });
  return changes;
}

/** Session files (`*.sess`) in site/sessions. */
export async function sessionFiles(root) {
  const names = await readdir(path.join(root, "site", "sessions")).catch(() => []);
  return new Set(names.filter((name) => name.endsWith(".sess")));
}

/** Requests write this text where the server might log it; a log line that starts with it was forged. */
export const LOG_INJECTION_MARKER = "FUZZ-FORGED-LOG-LINE";
const OVERSIZED_LOG_LINE = 8 * 1024;
const KEPT_PER_KIND = 100;

/** Watches the server's log lines for unhandled errors, forged lines and lines of unbounded length. */
class LogWatch {
  constructor() {
    this.counts = { unhandled: 0, forged: 0, oversized: 0 };
    this.examples = { unhandled: [], forged: [], oversized: [] };
  }

  see(line) {
    if (line.startsWith("Unhandled error")) this.note("unhandled", line);
    if (line.startsWith(LOG_INJECTION_MARKER)) this.note("forged", line);
    if (line.length > OVERSIZED_LOG_LINE) this.note("oversized", `${line.length} chars: ${line.slice(0, 200)}`);
  }

  note(kind, text) {
    this.counts[kind]++;
    if (this.examples[kind].length < KEPT_PER_KIND) this.examples[kind].push(text.slice(0, 300));
  }
}

/**
 * Starts Sheaf on `root` in a child process. Resolves with `{ port, child, logLines, logWatch, exited }`;
 * `exited` resolves with the exit code when the child ends.
 */
export function startServer(root, configOverrides, { startupTimeoutMs = 20_000 } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SERVER_ENTRY, root, JSON.stringify(configOverrides)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    const logLines = [];
    const logWatch = new LogWatch();
    let stdout = "";
    let stderrRest = "";
    const exited = new Promise((done) => child.once("exit", (code, signal) => done(code ?? signal)));
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`Sheaf did not start within ${startupTimeoutMs} ms: ${logLines.join("\n")}`));
    }, startupTimeoutMs);
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (text) => {
      const lines = (stderrRest + text).split("\n");
      stderrRest = lines.pop() ?? "";
      for (const line of lines) {
        logWatch.see(line);
        if (logLines.length < 5000) logLines.push(line);
      }
    });
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (text) => {
      stdout += text;
      const port = /listening (\d+)/.exec(stdout)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve({ port: Number(port), child, logLines, logWatch, exited });
      }
    });
    exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`Sheaf exited with ${code} before listening: ${logLines.join("\n")}`));
    });
  });
}

/** Stops the child (SIGTERM, then SIGKILL after a grace period). */
export async function stopServer(server, graceMs = 5000) {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  server.child.kill("SIGTERM");
  const killer = setTimeout(() => server.child.kill("SIGKILL"), graceMs);
  await server.exited;
  clearTimeout(killer);
}

/** Resident memory of the server process in MB (Linux /proc), or null where that is not available. */
export async function serverMemoryMb(server) {
  const status = await readFile(`/proc/${server.child.pid}/status`, "utf8").catch(() => null);
  const kb = status ? Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1]) : NaN;
  return Number.isFinite(kb) ? Math.round(kb / 1024) : null;
}
