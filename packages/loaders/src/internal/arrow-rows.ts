/**
 * Reads the rows of an Arrow IPC file, in the file format (`ARROW1` magic, random access) or the
 * stream format, one record batch at a time, with apache-arrow (imported lazily). Values are as
 * apache-arrow gives them (strings, numbers, bigint for 64-bit integers, vectors and struct rows
 * for nested types); `toJsonSafe` in mapping.ts turns them into plain JSON.
 */
import { open } from "node:fs/promises";
import { assertFile, MathtuneError, throwIfAborted } from "@mathtune/core";
import { corruptInput, emptyInput, importOptional } from "./generic-input.js";

export interface ArrowRowsOptions {
  signal?: AbortSignal | undefined;
  /** Top-level columns to read; columns the file lacks are left out of the rows. Default: all. */
  columns?: readonly string[] | undefined;
  /** Columns the file must have: E_FIELD_MISSING (listing the file's columns) when one is absent. */
  requireColumns?: readonly string[] | undefined;
}

export interface ArrowRow {
  /** 0-based row index in the file, counted over all batches. */
  index: number;
  row: Record<string, unknown>;
}

/**
 * Yields `{ index, row }` for every row, batch by batch. E_INPUT_NOT_FOUND / E_INPUT_NOT_FILE /
 * E_INPUT_EMPTY for a bad path or an empty file, E_PARSE naming the file (and batch) for a file
 * that is not Arrow IPC or is damaged, E_CANCELED when the signal fires.
 */
export async function* readArrowRows(path: string, options: ArrowRowsOptions = {}): AsyncGenerator<ArrowRow> {
  const size = await assertFile(path);
  if (size === 0) throw emptyInput(path);
  const { RecordBatchReader } = await importOptional("apache-arrow", () => import("apache-arrow"));
  const handle = await open(path, "r");
  try {
    let reader;
    try {
      reader = await RecordBatchReader.from(handle);
      await reader.open();
    } catch (e) {
      throw corruptInput(path, "Arrow IPC", e);
    }
    const schema = reader.schema as typeof reader.schema | undefined | null;
    if (!schema || !Array.isArray(schema.fields)) throw corruptInput(path, "Arrow IPC", new Error("no schema message"));
    const available = schema.fields.map((f) => f.name);
    const missing = (options.requireColumns ?? []).filter((c) => !available.includes(c));
    if (missing.length) {
      throw new MathtuneError(
        "E_FIELD_MISSING",
        `no column ${missing.map((c) => `'${c}'`).join(", ")} in the Arrow file; columns: ${available.join(", ")}`,
        {
          location: { file: path },
          hint: "map the fields to columns the file has",
        },
      );
    }
    const wanted = available
      .map((name, i) => ({ name, i }))
      .filter(({ name }) => !options.columns || options.columns.includes(name));
    let index = 0;
    let b = 0;
    const batches = reader[Symbol.asyncIterator]();
    for (;;) {
      throwIfAborted(options.signal);
      let next;
      try {
        next = await batches.next();
      } catch (e) {
        throw corruptInput(path, "Arrow IPC", e, `batch ${b}`);
      }
      if (next.done) break;
      const batch = next.value;
      const vectors = wanted.map(({ name, i }) => ({ name, vector: batch.getChildAt(i) }));
      for (let r = 0; r < batch.numRows; r++) {
        throwIfAborted(options.signal);
        const row: Record<string, unknown> = {};
        for (const { name, vector } of vectors) row[name] = vector ? vector.get(r) : null;
        yield { index: index++, row };
      }
      b++;
    }
  } finally {
    await handle.close().catch(() => {});
  }
}
