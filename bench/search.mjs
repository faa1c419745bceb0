// Search benchmark: `GET /api/site/search?q=<word>` on a generated site of 20,000 pages, against a plain page read
// (`GET /api/pages/<id>`) of the same site and session, on loopback only.
//
// Usage: npm run build && node bench/search.mjs
// Environment:
//   BENCH_PAGES           pages to generate (default 20000)
//   BENCH_SECONDS         measured seconds per scenario (default 8)
//   BENCH_WARMUP_SECONDS  warm-up seconds before each measurement (default 2)
//   BENCH_CONNECTIONS     concurrent connections (default 10)
//   BENCH_STRICT=1        exit with code 1 when search / page read is below 0.2

import autocannon from "autocannon";
import { spawn } from "node:child_process";
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
const PAGES = Math.max(100, Number(process.env.BENCH_PAGES ?? 20_000));
const PER_SECTION = 100;
const TARGET_RATIO = 0.2;
const settings = {
  seconds: Number(process.env.BENCH_SECONDS ?? 8),
  warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 2),
  connections: Number(process.env.BENCH_CONNECTIONS ?? 10),
};
const WORDS = ["river", "stone", "garden", "window", "lantern", "harbour", "meadow", "copper", "violet", "timber"];

async function generateSite() {
  const root = await mkdtemp(path.join(os.tmpdir(), "sheaf-search-bench-"));
  await cp(path.join(STARTERKIT, "site"), path.join(root, "site"), { recursive: true });
  // a single-language site: the generated content files have no language code
  await rm(path.join(root, "site", "languages"), { recursive: true, force: true });
  await writeFile(
    path.join(root, "site", "config", "config.json"),
    '{"api": {"basicAuth": true, "allowInsecure": true}}\n',
  );
  const content = path.join(root, "content");
  await mkdir(content);
  await writeFile(path.join(content, "site.txt"), "Title: Search bench\n");
  const sections = Math.ceil(PAGES / PER_SECTION);
  for (let s = 0; s < sections; s++) {
    const sectionDir = path.join(content, `${s + 1}_section-${s}`);
    await mkdir(sectionDir);
    await writeFile(path.join(sectionDir, "default.txt"), `Title: Section ${s}\n\n----\n\nUuid: section${s}\n`);
    const writes = [];
    for (let p = 0; p < PER_SECTION && s * PER_SECTION + p < PAGES; p++) {
      const n = s * PER_SECTION + p;
      const dir = path.join(sectionDir, `${p + 1}_page-${n}`);
      const text = `Page ${n} tells of the ${WORDS[n % WORDS.length]} and the ${WORDS[(n * 7) % WORDS.length]}, written on day ${n % 365}.`;
      writes.push(
        mkdir(dir).then(() =>
          writeFile(
            path.join(dir, "default.txt"),
            `Title: Page ${n}\n\n----\n\nText: ${text}\n\n----\n\nDate: 2024-01-${String((n % 28) + 1).padStart(2, "0")}\n\n----\n\nUuid: page${String(n).padStart(12, "0")}\n`,
          ),
        ),
      );
    }
    await Promise.all(writes);
  }
  return root;
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

async function waitForServer(baseUrl, child) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`sheaf exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${baseUrl}/api/auth/csrf`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error("sheaf did not start in time");
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

function runAutocannon(options) {
  return new Promise((resolve, reject) =>
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result))),
  );
}

async function measure(name, url, headers) {
  const common = { url, headers, connections: settings.connections, pipelining: 1, timeout: 10 };
  await runAutocannon({ ...common, duration: settings.warmupSeconds });
  const result = await runAutocannon({ ...common, duration: settings.seconds });
  if (result.errors || result.timeouts || result.non2xx) {
    throw new Error(`${name}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`);
  }
  return { name, requestsPerSecond: result.requests.average, p99Ms: result.latency.p99 };
}

const started = Date.now();
process.stdout.write(`Generating ${PAGES} pages… `);
const root = await generateSite();
process.stdout.write(`done in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
const port = await freePort();
const baseUrl = `http://${HOST}:${port}`;
const child = spawn(process.execPath, [SHEAF_BIN, "serve", root, "--port", String(port)], {
  stdio: ["ignore", "ignore", "inherit"],
});
let exitCode = 0;
try {
  await waitForServer(baseUrl, child);
  const headers = await logIn(baseUrl);
  const check = await fetch(`${baseUrl}/api/site/search?q=lantern&limit=1`, { headers });
  const { pagination } = await check.json();
  console.log(`site/search?q=lantern finds ${pagination.total} of ${PAGES} pages`);
  const results = [
    await measure("page read GET pages/section-7+page-742", `${baseUrl}/api/pages/section-7+page-742`, headers),
    await measure("search GET site/search?q=lantern", `${baseUrl}/api/site/search?q=lantern`, headers),
    await measure(
      "search GET site/search?q=page%20742 (ranked)",
      `${baseUrl}/api/site/search?q=page%20742&limit=10`,
      headers,
    ),
    await measure("search GET site/search?q=nothingmatches", `${baseUrl}/api/site/search?q=nothingmatches`, headers),
  ];
  const base = results[0].requestsPerSecond;
  console.log("\nscenario | req/s | p99 ms | ratio to page read");
  for (const result of results) {
    console.log(
      `${result.name} | ${result.requestsPerSecond.toFixed(0)} | ${result.p99Ms} | ${(result.requestsPerSecond / base).toFixed(2)}`,
    );
  }
  const ratio = results[1].requestsPerSecond / base;
  if (process.env.BENCH_STRICT === "1" && ratio < TARGET_RATIO) {
    console.error(`search / page read = ${ratio.toFixed(2)}, below the target ${TARGET_RATIO}`);
    exitCode = 1;
  }
} finally {
  child.kill("SIGTERM");
  if (process.env.BENCH_KEEP !== "1") await rm(root, { recursive: true, force: true });
  else console.log(`kept ${root}`);
}
process.exit(exitCode);
