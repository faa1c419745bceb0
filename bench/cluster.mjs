// Throughput of the session read (P1: `GET /api/pages/blog` with a session cookie and CSRF token) when Sheaf
// shares state between processes, all side by side in one run:
//   - `sheaf serve --workers 2` against `--workers 1` (target ≥ 1.3x), and the server's CPU per request in both
//     (target: 2 workers within 10 % of one); the load generator (autocannon, in this process) shares the cores;
//   - one process with the Redis session store (option `redis`) against the same process with the file store
//     (target ≥ 0.7x). Skipped with a notice when `redis-server` is not installed.
//
// Usage: npm run bench (after bench/run.mjs), or node bench/cluster.mjs after npm run build.
// Environment: BENCH_SECONDS (default 8), BENCH_WARMUP_SECONDS (default 2), BENCH_CONNECTIONS (default 10),
//   BENCH_STRICT=1 (exit 1 when a target is missed).

import autocannon from "autocannon";
import { execFileSync, spawn } from "node:child_process";
import { cp, mkdtemp, open, readdir, readFile, rm, unlink, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HOST = "127.0.0.1";
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const STARTERKIT = path.join(REPO_ROOT, "examples", "starterkit");
const SHEAF_BIN = path.join(REPO_ROOT, "bin", "sheaf.js");
const TARGET_PATH = "/api/pages/blog";
const ADMIN = { email: "admin@example.com", password: "sheaf-admin-2026" };
const SECONDS = Number(process.env.BENCH_SECONDS ?? 8);
const WARMUP = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 10);
const TARGETS = { workers: 1.3, cpu: 1.1, redis: 0.7 };

const cleanups = [];
let ticksPerSecond;
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

try {
  await main();
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
}

async function main() {
  console.log(`\nShared-state benchmark: ${os.cpus().length} cores, shared by the servers and the load generator`);
  console.log(
    `(autocannon in this process, ${CONNECTIONS} connections, ${SECONDS} s per run after ${WARMUP} s warm-up)\n`,
  );
  const results = [];
  const one = await startServer("1 worker", { workers: 1 });
  const two = await startServer("2 workers", { workers: 2 });
  const redisPort = (await onPath("redis-server")) ? await startRedis() : null;
  const withRedis = redisPort
    ? await startServer("1 process, Redis sessions", { workers: 1, redis: `redis://${HOST}:${redisPort}` })
    : null;
  // the scenarios take turns, so a slow phase of the machine touches all alike
  for (let round = 0; round < 2; round++) {
    for (const server of [one, two, withRedis]) if (server) results.push(await measure(server));
  }
  const best = (name) => {
    const runs = results.filter((run) => run.name === name);
    return {
      name,
      rps: Math.max(...runs.map((run) => run.rps)),
      cpu: Math.min(...runs.map((run) => run.cpuMicrosPerRequest)),
    };
  };
  const rows = [one, two, withRedis].filter(Boolean).map((server) => best(server.name));
  console.log("\n| scenario | req/s | server CPU µs/req |\n|---|---:|---:|");
  for (const row of rows) console.log(`| ${row.name} | ${Math.round(row.rps)} | ${row.cpu.toFixed(1)} |`);
  const [single, double, redis] = rows;
  const misses = [];
  const ratio = (label, value, target, higherIsBetter = true) => {
    const ok = higherIsBetter ? value >= target : value <= target;
    if (!ok) misses.push(label);
    console.log(
      `${label}: ${value.toFixed(2)}x (target ${higherIsBetter ? "≥" : "≤"} ${target}x) ${ok ? "ok" : "MISSED"}`,
    );
  };
  console.log("");
  ratio("2 workers / 1 worker, throughput", double.rps / single.rps, TARGETS.workers);
  ratio("2 workers / 1 worker, server CPU per request", double.cpu / single.cpu, TARGETS.cpu, false);
  if (redis) ratio("Redis session store / file store, throughput", redis.rps / single.rps, TARGETS.redis);
  else console.log("⚠ Redis session store: SKIPPED (redis-server not installed: apt-get install -y redis-server)");
  if (redisPort) await compareLocks(redisPort);
  if (misses.length && process.env.BENCH_STRICT === "1") process.exitCode = 1;
}

/**
 * What taking and releasing a write lock costs, one holder after another: the Redis lock Sheaf uses (a script that
 * hands out a fencing token, and a release) against the simplest file lock on the site's disk (create with O_EXCL,
 * close, unlink), as a shared folder would need.
 */
async function compareLocks(redisPort) {
  const { RedisCoordination } = await import(path.join(REPO_ROOT, "dist", "coord", "redis-coordination.js"));
  const rounds = 2000;
  const redis = await RedisCoordination.connect({ url: `redis://${HOST}:${redisPort}`, prefix: "bench:" });
  let started = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) await redis.withLock("content", async () => undefined);
  const redisMicros = Number(process.hrtime.bigint() - started) / 1000 / rounds;
  await redis.close();
  const dir = await mkdtemp(path.join(os.tmpdir(), "sheaf-bench-lock-"));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  const lockFile = path.join(dir, ".content.lock");
  started = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) {
    const handle = await open(lockFile, "wx");
    await handle.close();
    await unlink(lockFile);
  }
  const fileMicros = Number(process.hrtime.bigint() - started) / 1000 / rounds;
  console.log(
    `\nWrite lock, take and release (${rounds} in a row): Redis ${redisMicros.toFixed(0)} µs, local file ${fileMicros.toFixed(0)} µs`,
  );
}

async function measure(server) {
  const common = {
    url: `${server.url}${TARGET_PATH}`,
    headers: server.headers,
    connections: CONNECTIONS,
    pipelining: 1,
    timeout: 10,
  };
  process.stdout.write(`  ${server.name}: warming up… `);
  await run({ ...common, duration: WARMUP });
  process.stdout.write("measuring… ");
  const before = await treeCpuMicros(server.pid);
  const result = await run({ ...common, duration: SECONDS });
  const after = await treeCpuMicros(server.pid);
  const ok = result["2xx"];
  if (ok === 0 || result.non2xx > 0 || result.errors > 0)
    throw new Error(`${server.name}: ${result.non2xx} non-2xx answers, ${result.errors} errors`);
  process.stdout.write(`done (${ok} responses)\n`);
  return { name: server.name, rps: result.requests.average, cpuMicrosPerRequest: (after - before) / ok };
}

function run(options) {
  return new Promise((resolve, reject) =>
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result))),
  );
}

/** CPU (user + system, µs) used so far by a process and its live children (the cluster's workers), from /proc. */
async function treeCpuMicros(pid) {
  const ticks = clockTicks();
  let total = 0;
  for (const name of await readdir("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = await readFile(`/proc/${name}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (Number(name) === pid || Number(fields[1]) === pid)
        total += ((Number(fields[11]) + Number(fields[12])) / ticks) * 1e6;
    } catch {
      // the process ended meanwhile
    }
  }
  return total;
}

function clockTicks() {
  ticksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  return ticksPerSecond;
}

async function onPath(program) {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    try {
      await readFile(path.join(dir, program)).then(() => undefined);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, HOST, () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function startProcess(command, args) {
  const child = spawn(command, args, { cwd: REPO_ROOT, stdio: ["ignore", "pipe", "pipe"] });
  const state = { child, output: "" };
  const keep = (chunk) => (state.output = (state.output + chunk.toString("utf8")).slice(-8000));
  child.stdout.on("data", keep);
  child.stderr.on("data", keep);
  const exited = new Promise((resolve) => child.once("exit", resolve));
  cleanups.push(async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    if (!(await Promise.race([exited.then(() => true), delay(5000).then(() => false)]))) child.kill("SIGKILL");
  });
  return state;
}

async function startRedis() {
  const port = await freePort();
  const state = startProcess("redis-server", [
    "--port",
    String(port),
    "--bind",
    HOST,
    "--save",
    "",
    "--appendonly",
    "no",
  ]);
  for (let i = 0; i < 100 && !/Ready to accept/.test(state.output); i++) await delay(50);
  return port;
}

async function startServer(name, { workers, redis }) {
  const root = await mkdtemp(path.join(os.tmpdir(), "sheaf-bench-cluster-"));
  cleanups.push(() => rm(root, { recursive: true, force: true }));
  await cp(STARTERKIT, root, {
    recursive: true,
    filter: (source) => !/site[\\/](sessions|accounts[\\/]\.logins)/.test(path.relative(STARTERKIT, source)),
  });
  const config = { api: { basicAuth: true, allowInsecure: true }, ...(redis ? { redis: { url: redis } } : {}) };
  await writeFile(path.join(root, "site", "config", "config.json"), JSON.stringify(config));
  const port = await freePort();
  const state = startProcess(process.execPath, [
    SHEAF_BIN,
    "serve",
    root,
    "--port",
    String(port),
    "--workers",
    String(workers),
  ]);
  for (let i = 0; i < 400 && !/ serving .* on http/.test(state.output); i++) {
    if (state.child.exitCode !== null) throw new Error(`${name} exited:\n${state.output}`);
    await delay(50);
  }
  const url = `http://${HOST}:${port}`;
  return { name, url, pid: state.child.pid, headers: await logIn(url) };
}

async function logIn(url) {
  const csrfAnswer = await fetch(`${url}/api/auth/csrf`);
  const { csrf } = await csrfAnswer.json();
  const first = cookieOf(csrfAnswer);
  const login = await fetch(`${url}/api/auth/login`, {
    method: "POST",
    headers: { "x-csrf": csrf, "content-type": "application/json", cookie: first },
    body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }),
  });
  if (login.status !== 200) throw new Error(`login answered ${login.status}: ${await login.text()}`);
  await login.arrayBuffer();
  return { cookie: cookieOf(login), "x-csrf": csrf };
}

function cookieOf(response) {
  let cookie = "";
  for (const header of response.headers.getSetCookie()) {
    const pair = header.split(";", 1)[0];
    if (pair.startsWith("kirby_session=")) cookie = pair;
  }
  return cookie;
}
