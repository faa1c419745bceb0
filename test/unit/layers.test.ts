import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { cruise, type ICruiseOptions, type IForbiddenRuleType } from "dependency-cruiser";
import { afterEach, describe, expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const config = createRequire(import.meta.url)(path.join(ROOT, ".dependency-cruiser.cjs")) as {
  forbidden: IForbiddenRuleType[];
  options: ICruiseOptions;
};

const temporaryRoots: string[] = [];

afterEach(async () => {
  await Promise.all(temporaryRoots.splice(0).map((root) => rm(root, { recursive: true, force: true })));
});

/** The rules of .dependency-cruiser.cjs applied to `src` under `baseDir`; the names of the rules broken. */
async function brokenRules(baseDir: string): Promise<string[]> {
  const { tsConfig: _readByTheCliOnly, ...options } = config.options;
  const result = await cruise(["src"], {
    ...options,
    baseDir,
    validate: true,
    ruleSet: { forbidden: config.forbidden },
  });
  if (typeof result.output === "string") throw new Error("expected a structured result");
  return result.output.summary.violations.map(
    (violation) => `${violation.rule.name}: ${violation.from} → ${violation.to}`,
  );
}

/** A source tree of the given files (path → text) in a fresh folder. */
async function sourceTree(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(tmpdir(), "sheaf-layers-"));
  temporaryRoots.push(root);
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), text);
  }
  return root;
}

describe("layer rules", () => {
  it("find no back-arrow and no cycle in the source", { timeout: 60_000 }, async () => {
    expect(await brokenRules(ROOT)).toEqual([]);
  });

  it("refuse the old back-arrow of accounts/ into permissions/ and auth/", async () => {
    const root = await sourceTree({
      "src/permissions/can.ts":
        'import type { User } from "../accounts/types.js";\nexport const can = (user: User) => !!user;\n',
      "src/auth/passwords.ts": "export const passwordLength = (password: string) => password.length;\n",
      "src/accounts/types.ts": "export interface User { id: string }\n",
      "src/accounts/user-rules.ts":
        'import { can } from "../permissions/can.js";\nimport { passwordLength } from "../auth/passwords.js";\n' +
        "export const rules = [can, passwordLength];\n",
    });
    const broken = await brokenRules(root);
    expect(broken).toContain(
      "layer-content-accounts-blueprints-session-mail-files: src/accounts/user-rules.ts → src/permissions/can.ts",
    );
    expect(broken).toContain(
      "layer-content-accounts-blueprints-session-mail-files: src/accounts/user-rules.ts → src/auth/passwords.ts",
    );
  });

  it("refuse a cycle, even inside one layer", async () => {
    const root = await sourceTree({
      "src/fs/first.ts": 'import { second } from "./second.js";\nexport const first = () => second;\n',
      "src/fs/second.ts": 'import { first } from "./first.js";\nexport const second = () => first;\n',
    });
    expect(await brokenRules(root)).toEqual([
      expect.stringMatching(/^no-circular: src\/fs\/(first|second)\.ts → src\/fs\/(first|second)\.ts$/),
    ]);
  });

  it("keep errors.ts and client/ free of imports, and site/ for the HTTP server", async () => {
    const root = await sourceTree({
      "src/errors.ts": 'import { FIELD } from "./fs/field.js";\nexport const NAME = FIELD;\n',
      "src/fs/field.ts": "export const FIELD = 1;\n",
      "src/client/paths.ts": 'import { FIELD } from "../fs/field.js";\nexport const PATH = FIELD;\n',
      "src/site/render.ts": "export const render = () => '';\n",
      "src/api/page.ts": 'import { render } from "../site/render.js";\nexport const page = render;\n',
      "src/http/server.ts": 'import { render } from "../site/render.js";\nexport const serve = render;\n',
    });
    expect(await brokenRules(root)).toEqual([
      "client-stays-inside: src/client/paths.ts → src/fs/field.ts",
      "errors-imports-nothing: src/errors.ts → src/fs/field.ts",
      "site-only-for-http: src/api/page.ts → src/site/render.ts",
    ]);
  });
});
