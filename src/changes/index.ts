export * from "./changes-file.js";
export * from "./changes-service.js";
export * from "./lock.js";
export * from "./versioned-model.js";
export * from "./lock-probe.js";
