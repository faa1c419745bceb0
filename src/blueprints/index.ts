export type { Blueprint, BlueprintField, BlueprintOptionValue, BlueprintRegistry } from "./types.js";
export {
  BLUEPRINT_OPTION_KEYS,
  createBlueprintRegistry,
  translatedText,
  type BlueprintModelKind,
  type SiteBlueprintRegistry,
} from "./registry.js";
export { parseYaml } from "./yaml.js";
