import { accessSync, constants } from "node:fs";
import { chromium, type Browser } from "playwright-core";

/** Debian's Chromium, used when it is installed (CI installs it). */
const SYSTEM_CHROMIUM = "/usr/bin/chromium";

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/**
 * The Chromium binary the browser tests drive: `CHROMIUM_PATH`, else a system Chromium, else the one the
 * `@sparticuz/chromium` dev dependency brings through npm (unpacked on first use into the temp folder), so a machine
 * with only Node and npm runs the browser tests too.
 */
export async function chromiumExecutable(): Promise<string> {
  const chosen = process.env["CHROMIUM_PATH"];
  if (chosen !== undefined && chosen !== "") {
    if (!isExecutable(chosen)) throw new Error(`CHROMIUM_PATH=${chosen} is not an executable file`);
    return chosen;
  }
  if (isExecutable(SYSTEM_CHROMIUM)) return SYSTEM_CHROMIUM;
  const bundled = await import("@sparticuz/chromium");
  return bundled.default.executablePath();
}

let chosenExecutable: Promise<string> | null = null;

/**
 * Why the browser tests cannot run here, or null when they can. Outside CI a Chromium that cannot be found or
 * unpacked skips them with a visible notice; in CI that is a failure.
 */
export async function browserTestsSkipReason(): Promise<string | null> {
  chosenExecutable ??= chromiumExecutable();
  try {
    await chosenExecutable;
    return null;
  } catch (error) {
    if (process.env["CI"]) return null;
    const why = error instanceof Error ? error.message : String(error);
    return `no Chromium to drive (${why}): the browser tests are skipped. Run npm ci (it brings @sparticuz/chromium), install Chromium, or set CHROMIUM_PATH.`;
  }
}

const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Starts headless Chromium. Playwright gives the browser a fresh temporary profile (`--user-data-dir`) of its own
 * and removes it on close; it refuses a `--user-data-dir` argument from us. Each test then opens its own context,
 * so cookies never leak from one test into another.
 */
export async function launchChromium(): Promise<Browser> {
  chosenExecutable ??= chromiumExecutable();
  return chromium.launch({ executablePath: await chosenExecutable, headless: true, args: CHROMIUM_ARGS });
}
