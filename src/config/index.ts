export { loadConfig, type LoadedConfig } from "./load.js";
export { expandDottedKeys } from "./reader.js";
export {
  checkOptions,
  resolveConfig,
  resolveOptions,
  DEFAULT_CONTENT_IGNORE,
  type SheafOptions,
  type CorsOptions,
  type AuthDebug,
} from "./options.js";
export { listenSettings } from "./environment.js";
