export * from "./template.js";
export * from "./prompts.js";
export * from "./format.js";
