export type { Blueprint, BlueprintField, BlueprintOptionValue, BlueprintRegistry } from "./types.js";
export { BLUEPRINT_OPTION_KEYS, translatedText, type BlueprintModelKind } from "./builder.js";
export { createBlueprintRegistry, type SiteBlueprintRegistry } from "./registry.js";
export { parseYaml } from "./yaml.js";
export { layoutTabs, sectionsOf, type BlueprintColumn, type BlueprintTab } from "./layout.js";
