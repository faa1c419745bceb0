// Files benchmark (docs/files.md#performance), on loopback only, every ratio measured side by side in one run:
//   1. GET of a 100 KB image by its media URL vs a bare node:http server streaming the same file with
//      fs.createReadStream (target ≥ 0.8x);
//   2. uploading a 200 MB file: the server's RSS growth during the upload (target < 32 MB) and the upload rate vs
//      the bare server writing the same request stream to disk (target ≥ 0.5x);
//   3. GET pages/<id>/files?limit=50 of a page with 2,000 files vs of a page with 50 files (O(limit), target ≥ 0.8x).
//
// Usage: npm run build && node bench/files.mjs   (npm run bench runs it after bench/run.mjs)
// Environment: BENCH_SECONDS (per scenario, default 6), BENCH_WARMUP_SECONDS (2), BENCH_CONNECTIONS (10),
//   BENCH_ROUNDS (3), BENCH_UPLOAD_MB (200), BENCH_STRICT=1 (a missed target fails the run), BENCH_KEEP=1.

import autocannon from "autocannon";
import { spawn } from "node:child_process";
import { createReadStream, createWriteStream } from "node:fs";
import { cp, mkdir, mkdtemp, open, readFile, rm, stat, writeFile } from "node:fs/promises";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import sharp from "sharp";

const HOST = "127.0.0.1";
const THIS_FILE = fileURLToPath(import.meta.url);
const REPO_ROOT = path.resolve(path.dirname(THIS_FILE), "..");
const STARTERKIT = path.join(REPO_ROOT, "examples", "starterkit");
const SHEAF_BIN = path.join(REPO_ROOT, "bin", "sheaf.js");
const ADMIN = { email: "admin@example.com", password: "sheaf-admin-2026" };
const MANY_FILES = 2000;
const FEW_FILES = 50;
const TARGETS = { media: 0.8, uploadRss: 32, uploadRate: 0.5, listing: 0.8 };
const settings = {
  seconds: Number(process.env.BENCH_SECONDS ?? 6),
  warmupSeconds: Number(process.env.BENCH_WARMUP_SECONDS ?? 2),
  connections: Number(process.env.BENCH_CONNECTIONS ?? 10),
  rounds: Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3)),
  uploadMb: Number(process.env.BENCH_UPLOAD_MB ?? 200),
};
const BOUNDARY = "----SheafBenchBoundary";
const MP4_HEADER = Buffer.from("000000206674797069736f6d0000020069736f6d69736f32617663316d703431", "hex");

if (process.argv[2] === "--bare-server") runBareServer();
else await main();

/** The baseline: streams one file for every GET, writes every POST body to disk. */
function runBareServer() {
  const file = process.env.BARE_FILE;
  const uploads = process.env.BARE_UPLOADS;
  let count = 0;
  const server = http.createServer((request, response) => {
    if (request.method === "POST") {
      const target = path.join(uploads, `upload-${count++}`);
      const out = createWriteStream(target);
      request.pipe(out);
      out.on("finish", async () => {
        // the same durability as Sheaf's upload: fsync before answering
        const handle = await open(target, "r");
        await handle.sync();
        await handle.close();
        await rm(target, { force: true });
        response.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
      });
      return;
    }
    stat(file).then((stats) => {
      response.writeHead(200, { "content-type": "image/png", "content-length": String(stats.size) });
      createReadStream(file).pipe(response);
    });
  });
  server.listen(Number(process.env.BARE_PORT), HOST, () => process.stdout.write("ready\n"));
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
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

async function waitFor(url, child) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${url}: the server exited with ${child.exitCode}`);
    try {
      await (await fetch(url)).arrayBuffer();
      return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  throw new Error(`${url} did not answer in time`);
}

async function generateSite() {
  const root = await mkdtemp(path.join(os.tmpdir(), "sheaf-files-bench-"));
  await cp(path.join(STARTERKIT, "site"), path.join(root, "site"), { recursive: true });
  await writeFile(
    path.join(root, "site", "config", "config.json"),
    JSON.stringify({ api: { maxUploadSize: (settings.uploadMb + 16) * 1024 * 1024 } }),
  );
  const content = path.join(root, "content");
  await mkdir(content);
  await writeFile(path.join(content, "site.txt"), "Title: Files bench\n");
  const tiny = await sharp({ create: { width: 8, height: 6, channels: 3, background: "#c33" } })
    .png()
    .toBuffer();
  for (const [folder, count] of [
    ["1_many", MANY_FILES],
    ["2_few", FEW_FILES],
  ]) {
    const dir = path.join(content, folder);
    await mkdir(dir);
    await writeFile(path.join(dir, "default.txt"), `Title: ${folder}\n`);
    const writes = [];
    for (let n = 0; n < count; n++) {
      const name = `image-${String(n).padStart(4, "0")}.png`;
      writes.push(writeFile(path.join(dir, name), tiny));
      writes.push(
        writeFile(
          path.join(dir, `${name}.txt`),
          `Alt: Image ${n}\n\n----\n\nSort: ${n + 1}\n\n----\n\nUuid: img${folder}${n}\n`,
        ),
      );
    }
    await Promise.all(writes);
  }
  const mediaDir = path.join(content, "3_media");
  await mkdir(mediaDir);
  await writeFile(path.join(mediaDir, "default.txt"), "Title: Media\n");
  // noise does not compress: about 100 KB of PNG
  const photo = await sharp({
    create: { width: 184, height: 180, channels: 3, noise: { type: "gaussian", mean: 128, sigma: 60 } },
  })
    .png()
    .toBuffer();
  await writeFile(path.join(mediaDir, "photo.png"), photo);
  return root;
}

function startChild(args, env = {}) {
  return spawn(process.execPath, args, {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "inherit"],
  });
}

async function logIn(baseUrl) {
  const csrfResponse = await fetch(`${baseUrl}/api/auth/csrf`);
  const { csrf } = await csrfResponse.json();
  const cookieOf = (response) =>
    response.headers
      .getSetCookie()
      .findLast((header) => header.startsWith("kirby_session="))
      .split(";", 1)[0];
  const login = await fetch(`${baseUrl}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-csrf": csrf, cookie: cookieOf(csrfResponse) },
    body: JSON.stringify({ ...ADMIN, long: false }),
  });
  if (login.status !== 200) throw new Error(`login answered ${login.status}: ${await login.text()}`);
  return { cookie: cookieOf(login), "x-csrf": csrf };
}

function runAutocannon(options) {
  return new Promise((resolve, reject) =>
    autocannon(options, (error, result) => (error ? reject(error) : resolve(result))),
  );
}

async function measure(name, url, headers = {}) {
  const common = { url, headers, connections: settings.connections, pipelining: 1, timeout: 10 };
  await runAutocannon({ ...common, duration: settings.warmupSeconds });
  const result = await runAutocannon({ ...common, duration: settings.seconds / settings.rounds });
  if (result.errors || result.timeouts || result.non2xx) {
    throw new Error(`${name}: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx`);
  }
  return { rps: result.requests.average, p99: result.latency.p99, mbps: result.throughput.average / 1e6 };
}

async function rssKb(pid) {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
}

/** POSTs `file` as one multipart part, streamed; resolves with seconds taken and the server's peak RSS growth. */
async function upload(url, headers, file, size, pid) {
  const head = Buffer.from(
    `--${BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.mp4"\r\nContent-Type: application/octet-stream\r\n\r\n`,
  );
  const tail = Buffer.from(`\r\n--${BOUNDARY}--\r\n`);
  const before = pid === null ? 0 : await rssKb(pid);
  let peak = before;
  const poll =
    pid === null
      ? null
      : setInterval(() => {
          rssKb(pid).then(
            (kb) => {
              peak = Math.max(peak, kb);
            },
            () => undefined,
          );
        }, 10);
  const started = process.hrtime.bigint();
  const answer = await new Promise((resolve, reject) => {
    const request = http.request(url, {
      method: "POST",
      headers: {
        ...headers,
        "content-type": `multipart/form-data; boundary=${BOUNDARY}`,
        "content-length": String(head.length + size + tail.length),
      },
    });
    request.on("response", (response) => {
      const chunks = [];
      response.on("data", (chunk) => chunks.push(chunk));
      response.on("end", () => resolve({ status: response.statusCode, body: Buffer.concat(chunks).toString("utf8") }));
    });
    request.on("error", reject);
    request.write(head);
    const stream = createReadStream(file);
    stream.on("end", () => request.end(tail));
    stream.pipe(request, { end: false });
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (poll !== null) clearInterval(poll);
  if (answer.status !== 200) throw new Error(`upload answered ${answer.status}: ${answer.body.slice(0, 300)}`);
  return { seconds, rssGrowthMb: (peak - before) / 1024 };
}

async function main() {
  const cleanup = [];
  let failed = false;
  try {
    process.stdout.write("Generating the site… ");
    const root = await generateSite();
    cleanup.push(() =>
      process.env.BENCH_KEEP === "1" ? console.log(`kept ${root}`) : rm(root, { recursive: true, force: true }),
    );
    console.log("done");
    const sheafPort = await freePort();
    const sheaf = startChild([SHEAF_BIN, "serve", root, "--port", String(sheafPort), "--host", HOST]);
    cleanup.push(() => sheaf.kill("SIGTERM"));
    const baseUrl = `http://${HOST}:${sheafPort}`;
    await waitFor(`${baseUrl}/`, sheaf);
    const session = await logIn(baseUrl);

    const photoPath = path.join(root, "content", "3_media", "photo.png");
    const photoSize = (await stat(photoPath)).size;
    const model = await (
      await fetch(`${baseUrl}/api/pages/media/files/photo.png?select=url`, { headers: session })
    ).json();
    const mediaUrl = `${baseUrl}${new URL(model.data.url).pathname}`;
    const uploads = await mkdtemp(path.join(os.tmpdir(), "sheaf-files-bench-bare-"));
    cleanup.push(() => rm(uploads, { recursive: true, force: true }));
    const barePort = await freePort();
    const bare = startChild([THIS_FILE, "--bare-server"], {
      BARE_FILE: photoPath,
      BARE_UPLOADS: uploads,
      BARE_PORT: String(barePort),
    });
    cleanup.push(() => bare.kill("SIGTERM"));
    const bareUrl = `http://${HOST}:${barePort}`;
    await waitFor(`${bareUrl}/`, bare);

    console.log(
      `\n${settings.rounds} rounds of ${(settings.seconds / settings.rounds).toFixed(1)} s per scenario, ${settings.connections} connections`,
    );
    const runs = { media: [], bare: [], many: [], few: [] };
    for (let round = 0; round < settings.rounds; round++) {
      // alternate the order so that neither side always runs first
      const order = round % 2 === 0 ? ["media", "bare", "many", "few"] : ["bare", "media", "few", "many"];
      for (const key of order) {
        const url = {
          media: mediaUrl,
          bare: `${bareUrl}/photo.png`,
          many: `${baseUrl}/api/pages/many/files?limit=50`,
          few: `${baseUrl}/api/pages/few/files?limit=50`,
        }[key];
        runs[key].push(await measure(key, url, key === "many" || key === "few" ? session : {}));
      }
    }
    const rps = (key) => median(runs[key].map((run) => run.rps));
    const p99 = (key) => median(runs[key].map((run) => run.p99));
    const mediaRatio = rps("media") / rps("bare");
    const listingRatio = rps("many") / rps("few");

    const bigFile = path.join(uploads, "source.mp4");
    const size = settings.uploadMb * 1024 * 1024;
    const handle = await open(bigFile, "w");
    const chunk = Buffer.alloc(4 * 1024 * 1024);
    for (let written = 0; written < size; written += chunk.length) {
      for (let i = 0; i < chunk.length; i += 4096) chunk.writeUInt32LE((written + i) >>> 0, i);
      // an MP4 file type box first, so the upload is a video by its bytes (what Sheaf accepts without a blueprint)
      if (written === 0) MP4_HEADER.copy(chunk, 0);
      await handle.write(chunk, 0, Math.min(chunk.length, size - written));
    }
    await handle.close();
    const sheafUploads = [];
    const bareUploads = [];
    for (let round = 0; round < settings.rounds; round++) {
      const target = `${baseUrl}/api/pages/media/files`;
      sheafUploads.push(await upload(target, session, bigFile, size, sheaf.pid));
      // remove it again so that the next round uploads a new file (not the same name twice)
      await fetch(`${target}/big.mp4`, { method: "DELETE", headers: session }).then((r) => r.arrayBuffer());
      bareUploads.push(await upload(`${bareUrl}/upload`, {}, bigFile, size, null));
    }
    await rm(bigFile, { force: true });
    const sheafRate = settings.uploadMb / median(sheafUploads.map((run) => run.seconds));
    const bareRate = settings.uploadMb / median(bareUploads.map((run) => run.seconds));
    const rssGrowth = Math.max(...sheafUploads.map((run) => run.rssGrowthMb));

    console.log("\nscenario | req/s (median) | p99 ms | ratio");
    console.log(
      `GET ${(photoSize / 1024).toFixed(0)} KB image by media URL | ${rps("media").toFixed(0)} | ${p99("media")} | ${mediaRatio.toFixed(2)} of bare`,
    );
    console.log(`bare node:http + fs.createReadStream | ${rps("bare").toFixed(0)} | ${p99("bare")} | 1.00`);
    console.log(
      `GET files?limit=50 of ${MANY_FILES} files | ${rps("many").toFixed(0)} | ${p99("many")} | ${listingRatio.toFixed(2)} of 50 of ${FEW_FILES}`,
    );
    console.log(`GET files?limit=50 of ${FEW_FILES} files | ${rps("few").toFixed(0)} | ${p99("few")} | 1.00`);
    console.log(
      `\nupload of ${settings.uploadMb} MB: Sheaf ${sheafRate.toFixed(0)} MB/s, bare ${bareRate.toFixed(0)} MB/s, ratio ${(sheafRate / bareRate).toFixed(2)}`,
    );
    console.log(`server RSS growth during the upload (largest of ${settings.rounds}): ${rssGrowth.toFixed(1)} MB`);

    const misses = [];
    if (mediaRatio < TARGETS.media) misses.push(`media GET / bare ${mediaRatio.toFixed(2)} < ${TARGETS.media}`);
    if (listingRatio < TARGETS.listing)
      misses.push(`listing 2000 / 50 ${listingRatio.toFixed(2)} < ${TARGETS.listing}`);
    if (sheafRate / bareRate < TARGETS.uploadRate)
      misses.push(`upload rate ${(sheafRate / bareRate).toFixed(2)} < ${TARGETS.uploadRate}`);
    if (rssGrowth >= TARGETS.uploadRss)
      misses.push(`upload RSS growth ${rssGrowth.toFixed(1)} MB ≥ ${TARGETS.uploadRss} MB`);
    console.log(misses.length === 0 ? "\nall files targets met" : `\nmissed: ${misses.join("; ")}`);
    if (misses.length > 0 && process.env.BENCH_STRICT === "1") failed = true;
  } catch (error) {
    console.error(`\nfiles bench FAILED: ${error instanceof Error ? error.message : String(error)}`);
    failed = true;
  } finally {
    for (const step of cleanup.reverse()) await step();
  }
  process.exit(failed ? 1 : 0);
}
