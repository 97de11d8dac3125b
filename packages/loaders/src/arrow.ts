/**
 * Generic Arrow IPC: the file format (`.arrow`, `.feather` v2) and the stream format
 * (`.arrows`), read record batch by record batch with apache-arrow; one record per row, mapped
 * onto MathRecord by `fields`. Rows with a missing or mistyped field become rejections naming
 * `row N` (0-based, over all batches); a file that is not Arrow IPC or is damaged is an E_PARSE
 * error naming the file.
 *
 * @packageDocumentation
 * @module @mathtune/loaders/arrow
 */
import { defineAdapter, Type } from "@mathtune/core";
import { readArrowRows } from "./internal/arrow-rows.js";
import { emptyInput, openInput } from "./internal/generic-input.js";
import { createMapper, mappingProperties } from "./internal/mapping.js";

/** The options of `arrow`: the path and the field mapping. */
export const arrowOptions = Type.Object({ ...mappingProperties }, { additionalProperties: false });

/** Apache Arrow IPC files (file or stream format), read batch by batch, with a field mapping onto `MathRecord`. */
export const arrow = defineAdapter({
  name: "arrow",
  description: "Apache Arrow IPC (file or stream format), read batch by batch, with a field mapping onto MathRecord",
  splits: [],
  options: arrowOptions,
  async *load(options, ctx) {
    const { file, size } = await openInput(options.path, ctx.baseDir);
    const mapper = createMapper("arrow", options);
    const problem = mapper.columns.problem;
    let rows = 0;
    for await (const { index, row } of readArrowRows(file, {
      signal: ctx.signal,
      columns: mapper.needed,
      requireColumns: problem ? [problem] : [],
    })) {
      rows++;
      const r = mapper.map(row, { file, entry: `row ${index}` });
      if (r.ok) yield r.record;
      else ctx.reject(r.rejection);
    }
    ctx.progress?.(size, size);
    if (rows === 0) throw emptyInput(file, "the Arrow file has no rows");
  },
});
