import {
  type Adapter,
  type HashingWriter,
  type MathRecord,
  MathtuneError,
  type Rejection,
  type SourceLocation,
  type Stage,
  formatLocation,
  isRejection,
  locationOf,
  stableStringify,
} from "@mathtune/core";
import { pinnedSplit, type StratifiedSplitter } from "@mathtune/split";
import type { Recipe } from "../recipe.js";
import { type LoadBatch, type SourceJob, type SourceWorker, loadBatches } from "../source-reader.js";
import type { BuildCounts, BuildEvent, SourceCounts } from "../types.js";
import type { CardFacets } from "./facets.js";
import { SharedIds } from "./ids.js";
import { relativeLocation } from "./paths.js";
import type { StagingFile } from "./staging.js";

const PROGRESS_EVERY_MS = 200;

/** What pass 1 reads from and writes to. */
export interface IngestContext {
  recipe: Recipe;
  /** The sources' names and adapters, by index. */
  sourceNames: readonly string[];
  adapters: readonly Adapter[];
  /** The checks, in order; a record rejected by one goes no further. */
  stages: readonly Stage[];
  baseDir: string;
  batchSize: number;
  signal: AbortSignal | undefined;
  /** Reads the sources in a worker thread when given, else in this one. */
  worker: SourceWorker | undefined;
  staging: StagingFile;
  quarantine: HashingWriter;
  splitter: StratifiedSplitter;
  stratumKey: (r: MathRecord) => string;
  facets: CardFacets;
  /** Filled in: read and quarantined, per source and per quarantine code. */
  counts: BuildCounts;
}

/**
 * Pass 1, ingest: every source through its adapter and the checks, kept records to the staging
 * file (counted in their stratum), rejected ones to the quarantine. Yields the sources' events.
 */
export async function* ingest(ctx: IngestContext): AsyncGenerator<BuildEvent, void> {
  const { recipe, counts } = ctx;
  const ids = new SharedIds(ctx.adapters);
  for (const [si, source] of recipe.sources.entries()) {
    const name = ctx.sourceNames[si]!;
    const adapter = ctx.adapters[si]!;
    const sc: SourceCounts = {
      adapter: adapter.name,
      read: 0,
      written: 0,
      quarantined: 0,
      splits: { train: 0, validation: 0, test: 0 },
    };
    counts.sources[name] = sc;
    yield { type: "source-start", source: name, adapter: adapter.name, index: si, total: recipe.sources.length };
    const t0 = Date.now();
    let kept = 0;
    let loadRejected = 0;
    let bytes: number | undefined;
    let totalBytes: number | undefined;
    const pendingQuarantine: string[] = [];
    const sourceCodes: Record<string, number> = {};
    let firstLocation: SourceLocation | undefined;
    const toQuarantine = (r: Rejection, stage: string, record?: MathRecord) => {
      const loc = r.location ?? (record ? locationOf(record) : undefined);
      const entry: Record<string, unknown> = {
        source: name,
        stage,
        code: r.code,
        message: r.message,
        location: loc ? formatLocation(relativeLocation(loc, ctx.baseDir)) : null,
      };
      const id = r.id ?? record?.id;
      if (id !== undefined) entry.id = id;
      entry.raw = r.raw ?? record ?? null;
      pendingQuarantine.push(stableStringify(entry));
      sourceCodes[r.code] = (sourceCodes[r.code] ?? 0) + 1;
      if (loc && !firstLocation) firstLocation = relativeLocation(loc, ctx.baseDir);
      sc.quarantined++;
      counts.quarantineByCode[r.code] = (counts.quarantineByCode[r.code] ?? 0) + 1;
    };
    const flushQuarantine = async () => {
      for (const line of pendingQuarantine) {
        const p = ctx.quarantine.writeLine(line);
        if (p) await p;
      }
      pendingQuarantine.length = 0;
    };
    const repeat = ids.forSource(adapter.name);
    const check = async (batch: MathRecord[]) => {
      let current = batch;
      for (const stage of ctx.stages) {
        if (!current.length) break;
        const res = await stage.process(current, ctx.signal ? { signal: ctx.signal } : {});
        if (res.length !== current.length)
          throw new MathtuneError(
            "E_INTERNAL",
            `stage '${stage.name}' returned ${res.length} results for ${current.length} records`,
          );
        const next: MathRecord[] = [];
        for (const [i, item] of res.entries()) {
          if (isRejection(item)) toQuarantine(item, stage.name, current[i]);
          else next.push(item);
        }
        current = next;
      }
      for (const r of current) {
        const rejection = repeat?.(r);
        if (rejection) {
          toQuarantine(rejection, "ids", r);
          continue;
        }
        const forced = pinnedSplit(r, recipe.split.respectSourceSplit);
        const p = ctx.staging.write(
          {
            source: si,
            stratum: ctx.splitter.count(ctx.stratumKey(r), forced),
            forced,
            facet: ctx.facets.index(si, r),
          },
          r,
        );
        if (p) await p;
        kept++;
      }
      await flushQuarantine();
    };
    let last = Date.now();
    const job: SourceJob = {
      adapter: source.adapter,
      baseDir: ctx.baseDir,
      options: source.options,
      batchSize: ctx.batchSize,
      ...(source.limit !== undefined ? { limit: source.limit } : {}),
    };
    const batches: AsyncIterable<LoadBatch> = ctx.worker
      ? ctx.worker.load(job, ctx.signal)
      : loadBatches(adapter, job, ctx.signal);
    for await (const b of batches) {
      for (const r of b.rejections) {
        loadRejected++;
        toQuarantine(r, "load");
      }
      if (b.bytes !== undefined) bytes = b.bytes;
      if (b.totalBytes !== undefined) totalBytes = b.totalBytes;
      sc.read += b.records.length;
      await check(b.records);
      const now = Date.now();
      if (now - last >= PROGRESS_EVERY_MS) {
        last = now;
        yield {
          type: "progress",
          source: name,
          read: sc.read + loadRejected,
          kept,
          quarantined: sc.quarantined,
          elapsedMs: now - t0,
          ...(bytes !== undefined ? { bytes } : {}),
          ...(totalBytes !== undefined ? { totalBytes } : {}),
        };
      }
    }
    await flushQuarantine();
    // The adapter yielded no record at all (every one quarantined as it was read, or none there).
    if (sc.read === 0 && !source.allowEmpty) {
      const codes = Object.entries(sourceCodes)
        .sort((a, b) => b[1] - a[1])
        .map(([c, n]) => `${n} ${c}`)
        .join(", ");
      throw new MathtuneError(
        "E_SOURCE_EMPTY",
        `source '${name}' yielded no record: ${sc.read + loadRejected} read${codes ? `, all quarantined (${codes})` : ""}`,
        {
          ...(firstLocation ? { location: firstLocation } : {}),
          hint: "check the source's path, format and field mapping; set 'allowEmpty: true' on the source to build without it",
          details: { source: name, read: sc.read + loadRejected, quarantined: sourceCodes },
        },
      );
    }
    // Adapter rejections are records read too: in = out + quarantined.
    sc.read += loadRejected;
    counts.read += sc.read;
    counts.quarantined += sc.quarantined;
    yield {
      type: "source-end",
      source: name,
      read: sc.read,
      kept,
      quarantined: sc.quarantined,
      elapsedMs: Date.now() - t0,
    };
  }
  ids.clear();
}
