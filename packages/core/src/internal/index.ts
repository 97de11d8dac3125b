/**
 * `@mathtune/core/internal`: helpers the other mathtune packages share and nobody else should
 * use. Not part of the API: no semver promise, not in the API docs. Platform-neutral.
 */
export { ajv, getAjv } from "./ajv.js";
export { RepeatFilter, fmix32, mix32 } from "./idset.js";
export { mulberry32 } from "./prng.js";
export { FNV_OFFSET_32, FNV_PRIME_32, fnv1a32 } from "./fnv.js";
export { gcd } from "./gcd.js";
