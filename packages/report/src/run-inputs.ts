/**
 * The one place that reads the files of `mathtune eval` / `compare` / `train` / `build` for the run
 * report. Formats (from @mathtune/eval, @mathtune/train, @mathtune/dataset):
 * - eval run folder: `metrics.json` (EvalMetrics: overall/byCategory tallies with accuracy and
 *   Wilson ci95 per grading mode, model info, testSet hash) and `predictions.jsonl` (one
 *   prediction per line: id, problem, gold, output, strict/flexible grades).
 * - `comparison.json` (Comparison, version 1): labels, models, overall and byCategory paired rows
 *   (a/b accuracy with ci95, fixed, broken, McNemar p), fixed/broken examples, quantization.
 * - training run folder: `metrics.jsonl` (one metric per line: split, step, loss, learningRate, ...),
 *   `result.json`, `config.json`.
 * - dataset build folder: `manifest.json`.
 * Only the fields the report shows are typed here; everything else is passed through untouched.
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { basename, join, relative } from "node:path";
import { MathtuneError, sha256 } from "@mathtune/core";

export type Interval = [number, number];
export interface TallyLike {
  n: number;
  correct: number;
  accuracy: number;
  ci95: Interval;
}
export interface ModelInfoLike {
  backend?: string;
  name: string;
  sha256?: string;
  bytes?: number;
  modelName?: string;
  architecture?: string;
  quantization?: string;
}
/** The parts of an evaluation's metrics.json that the run report reads. */
export interface EvalMetricsLike {
  version: number;
  overall: Record<string, TallyLike>;
  byCategory: Record<string, Record<string, TallyLike>>;
  model?: ModelInfoLike;
  testSet?: { hash?: string; records?: number };
}
export interface PairedRowLike {
  group: string;
  n: number;
  a: { correct: number; accuracy: number; ci95: Interval };
  b: { correct: number; accuracy: number; ci95: Interval };
  difference: number;
  broken: number;
  fixed: number;
  pValue: number;
}
export interface ExampleLike {
  id: string;
  category?: string;
  problem: string;
  gold: string;
  a: { answer: string | null; verdict: string };
  b: { answer: string | null; verdict: string };
}
/** The parts of an evaluation comparison (comparison.json) that the run report reads. */
export interface ComparisonLike {
  version: number;
  mode: string;
  labels: [string, string];
  models: [ModelInfoLike | null, ModelInfoLike | null];
  testSet: { hash: string | null; records: number };
  overall: PairedRowLike;
  byCategory: PairedRowLike[];
  fixed: ExampleLike[];
  broken: ExampleLike[];
  quantization: { from: string; to: string; accuracyLoss: number; pValue: number } | null;
}
/** One line of a training run's metrics.jsonl. */
export interface TrainMetric {
  split: string;
  step: number;
  loss?: number;
  learningRate?: number;
  [k: string]: unknown;
}

/** One evaluation run folder, as the run report reads it. */
export interface EvalRun {
  /** The folder's name (what `compare` labels it by default). */
  label: string;
  dir: string;
  metrics: EvalMetricsLike;
  /** Model outputs by problem id, for the ids the report shows (fixed and broken). */
  outputs: Map<string, string>;
}

/** Everything `readRunFolder` found in a run folder: training metrics, evaluations and comparisons. */
export interface RunInputs {
  /** The folder read, for relative paths in the report. */
  root: string;
  /** Base vs tuned (a comparison without a quantization). */
  comparison?: ComparisonLike;
  /** The same model at two quantizations (f16 vs q4_k_m). */
  quantization?: ComparisonLike;
  evals: EvalRun[];
  training?: {
    dir: string;
    metrics: TrainMetric[];
    result?: Record<string, unknown>;
    config?: Record<string, unknown>;
    configSha256?: string;
  };
  dataset?: { dir: string; manifest: Record<string, unknown> };
}

async function json<T>(file: string): Promise<T> {
  try {
    return JSON.parse(await readFile(file, "utf8")) as T;
  } catch (e) {
    throw new MathtuneError("E_PARSE", `${file} is not readable JSON: ${(e as Error).message}`, {
      cause: e,
      location: { file },
      hint: "rerun the command that wrote it",
    });
  }
}

async function files(dir: string, depth: number): Promise<string[]> {
  const out: string[] = [];
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isFile()) out.push(p);
    else if (e.isDirectory() && depth > 0 && !["checkpoints", "adapter", "node_modules"].includes(e.name))
      out.push(...(await files(p, depth - 1)));
  }
  return out;
}

async function metricLines(file: string): Promise<TrainMetric[]> {
  const out: TrainMetric[] = [];
  for (const line of (await readFile(file, "utf8")).split("\n")) {
    if (!line.trim()) continue;
    try {
      const m = JSON.parse(line) as TrainMetric;
      if (typeof m.step === "number" && typeof m.split === "string") out.push(m);
    } catch {
      // a torn last line of a killed run
    }
  }
  return out;
}

/**
 * Reads a run folder (or any folder holding eval/compare/train/build outputs, up to three levels
 * deep): comparisons, evaluations (with the outputs of the fixed and broken problems), the
 * training metrics and the dataset manifest. E_INPUT_NOT_FOUND when it holds none of them.
 */
export async function readRunFolder(root: string): Promise<RunInputs> {
  if (!existsSync(root))
    throw new MathtuneError("E_INPUT_NOT_FOUND", `no run folder at ${root}`, {
      hint: "pass the folder of `mathtune run`, `eval` or `compare`",
    });
  const all = await files(root, 3);
  const inputs: RunInputs = { root, evals: [] };
  for (const f of all) {
    const name = basename(f);
    const dir = f.slice(0, f.length - name.length - 1);
    if (name === "comparison.json") {
      const c = await json<ComparisonLike>(f);
      if (c.quantization) inputs.quantization ??= c;
      else inputs.comparison ??= c;
    } else if (name === "metrics.json") {
      const m = await json<EvalMetricsLike>(f);
      if (m.overall && m.byCategory) inputs.evals.push({ label: basename(dir), dir, metrics: m, outputs: new Map() });
    } else if (name === "metrics.jsonl" && !inputs.training) {
      const t: NonNullable<RunInputs["training"]> = { dir, metrics: await metricLines(f) };
      if (existsSync(join(dir, "result.json"))) t.result = await json(join(dir, "result.json"));
      if (existsSync(join(dir, "config.json"))) {
        const text = await readFile(join(dir, "config.json"), "utf8");
        t.config = JSON.parse(text) as Record<string, unknown>;
        t.configSha256 = sha256(text);
      }
      inputs.training = t;
    } else if (name === "manifest.json" && !inputs.dataset) {
      const m = await json<Record<string, unknown>>(f);
      if (m.counts) inputs.dataset = { dir, manifest: m };
    }
  }
  if (!inputs.comparison && !inputs.quantization && !inputs.evals.length && !inputs.training) {
    throw new MathtuneError("E_INPUT_NOT_FOUND", `${root} holds no comparison.json, metrics.json or metrics.jsonl`, {
      hint: "pass the folder of `mathtune run`, `eval` or `compare`",
    });
  }
  // the outputs of the problems the report shows
  const ids = new Set([...(inputs.comparison?.fixed ?? []), ...(inputs.comparison?.broken ?? [])].map((e) => e.id));
  for (const ev of inputs.evals) {
    const pf = join(ev.dir, "predictions.jsonl");
    if (!ids.size || !existsSync(pf)) continue;
    for (const line of (await readFile(pf, "utf8")).split("\n")) {
      if (!line.trim()) continue;
      try {
        const p = JSON.parse(line) as { id?: string; output?: string };
        if (p.id !== undefined && ids.has(p.id) && typeof p.output === "string") ev.outputs.set(p.id, p.output);
      } catch {
        // an interrupted run's last line
      }
    }
  }
  return inputs;
}

export const relativeTo = (root: string, p: string): string => relative(root, p) || ".";
