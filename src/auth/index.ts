export { RequestAuth } from "./request-auth.js";
export type { AuthServices } from "./services.js";
export type { Identity } from "./identity.js";
export type { AuthOutcome } from "./session-cookie-emitter.js";
export type { RouteAuth, IdentitySource, CallerFacts, SessionAccess, CsrfAccess, LoginActions } from "./route-auth.js";
export { resolveEnvironment, isOnValue, sanitizeHost, parseForwarded, type Environment } from "./environment.js";
export { unwrapMappedIPv4, type RequestInfo } from "./request-info.js";
export {
  LoginThrottle,
  FileThrottleStore,
  MemoryThrottleStore,
  hashIp,
  parseLoginsLog,
  serializeLoginsLog,
  type ThrottleStore,
  type LoginsLog,
} from "./throttle.js";
export {
  validatePassword,
  verifyCurrentPassword,
  checkUserPassword,
  decodeIdnEmail,
  passwordLength,
  type PasswordCheckOptions,
  type UserLookup,
  type PasswordVerifier,
} from "./passwords.js";
export { parseAuthorizationHeader, decodeBasicCredentials } from "./authorization-header.js";
export { generateCsrfToken } from "./csrf.js";
export { randomDelay } from "./delay.js";
