/**
 * A built `sheaf serve` process on a temporary copy of a fixture, for the client tests that talk to a real server
 * over real HTTP. Needs the build (`npm test` builds first).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { access, cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
const BUILT_SERVER = path.join(PROJECT_ROOT, "dist", "cli", "main.js");

export interface LiveSite {
  readonly url: string;
  readonly root: string;
  stop(): Promise<void>;
}

/** Copies `fixture` (a folder under test/conformance), writes `config`, and serves it on a port the system picks. */
export async function startLiveSite(fixture: string, config: Record<string, unknown>): Promise<LiveSite> {
  await access(BUILT_SERVER).catch(() => {
    throw new Error(`${BUILT_SERVER} is missing: run "npm run build" first (npm test does)`);
  });
  const root = await mkdtemp(path.join(tmpdir(), "sheaf-client-live-"));
  await cp(path.join(PROJECT_ROOT, "test", "conformance", fixture), root, { recursive: true });
  await mkdir(path.join(root, "site", "config"), { recursive: true });
  await writeFile(path.join(root, "site", "config", "config.json"), JSON.stringify(config));
  const child = spawn(process.execPath, [path.join(PROJECT_ROOT, "bin", "sheaf.js"), "serve", root, "--port", "0"], {
    cwd: PROJECT_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const url = await new Promise<string>((resolve, reject) => {
    let output = "";
    const timer = setTimeout(() => reject(new Error(`sheaf serve did not start within 30 s:\n${output}`)), 30_000);
    child.stdout?.on("data", (chunk: Buffer) => {
      output += chunk.toString("utf8");
      const match = / on (http:\/\/[^\s"]+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`sheaf serve exited with ${code}:\n${output}`));
    });
  });
  return {
    url,
    root,
    async stop() {
      await stopProcess(child);
      await rm(root, { recursive: true, force: true });
    },
  };
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.removeAllListeners("exit");
    child.once("exit", () => resolve());
    child.kill("SIGTERM");
  });
}
