import type { Rejection } from "./adapter.js";
import type { MathRecord } from "./record.js";

/**
 * A build stage: takes a batch of records in order and returns, for each, the record (possibly
 * changed, e.g. with findings in `meta`) or a Rejection that sends it to quarantine. Stages are
 * chained by the build; batches keep the build's order, so a stage may use worker threads.
 */
export interface Stage {
  readonly name: string;
  /** Checks a batch: for each record, in order, the record (maybe changed) or a `Rejection`. */
  process(
    batch: readonly MathRecord[],
    ctx: StageContext,
  ): Promise<Array<MathRecord | Rejection>> | Array<MathRecord | Rejection>;
  /** Counts for the summary and the dataset card (e.g. findings per code). */
  summary?(): Record<string, unknown>;
  /** Frees workers and files. Called once, also on error or cancel. */
  close?(): Promise<void> | void;
}

/** What a stage gets with each batch: the build's cancel signal. */
export interface StageContext {
  signal?: AbortSignal;
}

/** Whether a stage's output item is a `Rejection` (made by `reject()`, tagged `kind: "rejection"`) rather than a record. */
export function isRejection(x: MathRecord | Rejection): x is Rejection {
  return (x as Partial<Rejection>).kind === "rejection";
}
