import { rm } from "node:fs/promises";
import { availableParallelism } from "node:os";
import {
  HashingWriter,
  MathtuneError,
  digestTree,
  fsError,
  isMathtuneError,
  sha256,
  stableStringify,
  throwIfAborted,
  writeFileAtomic,
} from "@mathtune/core";
import { StratifiedSplitter, stratumOf } from "@mathtune/split";
import { renderCard } from "./card.js";
import { prepareHubSources, restoreHubOptions } from "./hub-sources.js";
import { CardFacets } from "./internal/facets.js";
import { ingest } from "./internal/ingest.js";
import { inputPath, loadWorkerUrl, openOutput, prepareRecipe, resolveLoaded } from "./internal/prepare.js";
import { OutputRouter, route } from "./internal/route.js";
import { StagingFile } from "./internal/staging.js";
import { createManifest, manifestInput } from "./manifest.js";
import { SourceWorker } from "./source-reader.js";
import type { BuildCounts, BuildEvent, BuildOptions, BuildResult, OutputFile } from "./types.js";

/**
 * Builds a dataset: streams every source through the checks into a staging file (pass 1, ingest),
 * plans the split on compact per-record facts, then routes the staged lines to the split files
 * (pass 2), and writes the manifest, the card and the report. Yields progress events, the last one
 * `done`; returns the result.
 */
export async function* buildDatasetIter(opts: BuildOptions): AsyncGenerator<BuildEvent, BuildResult> {
  const started = Date.now();
  const loaded = await resolveLoaded(opts);
  const recipe = structuredClone(loaded.recipe);
  if (opts.seed !== undefined) recipe.seed = opts.seed;
  const signal = opts.signal;
  const sourceNames = recipe.sources.map((s) => s.name ?? s.adapter);
  const dupName = sourceNames.find((n, i) => sourceNames.indexOf(n) !== i);
  if (dupName)
    throw new MathtuneError("E_CONFIG_INVALID", `two sources are named '${dupName}'; give one a distinct 'name'`);
  const allowCode = opts.allowCode ?? true;

  // Hub sources (`options.hub`) are downloaded into the Hugging Face cache and read from there.
  const hubInputs = yield* prepareHubSources(recipe.sources, {
    names: sourceNames,
    baseDir: loaded.baseDir,
    signal,
    allowCode,
  });
  const evalSets = recipe.checks.decontaminate?.sets ?? [];
  const hubSets = yield* prepareHubSources(evalSets, {
    names: evalSets.map((s) => s.name),
    baseDir: loaded.baseDir,
    signal,
    allowCode,
    where: "/checks/decontaminate/sets",
  });

  // Every source's options, the formats and the checks are checked before anything is read.
  const { adapters, formatters, checks } = await prepareRecipe(recipe, loaded, allowCode, signal);
  // The report (Vega, KaTeX) loads only when a build runs: importing @mathtune/dataset stays light.
  const { DatasetReportCollector, writeDatasetReport } = await import("@mathtune/report");
  const report = new DatasetReportCollector();
  const stages = [...checks.stages, ...(opts.stages ?? []), report.stage];
  const workerUrl = loadWorkerUrl(opts, import.meta.url);
  const { out, dir } = await openOutput(opts, recipe, loaded);
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
  const staging = new StagingFile(dir.path(".staging.jsonl"));
  const stratumKey = stratumOf(recipe.split.by);
  const splitter = StratifiedSplitter.fromOptions(recipe.split, recipe.seed);
  const facets = new CardFacets(sourceNames);
  let router: OutputRouter | undefined;
  let worker: SourceWorker | undefined;
  let committed = false;
  try {
    if (workerUrl && (opts.readInWorker ?? availableParallelism() > 1)) worker = new SourceWorker(workerUrl);
    yield* ingest({
      recipe,
      sourceNames,
      adapters,
      stages,
      baseDir: loaded.baseDir,
      batchSize: opts.batchSize ?? 512,
      signal,
      worker,
      staging,
      quarantine,
      splitter,
      stratumKey,
      facets,
      counts,
    });
    throwIfAborted(signal);
    if (staging.lines === 0 && !recipe.sources.every((s) => s.allowEmpty)) {
      throw new MathtuneError(
        "E_SOURCE_EMPTY",
        `no record passed the checks: ${counts.read} read, ${counts.quarantined} quarantined (${Object.entries(
          counts.quarantineByCode,
        )
          .map(([c, n]) => `${n} ${c}`)
          .join(", ")})`,
        {
          hint: "nothing would be written; check the sources and checks, or set 'allowEmpty: true' on the sources to write an empty build",
          details: { quarantined: counts.quarantineByCode },
        },
      );
    }
    await staging.close();
    // The inputs' sha256 for the manifest: the worker reads them again while this thread writes.
    const digests = recipe.sources.map((s) => {
      const path = inputPath(s.options, loaded.baseDir);
      if (path === undefined || !worker) return undefined;
      const d = worker.digest(path);
      d.catch(() => undefined); // awaited in the finalize phase; a build that fails before then ignores it
      return d;
    });

    yield { type: "phase", phase: "split" };
    const strata = splitter.plan();

    yield { type: "phase", phase: "write" };
    // The worker also hashes the JSON-lines outputs, off this thread.
    const reader = worker;
    router = new OutputRouter(dir, formatters, recipe.output.files, reader ? () => reader.hasher() : undefined);
    counts.written = yield* route({ staging, splitter, facets, sourceNames, counts, signal }, router);
    await rm(staging.path);

    yield { type: "phase", phase: "finalize" };
    const outputs: OutputFile[] = await router.close();
    const q = await quarantine.close();
    outputs.push({ file: "quarantine.jsonl", sha256: q.sha256, bytes: q.bytes, records: q.lines });
    if (counts.read !== counts.written + counts.quarantined) {
      throw new MathtuneError(
        "E_INTERNAL",
        `records in (${counts.read}) != written (${counts.written}) + quarantined (${counts.quarantined})`,
      );
    }
    const inputs = [];
    for (const [si, s] of recipe.sources.entries()) {
      const path = inputPath(s.options, loaded.baseDir);
      const digest = path === undefined ? undefined : await (digests[si] ?? digestTree(path));
      inputs.push(
        manifestInput(
          { name: sourceNames[si]!, adapter: s.adapter, path: (s.options as { path?: unknown }).path },
          digest,
          hubInputs[si],
        ),
      );
    }
    restoreHubOptions(recipe.sources, hubInputs);
    restoreHubOptions(evalSets, hubSets);
    const stageSummaries = Object.fromEntries(stages.filter((s) => s.summary).map((s) => [s.name, s.summary!()]));
    // The checks' own files (contamination.json) are outputs too, listed in the manifest.
    for (const r of checks.reports) {
      for (const [file, text] of Object.entries(r())) {
        await writeFileAtomic(dir.path(file), text);
        outputs.push({ file, sha256: sha256(text), bytes: Buffer.byteLength(text), records: 0 });
      }
    }
    const manifest = createManifest({ loaded, recipe, inputs, counts, strata, stages: stageSummaries, outputs });
    await writeFileAtomic(dir.path("manifest.json"), `${stableStringify(manifest, 2)}\n`);
    const sections = checks.card.map((c) => c());
    await writeFileAtomic(
      dir.path("README.md"),
      renderCard({ recipe, counts, strata, stages: stageSummaries, outputs, facets: facets.rows(), sections }),
    );
    await writeDatasetReport(dir.path("."), {
      manifest: { ...manifest },
      collector: report,
      formatOptions: recipe.output.formatOptions,
      baseDir: loaded.baseDir,
      ...(signal ? { signal } : {}),
    });
    await dir.commit();
    committed = true;
    const result: BuildResult = { out, counts, outputs, manifest, elapsedMs: Date.now() - started };
    yield { type: "done", result };
    return result;
  } catch (e) {
    // A filesystem failure (disk full, permission, ...) gets its own code, the path and a hint.
    throw isMathtuneError(e) || typeof (e as NodeJS.ErrnoException)?.syscall !== "string" ? e : fsError(e, out);
  } finally {
    await worker?.close();
    router?.destroy();
    quarantine.destroy();
    staging.destroy();
    for (const s of stages) await s.close?.();
    if (!committed) await dir.abort();
  }
}

/** Runs a build to the end and returns its result (`buildDatasetIter`'s return value). */
export async function buildDataset(opts: BuildOptions): Promise<BuildResult> {
  const it = buildDatasetIter(opts);
  for (;;) {
    const next = await it.next();
    if (next.done) return next.value;
  }
}
