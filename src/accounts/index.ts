/** Accounts layer: account files, the live account index, roles, permissions and password hashing. */
export type * from "./types.js";
export {
  createAccountIndex,
  type AccountIndex,
  type AccountIndexOptions,
} from "./account-index.js";
export { parseHtpasswd, serializeHtpasswd, type PasswordFile } from "./htpasswd.js";
export { hashPassword, verifyPassword } from "./passwords.js";
export {
  allPermissions,
  InvalidPermissionError,
  normalisePermissions,
  PERMISSION_DEFAULTS,
} from "./permissions.js";
export { parsePhpArrayFile, serializePhpArrayFile, type PhpScalar, type PhpValue } from "./php-array.js";
export { buildRoles, NOBODY_ROLE } from "./roles.js";
export {
  generateUserId,
  writeNewAccount,
  writePasswordHash,
  RESERVED_USER_IDS,
  type NewAccount,
} from "./account-writer.js";
