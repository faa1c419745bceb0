export { RequestAuth, type Identity, type AuthServices, type AuthOutcome } from "./request-auth.js";
export { resolveEnvironment, isOnValue, sanitizeHost, parseForwarded, type Environment } from "./environment.js";
export { unwrapMappedIPv4, type RequestInfo } from "./request-info.js";
export { LoginThrottle, FileThrottleStore, MemoryThrottleStore, hashIp, parseLoginsLog, serializeLoginsLog, type ThrottleStore, type LoginsLog } from "./throttle.js";
export { validatePassword, verifyCurrentPassword, checkUserPassword, decodeIdnEmail, passwordLength, type PasswordCheckOptions, type UserLookup, type PasswordVerifier } from "./passwords.js";
export { parseAuthorizationHeader, decodeBasicCredentials } from "./authorization-header.js";
export { generateCsrfToken } from "./csrf.js";
export { randomDelay } from "./delay.js";
