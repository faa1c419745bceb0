// Throughput benchmark for `GET /api/pages/blog` on the starterkit, on loopback only.
//
// Scenarios, in one run: session cookie + CSRF; Basic auth with the verification cache on (`auth.basicCache`
// 60 s, the default); an application password as a Bearer token; Basic auth with the cache off
// (`auth.basicCache: 0`, a second Sheaf process on its own copy of the site, so every request verifies bcrypt);
// anonymous (401); and a bare node:http server that receives the session request and answers with the same status,
// headers and body.
//
// Usage: npm run bench
// Environment:
//   BENCH_SECONDS         measured seconds per scenario (default 8)
//   BENCH_WARMUP_SECONDS  warm-up seconds before each measurement (default 2)
//   BENCH_CONNECTIONS     concurrent connections (default 10)
//   BENCH_STRICT=1        exit with code 1 when session GET / bare, cached Basic / session or Bearer / session is
//                         below its target ratio
//
// When started with `--bare-server`, this file instead runs the reference server: a plain node:http server that
// answers every request with the status, headers and body given in its environment, and prints its port.

import autocannon from "autocannon";
import { execFileSync, spawn } from "node:child_process";
import { cp, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HOST = "127.0.0.1";
const THIS_FILE = fileURLToPath(import.meta.url);
const REPO_ROOT = path.resolve(path.dirname(THIS_FILE), "..");
const STARTERKIT = path.join(REPO_ROOT, "examples", "starterkit");
const SHEAF_BIN = path.join(REPO_ROOT, "bin", "sheaf.js");
const TARGET_PATH = "/api/pages/blog";
const ADMIN = { email: "admin@example.com", password: "sheaf-admin-2026" };
const SESSION_TO_BARE_TARGET = 0.6;
/** Cached Basic auth and Bearer-token reads, each against the session read. */
const CREDENTIAL_TO_SESSION_TARGET = 0.5;
const BASIC_CACHE_SECONDS = 60;
/** A read in a non-default language against the same read in the default language (multi-language site). */
const LANGUAGE_TO_DEFAULT_TARGET = 0.9;
/** Rounds in which the scenarios take turns (BENCH_ROUNDS). */
const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));
const STARTUP_TIMEOUT_MS = 20_000;
/** Clock ticks per second of /proc CPU times, read once (see serverCpuMicros). */
let clockTicks;

if (process.argv.includes("--bare-server")) {
  runBareServer();
} else {
  await runBenchmark();
}

// ---------------------------------------------------------------------------------------------------------------
// Reference server (child process)

function runBareServer() {
  const status = Number(process.env.BARE_STATUS);
  const headers = JSON.parse(process.env.BARE_HEADERS_JSON ?? "{}");
  const body = Buffer.from(process.env.BARE_BODY_BASE64 ?? "", "base64");
  const server = http.createServer((request, response) => {
    request.resume();
    response.writeHead(status, { ...headers, "content-length": body.length });
    response.end(body);
  });
  server.listen(0, HOST, () => {
    const address = server.address();
    process.stdout.write(`bare-server-port ${typeof address === "object" && address ? address.port : 0}\n`);
  });
  const stop = () => server.close(() => process.exit(0));
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}

// ---------------------------------------------------------------------------------------------------------------
// Benchmark (main process)

function positiveNumberFromEnv(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

async function runBenchmark() {
  const settings = {
    seconds: positiveNumberFromEnv("BENCH_SECONDS", 8),
    warmupSeconds: positiveNumberFromEnv("BENCH_WARMUP_SECONDS", 2),
    connections: Math.round(positiveNumberFromEnv("BENCH_CONNECTIONS", 10)),
  };
  const cleanup = createCleanup();
  const onSignal = (signal) => {
    process.stderr.write(`\nbench: ${signal} received, stopping servers\n`);
    cleanup.run().finally(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  try {
    await benchmark(settings, cleanup);
  } catch (error) {
    process.stderr.write(`\nbench FAILED: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  } finally {
    await cleanup.run();
    process.removeListener("SIGINT", onSignal);
    process.removeListener("SIGTERM", onSignal);
  }
}

/** Collects undo steps (stop a child, remove a folder) and runs them once, newest first. */
function createCleanup() {
  const steps = [];
  let running;
  return {
    add(step) {
      steps.push(step);
    },
    run() {
      running ??= (async () => {
        while (steps.length > 0) {
          const step = steps.pop();
          try {
            await step();
          } catch (error) {
            process.stderr.write(
              `bench: cleanup step failed: ${error instanceof Error ? error.message : String(error)}\n`,
            );
          }
        }
      })();
      return running;
    },
  };
}

async function benchmark(settings, cleanup) {
  const siteRoot = await prepareSite(cleanup, { auth: { basicCache: BASIC_CACHE_SECONDS } });
  const sessionsDir = path.join(siteRoot, "site", "sessions");
  const { url: sheafUrl, pid: sheafPid } = await startSheaf("sheaf", siteRoot, cleanup);
  log(`Sheaf is answering on ${sheafUrl} (site copied to ${siteRoot}, auth.basicCache ${BASIC_CACHE_SECONDS} s)`);

  // A second process whose only difference is the verification cache, so the uncached Basic number is honest.
  const uncachedRoot = await prepareSite(cleanup, { auth: { basicCache: 0 } });
  const { url: uncachedUrl, pid: uncachedPid } = await startSheaf("sheaf (auth.basicCache 0)", uncachedRoot, cleanup);
  log(`Sheaf without the Basic verification cache is answering on ${uncachedUrl} (site copied to ${uncachedRoot})`);

  const session = await logIn(sheafUrl);
  log("Logged in as admin@example.com (session cookie + CSRF token)");
  const token = await createToken(sheafUrl, session);
  log("Created an application password through POST /api/account/tokens");

  const sessionHeaders = { cookie: session.cookie, "x-csrf": session.csrf };
  const basicHeaders = { authorization: `Basic ${Buffer.from(`${ADMIN.email}:${ADMIN.password}`).toString("base64")}` };
  const bearerHeaders = { authorization: `Bearer ${token}` };

  const reference = await fetchOnce(`${sheafUrl}${TARGET_PATH}`, sessionHeaders);
  if (reference.status !== 200) {
    throw new Error(
      `session GET ${TARGET_PATH} answered ${reference.status} instead of 200: ${reference.body.toString("utf8").slice(0, 300)}`,
    );
  }
  for (const [what, url, headers] of [
    ["Basic-auth GET", sheafUrl, basicHeaders],
    ["Bearer-token GET", sheafUrl, bearerHeaders],
    ["uncached Basic-auth GET", uncachedUrl, basicHeaders],
  ]) {
    const probe = await fetchOnce(`${url}${TARGET_PATH}`, headers);
    if (probe.status !== 200) {
      throw new Error(
        `${what} ${TARGET_PATH} answered ${probe.status} instead of 200: ${probe.body.toString("utf8").slice(0, 300)}`,
      );
    }
    // the second process differs only in its port, which appears in the page's URLs
    if (probe.body.toString("utf8").replaceAll(url, sheafUrl) !== reference.body.toString("utf8")) {
      throw new Error(`${what} ${TARGET_PATH} does not answer the same page as the session GET`);
    }
  }

  const target = `${sheafUrl}${TARGET_PATH}`;
  const bare = await startBareServer(reference, cleanup);
  const multilang = await startMultilangSheaf(cleanup);
  log(`Sheaf on a two-language copy (en, de) is answering on ${multilang.url}`);
  const scenarios = {
    session: {
      name: "session + CSRF GET (200)",
      url: target,
      headers: sessionHeaders,
      expectedStatus: 200,
      pid: sheafPid,
    },
    basic: {
      name: `Basic auth GET (200, cache ${BASIC_CACHE_SECONDS} s)`,
      url: target,
      headers: basicHeaders,
      expectedStatus: 200,
      pid: sheafPid,
    },
    bearer: { name: "Bearer token GET (200)", url: target, headers: bearerHeaders, expectedStatus: 200, pid: sheafPid },
    languageDefault: {
      name: "session GET, languages, default (200)",
      url: `${multilang.url}${TARGET_PATH}`,
      headers: multilang.headers,
      expectedStatus: 200,
      pid: multilang.pid,
    },
    languageOther: {
      name: "session GET, languages, X-Language de (200)",
      url: `${multilang.url}${TARGET_PATH}`,
      headers: { ...multilang.headers, "x-language": "de" },
      expectedStatus: 200,
      pid: multilang.pid,
    },
    anonymous: { name: "anonymous GET (401)", url: target, headers: {}, expectedStatus: 401, pid: sheafPid },
    // the same request as the session GET, answered with the same status, headers and body
    bare: {
      name: "bare node:http (same exchange as session GET)",
      url: `${bare.url}${TARGET_PATH}`,
      headers: sessionHeaders,
      expectedStatus: 200,
      pid: bare.pid,
    },
  };

  // The machine is shared: measuring every scenario once, one after another, lets a change of load between runs
  // decide the ratios. So the scenarios take turns over several rounds, and each figure is the median of its rounds.
  const rounds = ROUNDS;
  const perRound = { ...settings, seconds: Math.max(2, Math.round(settings.seconds / rounds)) };
  log(
    `Measuring ${rounds} rounds of ${perRound.seconds} s per scenario (after a ${settings.warmupSeconds} s warm-up each), ${settings.connections} connections`,
  );
  const runs = Object.fromEntries(Object.keys(scenarios).map((key) => [key, []]));
  const sessionChecks = [];
  for (let round = 1; round <= rounds; round++) {
    log(` round ${round}/${rounds}`);
    for (const [key, scenario] of Object.entries(scenarios)) {
      if (key === "anonymous") {
        // Let any session write started by the previous runs settle before taking the snapshot.
        await delay(250);
        const before = await snapshotFolder(sessionsDir);
        runs[key].push(await measure(perRound, scenario));
        await delay(250);
        const after = await snapshotFolder(sessionsDir);
        sessionChecks.push({ before, after, check: compareSnapshots(before, after) });
      } else {
        runs[key].push(await measure(perRound, scenario));
      }
    }
  }
  const uncachedBasicRun = await measure(settings, {
    name: "Basic auth GET (200, no cache: bcrypt)",
    url: `${uncachedUrl}${TARGET_PATH}`,
    headers: basicHeaders,
    expectedStatus: 200,
    pid: uncachedPid,
  });

  const median = (values) => {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
  };
  const summarise = (key) => ({
    name: scenarios[key].name,
    requestsPerSecond: median(runs[key].map((run) => run.requestsPerSecond)),
    p99Ms: median(runs[key].map((run) => run.p99Ms)),
    responses: runs[key].reduce((sum, run) => sum + run.responses, 0),
    cpuMicrosPerRequest: runs[key].some((run) => run.cpuMicrosPerRequest === null)
      ? null
      : median(runs[key].map((run) => run.cpuMicrosPerRequest)),
  });
  const sessionRun = summarise("session");
  const basicRun = summarise("basic");
  const bearerRun = summarise("bearer");
  const anonymousRun = summarise("anonymous");
  const bareRun = summarise("bare");
  const languageDefaultRun = summarise("languageDefault");
  const languageOtherRun = summarise("languageOther");
  const failedCheck = sessionChecks.find((entry) => !entry.check.unchanged) ?? sessionChecks[sessionChecks.length - 1];
  const sessionsCheck = failedCheck.check;
  const sessionsBefore = failedCheck.before;
  const sessionsAfter = failedCheck.after;
  const roundRatios = runs.session.map((run, index) => run.requestsPerSecond / runs.bare[index].requestsPerSecond);
  log(`session / bare per round: ${roundRatios.map((ratio) => ratio.toFixed(3)).join(", ")}`);

  printTable(
    [sessionRun, basicRun, bearerRun, uncachedBasicRun, anonymousRun, languageDefaultRun, languageOtherRun, bareRun],
    { bareRun, sessionRun },
  );
  const verdicts = printRatios({ sessionRun, anonymousRun, bareRun, basicRun, bearerRun, uncachedBasicRun });
  const languageVerdict = {
    label: "non-default language / default language",
    ratio: languageOtherRun.requestsPerSecond / languageDefaultRun.requestsPerSecond,
    target: LANGUAGE_TO_DEFAULT_TARGET,
  };
  languageVerdict.met = languageVerdict.ratio >= languageVerdict.target;
  verdicts.push(languageVerdict);
  log(
    `${languageVerdict.label}: ${formatRatio(languageVerdict.ratio)}  (target >= ${languageVerdict.target}: ${languageVerdict.met ? "meets target" : "BELOW TARGET"})`,
  );
  printSessionsCheck(sessionsCheck, sessionsBefore, sessionsAfter);

  if (!sessionsCheck.unchanged) {
    throw new Error(`anonymous requests wrote to site/sessions: ${sessionsCheck.description}`);
  }
  const missed = verdicts.filter((verdict) => !verdict.met);
  if (process.env.BENCH_STRICT === "1" && missed.length > 0) {
    throw new Error(
      missed
        .map((verdict) => `${verdict.label} = ${verdict.ratio.toFixed(2)} is below the target ${verdict.target}`)
        .join("; "),
    );
  }
}

function log(message) {
  process.stdout.write(`${message}\n`);
}

function delay(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// --- site and processes -----------------------------------------------------------------------------------------

/** Copies the starterkit to a temporary folder and writes its config: Basic auth over loopback HTTP plus `extra`. */
async function prepareSite(cleanup, extra = {}) {
  const siteRoot = await mkdtemp(path.join(os.tmpdir(), "sheaf-bench-"));
  cleanup.add(() => rm(siteRoot, { recursive: true, force: true }));
  // Sessions or login records left in the example folder by earlier manual runs must not leak into the copy.
  await cp(STARTERKIT, siteRoot, {
    recursive: true,
    filter: (source) => {
      const relative = path.relative(STARTERKIT, source).split(path.sep).join("/");
      return relative !== "site/sessions" && relative !== "site/accounts/.logins";
    },
  });
  // the starterkit keeps one content file per language (en, de)
  const config = { languages: true, api: { basicAuth: true, allowInsecure: true }, ...extra };
  await writeFile(path.join(siteRoot, "site", "config", "config.json"), `${JSON.stringify(config, null, 2)}\n`);
  return siteRoot;
}

/**
 * The starterkit as it is, a two-language site (en default, de; the blog is "Journal" in German), logged in as the
 * admin.
 */
async function startMultilangSheaf(cleanup) {
  const root = await prepareSite(cleanup);
  const started = await startSheaf("sheaf (languages)", root, cleanup);
  const session = await logIn(started.url);
  for (const language of ["en", "de"]) {
    const probe = await fetchOnce(`${started.url}${TARGET_PATH}`, {
      cookie: session.cookie,
      "x-csrf": session.csrf,
      "x-language": language,
    });
    if (probe.status !== 200) throw new Error(`the ${language} read of ${TARGET_PATH} answered ${probe.status}`);
  }
  return { ...started, headers: { cookie: session.cookie, "x-csrf": session.csrf } };
}

/** Starts `sheaf serve` on a free port for a site folder; resolves with its URL once it answers. */
async function startSheaf(label, siteRoot, cleanup) {
  const port = await findFreePort();
  const state = startChild(label, [SHEAF_BIN, "serve", siteRoot, "--port", String(port), "--host", HOST], {}, cleanup);
  const url = `http://${HOST}:${port}`;
  await waitUntilAnswering(url, state);
  return { url, pid: state.child.pid };
}

function findFreePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error("could not find a free port"))));
    });
  });
}

/** Starts `node <args>` with piped output; it is stopped by the cleanup. */
function startChild(label, args, env, cleanup) {
  const child = spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const state = { child, label, output: "", exited: false, exitCode: null, exitSignal: null };
  const keep = (chunk) => {
    state.output = (state.output + chunk.toString("utf8")).slice(-8000);
  };
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      state.exited = true;
      state.exitCode = code;
      state.exitSignal = signal;
      resolve();
    });
  });
  state.exitedPromise = exited;
  cleanup.add(async () => {
    if (state.exited) return;
    child.kill("SIGTERM");
    const stopped = await Promise.race([exited.then(() => true), delay(5000).then(() => false)]);
    if (!stopped) {
      child.kill("SIGKILL");
      await exited;
    }
  });
  return state;
}

function describeExit(state) {
  const how = state.exitSignal ? `signal ${state.exitSignal}` : `code ${state.exitCode}`;
  return `${state.label} exited early (${how}); its output:\n${state.output.trim() || "(none)"}`;
}

async function waitUntilAnswering(baseUrl, state) {
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (state.exited) throw new Error(describeExit(state));
    try {
      // Any HTTP answer means the server is up; "/" is used so that no API session is created.
      const response = await fetch(`${baseUrl}/`, { signal: AbortSignal.timeout(1000) });
      await response.arrayBuffer();
      return;
    } catch {
      await delay(100);
    }
  }
  throw new Error(
    `${state.label} did not answer within ${STARTUP_TIMEOUT_MS / 1000} s; its output:\n${state.output.trim() || "(none)"}`,
  );
}

async function startBareServer(reference, cleanup) {
  const state = startChild(
    "bare server",
    [THIS_FILE, "--bare-server"],
    {
      BARE_STATUS: String(reference.status),
      BARE_HEADERS_JSON: JSON.stringify(reference.answerHeaders),
      BARE_BODY_BASE64: reference.body.toString("base64"),
    },
    cleanup,
  );
  const deadline = Date.now() + STARTUP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (state.exited) throw new Error(describeExit(state));
    const match = /bare-server-port (\d+)/.exec(state.output);
    if (match && Number(match[1]) > 0) {
      const url = `http://${HOST}:${match[1]}`;
      const check = await fetchOnce(`${url}${TARGET_PATH}`, {});
      const sameHeaders = JSON.stringify(check.answerHeaders) === JSON.stringify(reference.answerHeaders);
      if (check.status !== reference.status || !sameHeaders || !check.body.equals(reference.body)) {
        throw new Error("the bare server does not answer with the same status, headers and body as Sheaf");
      }
      return { url, pid: state.child.pid };
    }
    await delay(50);
  }
  throw new Error(`bare server did not start within ${STARTUP_TIMEOUT_MS / 1000} s`);
}

// --- HTTP helpers -----------------------------------------------------------------------------------------------

async function fetchOnce(url, headers, init = {}) {
  const response = await fetch(url, {
    ...init,
    headers: { ...headers, ...(init.headers ?? {}) },
    signal: AbortSignal.timeout(10_000),
  });
  const body = Buffer.from(await response.arrayBuffer());
  return {
    status: response.status,
    contentType: response.headers.get("content-type") ?? "",
    // the headers a server chooses (Node adds date, connection and keep-alive itself; the length is the body's)
    answerHeaders: Object.fromEntries(
      [...response.headers].filter(
        ([name]) => !["date", "connection", "keep-alive", "content-length", "transfer-encoding"].includes(name),
      ),
    ),
    setCookies: response.headers.getSetCookie(),
    body,
  };
}

/** Value of the last `name=` cookie among Set-Cookie headers, or undefined. */
function lastCookieValue(setCookies, name) {
  let value;
  for (const header of setCookies) {
    const pair = header.split(";", 1)[0] ?? "";
    const separator = pair.indexOf("=");
    if (separator > 0 && pair.slice(0, separator).trim() === name) value = pair.slice(separator + 1).trim();
  }
  return value;
}

function parseJson(buffer, what) {
  try {
    return JSON.parse(buffer.toString("utf8"));
  } catch {
    throw new Error(`${what} did not answer JSON: ${buffer.toString("utf8").slice(0, 300)}`);
  }
}

async function logIn(baseUrl) {
  const csrfResponse = await fetchOnce(`${baseUrl}/api/auth/csrf`, {});
  if (csrfResponse.status !== 200) {
    throw new Error(
      `GET /api/auth/csrf answered ${csrfResponse.status}: ${csrfResponse.body.toString("utf8").slice(0, 300)}`,
    );
  }
  const csrf = parseJson(csrfResponse.body, "GET /api/auth/csrf").csrf;
  if (typeof csrf !== "string" || csrf === "") throw new Error("GET /api/auth/csrf returned no csrf token");
  const firstCookie = lastCookieValue(csrfResponse.setCookies, "kirby_session");
  if (!firstCookie) throw new Error("GET /api/auth/csrf set no kirby_session cookie");

  const loginResponse = await fetchOnce(
    `${baseUrl}/api/auth/login`,
    {
      "x-csrf": csrf,
      "content-type": "application/json",
      cookie: `kirby_session=${firstCookie}`,
    },
    {
      method: "POST",
      body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password, long: false }),
    },
  );
  if (loginResponse.status !== 200) {
    throw new Error(
      `POST /api/auth/login answered ${loginResponse.status}: ${loginResponse.body.toString("utf8").slice(0, 300)}`,
    );
  }
  const sessionCookie = lastCookieValue(loginResponse.setCookies, "kirby_session");
  if (!sessionCookie) throw new Error("POST /api/auth/login set no kirby_session cookie");
  return { cookie: `kirby_session=${sessionCookie}`, csrf };
}

/**
 * Creates an application password with the logged-in session; returns the token (shown only once). Its scope is
 * "full" so that the page's `options` (which reflect the scope) and so the answer's bytes equal the session read's:
 * the two runs then differ only in how the caller is authenticated.
 */
async function createToken(baseUrl, session) {
  const response = await fetchOnce(
    `${baseUrl}/api/account/tokens`,
    {
      cookie: session.cookie,
      "x-csrf": session.csrf,
      "content-type": "application/json",
    },
    {
      method: "POST",
      body: JSON.stringify({ name: "bench", scope: "full" }),
    },
  );
  if (response.status !== 200) {
    throw new Error(
      `POST /api/account/tokens answered ${response.status}: ${response.body.toString("utf8").slice(0, 300)}`,
    );
  }
  const token = parseJson(response.body, "POST /api/account/tokens").data?.token;
  if (typeof token !== "string" || !token.startsWith("sheaf_"))
    throw new Error("POST /api/account/tokens returned no token");
  return token;
}

// --- measuring --------------------------------------------------------------------------------------------------

function runAutocannon(options) {
  return new Promise((resolve, reject) => {
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result)));
  });
}

function responsesByStatus(result) {
  const counts = {};
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) counts[code] = stats.count;
  return counts;
}

/** Throws unless the run had no errors of any kind and every response had the expected status. */
function verifyRun(name, phase, result, expectedStatus) {
  const counts = responsesByStatus(result);
  const responses = Object.values(counts).reduce((sum, count) => sum + count, 0);
  const problems = [];
  if (result.errors !== 0) problems.push(`${result.errors} errors`);
  if (result.timeouts !== 0) problems.push(`${result.timeouts} timeouts`);
  if (result.resets !== 0) problems.push(`${result.resets} pipeline resets`);
  if (result.mismatches !== 0) problems.push(`${result.mismatches} body mismatches`);
  if (responses === 0) problems.push("no responses at all");
  const expectedNon2xx = expectedStatus >= 200 && expectedStatus < 300 ? 0 : responses;
  if (result.non2xx !== expectedNon2xx) problems.push(`non-2xx = ${result.non2xx}, expected ${expectedNon2xx}`);
  const unexpected = Object.keys(counts).filter((code) => Number(code) !== expectedStatus);
  if (unexpected.length > 0)
    problems.push(`unexpected status codes ${JSON.stringify(counts)} (expected only ${expectedStatus})`);
  if (problems.length > 0) throw new Error(`${name} (${phase}): ${problems.join("; ")}`);
  return responses;
}

async function measure(settings, scenario) {
  const common = {
    url: scenario.url,
    method: "GET",
    headers: scenario.headers,
    connections: settings.connections,
    pipelining: 1,
    timeout: 10,
  };
  process.stdout.write(`  ${scenario.name}: warming up… `);
  const warmup = await runAutocannon({ ...common, duration: settings.warmupSeconds });
  verifyRun(scenario.name, "warm-up", warmup, scenario.expectedStatus);
  process.stdout.write("measuring… ");
  const cpuBefore = await serverCpuMicros(scenario.pid);
  const result = await runAutocannon({ ...common, duration: settings.seconds });
  const cpuAfter = await serverCpuMicros(scenario.pid);
  const responses = verifyRun(scenario.name, "measurement", result, scenario.expectedStatus);
  process.stdout.write(`done (${responses} responses, all ${scenario.expectedStatus})\n`);
  return {
    name: scenario.name,
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    responses,
    cpuMicrosPerRequest:
      cpuBefore === null || cpuAfter === null || responses === 0 ? null : (cpuAfter - cpuBefore) / responses,
  };
}

/**
 * CPU time (user + system, in µs) a server process has used so far, from /proc (Linux); null elsewhere. Per
 * request, this is what the server itself spends, whatever the load generator sharing the machine can do.
 */
async function serverCpuMicros(pid) {
  if (!pid) return null;
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) / clockTicksPerSecond()) * 1e6;
  } catch {
    return null;
  }
}

function clockTicksPerSecond() {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

// --- sessions folder check --------------------------------------------------------------------------------------

async function snapshotFolder(dir) {
  let names;
  try {
    names = await readdir(dir);
  } catch (error) {
    if (error && error.code === "ENOENT") return new Map();
    throw error;
  }
  const entries = new Map();
  for (const name of names.sort()) {
    const info = await stat(path.join(dir, name));
    entries.set(name, `${info.size}:${info.mtimeMs}`);
  }
  return entries;
}

function compareSnapshots(before, after) {
  const added = [...after.keys()].filter((name) => !before.has(name));
  const removed = [...before.keys()].filter((name) => !after.has(name));
  const changed = [...after.keys()].filter((name) => before.has(name) && before.get(name) !== after.get(name));
  const parts = [];
  if (added.length > 0) parts.push(`${added.length} file(s) added`);
  if (removed.length > 0) parts.push(`${removed.length} file(s) removed`);
  if (changed.length > 0) parts.push(`${changed.length} file(s) modified`);
  return { unchanged: parts.length === 0, description: parts.join(", ") || "no change" };
}

// --- output -----------------------------------------------------------------------------------------------------

function printTable(results, { bareRun, sessionRun }) {
  const rows = results.map((run) => [
    run.name,
    run.requestsPerSecond.toFixed(0),
    run.p99Ms.toFixed(1),
    formatRatio(run.requestsPerSecond / bareRun.requestsPerSecond),
    formatRatio(run.requestsPerSecond / sessionRun.requestsPerSecond),
    run.cpuMicrosPerRequest === null ? "-" : run.cpuMicrosPerRequest.toFixed(1),
  ]);
  const header = ["scenario", "req/s", "p99 ms", "ratio to bare", "ratio to session", "server CPU µs/req"];
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells) =>
    cells
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]) : cell.padStart(widths[column])))
      .join("  ");
  log("");
  log(line(header));
  log(widths.map((width) => "-".repeat(width)).join("  "));
  for (const row of rows) log(line(row));
  log("");
}

/** Three decimals, or three significant digits for ratios too small to show that way (uncached Basic auth). */
function formatRatio(ratio) {
  return ratio >= 0.01 || ratio === 0 ? ratio.toFixed(3) : ratio.toPrecision(3);
}

/** Prints the ratios the project watches; returns those that have a target, with whether each is met. */
function printRatios({ sessionRun, anonymousRun, bareRun, basicRun, bearerRun, uncachedBasicRun }) {
  const verdicts = [
    {
      label: "session GET / bare",
      ratio: sessionRun.requestsPerSecond / bareRun.requestsPerSecond,
      target: SESSION_TO_BARE_TARGET,
    },
    {
      label: "Basic auth (cache) / session",
      ratio: basicRun.requestsPerSecond / sessionRun.requestsPerSecond,
      target: CREDENTIAL_TO_SESSION_TARGET,
    },
    {
      label: "Bearer token / session",
      ratio: bearerRun.requestsPerSecond / sessionRun.requestsPerSecond,
      target: CREDENTIAL_TO_SESSION_TARGET,
    },
  ].map((verdict) => ({ ...verdict, met: verdict.ratio >= verdict.target }));
  const width =
    Math.max(...verdicts.map((verdict) => verdict.label.length), "Basic auth (no cache) / session".length) + 1;
  for (const verdict of verdicts) {
    log(
      `${`${verdict.label}:`.padEnd(width)} ${formatRatio(verdict.ratio)}  (target >= ${verdict.target}: ${verdict.met ? "meets target" : "BELOW TARGET"})`,
    );
  }
  log(
    `${"Basic auth (no cache) / session:".padEnd(width)} ${formatRatio(uncachedBasicRun.requestsPerSecond / sessionRun.requestsPerSecond)}  (every request verifies a bcrypt hash)`,
  );
  log(
    `${"anonymous 401 / bare:".padEnd(width)} ${formatRatio(anonymousRun.requestsPerSecond / bareRun.requestsPerSecond)}`,
  );
  if (sessionRun.cpuMicrosPerRequest !== null && bareRun.cpuMicrosPerRequest !== null) {
    // the same comparison without the load generator: what one request costs each server in CPU time
    log(
      `${"session GET / bare, by server CPU per request:".padEnd(width)} ${formatRatio(bareRun.cpuMicrosPerRequest / sessionRun.cpuMicrosPerRequest)}` +
        `  (${bareRun.cpuMicrosPerRequest.toFixed(1)} µs / ${sessionRun.cpuMicrosPerRequest.toFixed(1)} µs)`,
    );
  }
  return verdicts;
}

function printSessionsCheck(check, before, after) {
  const status = check.unchanged ? "OK" : "FAILED";
  log(
    `site/sessions during the anonymous run: ${status}, ${check.description} ` +
      `(${before.size} file(s) before, ${after.size} after; the files present come from the login)`,
  );
}
