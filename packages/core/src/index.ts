export * from "./errors.js";
export * from "./record.js";
export * from "./adapter.js";
export * from "./lines.js";
export * from "./hash.js";
export * from "./output.js";
export * from "./stage.js";
export * from "./idset.js";
