import { cleanupOutputsSync } from "@mathtune/core";

/**
 * Runs `fn` with an AbortSignal that fires on the first Ctrl-C (SIGINT) or SIGTERM; a second
 * Ctrl-C removes the staging folders and locks of outputs being written, then exits 130 at once.
 */
export async function withSignal<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const ac = new AbortController();
  let count = 0;
  const onSignal = (sig: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      process.stderr.write(`\n${sig}: stopping cleanly (press Ctrl-C again to force)\n`);
      ac.abort(new Error(sig));
    } else {
      process.stderr.write(`\n${sig} again: stopping now\n`);
      cleanupOutputsSync();
      process.exit(130);
    }
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    return await fn(ac.signal);
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
