import type { Rejection } from "./adapter.js";
import type { MathRecord } from "./record.js";

/**
 * A build stage: takes a batch of records in order and returns, for each, the record (possibly
 * changed, e.g. with findings in `meta`) or a Rejection that sends it to quarantine. Stages are
 * chained by the build; batches keep the build's order, so a stage may use worker threads.
 */
export interface Stage {
  readonly name: string;
  process(batch: readonly MathRecord[], ctx: StageContext): Promise<Array<MathRecord | Rejection>> | Array<MathRecord | Rejection>;
  /** Counts for the summary and the dataset card (e.g. findings per code). */
  summary?(): Record<string, unknown>;
  /** Frees workers and files. Called once, also on error or cancel. */
  close?(): Promise<void> | void;
}

export interface StageContext {
  signal?: AbortSignal;
}

export function isRejection(x: MathRecord | Rejection): x is Rejection {
  return typeof (x as Rejection).code === "string" && typeof (x as Rejection).message === "string" && !("problem" in x);
}
