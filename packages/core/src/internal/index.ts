/**
 * `@mathtune/core/internal`: helpers the other mathtune packages share and nobody else should
 * use. Not part of the API: no semver promise, not in the API docs. Platform-neutral.
 */
export { ajv, getAjv } from "./ajv.js";
export { RepeatFilter, fmix32, mix32, mulberry32 } from "./idset.js";
