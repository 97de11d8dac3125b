import { createWriteStream, type WriteStream } from "node:fs";
import { createInterface } from "node:readline";
import { type ErrorCode, MathtuneError } from "@mathtune/core";
import { execa } from "execa";
import { parseProtocolLine, type ProtocolMessage } from "./protocol.js";

/** Options of `runScript`: the interpreter, the script's arguments, the environment, cancel and timeouts. */
export interface RunScriptOptions {
  /** The interpreter (or, in tests, any executable that takes the same arguments). */
  python: string;
  /** Arguments after the interpreter: the script and its options. */
  args: string[];
  env?: Record<string, string | undefined>;
  cwd?: string;
  signal?: AbortSignal;
  /** After SIGINT on cancel, how long to wait before SIGKILL of the process group (default 30 s). */
  gracePeriodMs?: number;
  /** SIGKILL of the process group at once (a second Ctrl-C); the run ends with E_CANCELED. */
  killSignal?: AbortSignal;
  /** Fail with E_TIMEOUT when no output (stdout or stderr) arrives for this long. */
  stallTimeoutMs?: number;
  /** Fail with E_TIMEOUT when the script runs longer than this. */
  timeoutMs?: number;
  /** Appends the script's stderr here (the human log). */
  logFile?: string;
  /** Receives each stderr chunk as text. */
  onStderr?: (text: string) => void;
  /** What the script does, for messages ("training", "merge"). */
  label: string;
  /** Hint for a missing interpreter. */
  notFoundHint?: string;
}

/** Environment every Python child gets: unbuffered output, UTF-8, no hub access. */
export const PYTHON_ENV: Readonly<Record<string, string>> = {
  PYTHONUNBUFFERED: "1",
  PYTHONIOENCODING: "utf-8",
  PYTHONNOUSERSITE: "1",
  PYTHONDONTWRITEBYTECODE: "1",
  HF_HUB_OFFLINE: "1",
  TRANSFORMERS_OFFLINE: "1",
  HF_DATASETS_OFFLINE: "1",
  HF_HUB_DISABLE_TELEMETRY: "1",
  TOKENIZERS_PARALLELISM: "false",
};

const STDERR_TAIL = 64 * 1024;

interface Item {
  line?: string;
  done?: true;
}

/**
 * Runs a protocol-speaking script in its own process group and yields its protocol messages;
 * returns the `result` message. Every failure becomes a MathtuneError whose details carry the
 * command, exit code, signal, canceled/timed-out flags and the tail of stderr. When the run ends,
 * however it ends (including the consumer breaking out of the loop), no process of the group is
 * left: SIGINT first on cancel, SIGKILL after the grace period, and a final SIGKILL sweep.
 */
export async function* runScript(
  opts: RunScriptOptions,
): AsyncGenerator<ProtocolMessage, ProtocolMessage & { type: "result" }> {
  const command = [opts.python, ...opts.args];
  if (opts.signal?.aborted)
    throw new MathtuneError("E_CANCELED", `${opts.label} canceled before it started`, { cause: opts.signal.reason });
  const child = execa(opts.python, opts.args, {
    env: { ...PYTHON_ENV, ...opts.env },
    extendEnv: true,
    cwd: opts.cwd,
    detached: true,
    stdin: "ignore",
    buffer: false,
    reject: false,
    stripFinalNewline: false,
  });
  const pid = child.pid;
  let stderrTail = "";
  let log: WriteStream | undefined;
  if (opts.logFile) log = createWriteStream(opts.logFile, { flags: "a" });
  const queue: Item[] = [];
  let wake: (() => void) | undefined;
  const push = (item: Item): void => {
    queue.push(item);
    wake?.();
  };
  let canceled = false;
  let timedOut: string | undefined;
  let protocolError: MathtuneError | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let stallTimer: NodeJS.Timeout | undefined;
  let overallTimer: NodeJS.Timeout | undefined;

  const signalGroup = (sig: NodeJS.Signals): boolean => {
    if (pid === undefined) return false;
    try {
      process.kill(-pid, sig);
      return true;
    } catch {
      return false;
    }
  };
  const stop = (graceMs: number): void => {
    signalGroup("SIGINT");
    if (!killTimer) killTimer = setTimeout(() => signalGroup("SIGKILL"), graceMs);
  };
  const armStall = (): void => {
    if (!opts.stallTimeoutMs) return;
    clearTimeout(stallTimer);
    stallTimer = setTimeout(() => {
      timedOut = `no output for ${opts.stallTimeoutMs} ms`;
      stop(Math.min(opts.gracePeriodMs ?? 30_000, 5_000));
    }, opts.stallTimeoutMs);
  };
  armStall();
  if (opts.timeoutMs) {
    overallTimer = setTimeout(() => {
      timedOut = `ran longer than ${opts.timeoutMs} ms`;
      stop(Math.min(opts.gracePeriodMs ?? 30_000, 5_000));
    }, opts.timeoutMs);
  }
  const onAbort = (): void => {
    canceled = true;
    stop(opts.gracePeriodMs ?? 30_000);
  };
  opts.signal?.addEventListener("abort", onAbort, { once: true });
  let killed = false;
  const onKill = (): void => {
    canceled = true;
    killed = true;
    signalGroup("SIGKILL");
  };
  if (opts.killSignal?.aborted) onKill();
  else opts.killSignal?.addEventListener("abort", onKill, { once: true });

  child.stderr?.on("data", (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    stderrTail = (stderrTail + text).slice(-STDERR_TAIL);
    log?.write(chunk);
    opts.onStderr?.(text);
    armStall();
  });
  let stdoutClosed = Promise.resolve();
  if (child.stdout) {
    const rl = createInterface({ input: child.stdout, crlfDelay: Infinity });
    rl.on("line", (line) => push({ line }));
    stdoutClosed = new Promise((res) => rl.once("close", () => res()));
  }
  const exited = (async () => {
    const r = await child;
    await stdoutClosed;
    return r;
  })();
  void exited.then(() => push({ done: true }));

  let result: (ProtocolMessage & { type: "result" }) | undefined;
  let errorMsg: (ProtocolMessage & { type: "error" }) | undefined;
  let finished = false;
  try {
    for (;;) {
      if (!queue.length) {
        await new Promise<void>((res) => (wake = res));
        wake = undefined;
        continue;
      }
      const item = queue.shift()!;
      if (item.done) break;
      const line = item.line!;
      armStall();
      if (protocolError || !line.trim()) continue;
      let msg: ProtocolMessage;
      try {
        msg = parseProtocolLine(line, `${opts.label} stdout`);
      } catch (e) {
        protocolError = e as MathtuneError;
        stop(2_000);
        continue;
      }
      if (msg.type === "result") result = msg as ProtocolMessage & { type: "result" };
      else if (msg.type === "error") errorMsg = msg as ProtocolMessage & { type: "error" };
      else yield msg;
    }
    finished = true;
  } finally {
    opts.signal?.removeEventListener("abort", onAbort);
    opts.killSignal?.removeEventListener("abort", onKill);
    clearTimeout(stallTimer);
    clearTimeout(overallTimer);
    if (!finished) stop(opts.gracePeriodMs ?? 30_000);
    const r = await exited;
    clearTimeout(killTimer);
    await sweepGroup(pid);
    await new Promise<void>((res) => (log ? log.end(() => res()) : res()));
    if (finished) {
      const details = {
        command,
        pid,
        exitCode: r.exitCode,
        signal: r.signal,
        canceled,
        killed,
        timedOut: Boolean(timedOut),
        stderrTail: stderrTail.slice(-4000),
        ...(opts.logFile ? { logFile: opts.logFile } : {}),
      };
      const fail = classify({
        opts,
        r,
        details,
        canceled,
        killed,
        timedOut,
        protocolError,
        errorMsg,
        result,
        stderrTail,
      });
      if (fail) throw fail;
    }
  }
  return result!;
}

interface ClassifyInput {
  opts: RunScriptOptions;
  r: { exitCode?: number; signal?: string; code?: string; failed: boolean; originalMessage?: string };
  details: Record<string, unknown>;
  canceled: boolean;
  killed: boolean;
  timedOut: string | undefined;
  protocolError: MathtuneError | undefined;
  errorMsg: (ProtocolMessage & { type: "error" }) | undefined;
  result: ProtocolMessage | undefined;
  stderrTail: string;
}

const OOM_RE =
  /OutOfMemoryError|CUDA out of memory|out of memory|DefaultCPUAllocator: can't allocate memory|\bMemoryError\b/i;
const MISSING_RE = /ModuleNotFoundError: No module named '([^']+)'/;

/** Turns the way a script ended into the MathtuneError to throw, or undefined when it succeeded. */
function classify(c: ClassifyInput): MathtuneError | undefined {
  const { opts, r, details } = c;
  const label = opts.label;
  const code = (r as { code?: string }).code;
  if (code === "ENOENT" || code === "EACCES") {
    return new MathtuneError("E_PYTHON_NOT_FOUND", `cannot run ${opts.python} for ${label} (${code})`, {
      details,
      hint:
        opts.notFoundHint ??
        "run `mathtune setup` to create the project's Python environment, or pass the path of a Python 3.9+ interpreter",
    });
  }
  const seeLog = opts.logFile ? `see ${opts.logFile}` : "see the log (stderr)";
  if (c.killed) {
    return new MathtuneError(
      "E_CANCELED",
      `${label} killed at once (interrupted twice): no checkpoint was written for the steps since the last one`,
      {
        details: { ...details, result: c.result },
        hint: "resume with resume: true (--resume) from the last checkpoint kept, if any",
      },
    );
  }
  if (c.canceled) {
    return new MathtuneError("E_CANCELED", `${label} canceled`, {
      details: { ...details, result: c.result },
      hint:
        c.result && typeof c.result.checkpoint === "string"
          ? `checkpoint kept at ${c.result.checkpoint}; resume with resume: true (--resume)`
          : undefined,
    });
  }
  if (c.protocolError)
    return new MathtuneError("E_PROTOCOL", c.protocolError.reason, {
      details: { ...details, ...c.protocolError.details },
      hint: c.protocolError.hint,
      cause: c.protocolError,
    });
  if (c.timedOut) {
    return new MathtuneError("E_TIMEOUT", `${label} stopped: ${c.timedOut}; the process group was killed`, {
      details,
      hint: `${seeLog} for where it hung; raise stallTimeoutMs/timeoutMs if it was only slow`,
    });
  }
  if (c.errorMsg) {
    const e = c.errorMsg;
    // The Python scripts raise the codes of TRAIN_ERROR_CODES; one this side does not know is kept as sent.
    const known = (/^E_[A-Z0-9_]+$/.test(e.code) ? e.code : "E_SUBPROCESS_FAILED") as ErrorCode;
    const loc = typeof e.details === "object" && e.details !== null ? (e.details as Record<string, unknown>) : {};
    const hint =
      known === "E_PYTHON_EXCEPTION" && opts.logFile
        ? `the Python traceback is in ${opts.logFile}`
        : typeof e.hint === "string"
          ? e.hint
          : undefined;
    return new MathtuneError(known, `${label}: ${e.message}`, {
      details: { ...details, ...loc },
      ...(hint ? { hint } : {}),
      ...(typeof loc.file === "string"
        ? { location: { file: loc.file, ...(typeof loc.line === "number" ? { line: loc.line } : {}) } }
        : {}),
    });
  }
  if (c.result?.status === "canceled") {
    return new MathtuneError("E_CANCELED", `${label} was interrupted (SIGINT from outside)`, {
      details: { ...details, result: c.result },
    });
  }
  const tail = c.stderrTail;
  if (r.exitCode !== 0 || r.signal) {
    const lastLine = tail.trim().split("\n").slice(-1)[0] ?? "";
    const missing = MISSING_RE.exec(tail);
    if (missing) {
      return new MathtuneError(
        "E_PYTHON_PACKAGE_MISSING",
        `${label}: Python package '${missing[1]}' is not installed`,
        {
          details: { ...details, package: missing[1] },
          hint: "run `mathtune setup` to create the project's Python environment",
        },
      );
    }
    if (OOM_RE.test(tail)) {
      return new MathtuneError("E_OUT_OF_MEMORY", `${label} ran out of memory: ${lastLine.slice(0, 300)}`, {
        details,
        hint: "lower microBatchSize or maxSeqLength, enable gradientCheckpointing, or use 4-bit loading on CUDA",
      });
    }
    const how = r.signal ? `was killed by ${r.signal}` : `exited with code ${r.exitCode}`;
    return new MathtuneError("E_SUBPROCESS_FAILED", `${label} ${how}${lastLine ? `: ${lastLine.slice(0, 300)}` : ""}`, {
      details,
      hint:
        r.signal === "SIGKILL"
          ? `a SIGKILL nobody sent is often the kernel's out-of-memory killer; ${seeLog}`
          : `${seeLog} for the Python traceback`,
    });
  }
  if (!c.result) {
    return new MathtuneError("E_PROTOCOL", `${label} ended without a result line`, {
      details,
      hint: "the script must end with a 'result' line; see PROTOCOL.md",
    });
  }
  return undefined;
}

/** SIGKILLs whatever is left of a process group and waits until it is gone (at most 5 s). */
async function sweepGroup(pgid: number | undefined): Promise<void> {
  if (pgid === undefined) return;
  const alive = (): boolean => {
    try {
      process.kill(-pgid, 0);
      return true;
    } catch {
      return false;
    }
  };
  if (!alive()) return;
  try {
    process.kill(-pgid, "SIGKILL");
  } catch {
    return;
  }
  for (let i = 0; i < 100 && alive(); i++) await new Promise((res) => setTimeout(res, 50));
}

/** Drains an async generator, passing each value to `onEvent`, and returns its return value. */
export async function drain<T, R>(it: AsyncGenerator<T, R>, onEvent?: (e: T) => void): Promise<R> {
  for (;;) {
    const n = await it.next();
    if (n.done) return n.value;
    onEvent?.(n.value);
  }
}
