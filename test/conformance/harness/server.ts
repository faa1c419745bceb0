/** The server under test: a fresh site root per scenario, a free port, and a process group to stop. */

import { spawn, type ChildProcess } from "node:child_process";
import { chmod, cp, mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { sendRequest, LOOPBACK } from "./http-client.js";
import type { JsonObject } from "./json.js";

async function makeWritable(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await makeWritable(full);
    else if (entry.isFile()) await chmod(full, 0o644);
  }
}

/** Copies the fixture into a new temporary root and writes `site/config/config.json` (no config.php). */
export async function prepareSiteRoot(fixtureDir: string, config: JsonObject): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), "sheaf-conformance-"));
  await cp(fixtureDir, root, { recursive: true });
  await makeWritable(root);
  const configDir = path.join(root, "site", "config");
  await mkdir(configDir, { recursive: true });
  await rm(path.join(configDir, "config.php"), { force: true });
  await writeFile(path.join(configDir, "config.json"), JSON.stringify(config, null, 2) + "\n");
  return root;
}

export async function removeSiteRoot(root: string): Promise<void> {
  await rm(root, { recursive: true, force: true });
}

export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on("error", reject);
    probe.listen(0, LOOPBACK, () => {
      const address = probe.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

const LOG_LIMIT = 64 * 1024;

/** Servers started and not yet stopped, so a test's afterAll can stop whatever a failure left behind. */
const running = new Set<ServerProcess>();

export async function stopAllServers(): Promise<void> {
  await Promise.all([...running].map((server) => server.stop()));
}

export class ServerProcess {
  private output = "";
  private exited: Promise<void>;
  private exitCode: number | null | undefined;

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly root: string,
  ) {
    const append = (chunk: Buffer) => {
      this.output = (this.output + chunk.toString("utf8")).slice(-LOG_LIMIT);
    };
    child.stdout?.on("data", append);
    child.stderr?.on("data", append);
    this.exited = new Promise((resolve) => {
      child.once("exit", (code, signal) => {
        this.exitCode = code ?? (signal === null ? null : -1);
        resolve();
      });
      child.once("error", (error) => {
        this.output += `\n[spawn error] ${error.message}\n`;
        this.exitCode = -1;
        resolve();
      });
    });
  }

  /** Spawns `argv` with cwd = root in its own process group. */
  static start(argv: readonly string[], root: string, port: number, env: NodeJS.ProcessEnv = {}): ServerProcess {
    const [command, ...args] = argv;
    if (command === undefined) throw new Error("empty server command");
    const child = spawn(command, args, {
      cwd: root,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, CONFORMANCE_ROOT: root, CONFORMANCE_PORT: String(port), ...env },
    });
    const server = new ServerProcess(child, port, root);
    running.add(server);
    return server;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get hasExited(): boolean {
    return this.exitCode !== undefined;
  }

  log(maxChars = 4000): string {
    return this.output.slice(-maxChars);
  }

  /** Waits until `GET /robots.txt` gets any HTTP answer. */
  async waitUntilReady(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.hasExited) throw new Error(`server exited (code ${this.exitCode}) before it was ready\n${this.log()}`);
      try {
        await sendRequest(
          this.port,
          {
            method: "GET",
            path: "/robots.txt",
            headers: [
              ["Host", `${LOOPBACK}:${this.port}`],
              ["Accept-Encoding", "identity"],
            ],
            body: null,
          },
          2_000,
        );
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    throw new Error(`server not ready on port ${this.port} after ${timeoutMs / 1000} s\n${this.log()}`);
  }

  private signalGroup(signal: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // the group is already gone
    }
  }

  /** SIGTERM to the process group, then SIGKILL after 5 s if the server has not exited. */
  async stop(graceMs = 5_000): Promise<void> {
    running.delete(this);
    if (this.child.pid === undefined) return;
    if (!this.hasExited) {
      this.signalGroup("SIGTERM");
      let timer: NodeJS.Timeout | undefined;
      const timedOut = await Promise.race([
        this.exited.then(() => false),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), graceMs))),
      ]);
      clearTimeout(timer);
      if (!timedOut) {
        this.signalGroup("SIGKILL"); // leftovers of the group, if any
        return;
      }
    }
    this.signalGroup("SIGKILL");
    await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, 1_000))]);
  }
}
