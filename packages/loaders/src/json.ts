/**
 * Generic JSON: a JSON array of row objects, or an object holding that array under a key
 * (`recordsField`, or by default `records` or `data`), mapped onto MathRecord by `fields`.
 * The text is read whole (use the jsonl adapter for inputs larger than memory), but each row is
 * cut out and parsed on its own, so every row knows its line: a malformed row, a row that is not
 * an object or one with a missing or mistyped field becomes a rejection naming
 * `file#row N:line` (N 0-based), and a file cut off inside a row gives E_INPUT_TRUNCATED there.
 *
 * @packageDocumentation
 * @module @mathtune/loaders/json
 */
import { defineAdapter, throwIfAborted, Type, reject } from "@mathtune/core";
import { emptyInput, openInput } from "./internal/generic-input.js";
import { scanJsonRows } from "./internal/generic-json-scan.js";
import { readTextFile } from "./internal/generic-text.js";
import { createMapper, mappingProperties } from "./internal/mapping.js";

/** The options of `json`: the path, the field mapping, and the key of the row array. */
export const jsonOptions = Type.Object(
  {
    ...mappingProperties,
    recordsField: Type.Optional(
      Type.String({
        minLength: 1,
        description: "when the top level is an object: the key of the row array (default: 'records', then 'data')",
      }),
    ),
  },
  { additionalProperties: false },
);

/** A JSON array of row objects (or an object holding one), with a field mapping onto `MathRecord`. */
export const json = defineAdapter({
  name: "json",
  description: "a JSON array of row objects (or an object holding one), with a field mapping onto MathRecord",
  splits: [],
  options: jsonOptions,
  async *load(options, ctx) {
    const { file, size } = await openInput(options.path, ctx.baseDir);
    const text = await readTextFile(file);
    ctx.progress?.(size, size);
    throwIfAborted(ctx.signal);
    if (text.trim() === "") throw emptyInput(file, "file holds only whitespace");
    const { where, rows } = scanJsonRows(text, file, options.recordsField);
    const mapper = createMapper("json", options);
    let count = 0;
    for (const item of rows) {
      throwIfAborted(ctx.signal);
      count++;
      const location = { file, entry: `row ${item.index}`, line: item.line };
      if ("error" in item) {
        ctx.reject(
          reject(item.error.code, item.error.reason, {
            location: { ...location, line: item.error.location?.line ?? item.line },
            raw: item.text,
          }),
        );
        continue;
      }
      const r = mapper.map(item.value, location, item.text);
      if (r.ok) yield r.record;
      else ctx.reject(r.rejection);
    }
    if (count === 0) throw emptyInput(file, `the row array (${where}) is empty`);
  },
});
