export { fmix32, hash32, hash64, MultiTable32, Table64 } from "./hash.js";
export { isAscii, mathSignature, mathTokenHashes, mathTokens, normalizeProblem, numbersOf, tokenHash, tokensOfNormalized, wordHashes, words } from "./text.js";
export { lshCandidateProbability, lshParams, MinHasher, minhash, shingleHashes, shinglesOfNormalized, type ShingleUnit } from "./minhash.js";
export * from "./dedup.js";
export * from "./decontaminate.js";
export * from "./split.js";
export { SPLIT_ERROR_CODES } from "./errors.js";
