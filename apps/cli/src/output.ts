/**
 * The output convention of every verb: progress goes to stderr, the result to stdout.
 *
 * - stderr: progress bars and lines on a terminal; one JSON event a line with `--json`, or whenever
 *   stderr is not a terminal (a log, a pipe, CI).
 * - stdout: the result only: one JSON object on one line with `--json`, human text otherwise.
 * - With `--json`, a failure of the verb is a last JSON line on stderr too
 *   (`{"type":"error","code":"E_...","message":...}`) and stdout stays empty.
 */

/** The `--json` flag, the same for every verb. */
export const JSON_FLAG = {
  type: "boolean",
  description:
    "progress as JSON events on stderr (the default when stderr is not a terminal) and the result as one JSON line on stdout",
  default: false,
} as const;

let jsonRequested = false;

/**
 * Whether progress is written as JSON events: `--json`, or stderr is not a terminal. Call it once
 * per verb with its `--json` flag: an explicit `--json` also makes the verb's error report JSON.
 */
export function eventsAsJson(flag: boolean | undefined, stream: { isTTY?: boolean } = process.stderr): boolean {
  if (flag === true) jsonRequested = true;
  return flag === true || stream.isTTY !== true;
}

/** True once the running verb was given `--json` (its error report is then a JSON line). */
export function jsonWasRequested(): boolean {
  return jsonRequested;
}

/** Forgets an earlier verb's `--json` (for `run()` called more than once in a process). */
export function resetJsonRequested(): void {
  jsonRequested = false;
}

/** One progress event as a JSON line on stderr. */
export function writeEvent<E extends { readonly type: string }>(event: E): void {
  process.stderr.write(`${JSON.stringify(event)}\n`);
}

/** A progress line for people on stderr. */
export function writeNote(text: string): void {
  process.stderr.write(`${text}\n`);
}

/**
 * The verb's result on stdout: `value` as one JSON line when `json` (the `--json` flag), else
 * `human` (its text, given as a function so that it is only formatted when shown).
 */
export function writeResult(json: boolean | undefined, value: unknown, human: () => string): void {
  if (json === true) process.stdout.write(`${JSON.stringify(value)}\n`);
  else {
    const text = human();
    if (text) process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  }
}
