/**
 * `mathtune run`: one recipe from sources to a deployed, evaluated model, in one run folder.
 *
 *   build -> deploy-base -> eval-base -> train -> merge -> deploy -> eval-tuned -> compare -> report
 *
 * Each stage goes through `runStage`, so lineage.json records the sha256 of what it read and wrote
 * and a rerun skips it when neither changed. The calls into the other packages all sit here, so a
 * change of their API touches this one file. Run folder layout:
 *
 *   recipe.yaml (a copy)  data/  deploy-base/  eval/base/  train/  merged/  deploy/
 *   eval/tuned-<type>/  compare/base-vs-tuned/  compare/<f16>-vs-<quant>/  report/  lineage.json
 */
import { existsSync } from "node:fs";
import { availableParallelism } from "node:os";
import { copyFile, mkdir, readFile, readdir } from "node:fs/promises";
import { isAbsolute, join, resolve } from "node:path";
import { type BuildEvent, buildDatasetIter, datasetPart, loadRecipe } from "@mathtune/dataset";
import {
  MathtuneError,
  OUTPUT_MARKER,
  outputMarker,
  prepareOutputDir,
  throwIfAborted,
  writeFileAtomic,
} from "@mathtune/core";
import {
  createOllamaModel,
  type DeployEvent,
  type DeployResult,
  deploy,
  OllamaClient,
  type ToolEvent,
} from "@mathtune/deploy";
import {
  type Comparison,
  compareRuns,
  type EvalEvent,
  evaluateIter,
  type EvalMetrics,
  promptMessages,
  promptSettings,
} from "@mathtune/eval";
import { KNOWN_MODELS, fetchModel, merge, type TrainEvent, trainIter } from "@mathtune/train";
import { type StageEvent, type StageName, runStage } from "./lineage.js";
import { parseRunSections, type RunSections } from "./sections.js";

/** The options of {@link runPipeline}. */
export interface RunOptions {
  /** The recipe file (YAML or JSON) with the run sections. */
  recipe: string;
  /** The run folder. */
  out: string;
  /** The base model, instead of the recipe's `model`. */
  model?: string;
  /** Write into an existing folder that mathtune did not write (never the current folder or an ancestor). */
  force?: boolean;
  /** Allow module adapters in the recipe (default true; a recipe is code, like a Makefile). */
  allowCode?: boolean;
  /** Python for train and merge (default: the project's venv). */
  python?: string;
  venv?: string;
  /** The first abort stops the running stage cleanly (training keeps a checkpoint); the next run goes on from there. */
  signal?: AbortSignal;
  /** Kills the training process tree at once (a second Ctrl-C). */
  killSignal?: AbortSignal;
  /** Resolves a model name or Hub id to a local folder (default: the known models, local folders, then the Hugging Face Hub). */
  resolveModel?: (model: string, signal?: AbortSignal) => Promise<string>;
  /** Stage bookkeeping and each stage's own progress events. */
  onEvent?: (e: RunEvent) => void;
}

/** Stage bookkeeping events, and each stage's own events (build, train, deploy, eval) tagged with the stage. */
export type RunEvent =
  | StageEvent
  | {
      type: "stage-event";
      stage: StageName;
      event: BuildEvent | TrainEvent | DeployEvent | ToolEvent | EvalEvent | { type: "note"; message: string };
    };

/** What a run produced (every stage done or skipped). */
export interface RunResult {
  out: string;
  stages: { stage: StageName; skipped: boolean; seconds: number }[];
  /** The base model vs the tuned one, both in the unquantized GGUF type. */
  comparison: Comparison;
  /** The tuned model: the unquantized type vs each quant type evaluated. */
  quantComparisons: Comparison[];
  /** Metrics by role: `base`, `tuned-f16`, `tuned-q4_k_m`, ... */
  metrics: Record<string, EvalMetrics>;
  report: string;
  ollama?: { name: string; host: string } | { skipped: string };
  seconds: number;
}

/** The marker of a stage's partial work: the inputs hash it was started with, so a rerun can tell whether to resume it. */
const STAGE_MARK = ".mathtune-stage.json";

async function startedWith(dir: string): Promise<string | undefined> {
  const text = await readFile(join(dir, STAGE_MARK), "utf8").catch(() => undefined);
  if (!text) return undefined;
  try {
    return (JSON.parse(text) as { inputsHash?: string }).inputsHash;
  } catch {
    return undefined;
  }
}

async function markStarted(dir: string, inputsHash: string): Promise<void> {
  await writeFileAtomic(join(dir, STAGE_MARK), `${JSON.stringify({ inputsHash })}\n`);
}

/** The default model resolution: a name `mathtune model list` knows, a local folder, else a Hugging Face id. */
async function defaultResolveModel(model: string, baseDir: string, signal?: AbortSignal): Promise<string> {
  if (Object.hasOwn(KNOWN_MODELS, model)) return (await fetchModel(model, {})).path;
  const local = isAbsolute(model) ? model : resolve(baseDir, model);
  if (existsSync(local)) return local;
  if (model.startsWith(".") || model.startsWith("/") || model.startsWith("~")) {
    throw new MathtuneError("E_INPUT_NOT_FOUND", `no model folder at ${local}`, {
      hint: "give a local Hugging Face model folder, a name `mathtune model list` shows, or a Hub id",
    });
  }
  const hub = await import("@mathtune/hub");
  return (await hub.resolveModel(model, signal ? { signal } : {})).path;
}

/**
 * The local files a recipe's sources read (`path` options, module adapters), so that the build
 * stage notices when one changes. The recipe itself counts by value, without the run sections.
 */
function sourcePaths(
  recipe: { sources: { adapter: string; options?: Record<string, unknown> }[] },
  baseDir: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  recipe.sources.forEach((s, i) => {
    const p = s.options?.path;
    if (typeof p === "string" && existsSync(resolve(baseDir, p))) out[`source${i}`] = resolve(baseDir, p);
    if (/^[./]/.test(s.adapter) && existsSync(resolve(baseDir, s.adapter)))
      out[`adapter${i}`] = resolve(baseDir, s.adapter);
  });
  return out;
}

/** Runs the whole pipeline; see the module comment. Returns when every stage is done or skipped. */
export async function runPipeline(opts: RunOptions): Promise<RunResult> {
  const t0 = Date.now();
  const emit = opts.onEvent ?? (() => {});
  const loaded = await loadRecipe(opts.recipe);
  const sections: RunSections = parseRunSections(loaded, opts.model ? { model: opts.model } : {});
  if (!sections.model) {
    throw new MathtuneError(
      "E_CONFIG_INVALID",
      `${loaded.file ?? opts.recipe}: no base model: set \`model:\` in the recipe or pass --model`,
      {
        details: { exitCode: 2 },
        hint: "e.g. model: smollm2-135m-instruct (see `mathtune model list`), a local folder, or Qwen/Qwen2.5-0.5B-Instruct",
      },
    );
  }
  const runDir = resolve(opts.out);
  const baseDir = loaded.baseDir;
  const held = await prepareOutputDir(runDir, {
    kind: "run",
    force: opts.force ?? false,
    protect: [loaded.file, ...Object.values(sourcePaths(loaded.recipe, baseDir))],
    recognise: (_d, e) => e.includes("lineage.json"),
  });
  await mkdir(runDir, { recursive: true });
  if (!existsSync(join(runDir, OUTPUT_MARKER))) await writeFileAtomic(join(runDir, OUTPUT_MARKER), outputMarker("run"));
  const stages: RunResult["stages"] = [];
  const sig = opts.signal;
  const signalOpts = sig ? { signal: sig } : {};
  const py = { ...(opts.python ? { python: opts.python } : {}), ...(opts.venv ? { venv: opts.venv } : {}) };
  const sub = (stage: StageName) => (event: Extract<RunEvent, { type: "stage-event" }>["event"]) =>
    emit({ type: "stage-event", stage, event });
  const stage = async (
    name: StageName,
    inputs: Parameters<typeof runStage>[2],
    work: Parameters<typeof runStage>[3],
  ) => {
    throwIfAborted(sig);
    const r = await runStage(runDir, name, inputs, work, { ...signalOpts, onEvent: emit });
    stages.push({ stage: name, skipped: r.skipped, seconds: r.skipped ? 0 : r.seconds });
    return r;
  };
  const at = (rel: string) => join(runDir, rel);
  try {
    const model = await (opts.resolveModel
      ? opts.resolveModel(sections.model, sig)
      : defaultResolveModel(sections.model, baseDir, sig));
    if (loaded.file) await copyFileIfChanged(loaded.file, at("recipe.yaml"));

    // 1. The dataset.
    await stage(
      "build",
      {
        paths: sourcePaths(loaded.recipe, baseDir),
        values: { recipe: datasetPart(loaded.recipe), allowCode: opts.allowCode ?? true },
      },
      async () => {
        for await (const e of buildDatasetIter({
          recipe: loaded,
          out: at("data"),
          allowCode: opts.allowCode ?? true,
          ...signalOpts,
        }))
          sub("build")(e);
        return { dataset: "data" };
      },
    );
    // The options of one evaluation: which types, and whether side by side, do not change its predictions.
    const evalValues = { ...sections.eval, types: undefined, sideBySide: undefined };
    // evaluate() resumes a folder whose predictions were made with the same model, test set, decoding
    // and prompt, and starts it again otherwise (overwrite): an interrupted evaluation goes on.
    const { types: _types, sideBySide: _sideBySide, ...evalOptions } = sections.eval;
    const evaluateInto = async (name: StageName, gguf: string, out: string, threads = evalOptions.threads) => {
      for await (const ev of evaluateIter({
        model: gguf,
        testSet: at("data"),
        out,
        ...evalOptions,
        ...(threads ? { threads } : {}),
        overwrite: true,
        ...signalOpts,
      }))
        sub(name)(ev);
    };

    // 2. The base model: converted like the tuned one and evaluated before training, so that a
    // training change redoes neither.
    const outtype = sections.deploy.outtype;
    await stage(
      "deploy-base",
      { paths: { model }, values: { outtype, preTokenizer: sections.deploy.preTokenizer } },
      async () => {
        await deploy({
          model,
          out: at("deploy-base"),
          quant: [],
          outtype,
          smokeRequireAnswer: false,
          ...(sections.deploy.threads ? { threads: sections.deploy.threads } : {}),
          ...(sections.deploy.preTokenizer ? { preTokenizer: sections.deploy.preTokenizer } : {}),
          ...py,
          ...signalOpts,
          onEvent: sub("deploy-base"),
        });
        return { [`gguf:${outtype}`]: `deploy-base/model.${outtype}.gguf` };
      },
    );
    await stage(
      "eval-base",
      { paths: { gguf: at(`deploy-base/model.${outtype}.gguf`), dataset: at("data") }, values: { eval: evalValues } },
      async () => {
        await evaluateInto("eval-base", at(`deploy-base/model.${outtype}.gguf`), at("eval/base"));
        return { "eval:base": "eval/base" };
      },
    );

    // 3. Training: resumes its checkpoint when it was interrupted with the same inputs.
    await stage(
      "train",
      { paths: { dataset: at("data"), model }, values: { train: sections.train } },
      async ({ inputsHash }) => {
        const dir = at("train");
        const previous = existsSync(join(dir, "checkpoints")) || existsSync(join(dir, "adapter"));
        const resume = previous && (await startedWith(dir)) === inputsHash && (await hasCheckpoint(dir));
        const it = trainIter({
          data: at("data"),
          model,
          out: dir,
          ...sections.train,
          ...(resume ? { resume: true } : previous ? { overwrite: true } : {}),
          ...py,
          ...signalOpts,
          ...(opts.killSignal ? { killSignal: opts.killSignal } : {}),
        });
        for (;;) {
          const n = await it.next();
          if (n.done) break;
          if (n.value.type === "start") await markStarted(dir, inputsHash);
          sub("train")(n.value);
        }
        return { adapter: "train/adapter", trainConfig: "train/config.json" };
      },
    );

    // 4. Merge and deploy the tuned model.
    await stage("merge", { paths: { adapter: at("train/adapter"), model } }, async () => {
      await merge({
        adapter: at("train"),
        model,
        out: at("merged"),
        ...py,
        ...signalOpts,
        ...(opts.killSignal ? { killSignal: opts.killSignal } : {}),
        onEvent: (e) => sub("merge")(e as TrainEvent),
      });
      return { merged: "merged" };
    });
    const types: string[] = [outtype, ...sections.deploy.quant];
    let ollama: RunResult["ollama"];
    const d = await stage(
      "deploy",
      {
        paths: { merged: at("merged") },
        values: { deploy: { ...sections.deploy, ollama: undefined, name: undefined, host: undefined } },
      },
      async () => {
        const r: DeployResult = await deploy({
          model: at("merged"),
          out: at("deploy"),
          quant: sections.deploy.quant,
          outtype,
          ...(sections.deploy.system ? { system: sections.deploy.system } : {}),
          ...(sections.deploy.numCtx ? { numCtx: sections.deploy.numCtx } : {}),
          ...(sections.deploy.threads ? { threads: sections.deploy.threads } : {}),
          ...(sections.deploy.preTokenizer ? { preTokenizer: sections.deploy.preTokenizer } : {}),
          // The smoke question is asked the way the model was taught (the build's instruction and answer line).
          ...(sections.deploy.smoke
            ? { smoke: await smokeQuestion(at("data/manifest.json")) }
            : { smoke: false as const }),
          ...py,
          ...signalOpts,
          onEvent: sub("deploy"),
        });
        return Object.fromEntries([
          ...r.files.map((f) => [`gguf:${f.type}`, `deploy/${f.file}`]),
          ["template", "deploy/Modelfile"],
        ]);
      },
    );
    // The Ollama model is made on every run where a server answers (it lives in the server, not in the run folder).
    if (sections.deploy.ollama)
      ollama = await createOllama(sections, loaded.recipe.name, at("deploy"), sig, sub("deploy"));

    // 5. Evaluate the tuned model in each type.
    const evalTypes = sections.eval.types ?? types;
    for (const t of evalTypes)
      if (!d.outputs[`gguf:${t}`])
        throw new MathtuneError(
          "E_CONFIG_INVALID",
          `eval.types names ${t}, which the deploy did not write (it wrote ${types.join(", ")})`,
          { details: { exitCode: 2 } },
        );
    await stage(
      "eval-tuned",
      {
        paths: Object.fromEntries([
          ["dataset", at("data")],
          ...evalTypes.map((t) => [`gguf:${t}`, join(runDir, d.outputs[`gguf:${t}`]!.path)]),
        ]),
        values: { eval: evalValues },
      },
      async () => {
        // Side by side without `eval.threads`, the cores are shared out: one evaluation each when there are as many.
        const shared = sections.eval.sideBySide
          ? (sections.eval.threads ?? Math.max(1, Math.floor(availableParallelism() / evalTypes.length)))
          : sections.eval.threads;
        const one = (t: string) =>
          evaluateInto("eval-tuned", join(runDir, d.outputs[`gguf:${t}`]!.path), at(`eval/tuned-${t}`), shared);
        if (sections.eval.sideBySide) await Promise.all(evalTypes.map(one));
        else for (const t of evalTypes) await one(t);
        return Object.fromEntries(evalTypes.map((t) => [`eval:${t}`, `eval/tuned-${t}`]));
      },
    );

    // 6. Compare and report.
    const main = evalTypes.includes(outtype) ? outtype : evalTypes[0]!;
    const pairs: [string, string, string, [string, string]][] = [
      ["base-vs-tuned", "eval/base", `eval/tuned-${main}`, [`base ${outtype}`, `tuned ${main}`]],
    ];
    for (const t of evalTypes)
      if (t !== main)
        pairs.push([`${main}-vs-${t}`, `eval/tuned-${main}`, `eval/tuned-${t}`, [`tuned ${main}`, `tuned ${t}`]]);
    await stage(
      "compare",
      {
        paths: Object.fromEntries(
          pairs.flatMap(([, a, b]) => [
            [a, at(a)],
            [b, at(b)],
          ]),
        ),
      },
      async () => {
        for (const [name, a, b, labels] of pairs)
          await compareRuns({ a: at(a), b: at(b), out: at(`compare/${name}`), labels });
        return Object.fromEntries(pairs.map(([name]) => [`comparison:${name}`, `compare/${name}`]));
      },
    );
    await stage(
      "report",
      {
        paths: {
          compare: at("compare"),
          eval: at("eval"),
          train: at("train/metrics.jsonl"),
          dataset: at("data/manifest.json"),
        },
      },
      async () => {
        const { writeRunReport } = await import("@mathtune/report");
        await writeRunReport(runDir, { out: at("report") });
        return { report: "report" };
      },
    );

    const readJson = async <T>(p: string): Promise<T> => JSON.parse(await readFile(p, "utf8")) as T;
    const metrics: Record<string, EvalMetrics> = { base: await readJson<EvalMetrics>(at("eval/base/metrics.json")) };
    for (const t of evalTypes) metrics[`tuned-${t}`] = await readJson<EvalMetrics>(at(`eval/tuned-${t}/metrics.json`));
    const quantComparisons: Comparison[] = [];
    for (const [name] of pairs.slice(1))
      quantComparisons.push(await readJson<Comparison>(at(`compare/${name}/comparison.json`)));
    return {
      out: runDir,
      stages,
      comparison: await readJson<Comparison>(at("compare/base-vs-tuned/comparison.json")),
      quantComparisons,
      metrics,
      report: at("report/report.html"),
      ...(ollama ? { ollama } : {}),
      seconds: (Date.now() - t0) / 1000,
    };
  } finally {
    await held.release();
  }
}

/** "What is 2 + 3?" in the wording of the build's training conversations, for the deploy's smoke test. */
async function smokeQuestion(manifestFile: string): Promise<{ role: string; content: string }[]> {
  const manifest = JSON.parse(await readFile(manifestFile, "utf8")) as Record<string, unknown>;
  const record = {
    id: "smoke",
    source: "smoke",
    problem: "What is 2 + 3?",
    solution: "2 + 3 = 5",
    answer: "5",
    answerKind: "integer",
    lang: "en",
    category: "arithmetic",
  };
  return promptMessages(record as Parameters<typeof promptMessages>[0], promptSettings(manifest)).map((m) => ({
    role: m.role,
    content: m.content,
  }));
}

async function hasCheckpoint(dir: string): Promise<boolean> {
  const names = await readdir(join(dir, "checkpoints")).catch(() => [] as string[]);
  return names.some((n) => /^checkpoint-\d+$/.test(n));
}

async function copyFileIfChanged(from: string, to: string): Promise<void> {
  const a = await readFile(from);
  const b = await readFile(to).catch(() => undefined);
  if (!b || !a.equals(b)) await copyFile(from, to);
}

/** Creates the Ollama model from the deploy folder when a server answers; says why not otherwise. */
async function createOllama(
  sections: RunSections,
  recipeName: string,
  deployDir: string,
  signal: AbortSignal | undefined,
  emit: (e: { type: "note"; message: string } | DeployEvent) => void,
): Promise<RunResult["ollama"]> {
  const client = new OllamaClient(sections.deploy.host);
  try {
    await client.version(AbortSignal.any([AbortSignal.timeout(3000), ...(signal ? [signal] : [])]));
  } catch {
    const why = `no Ollama server answers at ${client.host}; the GGUFs and Modelfile are in ${deployDir} (ollama create NAME -f ${join(deployDir, "Modelfile")})`;
    emit({ type: "note", message: why });
    return { skipped: why };
  }
  const name = sections.deploy.name ?? recipeName.toLowerCase().replace(/[^a-z0-9._-]+/g, "-");
  const serve = (JSON.parse(await readFile(join(deployDir, "deploy.json"), "utf8")) as DeployResult).serve;
  const created = await createOllamaModel({
    name,
    gguf: join(deployDir, serve.file),
    template: serve.template,
    ...(serve.system ? { system: serve.system } : {}),
    parameters: serve.parameters,
    ...(sections.deploy.host ? { host: sections.deploy.host } : {}),
    ...(signal ? { signal } : {}),
    onEvent: (e) => emit(e as DeployEvent),
  });
  return { name: created.name, host: created.host };
}
