/**
 * Turn MathRecords into instruction formats: alpaca, sharegpt, chat messages, chat-template text.
 *
 * @packageDocumentation
 * @module @mathtune/format
 */
export * from "./template.js";
export * from "./prompts.js";
export * from "./format.js";
export { FORMAT_ERROR_CODES } from "./errors.js";
