/**
 * Generic Parquet: one record per row, mapped onto MathRecord by `fields`. Read one row group at
 * a time with hyparquet (snappy built in; gzip, zstd, brotli, lz4 via hyparquet-compressors).
 * Rows with a missing or mistyped field become rejections naming `row N` (0-based); a file that
 * is not Parquet or is damaged is an E_PARSE error naming the file.
 *
 * @packageDocumentation
 * @module @mathtune/loaders/parquet
 */
import { defineAdapter, Type } from "@mathtune/core";
import { emptyInput, openInput } from "./internal/generic-input.js";
import { createMapper, mappingProperties } from "./internal/mapping.js";
import { readParquetRows } from "./internal/parquet-rows.js";

/** The options of `parquet`: the path and the field mapping. */
export const parquetOptions = Type.Object({ ...mappingProperties }, { additionalProperties: false });

/** Apache Parquet, read row group by row group, with a field mapping onto `MathRecord`. */
export const parquet = defineAdapter({
  name: "parquet",
  description: "Apache Parquet, read row group by row group, with a field mapping onto MathRecord",
  splits: [],
  options: parquetOptions,
  async *load(options, ctx) {
    const { file } = await openInput(options.path, ctx.baseDir);
    const mapper = createMapper("parquet", options);
    const problem = mapper.columns.problem;
    let rows = 0;
    for await (const { index, row } of readParquetRows(file, {
      signal: ctx.signal,
      columns: mapper.needed,
      requireColumns: problem ? [problem] : [],
      progress: ctx.progress,
    })) {
      rows++;
      const r = mapper.map(row, { file, entry: `row ${index}` });
      if (r.ok) yield r.record;
      else ctx.reject(r.rejection);
    }
    if (rows === 0) throw emptyInput(file, "the Parquet file has no rows");
  },
});
