import { spawn, type ChildProcess } from "node:child_process";
import { access, cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");
export const STARTERKIT = path.join(PROJECT_ROOT, "examples", "starterkit");
const CLI = path.join(PROJECT_ROOT, "bin", "sheaf.js");
const BUILT_CLI = path.join(PROJECT_ROOT, "dist", "cli", "main.js");

/** Left out of the copy: sessions and the login throttle log of anyone who ran the example site by hand. */
const LOCAL_STATE = new Set([
  path.join(STARTERKIT, "site", "sessions"),
  path.join(STARTERKIT, "site", "accounts", ".logins"),
]);

export interface SheafProcess {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** The temporary copy of the site the process serves. */
  readonly root: string;
  /** Everything the process wrote to stderr so far (for failure messages). */
  stderr(): string;
  stop(): Promise<void>;
}

async function waitForAddress(child: ChildProcess, output: { stdout: string; stderr: string }): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new Error(`sheaf serve printed no address within 20 s\nstdout: ${output.stdout}\nstderr: ${output.stderr}`),
      );
    }, 20_000);
    const onData = (): void => {
      const match = / on (http:\/\/127\.0\.0\.1:\d+)/.exec(output.stdout);
      if (!match) return;
      clearTimeout(timer);
      child.stdout?.off("data", onData);
      resolve(match[1]!);
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(
        new Error(
          `sheaf serve exited with ${code} before listening\nstdout: ${output.stdout}\nstderr: ${output.stderr}`,
        ),
      );
    });
  });
}

/**
 * Copies the starterkit to a temporary folder, merges `config` into its `site/config/config.json`, and runs
 * `node bin/sheaf.js serve <copy> --port 0`: the server picks a free port and prints it, so there is no race
 * for a port between choosing and binding it.
 */
export async function startSheaf(config: Record<string, unknown> = {}): Promise<SheafProcess> {
  try {
    await access(BUILT_CLI);
  } catch {
    throw new Error(`${BUILT_CLI} is missing: run "npm run build" first (npm test does)`);
  }
  const root = await mkdtemp(path.join(tmpdir(), "sheaf-e2e-"));
  await cp(STARTERKIT, root, { recursive: true, filter: (file) => !LOCAL_STATE.has(file) });
  const configFile = path.join(root, "site", "config", "config.json");
  await mkdir(path.dirname(configFile), { recursive: true });
  const base = JSON.parse(await readFile(configFile, "utf8").catch(() => "{}")) as Record<string, unknown>;
  await writeFile(configFile, JSON.stringify({ ...base, ...config }, null, 2));

  const child = spawn(process.execPath, [CLI, "serve", root, "--port", "0", "--host", "127.0.0.1"], {
    cwd: PROJECT_ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const output = { stdout: "", stderr: "" };
  child.stdout.on("data", (chunk: Buffer) => (output.stdout += chunk.toString("utf8")));
  child.stderr.on("data", (chunk: Buffer) => (output.stderr += chunk.toString("utf8")));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  let url: string;
  try {
    url = await waitForAddress(child, output);
  } catch (error) {
    child.kill("SIGKILL");
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  return {
    url,
    port: Number(new URL(url).port),
    root,
    stderr: () => output.stderr,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill("SIGTERM");
        const forced = setTimeout(() => child.kill("SIGKILL"), 5_000);
        await exited;
        clearTimeout(forced);
      }
      await rm(root, { recursive: true, force: true });
    },
  };
}
