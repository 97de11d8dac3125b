import { type AtomicDir, type Hasher, type MathRecord, MathtuneError } from "@mathtune/core";
import { SPLITS, type StratifiedSplitter } from "@mathtune/split";
import { ArrowSink, type FileKind, JsonlSink, type OutputSink, ParquetSink, RECORD_COLUMNS } from "../outputs.js";
import type { SplitName } from "../recipe.js";
import type { BuildCounts, BuildEvent, OutputFile } from "../types.js";
import type { CardFacets } from "./facets.js";
import type { StagingFile } from "./staging.js";

const PROGRESS_EVERY_MS = 200;
const NEWLINE = Buffer.from("\n");

/** An output format: its name (`record`, `messages`, ...) and how it turns a record into a row. */
export interface Formatter {
  name: string;
  format(r: MathRecord): Record<string, unknown>;
}

/** Output file name of a split in a format and file kind: `train.jsonl`, `train.messages.parquet`. */
export function outputName(split: SplitName, format: string, kind: FileKind): string {
  return `${split}${format === "record" ? "" : `.${format}`}.${kind}`;
}

interface Route {
  split: SplitName;
  format: Formatter;
  sink: OutputSink;
}

/** What pass 2 reads from and writes to. */
export interface RouteContext {
  staging: StagingFile;
  /** Planned (`plan()` called): assigns each stratum's records to the splits. */
  splitter: StratifiedSplitter;
  facets: CardFacets;
  /** The sources' names, by index. */
  sourceNames: readonly string[];
  /** Filled in: written, per split and per source. */
  counts: BuildCounts;
  signal: AbortSignal | undefined;
}

/**
 * Routing to outputs: one sink per split, format and file kind. The record format as JSON lines
 * takes the staged JSON text as is; every other sink gets the parsed record, formatted.
 */
export class OutputRouter {
  private readonly routes: Route[] = [];
  private readonly raw: Record<SplitName, JsonlSink | undefined>;
  private readonly parsed: Record<SplitName, Route[]>;

  constructor(
    dir: AtomicDir,
    formatters: readonly Formatter[],
    files: readonly FileKind[],
    hasher: (() => Hasher) | undefined,
  ) {
    for (const split of SPLITS) {
      for (const format of formatters) {
        for (const kind of files) {
          const file = outputName(split, format.name, kind);
          const path = dir.path(file);
          const columns = format.name === "record" ? RECORD_COLUMNS : undefined;
          const sink =
            kind === "jsonl"
              ? new JsonlSink(file, path, hasher?.())
              : kind === "parquet"
                ? new ParquetSink(file, path, columns)
                : new ArrowSink(file, path, columns);
          this.routes.push({ split, format, sink });
        }
      }
    }
    this.raw = Object.fromEntries(
      SPLITS.map((s) => [
        s,
        this.routes.find((k) => k.split === s && k.format.name === "record" && k.sink instanceof JsonlSink)?.sink as
          | JsonlSink
          | undefined,
      ]),
    ) as Record<SplitName, JsonlSink | undefined>;
    this.parsed = Object.fromEntries(
      SPLITS.map((s) => [s, this.routes.filter((k) => k.split === s && k.sink !== this.raw[s])]),
    ) as Record<SplitName, Route[]>;
  }

  /**
   * Writes one batch of records given as their JSON text with the split each goes to. The texts
   * are copied (or parsed) before this returns.
   */
  async write(batch: readonly { json: Buffer; split: SplitName }[]): Promise<void> {
    const parts: Record<SplitName, Buffer[]> = { train: [], validation: [], test: [] };
    for (const { json, split } of batch) {
      if (this.raw[split]) parts[split].push(json, NEWLINE);
      const parsed = this.parsed[split];
      if (parsed.length) {
        const record = JSON.parse(json.toString("utf8")) as MathRecord;
        for (const { format, sink } of parsed) {
          const p = sink.add(format.format(record));
          if (p) await p;
        }
      }
    }
    for (const split of SPLITS) {
      if (!parts[split].length) continue;
      const p = this.raw[split]!.addRaw(Buffer.concat(parts[split]), parts[split].length / 2);
      if (p) await p;
    }
  }

  /** Closes every file: what each holds, in the order split, format, file kind. */
  async close(): Promise<OutputFile[]> {
    const outputs: OutputFile[] = [];
    for (const { sink } of this.routes) {
      const r = await sink.close();
      outputs.push({ file: sink.file, sha256: r.sha256, bytes: r.bytes, records: r.records });
    }
    return outputs;
  }

  /** Drops every file's pending writes (a build that failed). */
  destroy(): void {
    for (const { sink } of this.routes) sink.destroy();
  }
}

/**
 * Pass 2, routing: each staged record to the split the planner (or its source) gives it, counted
 * per split, source and card facet. Yields write progress; returns how many records it wrote.
 */
export async function* route(ctx: RouteContext, router: OutputRouter): AsyncGenerator<BuildEvent, number> {
  const { counts, splitter } = ctx;
  const sourceCounts = ctx.sourceNames.map((n) => counts.sources[n]!);
  const total = ctx.staging.lines;
  let written = 0;
  const started = Date.now();
  let lastEvent = started;
  const batch: { json: Buffer; split: SplitName }[] = [];
  for await (const lines of ctx.staging.read(ctx.signal)) {
    const now = Date.now();
    if (now - lastEvent >= PROGRESS_EVERY_MS) {
      lastEvent = now;
      yield { type: "write-progress", written, total, elapsedMs: now - started };
    }
    batch.length = 0;
    for (const line of lines) {
      const split = line.forced ?? splitter.assign(line.stratum);
      batch.push({ json: line.json, split });
      ctx.facets.count(line.facet, split);
      const sc = sourceCounts[line.source];
      if (!sc)
        throw new MathtuneError(
          "E_INTERNAL",
          `staging file names source ${line.source}, but the recipe has ${sourceCounts.length}`,
        );
      sc.splits[split]++;
      sc.written++;
      counts.splits[split]++;
      written++;
    }
    await router.write(batch);
  }
  if (written !== total) throw new MathtuneError("E_INTERNAL", `staged ${total} records but re-read ${written}`);
  return written;
}
