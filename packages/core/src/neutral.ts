/**
 * The platform-neutral part of @mathtune/core: what runs in a browser as well as in Node (no
 * `fs`, `crypto`, `path` or threads). A bundler for the browser gets it for `@mathtune/core`
 * itself (the `browser` export condition); `@mathtune/core/neutral` names it anywhere. Files,
 * hashing, atomic output and workers stay in the full entry, for Node.
 *
 * @packageDocumentation
 * @module @mathtune/core/neutral
 */
export * from "./errors.js";
export * from "./record.js";
export * from "./options.js";
export * from "./adapter.js";
export * from "./stage.js";
export { stableStringify } from "./stable.js";
export { JSON_MAX_DEPTH, parseJsonChecked, rawTopLevelValue } from "./json.js";
export * from "./unicode.js";
export * from "./calculator.js";
