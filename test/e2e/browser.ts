import { accessSync, constants } from "node:fs";
import { access } from "node:fs/promises";
import { chromium, type Browser } from "playwright-core";

/** The Chromium binary the browser tests drive: `CHROMIUM_PATH`, else Debian's package. */
export const CHROMIUM_PATH = process.env["CHROMIUM_PATH"] ?? "/usr/bin/chromium";

/**
 * Why the browser tests cannot run here, or null when they can. Outside CI a missing Chromium skips them with a
 * visible notice (a machine with only Node and npm runs everything else); in CI it is a failure, since CI installs it.
 */
export function browserTestsSkipReason(): string | null {
  if (process.env["CI"]) return null;
  try {
    accessSync(CHROMIUM_PATH, constants.X_OK);
    return null;
  } catch {
    return `${CHROMIUM_PATH} is missing: the browser tests are skipped. Install Chromium ("apt-get install -y chromium") or set CHROMIUM_PATH to run them.`;
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
  try {
    await access(CHROMIUM_PATH, constants.X_OK);
  } catch {
    throw new Error(
      `Chromium is needed for the browser tests but ${CHROMIUM_PATH} is missing or not executable. ` +
        `Install it with "apt-get install -y chromium" (Debian), or point CHROMIUM_PATH at a Chromium binary.`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
}
