/**
 * Math problems in English and Chinese with step-by-step solutions and answers correct by
 * construction, each one rechecked by an independent verifier.
 *
 * @packageDocumentation
 * @module @mathtune/synth
 */
export { generate, generateIter, SynthOptionsSchema, type SynthInput, type SynthOptions } from "./generate.js";
export { verify, type Check, type VerifyResult } from "./verify.js";
export { skeleton, type Lang } from "./text.js";
export { CATEGORIES, LEVELS, LANGS, type Category, type Level } from "./types.js";
