import { open } from "node:fs/promises";
import { type Hasher, HashingWriter, MathtuneError, sha256File } from "@mathtune/core";

/** One output file of one split and one format. */
export interface OutputSink {
  readonly file: string;
  /** A row as an object (what the columnar files need). */
  add(row: Record<string, unknown>): Promise<void> | undefined;
  close(): Promise<{ sha256: string; bytes: number; records: number }>;
  destroy(): void;
}

export type FileKind = "jsonl" | "parquet" | "arrow";

/** Columns of a columnar file: the record's fields in a fixed order; objects and arrays as JSON text. */
export const RECORD_COLUMNS = [
  "id",
  "source",
  "split",
  "problem",
  "solution",
  "answer",
  "answerKind",
  "category",
  "difficulty",
  "lang",
  "meta",
];

function cell(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === "string") return v;
  if (typeof v === "number" || typeof v === "boolean" || typeof v === "bigint") return String(v);
  return JSON.stringify(v);
}

export class JsonlSink implements OutputSink {
  private w: HashingWriter;
  constructor(
    readonly file: string,
    path: string,
    hasher?: Hasher,
  ) {
    this.w = new HashingWriter(path, hasher ? { hash: hasher } : {});
  }
  add(row: Record<string, unknown>) {
    return this.w.writeLine(JSON.stringify(row));
  }
  /** Staged JSON text, written as is. */
  addRaw(data: Buffer, lines: number) {
    return this.w.writeRaw(data, lines);
  }
  async close() {
    const r = await this.w.close();
    return { sha256: r.sha256, bytes: r.bytes, records: r.lines };
  }
  destroy() {
    this.w.destroy();
  }
}

const BATCH = 8192;

/** Buffers rows into column arrays and writes them a batch (row group / record batch) at a time. */
abstract class ColumnarSink implements OutputSink {
  protected columns: string[] | undefined;
  protected pending: Record<string, unknown>[] = [];
  protected records = 0;
  constructor(
    readonly file: string,
    protected readonly path: string,
    fixedColumns?: string[],
  ) {
    this.columns = fixedColumns;
  }
  add(row: Record<string, unknown>) {
    this.columns ??= Object.keys(row);
    this.pending.push(row);
    this.records++;
    if (this.pending.length >= BATCH) return this.flush();
    return undefined;
  }
  protected columnData(): { name: string; data: (string | null)[] }[] {
    const cols = this.columns ?? [];
    const out = cols.map((name) => ({ name, data: this.pending.map((r) => cell(r[name])) }));
    this.pending = [];
    return out;
  }
  protected abstract flush(): Promise<void> | undefined;
  abstract close(): Promise<{ sha256: string; bytes: number; records: number }>;
  destroy() {}
}

/** Parquet (snappy, all columns UTF-8 strings), readable by pandas, pyarrow and Hugging Face datasets. */
export class ParquetSink extends ColumnarSink {
  private writer: { write(o: object): void | Promise<void>; finish(): void } | undefined;
  private bytes = 0;
  private async ensure(): Promise<NonNullable<ParquetSink["writer"]>> {
    if (this.writer) return this.writer;
    const mod = (await import("hyparquet-writer").catch((e: unknown) => {
      throw new MathtuneError("E_DEPENDENCY_MISSING", "Parquet output needs the package hyparquet-writer", {
        cause: e,
        hint: "npm install hyparquet-writer",
      });
    })) as unknown as {
      ParquetWriter: new (o: object) => NonNullable<ParquetSink["writer"]>;
      fileWriter: (p: string) => object;
      schemaFromColumnData: (o: object) => object;
    };
    const cols = this.columns ?? ["id"];
    const schema = mod.schemaFromColumnData({
      columnData: cols.map((name) => ({ name, data: [], type: "STRING", nullable: true })),
    });
    this.writer = new mod.ParquetWriter({
      writer: mod.fileWriter(this.path),
      schema,
      codec: "SNAPPY",
      createdBy: "mathtune",
    });
    return this.writer;
  }
  protected flush() {
    if (!this.pending.length) return undefined;
    return (async () => {
      const w = await this.ensure();
      const columnData = this.columnData().map((c) => ({ ...c, type: "STRING" }));
      await w.write({ columnData, rowGroupSize: BATCH });
    })();
  }
  async close() {
    await this.flush();
    const w = await this.ensure();
    w.finish();
    const fh = await open(this.path, "r");
    this.bytes = (await fh.stat()).size;
    await fh.close();
    return { sha256: await sha256File(this.path), bytes: this.bytes, records: this.records };
  }
}

/** Arrow IPC file format (nullable UTF-8 columns), one record batch per 8192 rows. */
export class ArrowSink extends ColumnarSink {
  private batches: unknown[] = [];
  private arrow: typeof import("apache-arrow") | undefined;
  private async lib() {
    this.arrow ??= await import("apache-arrow").catch((e: unknown) => {
      throw new MathtuneError("E_DEPENDENCY_MISSING", "Arrow output needs the package apache-arrow", {
        cause: e,
        hint: "npm install apache-arrow",
      });
    });
    return this.arrow;
  }
  protected flush() {
    if (!this.pending.length) return undefined;
    return (async () => {
      const a = await this.lib();
      const cols = this.columnData();
      const table = new a.Table(Object.fromEntries(cols.map((c) => [c.name, a.vectorFromArray(c.data, new a.Utf8())])));
      this.batches.push(...table.batches);
    })();
  }
  async close() {
    await this.flush();
    const a = await this.lib();
    const cols = this.columns ?? ["id"];
    const schema = new a.Schema(cols.map((c) => new a.Field(c, new a.Utf8(), true)));
    const table = this.batches.length
      ? new a.Table(this.batches as import("apache-arrow").RecordBatch[])
      : new a.Table(schema);
    const bytes = a.tableToIPC(table, "file");
    const { writeFile } = await import("node:fs/promises");
    await writeFile(this.path, bytes);
    this.batches = [];
    return { sha256: await sha256File(this.path), bytes: bytes.length, records: this.records };
  }
}
