import type { TrainEvent } from "./train.js";

export interface ProgressReporterOptions {
  /** Where the bar goes (default process.stderr). */
  stream?: NodeJS.WriteStream;
  /** JSON lines instead of a bar; default: when the stream is not a TTY. */
  json?: boolean;
  /** Where JSON lines go (default process.stdout). */
  jsonStream?: NodeJS.WritableStream;
  width?: number;
}

export function formatDuration(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return "--";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h}h${String(m).padStart(2, "0")}m` : m ? `${m}m${String(s % 60).padStart(2, "0")}s` : `${s}s`;
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
export function createProgressReporter(opts: ProgressReporterOptions = {}): { onEvent: (e: TrainEvent) => void; done: () => void } {
  const stream = opts.stream ?? process.stderr;
  const json = opts.json ?? !stream.isTTY;
  const out = opts.jsonStream ?? process.stdout;
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
      } else if (e.type === "progress" && e.message) above(`${e.phase}: ${e.message}`);
      else if (e.type === "metric" && e.split !== "train") above(`step ${e.step}: ${e.split} loss ${e.loss?.toFixed(4)}`);
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
