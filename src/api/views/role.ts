import type { Role } from "../../accounts/types.js";
import type { ViewContext } from "../context.js";
import type { ModelSchema } from "./engine.js";

export const roleSchema: ModelSchema<Role, ViewContext> = {
  name: "role",
  fields: {
    description: (role) => role.description,
    name: (role) => role.name,
    permissions: (role) => role.permissions,
    title: (role) => role.title,
  },
  views: {
    compact: ["description", "name", "title"],
  },
  defaultView: null,
  collectionView: "compact",
};
