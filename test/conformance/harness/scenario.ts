/** One scenario end to end: site root, server, replay, stop, clean-up. */

import { readFile } from "node:fs/promises";
import { parseDeviations, type DeviationSet } from "./deviations.js";
import { parseGoldenFile, type GoldenFile } from "./golden.js";
import { sendRequest, LOOPBACK } from "./http-client.js";
import { planScenario, type StepPlan } from "./plan.js";
import { formatStepResult, replaySteps, summarise, type StepResult } from "./replay.js";
import { findFreePort, prepareSiteRoot, removeSiteRoot, ServerProcess } from "./server.js";

export async function loadGoldenFile(filePath: string, fileName: string): Promise<GoldenFile> {
  return parseGoldenFile(JSON.parse(await readFile(filePath, "utf8")) as unknown, fileName);
}

export async function loadDeviationsFile(filePath: string): Promise<DeviationSet> {
  return parseDeviations(JSON.parse(await readFile(filePath, "utf8")) as unknown);
}

export interface ScenarioRun {
  fileName: string;
  golden: GoldenFile;
  deviations: DeviationSet;
  fixtureDir: string;
  /** The command that serves `root` on `port`, as argv. */
  serverCommand: (root: string, port: number) => string[];
  /** 1-based steps not to send, and why. */
  skipSteps?: readonly number[];
  skipReason?: string;
  readyTimeoutMs?: number;
  requestTimeoutMs?: number;
  keepRoot?: boolean;
}

export interface ScenarioResult {
  fileName: string;
  title: string;
  steps: StepResult[];
  durationMs: number;
  /** Tail of the server's output (kept for failing scenarios). */
  serverLog: string;
}

export function planFor(
  run: Pick<ScenarioRun, "fileName" | "golden" | "deviations" | "skipSteps" | "skipReason">,
): StepPlan[] {
  const reason = `skipped by the scenario table${run.skipReason === undefined ? "" : `: ${run.skipReason}`}`;
  const extraSkips = new Map((run.skipSteps ?? []).map((index) => [index, reason] as const));
  return planScenario(run.fileName, run.golden, run.deviations, { extraSkips });
}

export async function runScenario(run: ScenarioRun): Promise<ScenarioResult> {
  const started = Date.now();
  const plans = planFor(run);
  const root = await prepareSiteRoot(run.fixtureDir, run.golden.config);
  let server: ServerProcess | undefined;
  try {
    const port = await findFreePort();
    server = ServerProcess.start(run.serverCommand(root, port), root, port);
    await server.waitUntilReady(run.readyTimeoutMs);
    const host = `${LOOPBACK}:${port}`;
    const steps = await replaySteps(plans, {
      origin: `http://${host}`,
      host,
      transport: (request) => sendRequest(port, request, run.requestTimeoutMs),
    });
    const failed = summarise(steps).failed > 0;
    return {
      fileName: run.fileName,
      title: run.golden.scenario,
      steps,
      durationMs: Date.now() - started,
      serverLog: failed ? server.log() : "",
    };
  } finally {
    await server?.stop();
    if (run.keepRoot !== true) await removeSiteRoot(root);
  }
}

/** The scenario's report: every step line, then the totals. */
export function formatScenarioResult(result: ScenarioResult): string {
  const totals = summarise(result.steps);
  const lines = [`${result.fileName}  ${result.title}`, ...result.steps.map(formatStepResult)];
  let total = `  ${totals.passed} passed, ${totals.failed} failed`;
  if (totals.skipped > 0) total += `, ${totals.skipped} skipped`;
  lines.push(`${total}  (${(result.durationMs / 1000).toFixed(1)} s)`);
  if (totals.failed > 0 && result.serverLog.trim() !== "")
    lines.push("  server output (tail):", ...result.serverLog.split("\n").map((l) => `    ${l}`));
  return lines.join("\n");
}
