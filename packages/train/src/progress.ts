import type { TrainEvent } from "./train.js";

/** Options of `createProgressReporter`. */
export interface ProgressReporterOptions {
  /** Where the bar goes (default process.stderr). */
  stream?: NodeJS.WriteStream;
  /** JSON lines instead of a bar; default: when the stream is not a TTY. */
  json?: boolean;
  /** Where JSON lines go (default: the bar's stream, process.stderr): progress on stderr, results on stdout, like the CLI. */
  jsonStream?: NodeJS.WritableStream;
  width?: number;
}

/** A duration for people: `42s`, `3m05s`, `1h07m`; `--` when unknown. */
export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return "--";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, "0")}m` : m ? `${m}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
}

/**
 * The time left in a run: training steps at the pace measured so far, with the time spent in
 * validation passes taken out of that pace, plus the validation passes still to come at the length
 * measured for the last one. `now` is injectable for tests.
 */
export class EtaEstimator {
  private base: { t: number; step: number } | undefined;
  private paused = 0;
  private evalStart: number | undefined;
  private lastEvalSeconds: number | undefined;
  private readonly now: () => number;
  constructor(private readonly opts: { evalSteps?: number; validation: boolean; now?: () => number }) {
    this.now = opts.now ?? Date.now;
  }

  /** Validation passes left after `step` of `total`: one every evalSteps below total, and the last. */
  evalsLeft(step: number, total: number): number {
    if (!this.opts.validation || step >= total) return 0;
    const every = this.opts.evalSteps;
    return (every ? Math.floor((total - 1) / every) - Math.floor(step / every) : 0) + 1;
  }

  /** Feeds a progress line; returns the ETA in seconds once there is a pace to go by. */
  onProgress(phase: string, step: number | undefined, total: number | undefined): number | undefined {
    const now = this.now();
    if (phase === "start") {
      this.base = { t: now, step: step ?? 0 };
      this.paused = 0;
      return undefined;
    }
    if (phase === "eval") {
      this.evalStart ??= now;
      return undefined;
    }
    if (phase !== "train" || step === undefined || total === undefined) return undefined;
    this.base ??= { t: now, step };
    const done = step - this.base.step;
    if (done <= 0) return undefined;
    const perStep = Math.max(0, now - this.base.t - this.paused) / 1000 / done;
    return perStep * (total - step) + (this.lastEvalSeconds ?? 0) * this.evalsLeft(step, total);
  }

  /** A validation pass ended (its metric line): its time is left out of the training pace. */
  onValidationDone(): void {
    if (this.evalStart === undefined) return;
    const ms = this.now() - this.evalStart;
    this.evalStart = undefined;
    this.lastEvalSeconds = ms / 1000;
    if (this.base) this.paused += ms;
  }
}

/** The line shown during a validation pass: a bar over its batches. */
export function formatEvalLine(e: Extract<TrainEvent, { type: "progress" }>, width = 24): string {
  const total = e.batches ?? 0;
  const done = e.batch ?? 0;
  const frac = total ? Math.min(1, done / total) : 0;
  const filled = Math.round(frac * width);
  return `validation at step ${e.step ?? 0}: [${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${total || "?"} batches`;
}

/** One status line: bar, step, loss, learning rate, tokens/s and ETA. */
export function formatProgressLine(e: Extract<TrainEvent, { type: "progress" }>, width = 24): string {
  const total = e.totalSteps ?? 0;
  const step = e.step ?? 0;
  const frac = total ? Math.min(1, step / total) : 0;
  const filled = Math.round(frac * width);
  const bar = `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
  const parts = [`${bar} ${step}/${total || "?"} ${(frac * 100).toFixed(0).padStart(3)}%`];
  if (e.loss !== undefined) parts.push(`loss ${e.loss.toFixed(4)}`);
  if (e.learningRate !== undefined) parts.push(`lr ${e.learningRate.toExponential(2)}`);
  if (e.tokensPerSecond !== undefined) parts.push(`${Math.round(e.tokensPerSecond)} tok/s`);
  parts.push(`ETA ${formatDuration(e.etaSeconds)}`);
  return parts.join(" | ");
}

/**
 * A `(event) => void` that shows training on a terminal: a one-line bar that rewrites itself, with
 * validation losses and artifacts printed above it; JSON lines (one event per line) when the
 * stream is not a TTY.
 */
export function createProgressReporter(opts: ProgressReporterOptions = {}): {
  /** Shows one training event (a bar update, or a JSON line). */
  onEvent: (e: TrainEvent) => void;
  /** Ends the bar's line; call it once the run is over. */
  done: () => void;
} {
  const stream = opts.stream ?? process.stderr;
  const json = opts.json ?? !stream.isTTY;
  const out = opts.jsonStream ?? stream;
  let barShown = false;
  const above = (text: string) => {
    stream.write(`${barShown ? "\r\x1b[K" : ""}${text}\n`);
    barShown = false;
  };
  return {
    onEvent(e) {
      if (json) {
        // progress and metric events carry the protocol line they came from: print its fields flat
        const { raw, ...rest } = e as TrainEvent & { raw?: Record<string, unknown> };
        const { v: _v, time: _t, ...fields } = raw ?? {};
        out.write(`${JSON.stringify({ ...fields, ...rest })}\n`);
        return;
      }
      if (e.type === "progress" && e.phase === "train") {
        stream.write(`\r\x1b[K${formatProgressLine(e, opts.width)}`);
        barShown = true;
      } else if (e.type === "progress" && e.phase === "eval") {
        stream.write(`\r\x1b[K${formatEvalLine(e, opts.width)}`);
        barShown = true;
      } else if (e.type === "progress" && e.message) above(`${e.phase}: ${e.message}`);
      else if (e.type === "metric" && e.split !== "train")
        above(`step ${e.step}: ${e.split} loss ${e.loss?.toFixed(4)}`);
      else if (e.type === "artifact") above(`${e.kind}${e.step !== undefined ? ` (step ${e.step})` : ""}: ${e.path}`);
      else if (e.type === "log" && e.level !== "debug") above(`${e.level === "warn" ? "warning: " : ""}${e.message}`);
      else if (e.type === "start") above(`run folder: ${e.runDir}`);
    },
    done() {
      if (barShown && !json) stream.write("\n");
      barShown = false;
    },
  };
}
