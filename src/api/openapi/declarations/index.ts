import type { SpecTable } from "../spec.js";
import { changesSpecs } from "./changes.js";
import { contentSpecs } from "./content.js";
import { fileSpecs } from "./files.js";
import { securitySpecs } from "./security.js";
import { systemSpecs } from "./system.js";
import { userSpecs } from "./users.js";

/** Every route's declaration, by `METHOD pattern`. */
export const routeSpecs: SpecTable = {
  ...contentSpecs,
  ...fileSpecs,
  ...userSpecs,
  ...changesSpecs,
  ...securitySpecs,
  ...systemSpecs,
};
