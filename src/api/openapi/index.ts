export {
  buildOpenApiDocument,
  openApiPath,
  placeholdersOf,
  type DocumentOptions,
  type JsonObject,
} from "./document.js";
export { routeSpecs } from "./declarations/index.js";
export { checkBody } from "./validate.js";
export { specKey, type RouteSpec, type SpecTable } from "./spec.js";
