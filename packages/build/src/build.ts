import { existsSync } from "node:fs";
import { rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { isAbsolute, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import {
  type Adapter,
  AtomicDir,
  HashingWriter,
  type MathRecord,
  MathtuneError,
  type ParseOptionsSettings,
  type Rejection,
  type SourceLocation,
  type Stage,
  digestTree,
  formatLocation,
  fsError,
  isMathtuneError,
  isRejection,
  locationOf,
  optionsError,
  readRawLineBatches,
  sha256,
  stableStringify,
  throwIfAborted,
  writeFileAtomic,
  reject,
} from "@mathtune/core";
import { isAdapterName } from "@mathtune/loaders";
import { resolveAdapter } from "./adapters.js";
import { type HubDownloadEvent, hubInputEntry, prepareHubSources, restoreHubOptions } from "./hub-sources.js";
import { renderCard } from "./card.js";
import { ArrowSink, type FileKind, JsonlSink, type OutputSink, ParquetSink, RECORD_COLUMNS } from "./outputs.js";
import { pinnedSplit, SPLITS, stratumOf, StratifiedSplitter } from "@mathtune/split";
import { type LoadedRecipe, type Recipe, type RecipeInput, type SplitName, loadRecipe, parseRecipe } from "./recipe.js";
import { type LoadBatch, type SourceJob, SourceWorker, defaultLoadWorkerUrl, loadBatches } from "./source-reader.js";

/** Options of `build` and `buildIter`. */
export interface BuildOptions {
  /** A recipe file, a recipe object (defaults filled in), or a loaded recipe. */
  recipe: string | RecipeInput | LoadedRecipe;
  /** The output folder; replaced atomically at the end. */
  out: string;
  /** Overrides the recipe's seed. */
  seed?: number;
  signal?: AbortSignal;
  /** Folder for relative paths when `recipe` is an object (default: cwd). */
  baseDir?: string;
  /** Extra stages, run after the recipe's checks. */
  stages?: Stage[];
  /** Records per stage batch (default 512). */
  batchSize?: number;
  /**
   * Read the sources in a worker thread, so that parsing overlaps the checks and the writing.
   * Default: when the machine has more than one core and the worker script is there (it is in the
   * built package; running from the TypeScript sources reads in this thread).
   */
  readInWorker?: boolean;
  /** The worker script (default: `load-worker.js` beside this module). */
  loadWorkerUrl?: URL | string;
  /**
   * Replace an existing `out` folder that mathtune did not write (default false: refused with
   * E_OUTPUT_NOT_OURS). Never replaces the current folder, an ancestor of it, or a folder holding
   * the recipe or an input (E_OUTPUT_UNSAFE).
   */
  force?: boolean;
  /** Wait this long (ms) for another build writing the same `out` (default 0: fail with E_OUTPUT_LOCKED). */
  lockWaitMs?: number;
  /**
   * Allow module adapters (default true). A recipe is code, like a Makefile: a module adapter's
   * import runs it. `false` (the CLI's `--no-code`) refuses them with E_CODE_REFUSED, for recipes
   * you do not trust; the recipe is validated before any module is imported either way.
   */
  allowCode?: boolean;
}

/** Record counts of one source of a build. */
export interface SourceCounts {
  adapter: string;
  read: number;
  written: number;
  quarantined: number;
  splits: Record<SplitName, number>;
}

/** Record counts of a whole build: read, written, quarantined, per split and per source. */
export interface BuildCounts {
  read: number;
  written: number;
  quarantined: number;
  splits: Record<SplitName, number>;
  sources: Record<string, SourceCounts>;
  quarantineByCode: Record<string, number>;
}

/** One file a build wrote, with its checksum, size and record count. */
export interface OutputFile {
  file: string;
  sha256: string;
  bytes: number;
  records: number;
}

/** What a finished build returns: the output folder, the counts, the files written and the manifest. */
export interface BuildResult {
  out: string;
  counts: BuildCounts;
  outputs: OutputFile[];
  manifest: Record<string, unknown>;
  elapsedMs: number;
}

/**
 * The events of `buildIter`, in order: start, then per source its start, progress and end, then the phases,
 * then done.
 */
export type BuildEvent =
  | { type: "start"; recipe: string; out: string; sources: string[] }
  | { type: "source-start"; source: string; adapter: string; index: number; total: number }
  | { type: "progress"; source: string; read: number; kept: number; quarantined: number; elapsedMs: number; bytes?: number; totalBytes?: number }
  | { type: "source-end"; source: string; read: number; kept: number; quarantined: number; elapsedMs: number }
  | { type: "phase"; phase: "split" | "write" | "finalize" }
  | { type: "write-progress"; written: number; total: number; elapsedMs: number }
  | HubDownloadEvent
  | { type: "done"; result: BuildResult };

const PROGRESS_EVERY_MS = 200;
const NEWLINE = Buffer.from("\n");

function packageVersions(): Record<string, string> {
  const req = createRequire(import.meta.url);
  const out: Record<string, string> = {};
  for (const name of ["@mathtune/core", "@mathtune/loaders", "@mathtune/build", "@mathtune/answer"]) {
    try {
      out[name] = (req(`${name}/package.json`) as { version: string }).version;
    } catch {
      // not resolvable from here: leave it out
    }
  }
  return out;
}

async function resolveLoaded(opts: BuildOptions): Promise<LoadedRecipe> {
  if (typeof opts.recipe === "string") return loadRecipe(opts.recipe);
  if ("recipe" in opts.recipe && "baseDir" in opts.recipe) return opts.recipe as LoadedRecipe;
  return { recipe: parseRecipe(opts.recipe), baseDir: resolve(opts.baseDir ?? process.cwd()) };
}

/** How parseOptions places a part of the recipe: E_CONFIG_INVALID, problems under `at`, with the file's lines. */
function inRecipe(at: string, loaded: LoadedRecipe): ParseOptionsSettings {
  return { what: loaded.file ? `recipe ${loaded.file}` : "recipe", code: "E_CONFIG_INVALID", at, ...(loaded.locate ? { locate: loaded.locate } : {}) };
}

/**
 * E_CONFIG_INVALID for options that a part of the recipe refused (a stage's, a formatter's): its
 * problems, each under the part's path and at its file:line, as parseOptions reports the recipe's own.
 */
function configError(at: string, e: unknown, loaded: LoadedRecipe): MathtuneError {
  const problems = isMathtuneError(e) && Array.isArray(e.details?.problems) ? (e.details.problems as string[]) : [isMathtuneError(e) ? e.reason : (e as Error).message];
  return optionsError(problems, inRecipe(at, loaded), e);
}

/**
 * An adapter's options from the recipe, validated by the adapter as a part of the recipe. An adapter
 * built with another copy of @mathtune/core may not take the recipe's place: its E_OPTIONS_INVALID is
 * placed here.
 */
function adapterOptions(adapter: Adapter, options: unknown, at: string, loaded: LoadedRecipe): Record<string, unknown> {
  try {
    return adapter.parseOptions(options, inRecipe(at, loaded)) as Record<string, unknown>;
  } catch (e) {
    throw isMathtuneError(e, "E_OPTIONS_INVALID") ? configError(at, e, loaded) : e;
  }
}

interface Checks {
  stages: Stage[];
  /** Extra files for the output folder (e.g. the contamination report). */
  reports: (() => Record<string, string>)[];
  /** Extra sections for the dataset card. */
  card: (() => string)[];
}

async function recipeChecks(recipe: Recipe, loaded: LoadedRecipe, signal: AbortSignal | undefined): Promise<Checks> {
  const { baseDir } = loaded;
  const checks: Checks = { stages: [], reports: [], card: [] };
  const { latex, dedup, decontaminate } = recipe.checks;
  // The answer checks are @mathtune/answer's stage; `readable` reads the answer back from the
  // training output exactly as @mathtune/format renders it.
  const { createAnswerStage } = await import("@mathtune/answer");
  const readable = recipe.checks.answer.readable !== "off" ? await import("@mathtune/format") : undefined;
  checks.stages.push(createAnswerStage({ ...recipe.checks.answer, ...(readable ? { output: (r: MathRecord) => readable.solutionOutput(r).output } : {}) }));
  if (latex !== undefined && latex !== false) {
    const mod = await import("@mathtune/latex");
    let stage: ReturnType<typeof mod.createLatexStage>;
    try {
      stage = mod.createLatexStage(latex === true ? {} : latex);
    } catch (e) {
      throw configError("/checks/latex", e, loaded);
    }
    checks.stages.push(stage);
    checks.card.push(() => `### LaTeX findings\n\n${mod.formatLatexSummary(stage.summary())}\n`);
  }
  if (decontaminate) {
    const split = await import("@mathtune/split");
    const sets = [];
    for (const [i, set] of decontaminate.sets.entries()) {
      const adapter = await resolveAdapter(set.adapter, baseDir, loaded.locate?.(`/checks/decontaminate/sets/${i}/adapter`));
      const options = adapterOptions(adapter, set.options, `/checks/decontaminate/sets/${i}/options`, loaded);
      const limit = set.limit;
      sets.push({
        name: set.name,
        records: (async function* () {
          let n = 0;
          // No reject callback: a bad line in an evaluation set stops the build (naming file and line),
          // since a half-read evaluation set would make the check quietly weaker.
          for await (const r of adapter.load(options, { baseDir, ...(signal ? { signal } : {}) })) {
            if (limit !== undefined && n++ >= limit) break;
            yield r;
          }
        })(),
      });
    }
    let stage: Awaited<ReturnType<typeof split.createDecontaminationStage>>;
    try {
      stage = await split.createDecontaminationStage(decontaminate.options, sets, signal ? { signal } : {});
    } catch (e) {
      throw isMathtuneError(e) && e.code !== "E_CONFIG_INVALID" && e.code !== "E_OPTIONS_INVALID" ? e : configError("/checks/decontaminate/options", e, loaded);
    }
    checks.stages.push(stage);
    checks.reports.push(() => ({ "contamination.json": `${stableStringify(stage.report(), 2)}\n` }));
  }
  if (dedup !== undefined && dedup !== false) {
    const split = await import("@mathtune/split");
    try {
      checks.stages.push(split.createDedupStage(dedup === true ? {} : dedup));
    } catch (e) {
      throw configError("/checks/dedup", e, loaded);
    }
  }
  return checks;
}

/** A path as stored in outputs: relative to the recipe's folder, `/`-separated. */
function portable(p: string): string {
  return p.split(sep).join("/");
}

/** A location with its file relative to the recipe's folder (absolute when on another drive). */
export function relativeLocation(loc: SourceLocation, baseDir: string): SourceLocation {
  if (!isAbsolute(loc.file)) return { ...loc, file: portable(loc.file) };
  const rel = relative(baseDir, loc.file);
  return { ...loc, file: isAbsolute(rel) ? portable(loc.file) : portable(rel || ".") };
}

/** Output file name of a split in a format and file kind: `train.jsonl`, `train.messages.parquet`. */
export function outputName(split: SplitName, format: string, kind: FileKind): string {
  return `${split}${format === "record" ? "" : `.${format}`}.${kind}`;
}

/** A recipe without the sections only `mathtune run` reads. */
export function datasetPart<T extends object>(recipe: T): Omit<T, "model" | "train" | "deploy" | "eval"> {
  const { model: _m, train: _t, deploy: _d, eval: _e, ...rest } = recipe as T & { model?: unknown; train?: unknown; deploy?: unknown; eval?: unknown };
  return rest;
}

/**
 * Builds a dataset: streams every source through the checks into a staging file (pass 1), plans the
 * split on compact per-record facts, then routes the staged lines to the split files (pass 2).
 * Yields progress events; the last one is `done` with the result.
 */
export async function* buildIter(opts: BuildOptions): AsyncGenerator<BuildEvent> {
  const started = Date.now();
  const loaded = await resolveLoaded(opts);
  const recipe = structuredClone(loaded.recipe);
  if (opts.seed !== undefined) recipe.seed = opts.seed;
  const { seed } = recipe;
  const signal = opts.signal;
  const batchSize = opts.batchSize ?? 512;
  const sourceNames = recipe.sources.map((s) => s.name ?? s.adapter);
  const dupName = sourceNames.find((n, i) => sourceNames.indexOf(n) !== i);
  if (dupName) throw new MathtuneError("E_CONFIG_INVALID", `two sources are named '${dupName}'; give one a distinct 'name'`);

  // Check every source's options before reading anything: the built-in adapters' first, and the
  // formats and checks below, so that a module adapter (whose import runs its code) is imported
  // only for a recipe that is otherwise valid, and never with `allowCode: false`.
  const allowCode = opts.allowCode ?? true;

  // Hub sources (`options.hub`) are downloaded into the Hugging Face cache and read from there.
  const hubInputs = yield* prepareHubSources(recipe.sources, { names: sourceNames, baseDir: loaded.baseDir, signal, allowCode });
  const evalSets = recipe.checks.decontaminate?.sets ?? [];
  const hubSets = yield* prepareHubSources(evalSets, { names: evalSets.map((s) => s.name), baseDir: loaded.baseDir, signal, allowCode, where: "/checks/decontaminate/sets" });

  const adapters: Adapter[] = [];
  const parseSource = (i: number, a: Adapter) => {
    const s = recipe.sources[i]!;
    s.options = adapterOptions(a, s.options, `/sources/${i}/options`, loaded);
    adapters[i] = a;
  };
  const modules: number[] = [];
  for (const [i, s] of recipe.sources.entries()) {
    if (isAdapterName(s.adapter)) parseSource(i, await resolveAdapter(s.adapter, loaded.baseDir, loaded.locate?.(`/sources/${i}/adapter`)));
    else modules.push(i);
  }
  const specs = [...modules.map((i) => recipe.sources[i]!.adapter), ...(recipe.checks.decontaminate?.sets ?? []).map((s) => s.adapter).filter((a) => !isAdapterName(a))];
  if (!allowCode && specs.length) await resolveAdapter(specs[0]!, loaded.baseDir, undefined, { allowCode });

  // Formats are checked before anything is read, like the adapters' options.
  const formatters: { name: string; format(r: MathRecord): Record<string, unknown> }[] = [];
  for (const name of recipe.output.formats) {
    if (name === "record") {
      formatters.push({ name, format: (r) => r as unknown as Record<string, unknown> });
      continue;
    }
    const fmt = await import("@mathtune/format");
    try {
      const f = await fmt.createFormatter({ ...recipe.output.formatOptions, format: name }, { baseDir: loaded.baseDir });
      formatters.push({ name, format: (r) => f.formatRecord(r) as unknown as Record<string, unknown> });
    } catch (e) {
      throw isMathtuneError(e) && e.code !== "E_OPTIONS_INVALID" ? e : configError("/output/formatOptions", e, loaded);
    }
  }
  if (new Set(recipe.output.formats).size !== recipe.output.formats.length) throw new MathtuneError("E_CONFIG_INVALID", "/output/formats: a format is listed twice");
  for (const i of modules) parseSource(i, await resolveAdapter(recipe.sources[i]!.adapter, loaded.baseDir, loaded.locate?.(`/sources/${i}/adapter`), { allowCode }));
  const checks = await recipeChecks(recipe, loaded, signal);
  // The report (Vega, KaTeX) loads only when a build runs: importing @mathtune/build stays light.
  const { DatasetReportCollector, writeDatasetReport } = await import("@mathtune/report");
  const report = new DatasetReportCollector();
  const stages = [...checks.stages, ...(opts.stages ?? []), report.stage];
  const workerUrl = opts.loadWorkerUrl !== undefined ? new URL(String(opts.loadWorkerUrl), import.meta.url) : defaultLoadWorkerUrl();
  if (workerUrl?.protocol === "file:" && !existsSync(fileURLToPath(workerUrl))) {
    throw new MathtuneError("E_CONFIG_INVALID", `loadWorkerUrl: no worker script at ${fileURLToPath(workerUrl)}`);
  }
  if (opts.readInWorker === true && !workerUrl) {
    throw new MathtuneError("E_CONFIG_INVALID", "readInWorker: the worker script load-worker.js is missing", { hint: "build @mathtune/build, or leave readInWorker unset" });
  }
  if (typeof opts.out !== "string" || opts.out.trim() === "") throw new MathtuneError("E_OUTPUT_UNSAFE", "the output path is empty", { hint: "pass a folder, e.g. --out datasets/out/my-set" });
  const out = resolve(opts.out);
  // Everything this build reads must survive it: the recipe, every source and evaluation set.
  const protect: string[] = [];
  if (loaded.file) protect.push(loaded.file);
  for (const s of [...recipe.sources, ...(recipe.checks.decontaminate?.sets ?? [])]) {
    const p = (s.options as { path?: unknown } | undefined)?.path;
    if (typeof p === "string" && p) protect.push(isAbsolute(p) ? p : resolve(loaded.baseDir, p));
  }
  const dir = await AtomicDir.create(out, { kind: "build", marker: false, force: opts.force ?? false, protect, ...(opts.lockWaitMs !== undefined ? { waitMs: opts.lockWaitMs } : {}) });
  yield { type: "start", recipe: recipe.name, out, sources: sourceNames };

  const counts: BuildCounts = {
    read: 0,
    written: 0,
    quarantined: 0,
    splits: { train: 0, validation: 0, test: 0 },
    sources: {},
    quarantineByCode: {},
  };
  const quarantine = new HashingWriter(dir.path("quarantine.jsonl"));
  const stagingPath = dir.path(".staging.jsonl");
  const staging = new HashingWriter(stagingPath, { hash: false });
  const stratumKey = stratumOf(recipe.split.by);
  const splitter = StratifiedSplitter.fromOptions(recipe.split, seed);
  // Ids are unique within one adapter's load (the adapter contract); sources sharing an adapter are checked here.
  const adapterUses = new Map<string, number>();
  for (const a of adapters) adapterUses.set(a.name, (adapterUses.get(a.name) ?? 0) + 1);
  const sharedIds = new Map<string, Set<string>>();
  let staged = 0;
  // Facets for the dataset card: source x category x difficulty, counted per split in pass 2.
  const facets = new Map<string, number>();
  const facetKeys: [string, string, string, string][] = [];
  const facetSplits: Record<SplitName, number>[] = [];
  const facetIndex = (si: number, r: MathRecord): number => {
    const key = `${si}\u001f${r.category ?? "-"}\u001f${r.difficulty ?? "-"}\u001f${r.lang}`;
    let i = facets.get(key);
    if (i === undefined) {
      i = facetKeys.length;
      facets.set(key, i);
      facetKeys.push([sourceNames[si]!, r.category ?? "-", r.difficulty === undefined ? "-" : String(r.difficulty), r.lang]);
      facetSplits.push({ train: 0, validation: 0, test: 0 });
    }
    return i;
  };
  let committed = false;
  let openSinks: OutputSink[] = [];
  let worker: SourceWorker | undefined;

  try {
    if (workerUrl && (opts.readInWorker ?? availableParallelism() > 1)) worker = new SourceWorker(workerUrl);
    for (const [si, source] of recipe.sources.entries()) {
      const name = sourceNames[si]!;
      const adapter = adapters[si]!;
      const sc: SourceCounts = { adapter: adapter.name, read: 0, written: 0, quarantined: 0, splits: { train: 0, validation: 0, test: 0 } };
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
          location: loc ? formatLocation(relativeLocation(loc, loaded.baseDir)) : null,
        };
        const id = r.id ?? record?.id;
        if (id !== undefined) entry.id = id;
        entry.raw = r.raw ?? record ?? null;
        pendingQuarantine.push(stableStringify(entry));
        sourceCodes[r.code] = (sourceCodes[r.code] ?? 0) + 1;
        if (loc && !firstLocation) firstLocation = relativeLocation(loc, loaded.baseDir);
        sc.quarantined++;
        counts.quarantineByCode[r.code] = (counts.quarantineByCode[r.code] ?? 0) + 1;
      };
      const flushQuarantine = async () => {
        for (const line of pendingQuarantine) {
          const p = quarantine.writeLine(line);
          if (p) await p;
        }
        pendingQuarantine.length = 0;
      };
      let ids: Set<string> | undefined;
      if ((adapterUses.get(adapter.name) ?? 0) > 1) {
        ids = sharedIds.get(adapter.name) ?? new Set();
        sharedIds.set(adapter.name, ids);
      }
      let batch: MathRecord[] = [];
      const flushBatch = async () => {
        let current = batch;
        batch = [];
        for (const stage of stages) {
          if (!current.length) break;
          const res = await stage.process(current, signal ? { signal } : {});
          if (res.length !== current.length) throw new MathtuneError("E_INTERNAL", `stage '${stage.name}' returned ${res.length} results for ${current.length} records`);
          const next: MathRecord[] = [];
          for (const [i, item] of res.entries()) {
            if (isRejection(item)) toQuarantine(item, stage.name, current[i]);
            else next.push(item);
          }
          current = next;
        }
        for (const r of current) {
          if (ids) {
            if (ids.has(r.id)) {
              toQuarantine(reject("E_DUPLICATE_ID", `id '${r.id}' was already read from an earlier source of adapter '${adapter.name}'`), "ids", r);
              continue;
            }
            ids.add(r.id);
          }
          const forced = pinnedSplit(r, recipe.split.respectSourceSplit);
          const stratum = splitter.count(stratumKey(r), forced);
          const facet = facetIndex(si, r);
          // Staging line: source, stratum, forced split (or -), facet, then the record.
          const p = staging.writeLine(`${si}\t${stratum}\t${forced ?? "-"}\t${facet}\t${JSON.stringify(r)}`);
          if (p) await p;
          staged++;
          kept++;
        }
        await flushQuarantine();
      };
      let last = Date.now();
      const job: SourceJob = { adapter: source.adapter, baseDir: loaded.baseDir, options: source.options, batchSize, ...(source.limit !== undefined ? { limit: source.limit } : {}) };
      const batches: AsyncIterable<LoadBatch> = worker ? worker.load(job, signal) : loadBatches(adapter, job, signal);
      for await (const b of batches) {
        for (const r of b.rejections) {
          loadRejected++;
          toQuarantine(r, "load");
        }
        if (b.bytes !== undefined) bytes = b.bytes;
        if (b.totalBytes !== undefined) totalBytes = b.totalBytes;
        sc.read += b.records.length;
        batch = b.records;
        await flushBatch();
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
        const codes = Object.entries(sourceCodes).sort((a, b) => b[1] - a[1]).map(([c, n]) => `${n} ${c}`).join(", ");
        throw new MathtuneError("E_SOURCE_EMPTY", `source '${name}' yielded no record: ${sc.read + loadRejected} read${codes ? `, all quarantined (${codes})` : ""}`, {
          ...(firstLocation ? { location: firstLocation } : {}),
          hint: "check the source's path, format and field mapping; set 'allowEmpty: true' on the source to build without it",
          details: { source: name, read: sc.read + loadRejected, quarantined: sourceCodes },
        });
      }
      // Adapter rejections are records read too: in = out + quarantined.
      sc.read += loadRejected;
      counts.read += sc.read;
      counts.quarantined += sc.quarantined;
      yield { type: "source-end", source: name, read: sc.read, kept, quarantined: sc.quarantined, elapsedMs: Date.now() - t0 };
    }
    throwIfAborted(signal);
    if (staged === 0 && !recipe.sources.every((s) => s.allowEmpty)) {
      throw new MathtuneError("E_SOURCE_EMPTY", `no record passed the checks: ${counts.read} read, ${counts.quarantined} quarantined (${Object.entries(counts.quarantineByCode).map(([c, n]) => `${n} ${c}`).join(", ")})`, {
        hint: "nothing would be written; check the sources and checks, or set 'allowEmpty: true' on the sources to write an empty build",
        details: { quarantined: counts.quarantineByCode },
      });
    }
    await staging.close();
    // The inputs' sha256 for the manifest: the worker reads them again while this thread writes.
    const inputPath = (s: (typeof recipe.sources)[number]): string | undefined => {
      const p = (s.options as { path?: unknown }).path;
      return typeof p === "string" ? (isAbsolute(p) ? p : resolve(loaded.baseDir, p)) : undefined;
    };
    const digests = recipe.sources.map((s) => {
      const path = inputPath(s);
      if (path === undefined || !worker) return undefined;
      const d = worker.digest(path);
      d.catch(() => undefined); // awaited in the finalize phase; a build that fails before then ignores it
      return d;
    });

    yield { type: "phase", phase: "split" };
    const strata = splitter.plan();
    sharedIds.clear();

    yield { type: "phase", phase: "write" };
    // One sink per split, format and file kind. The record format as JSON lines takes the staged text as is.
    const sinks: { split: SplitName; format: (typeof formatters)[number]; sink: OutputSink }[] = [];
    for (const split of SPLITS) {
      for (const f of formatters) {
        for (const kind of recipe.output.files) {
          const file = outputName(split, f.name, kind);
          const path = dir.path(file);
          const sink = kind === "jsonl" ? new JsonlSink(file, path, worker?.hasher()) : kind === "parquet" ? new ParquetSink(file, path, f.name === "record" ? RECORD_COLUMNS : undefined) : new ArrowSink(file, path, f.name === "record" ? RECORD_COLUMNS : undefined);
          sinks.push({ split, format: f, sink });
        }
      }
    }
    openSinks = sinks.map((s) => s.sink);
    const rawSink = Object.fromEntries(SPLITS.map((s) => [s, sinks.find((k) => k.split === s && k.format.name === "record" && k.sink instanceof JsonlSink)?.sink as JsonlSink | undefined])) as Record<SplitName, JsonlSink | undefined>;
    const parsedSinks = Object.fromEntries(SPLITS.map((s) => [s, sinks.filter((k) => k.split === s && k.sink !== rawSink[s])])) as Record<SplitName, typeof sinks>;
    const needParse = SPLITS.some((s) => parsedSinks[s].length > 0);
    let ordinal = 0;
    const sourceCounts = sourceNames.map((n) => counts.sources[n]!);
    const writeStarted = Date.now();
    let lastWriteEvent = writeStarted;
    // The staged lines are read into one reused buffer: each batch is copied out (concat, parse) before the next.
    for await (const lines of readRawLineBatches(stagingPath, { reuse: true, ...(signal ? { signal } : {}) })) {
      const now = Date.now();
      if (now - lastWriteEvent >= PROGRESS_EVERY_MS) {
        lastWriteEvent = now;
        yield { type: "write-progress", written: ordinal, total: staged, elapsedMs: now - writeStarted };
      }
      const parts: Record<SplitName, Buffer[]> = { train: [], validation: [], test: [] };
      for (const line of lines) {
        // The JSON never holds a raw tab, so the first four tabs end the prefix.
        const t1 = line.indexOf(9);
        const t2 = line.indexOf(9, t1 + 1);
        const t0 = line.indexOf(9, t2 + 1);
        const t3 = line.indexOf(9, t0 + 1);
        if (t3 < 0) throw new MathtuneError("E_INTERNAL", "staging file is corrupt");
        const forcedEnd = t0;
        const forced = line.toString("latin1", t2 + 1, forcedEnd);
        const split = forced !== "-" ? (forced as SplitName) : splitter.assign(Number(line.toString("latin1", t1 + 1, t2)));
        const json = line.subarray(t3 + 1);
        if (rawSink[split]) parts[split].push(json, NEWLINE);
        if (needParse && parsedSinks[split].length) {
          const record = JSON.parse(json.toString("utf8")) as MathRecord;
          for (const { format, sink } of parsedSinks[split]) {
            const p = sink.add(format.format(record));
            if (p) await p;
          }
        }
        facetSplits[Number(line.toString("latin1", t0 + 1, t3))]![split]++;
        const sc = sourceCounts[Number(line.toString("latin1", 0, t1))]!;
        sc.splits[split]++;
        sc.written++;
        counts.splits[split]++;
        ordinal++;
      }
      for (const split of SPLITS) {
        if (!parts[split].length) continue;
        const p = rawSink[split]!.addRaw(Buffer.concat(parts[split]), parts[split].length / 2);
        if (p) await p;
      }
    }
    if (ordinal !== staged) throw new MathtuneError("E_INTERNAL", `staged ${staged} records but re-read ${ordinal}`);
    counts.written = ordinal;
    await rm(stagingPath);

    yield { type: "phase", phase: "finalize" };
    const outputs: OutputFile[] = [];
    for (const { sink } of sinks) {
      const r = await sink.close();
      outputs.push({ file: sink.file, sha256: r.sha256, bytes: r.bytes, records: r.records });
    }
    const q = await quarantine.close();
    outputs.push({ file: "quarantine.jsonl", sha256: q.sha256, bytes: q.bytes, records: q.lines });

    if (counts.read !== counts.written + counts.quarantined) {
      throw new MathtuneError("E_INTERNAL", `records in (${counts.read}) != written (${counts.written}) + quarantined (${counts.quarantined})`);
    }

    const inputs = [];
    for (const [si, s] of recipe.sources.entries()) {
      const entry: Record<string, unknown> = { source: sourceNames[si], adapter: s.adapter };
      const p = (s.options as { path?: unknown }).path;
      const abs = inputPath(s);
      if (typeof p === "string" && abs !== undefined) {
        const d = await (digests[si] ?? digestTree(abs));
        entry.path = p;
        entry.sha256 = d.sha256;
        entry.files = d.files;
        entry.bytes = d.bytes;
      }
      const hubInput = hubInputs[si];
      if (hubInput) Object.assign(entry, hubInputEntry(hubInput.provenance));
      inputs.push(entry);
    }
    restoreHubOptions(recipe.sources, hubInputs);
    restoreHubOptions(evalSets, hubSets);
    const stageSummaries = Object.fromEntries(stages.filter((s) => s.summary).map((s) => [s.name, s.summary!()]));
    const manifest: Record<string, unknown> = {
      mathtune: { manifestVersion: 1, packages: packageVersions(), node: process.version },
      // Paths relative to the recipe's folder: the same build elsewhere gives the same bytes.
      // The sections of `mathtune run` (model, train, deploy, eval) do not shape the dataset: left out, so that
      // changing a training option leaves the build's bytes, and every stage that reads them, unchanged.
      recipe: { name: recipe.name, file: loaded.file ? portable(relative(loaded.baseDir, loaded.file)) : null, value: datasetPart(recipe) },
      seed,
      inputs,
      counts,
      strata,
      stages: stageSummaries,
      outputs,
    };
    for (const report of checks.reports) {
      for (const [file, text] of Object.entries(report())) {
        await writeFileAtomic(dir.path(file), text);
        outputs.push({ file, sha256: sha256(text), bytes: Buffer.byteLength(text), records: 0 });
      }
    }
    const manifestText = `${stableStringify(manifest, 2)}\n`;
    await writeFileAtomic(dir.path("manifest.json"), manifestText);
    await writeFileAtomic(dir.path("README.md"), renderCard({
        recipe,
        counts,
        strata,
        stages: stageSummaries,
        outputs,
        facets: facetKeys.map(([source, category, difficulty, lang], i) => ({ source, category, difficulty, lang, splits: facetSplits[i]! })),
        sections: checks.card.map((c) => c()),
      }));
    await writeDatasetReport(dir.path("."), { manifest, collector: report, formatOptions: recipe.output.formatOptions, baseDir: loaded.baseDir, ...(signal ? { signal } : {}) });
    await dir.commit();
    committed = true;
    const result: BuildResult = { out, counts, outputs, manifest, elapsedMs: Date.now() - started };
    yield { type: "done", result };
  } catch (e) {
    // A filesystem failure (disk full, permission, ...) gets its own code, the path and a hint.
    throw isMathtuneError(e) || typeof (e as NodeJS.ErrnoException)?.syscall !== "string" ? e : fsError(e, out);
  } finally {
    await worker?.close();
    for (const s of openSinks) s.destroy();
    quarantine.destroy();
    staging.destroy();
    for (const s of stages) await s.close?.();
    if (!committed) await dir.abort();
  }
}

/** Runs a build to the end and returns its result. */
export async function build(opts: BuildOptions): Promise<BuildResult> {
  let result: BuildResult | undefined;
  for await (const ev of buildIter(opts)) if (ev.type === "done") result = ev.result;
  if (!result) throw new MathtuneError("E_INTERNAL", "build ended without a result");
  return result;
}
