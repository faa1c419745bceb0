import path from "node:path";
import { fileURLToPath } from "node:url";

/** Vendored conformance material, so the project's tests never need anything outside the repository. */
const HERE = path.dirname(fileURLToPath(import.meta.url));

export const PROJECT_ROOT = path.resolve(HERE, "..");
export const FIXTURE_DIR = path.join(HERE, "conformance", "fixture");
export const GOLDEN_DIR = path.join(HERE, "conformance", "kirby-5.5.2");
export const DEVIATIONS_FILE = path.join(HERE, "conformance", "deviations.sheaf.json");
