/**
 * Generic JSON lines: one JSON object per line, mapped onto MathRecord by `fields`.
 * Bad lines (malformed JSON, a cut-off last line, invalid UTF-8, a missing or mistyped field)
 * become rejections naming file:line.
 *
 * @packageDocumentation
 * @module @mathtune/loaders/jsonl
 */
import { defineAdapter, readJsonLines, Type, reject } from "@mathtune/core";
import { emptyInput, openInput } from "./internal/generic-input.js";
import { createMapper, mappingProperties } from "./internal/mapping.js";

/** The options of `jsonl`: the path and the field mapping. */
export const jsonlOptions = Type.Object({ ...mappingProperties }, { additionalProperties: false });

/** JSON lines, one object per line, with a field mapping onto `MathRecord`. */
export const jsonl = defineAdapter({
  name: "jsonl",
  description: "JSON lines, one object per line, with a field mapping onto MathRecord",
  splits: [],
  options: jsonlOptions,
  async *load(options, ctx) {
    const { file } = await openInput(options.path, ctx.baseDir);
    const mapper = createMapper("jsonl", options);
    let rows = 0;
    for await (const item of readJsonLines(file, {
      signal: ctx.signal,
      ...(ctx.progress ? { progress: ctx.progress } : {}),
    })) {
      rows++;
      const location = { file, line: item.line };
      if ("error" in item) {
        ctx.reject(reject(item.error.code, item.error.reason, { location, raw: item.text }));
        continue;
      }
      const r = mapper.map(item.value, location, item.text);
      if (r.ok) yield r.record;
      else ctx.reject(r.rejection);
    }
    if (rows === 0) throw emptyInput(file, "file holds only blank lines");
  },
});
