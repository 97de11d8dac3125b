/**
 * Generic CSV (or TSV): a header row, then one record per row, mapped onto MathRecord by
 * `fields`. Streams the file through papaparse's incremental parser in blocks of whole lines:
 * quoted fields may hold newlines and delimiters; a BOM and CRLF line ends are accepted (CRLF
 * becomes LF, inside quoted fields too). A malformed quote or a row with the wrong number of
 * fields becomes an E_PARSE rejection naming the file and the row's first line; after a stray
 * quote, reading goes on with the next line instead of swallowing the rest of the file.
 *
 * @packageDocumentation
 * @module @mathtune/loaders/csv
 */
import type Papa from "papaparse";
import {
  defineAdapter,
  MathtuneError,
  type Rejection,
  type SourceLocation,
  throwIfAborted,
  Type,
  reject,
} from "@mathtune/core";
import { emptyInput, openInput } from "./internal/generic-input.js";
import { readTextBlocks } from "./internal/generic-text.js";
import { createMapper, mappingProperties } from "./internal/mapping.js";

/** The options of `csv`: the path, the field mapping, the delimiter and the quote character. */
export const csvOptions = Type.Object(
  {
    ...mappingProperties,
    delimiter: Type.String({
      minLength: 1,
      maxLength: 1,
      default: ",",
      description: "field separator: ',' ';' '\\t' '|' ...",
    }),
    quoteChar: Type.String({ minLength: 1, maxLength: 1, default: '"' }),
  },
  { additionalProperties: false },
);

/** A quoted field that never closes would otherwise buffer the rest of the file. */
const MAX_PENDING_CHARS = 64 * 1024 * 1024;

interface ParsedRow {
  fields: string[];
  errors: { code: string; message: string }[];
  /** Character offset just past the row (after its newline). */
  end: number;
}

type Item = { rejection: Rejection } | { row: Record<string, string>; location: SourceLocation };

function countNl(text: string, start: number, end: number): number {
  let n = 0;
  for (let i = text.indexOf("\n", start); i >= 0 && i < end; i = text.indexOf("\n", i + 1)) n++;
  return n;
}

function quoteMessage(code: string, q: string): string {
  if (code === "MissingQuotes")
    return `a quoted field opened in this row is never closed (a stray ${q}?); the row is skipped up to the end of this line`;
  if (code === "InvalidQuotes")
    return `malformed quotes: a closing ${q} is followed by more text (a stray ${q}? inside a quoted field, write it twice)`;
  return `malformed row (${code})`;
}

/** CSV or TSV with a header row, with a field mapping onto `MathRecord`. */
export const csv = defineAdapter({
  name: "csv",
  description: "CSV/TSV with a header row, with a field mapping onto MathRecord",
  splits: [],
  options: csvOptions,
  async *load(options, ctx) {
    const { file, size } = await openInput(options.path, ctx.baseDir);
    const mapper = createMapper("csv", options);
    const delimiter = options.delimiter ?? ",";
    const quoteChar = options.quoteChar ?? '"';
    if (delimiter === quoteChar || delimiter === "\n" || delimiter === "\r") {
      throw new MathtuneError(
        "E_OPTIONS_INVALID",
        `invalid options for adapter 'csv': delimiter ${JSON.stringify(delimiter)} cannot be used`,
      );
    }
    // papaparse is loaded when a CSV is read, not when the loaders are imported.
    const { default: papa } = await import("papaparse");
    let parsed: ParsedRow[] = [];
    const parser = new papa.Parser({
      delimiter,
      quoteChar,
      newline: "\n",
      step: (r: Papa.ParseStepResult<string[]>) => {
        // the low-level parser hands each step a one-row array
        const rows = r.data as unknown as string[][];
        parsed.push({
          fields: rows[0] ?? [],
          errors: r.errors.map((e) => ({ code: e.code, message: e.message })),
          end: r.meta.cursor,
        });
      },
    } as Papa.ParseConfig);

    let header: string[] | undefined;
    let rows = 0;
    let pending = "";
    let pendingLine = 1; // line number of pending[0]

    /** One row (or the first line of a broken one), checked against the header. */
    const rowItem = (fields: string[], errors: ParsedRow["errors"], location: SourceLocation): Item | undefined => {
      if (!header) {
        if (errors.length)
          throw new MathtuneError("E_PARSE", `header row: ${quoteMessage(errors[0]!.code, quoteChar)}`, { location });
        const dup = fields.find((h, i) => fields.indexOf(h) !== i);
        if (dup !== undefined) {
          throw new MathtuneError("E_PARSE", `header row names the column '${dup}' twice`, {
            location,
            hint: "rename one of the columns",
          });
        }
        header = fields;
        const col = mapper.columns.problem;
        if (col && !header.includes(col)) {
          throw new MathtuneError(
            "E_FIELD_MISSING",
            `no column '${col}' (problem) in the header; columns: ${header.join(", ")}`,
            {
              location,
              hint: "set fields.problem to the column that holds the question",
            },
          );
        }
        return undefined;
      }
      rows++;
      if (errors.length)
        return { rejection: reject("E_PARSE", quoteMessage(errors[0]!.code, quoteChar), { location, raw: fields }) };
      if (fields.length !== header.length) {
        const message = `row has ${fields.length} field${fields.length === 1 ? "" : "s"}, the header has ${header.length}`;
        return { rejection: reject("E_PARSE", message, { location, raw: fields }) };
      }
      const obj: Record<string, string> = {};
      for (let i = 0; i < header.length; i++) obj[header[i]!] = fields[i]!;
      return { row: obj, location };
    };

    /**
     * Parses `text` (whole lines). A row with a quote error that runs over several lines (a
     * stray quote swallowing the rows after it) is cut back to its first line, which is
     * rejected, and parsing starts again on the next line.
     */
    const handle = function* (text: string, final: boolean): Generator<Item> {
      let base = 0;
      let line = pendingLine;
      for (;;) {
        parsed = [];
        const result = parser.parse(base ? text.slice(base) : text, 0, !final) as Papa.ParseResult<string[]>;
        const batch = parsed;
        parsed = [];
        let pos = base;
        let resync = -1;
        let resyncCode = "InvalidQuotes";
        for (const row of batch) {
          const end = base + row.end;
          if (row.errors.length) {
            const nl = text.indexOf("\n", pos);
            if (nl >= 0 && nl + 1 < end) {
              resync = pos;
              resyncCode = row.errors[0]!.code;
              break;
            }
          }
          const location = { file, line };
          line += countNl(text, pos, end);
          pos = end;
          if (row.errors.length === 0 && row.fields.length === 1 && row.fields[0] === "") continue; // blank line
          const item = rowItem(row.fields, row.errors, location);
          if (item) yield item;
        }
        // an unfinished last row whose quotes are already broken needs no more input
        if (resync < 0 && !final && result.errors.some((e) => e.code === "InvalidQuotes")) resync = pos;
        if (resync >= 0) {
          let nl = text.indexOf("\n", resync);
          if (nl < 0) nl = text.length;
          const location = { file, line };
          if (!header)
            throw new MathtuneError("E_PARSE", `header row: ${quoteMessage(resyncCode, quoteChar)}`, { location });
          rows++;
          yield {
            rejection: reject("E_PARSE", quoteMessage(resyncCode, quoteChar), {
              location,
              raw: text.slice(resync, nl),
            }),
          };
          line++;
          base = pos = Math.min(nl + 1, text.length);
          if (base >= text.length) {
            pendingLine = line;
            pending = "";
            return;
          }
          continue;
        }
        const consumed = base + result.meta.cursor;
        pendingLine = line + (final ? 0 : countNl(text, pos, consumed));
        pending = final ? "" : text.slice(consumed);
        return;
      }
    };

    const take = function* (items: Iterable<Item>) {
      for (const item of items) {
        if ("rejection" in item) {
          ctx.reject(item.rejection);
          continue;
        }
        const r = mapper.map(item.row, item.location);
        if (r.ok) yield r.record;
        else ctx.reject(r.rejection);
      }
    };
    for await (const block of readTextBlocks(file, { signal: ctx.signal, progress: ctx.progress, size })) {
      throwIfAborted(ctx.signal);
      yield* take(handle(pending + block.text, false));
      if (pending.length > MAX_PENDING_CHARS) {
        throw new MathtuneError(
          "E_PARSE",
          `a row starting here runs past ${MAX_PENDING_CHARS / (1024 * 1024)} Mi characters: a quoted field that never closes?`,
          {
            location: { file, line: pendingLine },
            hint: `look for a stray ${quoteChar} on this line`,
          },
        );
      }
    }
    yield* take(handle(pending, true));
    if (!header) throw emptyInput(file, "file has no header row");
    if (rows === 0) throw emptyInput(file, "file has a header row but no data rows");
  },
});
