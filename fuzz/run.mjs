// Hostile fuzz of Sheaf over real sockets. See fuzz/README.md.
//
// Usage: npm run fuzz -- [--seed N] [--requests N] [--concurrency N] [--timeout-ms N] [--max-seconds N]
//                        [--only INDEX] [--report FILE] [--keep-site]

import { writeFile } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { healthCheck, prepareCallers } from "./lib/callers.mjs";
import { leakPatterns } from "./lib/checks.mjs";
import { execute } from "./lib/execute.mjs";
import { explainServerErrors, isKirbyParity } from "./lib/explain.mjs";
import { planRequest } from "./lib/plan.mjs";
import { Recorder } from "./lib/recorder.mjs";
import {
  copyFixture,
  fingerprint,
  fingerprintChanges,
  PROJECT_ROOT,
  removeSite,
  serverMemoryMb,
  sessionFiles,
  startServer,
  stopServer,
} from "./lib/site.mjs";
import { slowloris } from "./lib/slowloris.mjs";

/** Config for the fuzzed site: Basic auth on (so Basic callers reach the routes), throttling out of the way. */
const SERVER_CONFIG = {
  api: { basicAuth: true, allowInsecure: true },
  // the fuzz sends thousands of wrong credentials from one IP; a block would hide the Basic callers' routes
  auth: { trials: 1_000_000_000 },
};
const HEALTH_BUDGET_MS = 2000;
/** 5xx answers replayed against a debug server to learn their exception (more are recorded unexplained). */
const MAX_EXPLAINED = 500;
/** Time kept back from --max-seconds for the final checks and the report. */
const FINAL_RESERVE_MS = 45_000;

function parseArguments(argv) {
  const options = {
    seed: 20260101,
    requests: 20_000,
    concurrency: 16,
    timeoutMs: 10_000,
    maxSeconds: 600,
    only: null,
    report: path.join(PROJECT_ROOT, "fuzz", "report.json"),
    keepSite: false,
  };
  const numeric = {
    "--seed": "seed",
    "--requests": "requests",
    "--concurrency": "concurrency",
    "--timeout-ms": "timeoutMs",
    "--max-seconds": "maxSeconds",
    "--only": "only",
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    if (flag === "--keep-site") options.keepSite = true;
    else if (flag === "--report") options.report = path.resolve(argv[++i]);
    else if (flag in numeric) {
      const value = Number(argv[++i]);
      if (!Number.isInteger(value) || value < 0)
        throw new Error(`${flag} needs a non-negative integer, got ${argv[i]}`);
      options[numeric[flag]] = value;
    } else throw new Error(`unknown option ${flag}`);
  }
  if (options.concurrency < 1) options.concurrency = 1;
  return options;
}

async function loadRoutes() {
  const { apiRoutes } = await import(pathToFileURL(path.join(PROJECT_ROOT, "dist", "api", "routes", "index.js")).href);
  return apiRoutes.map((route) => ({ methods: route.methods, pattern: route.pattern, auth: route.auth }));
}

async function main() {
  const options = parseArguments(process.argv.slice(2));
  const started = Date.now();
  const recorder = new Recorder(options);
  const root = await copyFixture();
  const server = await startServer(root, SERVER_CONFIG);
  let serverExit = null;
  server.exited.then((code) => (serverExit = code));

  // the hard cap: whatever happens, report and stop
  const watchdog = setTimeout(async () => {
    recorder.fail({ check: "time-cap", detail: `run exceeded ${options.maxSeconds} s` });
    await finish(2);
  }, options.maxSeconds * 1000);

  let finished = false;
  async function finish(forcedCode) {
    if (finished) return;
    finished = true;
    clearTimeout(watchdog);
    recorder.serverLog = server.logLines
      .slice(0, 200)
      .map((line) => (line.length > 500 ? `${line.slice(0, 500)}… (${line.length} chars)` : line));
    const code = forcedCode ?? (recorder.checks.has("time-cap") ? 2 : recorder.failureCount() > 0 ? 1 : 0);
    await writeFile(
      options.report,
      JSON.stringify(recorder.report({ durationMs: Date.now() - started, root }), null, 2),
    );
    process.stdout.write(recorder.summary({ durationMs: Date.now() - started, reportFile: options.report }));
    await stopServer(server).catch(() => undefined);
    if (!options.keepSite) await removeSite(root).catch(() => undefined);
    else process.stdout.write(`site kept at ${root}\n`);
    process.exit(code);
  }

  try {
    const routes = await loadRoutes();
    const credentials = await prepareCallers(server.port);
    const before = await fingerprint(root);
    const sessionsBefore = await sessionFiles(root);
    const context = { seed: options.seed, port: server.port, routes, credentials };
    const leaks = leakPatterns([root, PROJECT_ROOT]);
    const memoryBefore = await serverMemoryMb(server);

    const pendingServerErrors = [];
    const indexes = options.only !== null ? [options.only] : Array.from({ length: options.requests }, (_, i) => i);
    const streamDeadline = started + options.maxSeconds * 1000 - FINAL_RESERVE_MS;
    let next = 0;
    const worker = async () => {
      while (next < indexes.length && serverExit === null && Date.now() < streamDeadline) {
        const plan = planRequest(indexes[next++], context);
        const { result, failures } = await execute(plan, { port: server.port, timeoutMs: options.timeoutMs, leaks });
        // 5xx answers are recorded once a debug replay has said what they are
        const serverErrors = failures.filter((failure) => failure.check === "5xx");
        const deferred = serverErrors.length > 0 && pendingServerErrors.length < MAX_EXPLAINED;
        if (deferred) pendingServerErrors.push({ plan, result, failures: serverErrors });
        recorder.record(plan, result, deferred ? failures.filter((failure) => failure.check !== "5xx") : failures);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    if (next < indexes.length)
      recorder.fail({
        check: serverExit === null ? "time-cap" : "server-died",
        detail: `stopped after ${next} of ${indexes.length} requests${serverExit === null ? "" : ` (server exit ${serverExit})`}`,
      });

    const explained = await explainServerErrors([...new Set(pendingServerErrors.map(({ plan }) => plan.index))], {
      seed: options.seed,
      routes,
      serverConfig: SERVER_CONFIG,
      timeoutMs: options.timeoutMs,
    }).catch((error) => {
      recorder.fail({ check: "fuzzer-error", detail: `debug replay failed: ${error}` });
      return new Map();
    });
    for (const { plan, result, failures } of pendingServerErrors) {
      const debug = explained.get(plan.index) ?? null;
      for (const failure of failures) {
        const check = isKirbyParity(debug) ? "5xx-kirby-parity" : "5xx";
        recorder.fail(
          {
            check,
            detail: debug
              ? `${failure.detail.slice(0, 3)} ${debug.exception ?? ""}: ${debug.message} (${debug.file}:${debug.line})`
              : failure.detail,
            debug,
          },
          plan,
          result,
        );
      }
    }

    if (serverExit === null && options.only === null) {
      const slow = await slowloris({
        port: server.port,
        admin: credentials["admin-session"],
        healthBudgetMs: HEALTH_BUDGET_MS,
      });
      recorder.slowloris = {
        health: slow.health,
        connections: slow.connections,
        stillOpenAfterHold: slow.stillOpenAfterHold,
      };
      for (const failure of slow.failures) recorder.fail(failure);
    }
    recorder.memory = { beforeMb: memoryBefore, afterMb: await serverMemoryMb(server) };
    await finalChecks({ recorder, server, root, credentials, before, sessionsBefore, serverExit: () => serverExit });
  } catch (error) {
    recorder.fail({
      check: "fuzzer-error",
      detail: error instanceof Error ? (error.stack ?? error.message) : String(error),
    });
  }
  await finish();
}

async function finalChecks({ recorder, server, root, credentials, before, sessionsBefore, serverExit }) {
  if (serverExit() !== null) {
    recorder.fail({
      check: "server-died",
      detail: `exit ${serverExit()}; last log lines: ${server.logLines.slice(-10).join(" | ")}`,
    });
    return;
  }
  const health = await healthCheck(server.port, credentials["admin-session"]).catch((error) => ({
    status: 0,
    elapsedMs: -1,
    error: String(error),
  }));
  recorder.health = health;
  if (health.status !== 200 || health.elapsedMs > HEALTH_BUDGET_MS) {
    recorder.fail({
      check: "health",
      detail: `GET /api/site as admin after the fuzz: ${health.status} in ${health.elapsedMs} ms${health.error ? ` (${health.error})` : ""}`,
    });
  }
  const changes = fingerprintChanges(before, await fingerprint(root));
  for (const change of changes) recorder.fail({ check: "content-changed", detail: `${change.change}: ${change.file}` });

  const newSessions = [...(await sessionFiles(root))].filter((name) => !sessionsBefore.has(name));
  recorder.newSessionFiles = newSessions.length;
  // files behind a Set-Cookie were already counted per request; these are sessions written without telling anyone
  const unexplained =
    newSessions.length -
    recorder.sessionsGrantedToCsrf -
    recorder.sessionsGrantedToSessionCallers -
    recorder.sessionsGrantedFlagged;
  if (unexplained > 0) {
    recorder.fail({
      check: "silent-session-files",
      detail: `${newSessions.length} new session files, only ${newSessions.length - unexplained} announced by a Set-Cookie`,
    });
  }
  const logs = server.logWatch;
  const logChecks = [
    ["unhandled", "unhandled-error-logged", "the server logged an unhandled error"],
    ["forged", "log-injection", "a request's text started a log line of its own"],
    ["oversized", "log-line-oversized", "a request put more than 8 KB into one log line"],
  ];
  for (const [kind, check, what] of logChecks) {
    if (logs.counts[kind] === 0) continue;
    recorder.fail({
      check,
      detail: `${logs.counts[kind]} times ${what}; e.g. ${logs.examples[kind][0]}`,
      count: logs.counts[kind],
      examples: logs.examples[kind],
    });
  }
}

await main();
