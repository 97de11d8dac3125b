import { cleanupOutputsSync } from "@mathtune/core";
import { writeEvent } from "./output.js";

/** How a verb reacts to Ctrl-C (SIGINT) and SIGTERM. */
export interface SignalOptions {
  /** Notices as JSON events on stderr (see output.ts) instead of lines for people. */
  json?: boolean;
  /** What the first signal does, for its notice (default: "stopping cleanly"). */
  stopping?: string;
  /**
   * The child process a second signal kills through `kill` ("the trainer"). Without it the second
   * signal exits at once.
   */
  child?: string;
}

/**
 * Runs `fn` with two AbortSignals, the one signal handling of every verb:
 *
 * 1. the first Ctrl-C (SIGINT) or SIGTERM aborts `stop`: the verb stops cleanly and ends with
 *    E_CANCELED (exit code 130), leaving no half-written output;
 * 2. for a verb with a `child`, the second aborts `kill`: the child's process group is killed at
 *    once and the verb still ends with E_CANCELED;
 * 3. the next one (the second for a verb without a child) removes the staging folders and locks of
 *    outputs being written and exits 130 at once.
 *
 * The handlers are removed when `fn` settles.
 */
export async function withSignals<T>(
  fn: (stop: AbortSignal, kill: AbortSignal) => Promise<T>,
  options: SignalOptions = {},
): Promise<T> {
  const stop = new AbortController();
  const kill = new AbortController();
  const { json = false, stopping = "stopping cleanly", child } = options;
  let count = 0;
  const notice = (sig: NodeJS.Signals, action: "stop" | "kill" | "exit", message: string) => {
    if (json) writeEvent({ type: "signal", signal: sig, count, action, message });
    else process.stderr.write(`\n${message}\n`);
  };
  const onSignal = (sig: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      notice(sig, "stop", `${sig}: ${stopping} (Ctrl-C again to ${child ? `kill ${child} at once` : "stop at once"})`);
      stop.abort(new Error(sig));
    } else if (count === 2 && child) {
      notice(sig, "kill", `${sig}: killing ${child} (Ctrl-C again to exit at once)`);
      kill.abort(new Error(sig));
    } else {
      notice(sig, "exit", `${sig} again: stopping now`);
      cleanupOutputsSync();
      process.exit(130);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await fn(stop.signal, kill.signal);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
