// npm's `prepare`: an install from git (npm install github:…) gets the built server. Skipped where there is nothing
// to build (an install from the registry, or a Docker layer that has only package.json yet) and where dist/ is
// already there (npm test and npm start build again anyway).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const hasSource = existsSync(path.join(root, "src", "app.ts")) && existsSync(path.join(root, "tsconfig.build.json"));
const built = existsSync(path.join(root, "dist", "cli", "main.js"));
if (hasSource && !built) {
  const result = spawnSync("npx", ["tsc", "-p", "tsconfig.build.json"], { cwd: root, stdio: "inherit" });
  process.exit(result.status ?? 1);
}
