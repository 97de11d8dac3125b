/** Node options a worker thread must not inherit: they only make sense for the main script. */
const MAIN_ONLY_FLAGS = /^(--input-type|--eval|-e$|--print|-p$|--test|--watch)/;

/** The `execArgv` for a worker thread: this process's Node options, less those for the main script. */
export function workerExecArgv(): string[] {
  return process.execArgv.filter((a) => !MAIN_ONLY_FLAGS.test(a));
}
