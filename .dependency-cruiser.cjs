/**
 * The layers of docs/architecture.md as rules: a module may import its own layer and the layers below it, never one
 * above (a back-arrow). Layers from the bottom; folders on one line are peers (cycles among them are caught by
 * no-circular).
 */
const LAYERS = [
  ["fs", "cache", "crypto", "coord"],
  ["config"],
  ["log"],
  ["content", "accounts", "blueprints", "session", "mail", "files"],
  ["languages"],
  ["permissions", "tokens", "audit", "search", "changes"],
  ["site"],
  ["auth"],
  ["api"],
  ["http"],
  ["compose", "app.ts"],
  ["cli"],
];

/** `src/<folder>/…` for a folder, `src/app.ts` for the one root module. */
function pathOf(names) {
  const alternatives = names.map((name) => (name.endsWith(".ts") ? `${name.replace(".", "\\.")}$` : `${name}/`));
  return `^src/(${alternatives.join("|")})`;
}

const layerRules = LAYERS.slice(0, -1).map((layer, index) => ({
  name: `layer-${layer.join("-").replace(".ts", "")}`,
  comment: `${layer.join(", ")} must not import a layer above it (${LAYERS.slice(index + 1)
    .flat()
    .join(", ")})`,
  severity: "error",
  from: { path: pathOf(layer) },
  to: { path: pathOf(LAYERS.slice(index + 1).flat()) },
}));

/** @type {import("dependency-cruiser").IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: "site-only-for-http",
      comment: "site/ renders templates for the HTTP server; layers it sits beside (auth, api) do not use it",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/(site/|http/|app\\.ts$|cli/)" },
      to: { path: "^src/site/" },
    },
    {
      name: "errors-imports-nothing",
      comment: "errors.ts is imported by every layer, so it imports no module of its own",
      severity: "error",
      from: { path: "^src/errors\\.ts$" },
      to: { path: "^src/" },
    },
    {
      name: "client-stays-inside",
      comment: "client/ ships to browsers: nothing outside it and no Node built-in",
      severity: "error",
      from: { path: "^src/client/" },
      to: { pathNot: "^src/client/" },
    },
    {
      name: "nothing-imports-client",
      comment: "the server does not depend on the SDK it ships",
      severity: "error",
      from: { path: "^src/", pathNot: "^src/client/" },
      to: { path: "^src/client/" },
    },
    {
      name: "source-not-to-tests",
      comment: "shipped code never imports test, bench or fuzz code",
      severity: "error",
      from: { path: "^src/" },
      to: { path: "^(test|bench|fuzz)/" },
    },
    {
      name: "no-circular",
      comment: "a cycle makes load order matter and layers meaningless",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "^(node_modules|dist)/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
    parser: "swc",
  },
};
