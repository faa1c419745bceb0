export { SessionManager, unixNow, type Clock, type SessionManagerOptions } from "./manager.js";
export { Session, type SessionTransport } from "./session.js";
export type { SessionStore } from "./store.js";
export { FileSessionStore } from "./file-store.js";
export { MemorySessionStore } from "./memory-store.js";
export { formatToken, parseToken, generateToken, storeKeyOf, type SessionToken } from "./token.js";
export { signCookieValue, verifyCookieValue, formatSetCookie, formatDeletionCookie, readCookie } from "./cookie.js";
export { sealRecord, openRecord, type ActiveSessionRecord } from "./record.js";
export { FileSessionRegistry, MemorySessionRegistry, type SessionRegistry, type SessionEntry } from "./registry.js";
