export { loadConfig, type LoadedConfig } from "./load.js";
export { resolveOptions, expandDottedKeys, DEFAULT_CONTENT_IGNORE, type SheafOptions, type CorsOptions, type AuthDebug } from "./options.js";
