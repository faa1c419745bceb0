export { AuditLog, type AuditEntry, type AuditEventName, type AuditRecord, type AuditLogOptions } from "./audit-log.js";
