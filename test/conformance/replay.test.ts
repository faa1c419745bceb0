/**
 * Replays the vendored Kirby 5.5.2 golden transcripts against `bin/sheaf.js serve`, one fresh site root and server
 * per scenario. SHEAF_CONFORMANCE_ONLY=01,12 (numbers, names or globs) restricts the run.
 */

import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import {
  formatScenarioResult,
  loadDeviationsFile,
  loadGoldenFile,
  matchesScenarioSelector,
  parseSelectorList,
  runScenario,
  stopAllServers,
  summarise,
} from "./harness.js";

interface ScenarioSelection {
  file: string;
  /** 1-based steps that are not sent (their placeholders count as never set). */
  skipSteps?: number[];
  reason?: string;
}

/** The scenarios Sheaf must pass. One line per scenario. */
const SELECTED_SCENARIOS: readonly ScenarioSelection[] = [
  { file: "01-unauth-get-site.json" },
  { file: "02-unauth-get-pages-notes.json" },
  { file: "03-unauth-get-auth.json" },
  { file: "05-login-csrf-required.json" },
  { file: "06-login-wrong-password.json" },
  { file: "07-login-unknown-email.json" },
  { file: "08-login-malformed-email.json" },
  { file: "09-login-missing-fields.json" },
  { file: "10-login-success-short.json" },
  { file: "11-login-success-long.json" },
  { file: "12-session-csrf-matrix.json" },
  { file: "13-get-auth.json" },
  { file: "14-logout-and-reuse.json" },
  { file: "16-role-without-panel-access.json" },
  { file: "17-brute-force-throttle.json" },
  { file: "20-pages-crud.json" },
  { file: "22-read-endpoints.json" },
  { file: "23-errors-debug-false.json" },
  { file: "25-cors-disabled.json" },
  { file: "26-cors-true.json" },
  { file: "29-basic-auth-disabled.json" },
  { file: "30-basic-auth-over-http-refused.json" },
  { file: "31-basic-auth-insecure-allowed.json" },
  { file: "33-api-csrf-static-option.json" },
];

const HERE = path.dirname(fileURLToPath(import.meta.url));
const PROJECT_ROOT = path.resolve(HERE, "../..");
const SHEAF_BIN = path.join(PROJECT_ROOT, "bin", "sheaf.js");
const GOLDEN_DIR = path.join(HERE, "golden");
const FIXTURE_DIR = path.join(HERE, "fixture");
const DEVIATIONS_FILE = path.join(HERE, "deviations.sheaf.json");

/** The machine has two cores: at most two servers at a time. */
const MAX_PARALLEL = 2;
const SCENARIO_TIMEOUT_MS = 240_000;

function selectedScenarios(): ScenarioSelection[] {
  const only = process.env["SHEAF_CONFORMANCE_ONLY"];
  if (only === undefined || only.trim() === "") return [...SELECTED_SCENARIOS];
  const selectors = parseSelectorList(only);
  return SELECTED_SCENARIOS.filter((s) => selectors.some((selector) => matchesScenarioSelector(selector, s.file)));
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
const deviations = loadDeviationsFile(DEVIATIONS_FILE);
deviations.catch(() => undefined); // reported by the test below, not as an unhandled rejection

afterAll(async () => {
  await stopAllServers();
});

describe("golden files", () => {
  it("every selected scenario is vendored", () => {
    const vendored = new Set(readdirSync(GOLDEN_DIR));
    expect(SELECTED_SCENARIOS.filter((s) => !vendored.has(s.file)).map((s) => s.file)).toEqual([]);
  });

  it("the deviations file is valid", async () => {
    expect((await deviations).rules.length).toBeGreaterThan(0);
  });
});

describe.concurrent("Kirby 5.5.2 conformance replay", () => {
  for (const selection of selectedScenarios()) {
    it(
      selection.file,
      async () => {
        if (!existsSync(SHEAF_BIN)) throw new Error(`${SHEAF_BIN} does not exist (run npm run build first)`);
        const golden = await loadGoldenFile(path.join(GOLDEN_DIR, selection.file), selection.file);
        const run = {
          fileName: selection.file,
          golden,
          deviations: await deviations,
          fixtureDir: FIXTURE_DIR,
          serverCommand: (root: string, port: number) => [
            process.execPath,
            SHEAF_BIN,
            "serve",
            root,
            "--port",
            String(port),
          ],
          ...(selection.skipSteps === undefined ? {} : { skipSteps: selection.skipSteps }),
          ...(selection.reason === undefined ? {} : { skipReason: selection.reason }),
        };
        const result = await limit(() => runScenario(run));
        const totals = summarise(result.steps);
        if (totals.failed > 0) {
          throw new Error(
            `${totals.failed} of ${result.steps.length} steps differ from the recording\n${formatScenarioResult(result)}`,
          );
        }
        expect(totals.passed + totals.skipped).toBe(result.steps.length);
      },
      SCENARIO_TIMEOUT_MS,
    );
  }
});
