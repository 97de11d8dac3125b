/**
 * Reads the rows of a Parquet file one row group at a time (memory stays bounded by the largest
 * row group), with hyparquet and, for gzip/zstd/brotli/lz4, hyparquet-compressors. Both are
 * imported lazily. Used by the parquet adapter and by the gsm8k and math adapters for the
 * Hugging Face Parquet layouts.
 */
import { open } from "node:fs/promises";
import { assertFile, MathtuneError, throwIfAborted } from "@mathtune/core";
import type { AsyncBuffer, FileMetaData } from "hyparquet";
import { corruptInput, emptyInput, importOptional } from "./generic-input.js";

export interface ParquetRowsOptions {
  signal?: AbortSignal | undefined;
  /** Top-level columns to read; columns the file lacks are left out of the rows. Default: all. */
  columns?: readonly string[] | undefined;
  /** Columns the file must have: E_FIELD_MISSING (listing the file's columns) when one is absent. */
  requireColumns?: readonly string[] | undefined;
  /** Bytes read so far and the file size. */
  progress?: ((done: number, total: number | undefined) => void) | undefined;
}

export interface ParquetRow {
  /** 0-based row index in the file. */
  index: number;
  row: Record<string, unknown>;
}

const MAGIC = "PAR1";

/** Top-level column names of a Parquet file's schema. */
export function parquetColumnNames(metadata: FileMetaData): string[] {
  const names: string[] = [];
  const schema = metadata.schema;
  // schema[0] is the root; walk its children, skipping the subtrees of nested columns
  let i = 1;
  const skip = (idx: number): number => {
    const el = schema[idx];
    let next = idx + 1;
    for (let c = 0; c < (el?.num_children ?? 0); c++) next = skip(next);
    return next;
  };
  for (let c = 0; c < (schema[0]?.num_children ?? 0) && i < schema.length; c++) {
    names.push(schema[i]!.name);
    i = skip(i);
  }
  return names;
}

/**
 * Yields `{ index, row }` for every row, in file order. E_INPUT_NOT_FOUND / E_INPUT_NOT_FILE /
 * E_INPUT_EMPTY for a bad path or an empty file, E_PARSE naming the file (and row group) for a
 * file that is not Parquet or is damaged, E_CANCELED when the signal fires.
 */
export async function* readParquetRows(path: string, options: ParquetRowsOptions = {}): AsyncGenerator<ParquetRow> {
  const size = await assertFile(path);
  if (size === 0) throw emptyInput(path);
  const { parquetMetadataAsync, parquetReadObjects } = await importOptional("hyparquet", () => import("hyparquet"));
  const { compressors } = await importOptional("hyparquet-compressors", () => import("hyparquet-compressors"));
  const handle = await open(path, "r");
  let bytesRead = 0;
  try {
    const file: AsyncBuffer = {
      byteLength: size,
      async slice(start: number, end?: number): Promise<ArrayBuffer> {
        const stop = Math.min(end ?? size, size);
        const length = Math.max(0, stop - start);
        const buf = new ArrayBuffer(length);
        let done = 0;
        while (done < length) {
          const { bytesRead: n } = await handle.read(
            new Uint8Array(buf, done, length - done),
            0,
            length - done,
            start + done,
          );
          if (n === 0) break;
          done += n;
        }
        bytesRead += done;
        return buf;
      },
    };
    if (size < 12) throw corruptInput(path, "Parquet", new Error(`only ${size} bytes`));
    const head = Buffer.from(await file.slice(0, 4)).toString("latin1");
    const tail = Buffer.from(await file.slice(size - 4, size)).toString("latin1");
    if (head !== MAGIC || tail !== MAGIC) {
      throw corruptInput(
        path,
        "Parquet",
        new Error(
          tail === MAGIC || head === MAGIC
            ? "the footer or header magic PAR1 is missing (file cut off?)"
            : "no PAR1 magic bytes",
        ),
      );
    }
    let metadata: FileMetaData;
    try {
      metadata = await parquetMetadataAsync(file);
    } catch (e) {
      throw corruptInput(path, "Parquet", e);
    }
    const available = parquetColumnNames(metadata);
    const missing = (options.requireColumns ?? []).filter((c) => !available.includes(c));
    if (missing.length) {
      throw new MathtuneError(
        "E_FIELD_MISSING",
        `no column ${missing.map((c) => `'${c}'`).join(", ")} in the Parquet file; columns: ${available.join(", ")}`,
        {
          location: { file: path },
          hint: "map the fields to columns the file has",
        },
      );
    }
    const columns = options.columns ? options.columns.filter((c) => available.includes(c)) : undefined;
    let rowStart = 0;
    for (const [g, group] of metadata.row_groups.entries()) {
      throwIfAborted(options.signal);
      const rowEnd = rowStart + Number(group.num_rows);
      if (rowEnd === rowStart) continue;
      let rows: Record<string, unknown>[];
      try {
        rows = await parquetReadObjects({
          file,
          metadata,
          rowStart,
          rowEnd,
          compressors,
          ...(columns ? { columns } : {}),
        });
      } catch (e) {
        throw corruptInput(path, "Parquet", e, `row group ${g}`);
      }
      options.progress?.(bytesRead, size);
      for (let i = 0; i < rows.length; i++) {
        throwIfAborted(options.signal);
        yield { index: rowStart + i, row: rows[i]! };
      }
      rowStart = rowEnd;
    }
  } finally {
    await handle.close().catch(() => {});
  }
}
