/**
 * The shared ground of mathtune: the `MathRecord` and its JSON Schema, `MathtuneError` with its
 * `E_*` codes, `defineAdapter`, streaming JSON lines, atomic output and hashing, for Node.
 * `@mathtune/core/neutral` is the part that runs anywhere; `@mathtune/core/testing` the adapter
 * conformance suite.
 *
 * @packageDocumentation
 * @module @mathtune/core
 */
export * from "./errors.js";
export * from "./record.js";
export * from "./options.js";
export * from "./adapter.js";
export * from "./lines.js";
export * from "./hash.js";
export * from "./output.js";
export * from "./stage.js";
export * from "./worker.js";
export {
  OUTPUT_MARKER,
  type OutputKind,
  type PrepareOutputOptions,
  type PreparedOutput,
  cleanupOutputsSync,
  fsError,
  outputMarker,
  prepareOutputDir,
} from "./outdir.js";
export { JSON_MAX_DEPTH, parseJsonChecked, rawTopLevelValue } from "./json.js";
export * from "./unicode.js";
export * from "./calculator.js";
