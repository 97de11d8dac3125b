export { generate, generateIter, GENERATORS, SynthOptionsSchema, type SynthInput, type SynthOptions } from "./generate.js";
export { verify, evaluate, texToAscii, mathSegments, checkChains, Frac, IMPLIED_CONSTANTS, type Check, type VerifyResult } from "./verify.js";
export { skeleton, NAMES_EN, NAMES_ZH, type Lang } from "./text.js";
export { CATEGORIES, LEVELS, LANGS, type Category, type Level, type Draft } from "./types.js";
export { Rng } from "./rng.js";
