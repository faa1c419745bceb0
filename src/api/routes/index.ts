import type { RouteDefinition } from "../route.js";
import { authRoutes } from "./auth.js";
import { changesRoutes } from "./changes.js";
import { contentRoutes } from "./content.js";
import { fileReadRoutes } from "./files.js";
import { fileWriteRoutes } from "./files-write.js";
import { fileUploadRoutes } from "./files-upload.js";
import { avatarRoutes } from "./files-avatar.js";
import { fileSearchRoutes } from "./files-search.js";
import { userFileRoutes } from "./files-user.js";
import { pageWriteRoutes } from "./pages-write.js";
import { systemRoutes } from "./system.js";
import { userRoutes } from "./users.js";
import { userWriteRoutes } from "./users-write.js";
import { securityRoutes } from "./security.js";
import { twoFactorRoutes } from "./two-factor.js";
import { languageRoutes } from "./languages.js";
import type { SheafOptions } from "../../config/index.js";
import { searchRoutes } from "./search.js";
import { blueprintRoutes } from "./blueprints.js";
import { siteFindRoutes } from "./site-find.js";
import { openApiRoute } from "./openapi.js";

/** Every API route, in Kirby's registration order (first match wins). */
export const apiRoutes: readonly RouteDefinition[] = [
  ...authRoutes,
  ...searchRoutes,
  ...contentRoutes,
  ...fileSearchRoutes,
  ...fileReadRoutes,
  ...fileWriteRoutes,
  ...fileUploadRoutes,
  ...avatarRoutes,
  ...userFileRoutes,
  ...blueprintRoutes,
  ...siteFindRoutes,
  ...pageWriteRoutes,
  ...userRoutes,
  ...userWriteRoutes,
  ...changesRoutes,
  ...securityRoutes,
  ...twoFactorRoutes,
  ...languageRoutes,
  ...systemRoutes,
  // last: Sheaf's own, it must not shadow a route of Kirby's
  openApiRoute((options) => routesFor(options)),
];

/** The routes of a site: the language routes exist only with the `languages` option. */
export function routesFor(options: SheafOptions): readonly RouteDefinition[] {
  return options.languages ? apiRoutes : apiRoutes.filter((definition) => !languageRoutes.includes(definition));
}
