import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { digestTree, MathtuneError, sha256, stableStringify, throwIfAborted, writeFileAtomic } from "@mathtune/core";

/**
 * The stages of `mathtune run`, in the order they run. The base model is converted and evaluated
 * before training, so a rerun after a training change redoes neither.
 */
export const STAGES = [
  "build",
  "deploy-base",
  "eval-base",
  "train",
  "merge",
  "deploy",
  "eval-tuned",
  "compare",
  "report",
] as const;
/** One of {@link STAGES}. */
export type StageName = (typeof STAGES)[number];

/**
 * A stage's inputs: plain values (options, the recipe section, tool versions) and paths whose
 * content counts (hashed: a file's sha256, a folder's digest of every file). Upstream stages'
 * outputs are passed as paths, so a change anywhere above redoes everything below.
 */
export interface StageInputs {
  values?: Record<string, unknown>;
  paths?: Record<string, string>;
}

/** What lineage.json records of a stage that ran. */
export interface StageRecord {
  stage: StageName;
  /** sha256 over the values and the path hashes. */
  inputsHash: string;
  inputs: { values: Record<string, unknown>; paths: Record<string, { path: string; sha256: string }> };
  /** Outputs by role (`adapter`, `merged`, `gguf:q4_k_m`, `template` ...), paths relative to the run folder. */
  outputs: Record<string, { path: string; sha256: string }>;
  startedAt: string;
  seconds: number;
}

/** The content of lineage.json: the record of each stage that ran, by name. */
export interface Lineage {
  version: 1;
  stages: Partial<Record<StageName, StageRecord>>;
}

/** The lineage file's name in a run folder. */
export const LINEAGE_FILE = "lineage.json";

async function hashPath(p: string): Promise<string> {
  if (!existsSync(p))
    throw new MathtuneError("E_INPUT_NOT_FOUND", `stage input or output missing: ${p}`, { location: { file: p } });
  return (await digestTree(p)).sha256;
}

/** Reads a run folder's lineage.json (an empty lineage when there is none); E_PARSE when it is not one. */
export async function readLineage(runDir: string): Promise<Lineage> {
  const file = join(runDir, LINEAGE_FILE);
  if (!existsSync(file)) return { version: 1, stages: {} };
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(file, "utf8"));
  } catch (e) {
    throw new MathtuneError("E_PARSE", `${file} is not valid JSON: ${(e as Error).message}`, {
      location: { file },
      cause: e,
      hint: "delete it to redo every stage",
    });
  }
  const l = parsed as Lineage;
  if (l?.version !== 1 || typeof l.stages !== "object")
    throw new MathtuneError("E_PARSE", `${file} is not a mathtune lineage file (version 1)`, {
      location: { file },
      hint: "delete it to redo every stage",
    });
  return l;
}

async function resolveInputs(inputs: StageInputs): Promise<StageRecord["inputs"] & { hash: string }> {
  const values = inputs.values ?? {};
  const paths: Record<string, { path: string; sha256: string }> = {};
  for (const [k, p] of Object.entries(inputs.paths ?? {}).sort(([a], [b]) => (a < b ? -1 : 1)))
    paths[k] = { path: resolve(p), sha256: await hashPath(p) };
  // Only content counts, not where a file lies.
  const hash = sha256(
    stableStringify({ values, paths: Object.fromEntries(Object.entries(paths).map(([k, v]) => [k, v.sha256])) }),
  );
  return { values, paths, hash };
}

/** Whether a stage must run (and why), or its record when it may be skipped. */
export type StageDecision = { run: true; reason: string } | { run: false; record: StageRecord };

/**
 * Whether a stage must run: yes when it never ran, when its inputs' hash changed, or when one of
 * its recorded outputs is gone or no longer has its recorded sha256.
 */
export async function planStage(
  runDir: string,
  lineage: Lineage,
  stage: StageName,
  inputs: StageInputs,
): Promise<StageDecision & { inputsHash: string }> {
  const r = await resolveInputs(inputs);
  const prev = lineage.stages[stage];
  if (!prev) return { run: true, reason: "never ran", inputsHash: r.hash };
  if (prev.inputsHash !== r.hash) {
    const changed = [
      ...Object.keys({ ...prev.inputs.paths, ...r.paths }).filter(
        (k) => prev.inputs.paths[k]?.sha256 !== r.paths[k]?.sha256,
      ),
      ...Object.keys({ ...prev.inputs.values, ...r.values }).filter(
        (k) => stableStringify(prev.inputs.values[k]) !== stableStringify(r.values[k]),
      ),
    ];
    return { run: true, reason: `inputs changed: ${changed.join(", ") || "(hash)"}`, inputsHash: r.hash };
  }
  for (const [role, o] of Object.entries(prev.outputs)) {
    const p = join(runDir, o.path);
    if (!existsSync(p)) return { run: true, reason: `output ${role} (${o.path}) is missing`, inputsHash: r.hash };
    if ((await digestTree(p)).sha256 !== o.sha256)
      return { run: true, reason: `output ${role} (${o.path}) changed on disk`, inputsHash: r.hash };
  }
  return { run: false, record: prev, inputsHash: r.hash };
}

/** The bookkeeping events of {@link runStage}. */
export type StageEvent =
  | { type: "stage-skip"; stage: StageName }
  | { type: "stage-start"; stage: StageName; reason: string }
  | { type: "stage-done"; stage: StageName; seconds: number };

/**
 * Runs one stage unless its inputs and outputs are unchanged since the recorded run. `work`
 * returns its outputs by role (paths inside the run folder; each stage writes them atomically); it
 * gets the inputs' hash, so that a stage interrupted earlier can tell whether its partial work
 * (a checkpoint, predictions) was made with the same inputs and may be resumed.
 * The lineage is rewritten (atomically) after each stage, so an interrupted run goes on from the
 * first stage not recorded. A stage that runs again leaves the other records alone: a stage below
 * it takes its outputs as input paths, so it runs again exactly when those outputs changed.
 */
export async function runStage(
  runDir: string,
  stage: StageName,
  inputs: StageInputs,
  work: (ctx: { inputsHash: string; reason: string }) => Promise<Record<string, string>>,
  opts: { signal?: AbortSignal; onEvent?: (e: StageEvent) => void } = {},
): Promise<StageRecord & { skipped: boolean }> {
  throwIfAborted(opts.signal);
  const lineage = await readLineage(runDir);
  const d = await planStage(runDir, lineage, stage, inputs);
  if (!d.run) {
    opts.onEvent?.({ type: "stage-skip", stage });
    return { ...d.record, skipped: true };
  }
  opts.onEvent?.({ type: "stage-start", stage, reason: d.reason });
  const t0 = Date.now();
  const startedAt = new Date(t0).toISOString();
  const produced = await work({ inputsHash: d.inputsHash, reason: d.reason });
  throwIfAborted(opts.signal);
  const outputs: StageRecord["outputs"] = {};
  for (const [role, p] of Object.entries(produced).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const abs = resolve(runDir, p);
    const rel = relative(resolve(runDir), abs);
    if (rel.startsWith(".."))
      throw new MathtuneError("E_OUTPUT", `stage ${stage} wrote its ${role} outside the run folder: ${abs}`, {
        hint: "stages write inside the run folder",
      });
    outputs[role] = { path: rel.split("\\").join("/"), sha256: await hashPath(abs) };
  }
  const r = await resolveInputs(inputs);
  const record: StageRecord = {
    stage,
    inputsHash: r.hash,
    inputs: { values: r.values, paths: r.paths },
    outputs,
    startedAt,
    seconds: (Date.now() - t0) / 1000,
  };
  // Re-read: nothing else writes this run folder (the caller holds it), but keep the order of STAGES.
  const stages: Lineage["stages"] = {};
  for (const s of STAGES)
    if (s === stage) stages[s] = record;
    else if (lineage.stages[s]) stages[s] = lineage.stages[s];
  await writeFileAtomic(join(runDir, LINEAGE_FILE), `${stableStringify({ version: 1, stages }, 2)}\n`);
  opts.onEvent?.({ type: "stage-done", stage, seconds: record.seconds });
  return { ...record, skipped: false };
}
