import { configDefaults, defineConfig } from "vitest/config";

/**
 * Tests that start the built server (dist/) as a process or a browser, or watch a generated 20k-page site: minutes,
 * not seconds.
 */
const SLOW = [
  "test/unit/watched-folder.test.ts",
  "test/e2e/**/*.test.ts",
  "test/conformance/replay.test.ts",
  "test/integration/crash-safety.test.ts",
  "test/integration/changes-crash.test.ts",
  "test/integration/cli.test.ts",
  "test/client/live-server.test.ts",
  "test/integration/multi-node.test.ts",
  "test/client/files-live.test.ts",
];

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // `npm run test:unit` / `test:fast` / `test:slow` pick projects; `vitest run` runs all three. (A project's
    // `include` would be appended to one given here, so each project names its own.)
    projects: [
      {
        extends: true,
        test: { name: "unit", include: ["test/unit/**/*.test.ts"], exclude: [...configDefaults.exclude, ...SLOW] },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          exclude: [...configDefaults.exclude, "test/unit/**", ...SLOW],
        },
      },
      { extends: true, test: { name: "slow", include: SLOW } },
    ],
  },
});
