import type { RouteDefinition } from "../route.js";
import { authRoutes } from "./auth.js";
import { contentRoutes } from "./content.js";
import { pageWriteRoutes } from "./pages-write.js";
import { systemRoutes } from "./system.js";
import { userRoutes } from "./users.js";
import { userWriteRoutes } from "./users-write.js";
import { securityRoutes } from "./security.js";
import { twoFactorRoutes } from "./two-factor.js";

/** Every API route, in Kirby's registration order (first match wins). */
export const apiRoutes: readonly RouteDefinition[] = [
  ...authRoutes,
  ...contentRoutes,
  ...pageWriteRoutes,
  ...userRoutes,
  ...userWriteRoutes,
  ...securityRoutes,
  ...twoFactorRoutes,
  ...systemRoutes,
];
