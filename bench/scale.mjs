// Large-site benchmark: a generated site of 1,000 sections × 100 pages (~500 bytes of text each) plus one page
// with 20,000 children, on loopback only. Reports the cold start to the first API answer, the time until the
// whole content index is ready, the server's RSS, and `children?limit=50` on the 20,000-children page (page 1 and a
// late page) against a plain page read of the same site and session, measured side by side.
//
// Usage: npm run build && node bench/scale.mjs   (also run by `npm run bench`)
// Environment:
//   BENCH_SECTIONS        sections of 100 pages (default 1000)
//   BENCH_BIG_CHILDREN    children of the big page (default 20000)
//   BENCH_SECONDS         measured seconds per scenario (default 8)
//   BENCH_WARMUP_SECONDS  warm-up seconds before each measurement (default 2)
//   BENCH_CONNECTIONS     concurrent connections (default 10)
//   BENCH_STRICT=1        exit with code 1 when a target is missed
//   BENCH_KEEP=1          keep the generated site (and reuse it with BENCH_SITE=<path>)

import autocannon from "autocannon";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const HOST = "127.0.0.1";
const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const STARTERKIT = path.join(REPO_ROOT, "examples", "starterkit");
const SHEAF_BIN = path.join(REPO_ROOT, "bin", "sheaf.js");
const ADMIN = { email: "admin@example.com", password: "sheaf-admin-2026" };
const SECTIONS = Math.max(1, Number(process.env.BENCH_SECTIONS ?? 1000));
const PER_SECTION = 100;
const BIG_CHILDREN = Math.max(100, Number(process.env.BENCH_BIG_CHILDREN ?? 20_000));
const LIMIT = 50;
/** The plain page read: page 42 of section 7 (or of the last section of a smaller site). */
const READ_SECTION = Math.min(7, SECTIONS - 1);
const READ_ID = `section-${READ_SECTION}+page-${READ_SECTION * PER_SECTION + 42}`;
const TARGETS = { firstAnswerMs: 5_000, rssMb: 500, childrenRatio: 0.5 };
const settings = {
  seconds: Number(process.env.BENCH_SECONDS ?? 8),
  warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 2),
  connections: Number(process.env.BENCH_CONNECTIONS ?? 10),
};
const WORDS = ["river", "stone", "garden", "window", "lantern", "harbour", "meadow", "copper", "violet", "timber"];

/** About 500 bytes of text that differ from page to page. */
function pageText(n) {
  const words = [];
  for (let i = 0; words.join(" ").length < 480; i++) words.push(WORDS[(n * 7 + i * 3) % WORDS.length]);
  return `Page ${n}: ${words.join(" ")}.`;
}

function pageFile(n, title) {
  return `Title: ${title}\n\n----\n\nText: ${pageText(n)}\n\n----\n\nDate: 2024-01-${String((n % 28) + 1).padStart(2, "0")}\n\n----\n\nUuid: page${String(n).padStart(12, "0")}\n`;
}

async function writeFolders(entries) {
  // a bounded number of files in flight keeps the generator within the open-file limit
  for (let i = 0; i < entries.length; i += 256) {
    await Promise.all(
      entries.slice(i, i + 256).map(async ([dir, text]) => {
        await mkdir(dir);
        await writeFile(path.join(dir, "default.txt"), text);
      }),
    );
  }
}

async function generateSite() {
  const root = await mkdtemp(path.join(os.tmpdir(), "sheaf-scale-bench-"));
  await cp(path.join(STARTERKIT, "site"), path.join(root, "site"), { recursive: true });
  // one language: the generated content files are `default.txt`, without a language code
  await rm(path.join(root, "site", "languages"), { recursive: true, force: true });
  await writeFile(
    path.join(root, "site", "config", "config.json"),
    `${JSON.stringify({ debug: false, api: { basicAuth: true, allowInsecure: true } }, null, 2)}\n`,
  );
  const content = path.join(root, "content");
  await mkdir(content);
  await writeFile(path.join(content, "site.txt"), "Title: Scale bench\n");
  let n = 0;
  for (let s = 0; s < SECTIONS; s++) {
    const sectionDir = path.join(content, `${s + 1}_section-${s}`);
    await mkdir(sectionDir);
    await writeFile(path.join(sectionDir, "default.txt"), `Title: Section ${s}\n\n----\n\nUuid: section${s}\n`);
    const entries = [];
    for (let p = 0; p < PER_SECTION; p++, n++) {
      entries.push([path.join(sectionDir, `${p + 1}_page-${n}`), pageFile(n, `Page ${n}`)]);
    }
    await writeFolders(entries);
  }
  const bigDir = path.join(content, `${SECTIONS + 1}_big`);
  await mkdir(bigDir);
  await writeFile(path.join(bigDir, "default.txt"), "Title: Big\n\n----\n\nUuid: big\n");
  const entries = [];
  for (let c = 0; c < BIG_CHILDREN; c++, n++) {
    // listed, unlisted and drafts mixed, so that status filters have work to do
    const name = c % 10 === 9 ? `item-${c}` : `${c + 1}_item-${c}`;
    entries.push([path.join(bigDir, name), pageFile(n, `Item ${c}`)]);
  }
  await mkdir(path.join(bigDir, "_drafts"));
  for (let d = 0; d < 100; d++, n++)
    entries.push([path.join(bigDir, "_drafts", `draft-${d}`), pageFile(n, `Draft ${d}`)]);
  await writeFolders(entries);
  return { root, pages: n + SECTIONS + 1 };
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

/** Polls `url` until it answers 200; the time from `since` to that answer, in ms. */
async function waitFor(url, child, since, headers = {}) {
  const deadline = since + 600_000;
  while (performance.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sheaf exited with ${child.exitCode}`);
    try {
      const response = await fetch(url, { headers });
      await response.arrayBuffer();
      if (response.ok) return performance.now() - since;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`${url} did not answer in time`);
}

function sessionCookie(response) {
  const cookie = response.headers.getSetCookie().findLast((header) => header.startsWith("kirby_session="));
  if (!cookie) throw new Error("no kirby_session cookie");
  return cookie.split(";", 1)[0];
}

async function logIn(baseUrl) {
  const csrfResponse = await fetch(`${baseUrl}/api/auth/csrf`);
  const { csrf } = await csrfResponse.json();
  const login = await fetch(`${baseUrl}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-csrf": csrf, cookie: sessionCookie(csrfResponse) },
    body: JSON.stringify({ ...ADMIN, long: false }),
  });
  if (login.status !== 200) throw new Error(`login answered ${login.status}: ${await login.text()}`);
  return { cookie: sessionCookie(login), "x-csrf": csrf };
}

function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const match = /VmRSS:\s+(\d+) kB/.exec(status);
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** User + system CPU seconds of a process, from /proc (Linux). */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** Waits until the process uses less than a tenth of a core over a second; the time from `since`, in ms. */
async function settle(pid, since) {
  const deadline = performance.now() + 300_000;
  let before = cpuSeconds(pid);
  while (performance.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const now = cpuSeconds(pid);
    if (now - before < 0.1) break;
    before = now;
  }
  return performance.now() - since;
}

/** inotify watches the process holds (one `inotify wd:` line per watch in its fdinfo), Linux only. */
function inotifyWatches(pid) {
  let count = 0;
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    try {
      count += readFileSync(`/proc/${pid}/fdinfo/${fd}`, "utf8").split("\ninotify wd:").length - 1;
    } catch {
      // closed meanwhile
    }
  }
  return count;
}

function runAutocannon(options) {
  return new Promise((resolve, reject) =>
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result))),
  );
}

async function measure(name, url, headers, pid) {
  const common = { url, headers, connections: settings.connections, pipelining: 1, timeout: 10 };
  await runAutocannon({ ...common, duration: settings.warmupSeconds });
  const cpuBefore = cpuSeconds(pid);
  const result = await runAutocannon({ ...common, duration: settings.seconds });
  const cpu = cpuSeconds(pid) - cpuBefore;
  if (result.errors || result.timeouts || result.non2xx) {
    throw new Error(`${name}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`);
  }
  return {
    name,
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    cpuMsPerRequest: (cpu * 1000) / Math.max(1, result.requests.total),
  };
}

const generatedAt = Date.now();
let root = process.env.BENCH_SITE;
let pages = SECTIONS * (PER_SECTION + 1) + BIG_CHILDREN + 101;
if (root === undefined) {
  process.stdout.write(`Generating ${pages} pages… `);
  ({ root, pages } = await generateSite());
  process.stdout.write(`done in ${((Date.now() - generatedAt) / 1000).toFixed(1)} s\n`);
}
// the files are in the page cache (just written or read): the start below is a warm-disk start
const port = await freePort();
const baseUrl = `http://${HOST}:${port}`;
const startLoad = os.loadavg()[0].toFixed(1);
const startedAt = performance.now();
const child = spawn(process.execPath, [SHEAF_BIN, "serve", root, "--port", String(port)], {
  stdio: ["ignore", "ignore", "inherit"],
});
let exitCode = 0;
try {
  const firstAnswerMs = await waitFor(`${baseUrl}/api/auth/csrf`, child, startedAt);
  const firstAnswerCpu = cpuSeconds(child.pid);
  const headers = await logIn(baseUrl);
  // the last page of the big page's children is there once the whole index is
  const lastChild = `${baseUrl}/api/pages/big+item-${BIG_CHILDREN - 1}`;
  const readyMs = await waitFor(lastChild, child, startedAt, headers);
  const readyCpu = cpuSeconds(child.pid);
  // the watcher's first picture of the tree is taken in the background after the start: measure once it is done
  const settledMs = await settle(child.pid, startedAt);
  const rssReady = rssMb(child.pid);
  const watches = inotifyWatches(child.pid);
  const probe = await (await fetch(`${baseUrl}/api/pages/big/children?limit=${LIMIT}`, { headers })).json();
  const lastPage = Math.ceil(probe.pagination.total / LIMIT);
  // every tenth child is unlisted: page 20 of them on the full site
  const unlistedPage = Math.max(1, Math.min(20, Math.floor(probe.pagination.total / 10 / LIMIT)));
  console.log(`site of ${pages} pages; big page: ${probe.pagination.total} children (${lastPage} pages of ${LIMIT})`);
  const results = [
    await measure(`page read GET pages/${READ_ID}`, `${baseUrl}/api/pages/${READ_ID}`, headers, child.pid),
    await measure(
      `children?limit=${LIMIT} (page 1)`,
      `${baseUrl}/api/pages/big/children?limit=${LIMIT}`,
      headers,
      child.pid,
    ),
    await measure(
      `children?limit=${LIMIT}&page=${lastPage - 1}`,
      `${baseUrl}/api/pages/big/children?limit=${LIMIT}&page=${lastPage - 1}`,
      headers,
      child.pid,
    ),
    await measure(
      `children?status=unlisted&limit=${LIMIT}&page=${unlistedPage}`,
      `${baseUrl}/api/pages/big/children?status=unlisted&limit=${LIMIT}&page=${unlistedPage}`,
      headers,
      child.pid,
    ),
  ];
  const rssAfter = rssMb(child.pid);
  // a write re-reads the page's folder and builds the next snapshot of the whole site
  const writeMs = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    const response = await fetch(`${baseUrl}/api/pages/${READ_ID}`, {
      method: "PATCH",
      headers: { ...headers, "content-type": "application/json" },
      body: JSON.stringify({ title: `Edit ${i}` }),
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`PATCH answered ${response.status}`);
    writeMs.push(performance.now() - started);
  }
  writeMs.sort((a, b) => a - b);
  const base = results[0].requestsPerSecond;
  console.log(`\nload average while starting: ${startLoad}; ${os.cpus().length} cores`);
  console.log(
    `cold start to first API answer: ${(firstAnswerMs / 1000).toFixed(2)} s, ${firstAnswerCpu.toFixed(2)} s of server CPU (target < ${TARGETS.firstAnswerMs / 1000} s)`,
  );
  console.log(
    `cold start to full index ready: ${(readyMs / 1000).toFixed(2)} s, ${readyCpu.toFixed(2)} s of server CPU`,
  );
  console.log(
    `server idle (the watcher's first picture taken) after ${(settledMs / 1000).toFixed(2)} s, ${cpuSeconds(child.pid).toFixed(2)} s of server CPU`,
  );
  console.log(`inotify watches held by the server: ${watches}`);
  console.log(`PATCH of one page's title, until the index shows it: median ${writeMs[2].toFixed(0)} ms of 5`);
  console.log(
    `RSS when ready: ${rssReady.toFixed(0)} MB, after the reads: ${rssAfter.toFixed(0)} MB (target < ${TARGETS.rssMb} MB)`,
  );
  console.log("\nscenario | req/s | p99 ms | server CPU ms/req | ratio to page read (req/s) | ratio (CPU/req)");
  for (const result of results) {
    console.log(
      `${result.name} | ${result.requestsPerSecond.toFixed(0)} | ${result.p99Ms} | ${result.cpuMsPerRequest.toFixed(3)} | ${(result.requestsPerSecond / base).toFixed(2)} | ${(results[0].cpuMsPerRequest / result.cpuMsPerRequest).toFixed(2)}`,
    );
  }
  const missed = [];
  if (firstAnswerMs > TARGETS.firstAnswerMs) missed.push("first answer");
  if (Math.max(rssReady, rssAfter) > TARGETS.rssMb) missed.push("RSS");
  for (const result of results.slice(1)) {
    if (result.requestsPerSecond / base < TARGETS.childrenRatio) missed.push(result.name);
  }
  console.log(missed.length === 0 ? "all large-site targets met" : `BELOW TARGET: ${missed.join(", ")}`);
  if (process.env.BENCH_STRICT === "1" && missed.length > 0) exitCode = 1;
} catch (error) {
  console.error(`scale bench FAILED: ${error instanceof Error ? error.message : String(error)}`);
  exitCode = 1;
} finally {
  child.kill("SIGTERM");
  if (process.env.BENCH_KEEP !== "1" && process.env.BENCH_SITE === undefined)
    await rm(root, { recursive: true, force: true });
  else console.log(`\nkept ${root}`);
}
process.exit(exitCode);
