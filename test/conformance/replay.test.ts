/**
 * Replays the Kirby 5.5.2 golden transcripts against `bin/sheaf.js serve` with the conformance runner itself
 * (`replay.mjs`, an unchanged copy of the judge CI uses), one scenario per test so a failure names its scenario.
 * SHEAF_CONFORMANCE_ONLY=01,12 (the runner's selectors: numbers or globs) restricts the run.
 */

import { spawn } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PROJECT_ROOT = path.resolve(HERE, "../..");
const RUNNER = path.join(HERE, "replay.mjs");
const GOLDEN_DIR = path.join(HERE, "kirby-5.5.2");
const SHEAF_BIN = path.join(PROJECT_ROOT, "bin", "sheaf.js");
const GATE_FILE = path.join(PROJECT_ROOT, ".ci", "conformance-gate");

/** The machine has two cores: at most two scenarios (each with its own server) at a time. */
const MAX_PARALLEL = 2;
const SCENARIO_TIMEOUT_MS = 300_000;

/** The scenarios Sheaf must pass: the numbers in `.ci/conformance-gate`, the same list the CI judge replays. */
async function gatedScenarioFiles(): Promise<string[]> {
  const numbers = (await readFile(GATE_FILE, "utf8"))
    .split("\n")
    .filter((line) => !line.startsWith("#"))
    .join(" ")
    .split(/\s+/)
    .filter((n) => n !== "");
  const files = readdirSync(GOLDEN_DIR).filter((f) => f.endsWith(".json"));
  return numbers.map((n) => {
    const file = files.find((f) => f.startsWith(`${n.padStart(2, "0")}-`));
    if (file === undefined) throw new Error(`.ci/conformance-gate names ${n}, which is not in ${GOLDEN_DIR}`);
    return file;
  });
}

function selected(files: string[]): string[] {
  const only = process.env["SHEAF_CONFORMANCE_ONLY"]?.trim();
  if (only === undefined || only === "") return files;
  const wanted = only.split(",").map((s) => s.trim());
  return files.filter((f) =>
    wanted.some((w) => (/^\d+$/.test(w) ? f.startsWith(`${w.padStart(2, "0")}-`) : f.includes(w))),
  );
}

interface RunnerStep {
  result: string;
}
interface RunnerReport {
  scenarios: { steps?: RunnerStep[] }[];
}

interface RunnerOutcome {
  code: number | null;
  output: string;
  report: RunnerReport | undefined;
}

async function runScenario(file: string): Promise<RunnerOutcome> {
  const dir = await mkdtemp(path.join(tmpdir(), "sheaf-replay-"));
  const reportFile = path.join(dir, "report.json");
  try {
    const child = spawn(
      process.execPath,
      [
        RUNNER,
        "--profile",
        "sheaf",
        "--only",
        file,
        "--report",
        reportFile,
        "--start",
        `"${process.execPath}" "${SHEAF_BIN}" serve {root} --port {port}`,
      ],
      { cwd: PROJECT_ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    let output = "";
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString("utf8")));
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    const report = existsSync(reportFile)
      ? (JSON.parse(await readFile(reportFile, "utf8")) as RunnerReport)
      : undefined;
    return { code, output, report };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function createLimiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

const limit = createLimiter(MAX_PARALLEL);
const gated = await gatedScenarioFiles();

describe("golden files", () => {
  it("the runner and every gated scenario are vendored", () => {
    expect(existsSync(RUNNER)).toBe(true);
    expect(gated.length).toBeGreaterThan(0);
  });
});

describe.concurrent("Kirby 5.5.2 conformance replay", () => {
  for (const file of selected(gated)) {
    it(
      file,
      async () => {
        if (!existsSync(SHEAF_BIN)) throw new Error(`${SHEAF_BIN} does not exist (run npm run build first)`);
        const outcome = await limit(() => runScenario(file));
        const steps = outcome.report?.scenarios.flatMap((s) => s.steps ?? []) ?? [];
        const failed = steps.filter((s) => s.result === "FAIL").length;
        if (outcome.code !== 0 || failed > 0 || steps.length === 0) {
          throw new Error(`${failed} of ${steps.length} steps differ (runner exit ${outcome.code})\n${outcome.output}`);
        }
        expect(failed).toBe(0);
      },
      SCENARIO_TIMEOUT_MS,
    );
  }
});
