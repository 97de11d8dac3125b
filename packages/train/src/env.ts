import { existsSync, readFileSync } from "node:fs";
import { mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { MathtuneError, sha256, throwIfAborted } from "@mathtune/core";
import { execa } from "execa";
import { which } from "./internal/which.js";
import { drain, PYTHON_ENV, runScript } from "./process.js";

/** The folder of the Python scripts shipped with this package. */
export const PYTHON_DIR = fileURLToPath(new URL("../python/", import.meta.url));

/** What to do when the Python environment is missing. */
export const SETUP_HINT =
  "run `mathtune setup` (or `setup()` from @mathtune/train) to create the project's Python environment";

/** Which Python environment runs the scripts. */
export interface PythonEnvOptions {
  /** The venv folder. Default: $MATHTUNE_VENV, else `<cache>/venv-<hash of the requirements>`. */
  venv?: string;
  /** Interpreter that runs the scripts. Default: the venv's `bin/python`. */
  python?: string;
  /** Whether CUDA extras (bitsandbytes) belong in the venv. Default: detected with nvidia-smi. */
  cuda?: boolean;
}

/** mathtune's cache folder: $MATHTUNE_CACHE, else $XDG_CACHE_HOME/mathtune, else ~/.cache/mathtune. */
export function cacheDir(): string {
  return process.env.MATHTUNE_CACHE || join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "mathtune");
}

let cudaGuess: boolean | undefined;
/** True when `nvidia-smi -L` lists a GPU. */
export async function detectCuda(): Promise<boolean> {
  if (cudaGuess !== undefined) return cudaGuess;
  if (process.env.MATHTUNE_CUDA === "0") return (cudaGuess = false);
  const r = await execa("nvidia-smi", ["-L"], { reject: false, timeout: 10_000 });
  return (cudaGuess = r.exitCode === 0 && /GPU \d+/.test(String(r.stdout)));
}

/** The pinned requirements text (with the CUDA extras where wanted) and its short hash. */
export function requirements(cuda: boolean): { files: string[]; text: string; hash: string } {
  const files = [join(PYTHON_DIR, "requirements.txt"), ...(cuda ? [join(PYTHON_DIR, "requirements-cuda.txt")] : [])];
  const text = files.map((f) => readFileSync(f, "utf8")).join("\n");
  return { files, text, hash: sha256(text).slice(0, 12) };
}

/** The venv folder: the option, else $MATHTUNE_VENV, else one in the cache named by the requirements' hash. */
export async function venvPath(opts: PythonEnvOptions = {}): Promise<string> {
  if (opts.venv) return opts.venv;
  if (process.env.MATHTUNE_VENV) return process.env.MATHTUNE_VENV;
  const cuda = opts.cuda ?? (await detectCuda());
  return join(cacheDir(), `venv-${requirements(cuda).hash}`);
}

function venvPython(venv: string): string {
  return process.platform === "win32" ? join(venv, "Scripts", "python.exe") : join(venv, "bin", "python");
}

/**
 * The interpreter that runs the scripts: `opts.python` when given, else the venv's. Throws
 * E_PYTHON_NOT_FOUND, naming the command to run, when the venv is not set up.
 */
export async function resolvePython(opts: PythonEnvOptions = {}): Promise<string> {
  if (opts.python) return opts.python;
  const venv = await venvPath(opts);
  const py = venvPython(venv);
  if (!existsSync(py) || !existsSync(join(venv, MARKER))) {
    throw new MathtuneError("E_PYTHON_NOT_FOUND", `the Python environment at ${venv} is not set up`, {
      hint: SETUP_HINT,
      details: { venv },
    });
  }
  return py;
}

const MARKER = "mathtune-setup.json";

/** Options of `setup` and `setupIter`. */
export interface SetupOptions extends PythonEnvOptions {
  /** The interpreter that creates the venv. Default: $MATHTUNE_PYTHON, else `python3`. */
  basePython?: string;
  /** Reinstall even when the venv is up to date. */
  force?: boolean;
  /** Extra arguments for `pip install`. */
  pipArgs?: string[];
  /**
   * A package index to take torch from (its pinned version), before the other requirements come
   * from PyPI: e.g. CPU_TORCH_INDEX for the CPU-only wheels (about 0.2 GB instead of the CUDA build's
   * torch with its nvidia-* packages, about 5 GB on Linux).
   */
  torchIndex?: string;
  signal?: AbortSignal;
}

/** PyTorch's index of CPU-only wheels. */
export const CPU_TORCH_INDEX = "https://download.pytorch.org/whl/cpu";

/**
 * The pip commands setup runs (arguments after the venv's python): with a torch index, torch at
 * its pinned version from that index first, then every requirement (torch is then already there).
 */
export function pipInstallCommands(
  req: { files: string[]; text: string },
  opts: Pick<SetupOptions, "pipArgs" | "torchIndex"> = {},
): string[][] {
  const base = ["-m", "pip", "install", "--disable-pip-version-check", "--no-input", "--progress-bar", "off"];
  const cmds: string[][] = [];
  if (opts.torchIndex) {
    const pin = /^torch==\S+/m.exec(req.text)?.[0];
    if (!pin)
      throw new MathtuneError("E_SETUP_FAILED", "the requirements pin no torch version to take from the torch index");
    cmds.push([...base, pin, "--index-url", opts.torchIndex, ...(opts.pipArgs ?? [])]);
  }
  cmds.push([...base, ...req.files.flatMap((f) => ["-r", f]), ...(opts.pipArgs ?? [])]);
  return cmds;
}

/** The events of `setupIter`: steps, pip's output lines, and waits for another setup's lock. */
export type SetupEvent =
  | { type: "step"; message: string }
  | { type: "pip"; line: string }
  | { type: "wait"; message: string };

/** What `setup` did: the venv, its interpreter, whether anything changed, and the requirements' hash. */
export interface SetupResult {
  venv: string;
  python: string;
  /** False when the venv was already up to date (nothing was run). */
  changed: boolean;
  requirementsHash: string;
  cuda: boolean;
  /** The index torch came from, when one was given. */
  torchIndex?: string;
  seconds: number;
}

interface BasePython {
  path: string;
  version: string;
}

async function probeBasePython(path: string): Promise<BasePython> {
  const r = await execa(path, ["-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"], {
    reject: false,
    timeout: 30_000,
  });
  const code = (r as { code?: string }).code;
  if (code === "ENOENT" || code === "EACCES" || r.exitCode !== 0) {
    throw new MathtuneError("E_PYTHON_NOT_FOUND", `no usable Python at '${path}'${code ? ` (${code})` : ""}`, {
      hint: "install Python 3.9 or newer with venv support (Debian/Ubuntu: apt-get install python3 python3-venv), or set MATHTUNE_PYTHON to its path",
      details: { python: path, exitCode: r.exitCode, stderr: String(r.stderr ?? "").slice(-2000) },
    });
  }
  const version = String(r.stdout).trim();
  const [maj, min] = version.split(".").map(Number);
  if (maj !== 3 || (min ?? 0) < 9) {
    throw new MathtuneError("E_PYTHON_VERSION", `Python ${version} at ${path} is too old; 3.9 or newer is needed`, {
      hint: "install a newer Python and set MATHTUNE_PYTHON to it",
    });
  }
  return { path, version };
}

/**
 * Creates (or tops up) the project's venv with the pinned requirements; streams pip's output as
 * events. Idempotent: when the venv's marker matches the requirements it returns at once.
 * Concurrent calls for the same venv wait for each other (a lock folder beside the venv).
 */
export async function* setupIter(opts: SetupOptions = {}): AsyncGenerator<SetupEvent, SetupResult> {
  const t0 = Date.now();
  const cuda = opts.cuda ?? (await detectCuda());
  const req = requirements(cuda);
  const venv = await venvPath({ ...opts, cuda });
  const python = venvPython(venv);
  const done = async (changed: boolean): Promise<SetupResult> => ({
    venv,
    python,
    changed,
    requirementsHash: req.hash,
    cuda,
    ...(opts.torchIndex ? { torchIndex: opts.torchIndex } : {}),
    seconds: (Date.now() - t0) / 1000,
  });
  if (!opts.force && (await upToDate(venv, req.hash, opts.torchIndex))) return done(false);
  const base = await probeBasePython(opts.basePython ?? process.env.MATHTUNE_PYTHON ?? "python3");
  const lock = `${venv}.lock`;
  await mkdir(dirname(venv), { recursive: true });
  let announced = false;
  for (;;) {
    throwIfAborted(opts.signal);
    try {
      await mkdir(lock);
      await writeFile(join(lock, "pid"), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      const holder = Number(await readFile(join(lock, "pid"), "utf8").catch(() => "0"));
      const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
      if ((holder && !pidAlive(holder)) || (!holder && age > 30_000)) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      if (!announced) yield { type: "wait", message: `waiting for another setup of ${venv} (pid ${holder})` };
      announced = true;
      await new Promise((res) => setTimeout(res, 1000));
    }
  }
  try {
    if (!opts.force && (await upToDate(venv, req.hash, opts.torchIndex))) return done(false);
    if (existsSync(venv) && !(await runs(python))) {
      yield { type: "step", message: `removing a broken venv at ${venv}` };
      await rm(venv, { recursive: true, force: true });
    }
    if (!existsSync(python)) {
      yield { type: "step", message: `creating a venv with Python ${base.version} at ${venv}` };
      const r = await execa(base.path, ["-m", "venv", venv], { reject: false, cancelSignal: opts.signal });
      if (r.exitCode !== 0) {
        await rm(venv, { recursive: true, force: true });
        throw new MathtuneError(
          "E_SETUP_FAILED",
          `could not create a venv at ${venv}: ${
            String(r.stderr || r.stdout)
              .trim()
              .split("\n")
              .slice(-1)[0]
          }`,
          {
            hint: "on Debian/Ubuntu install the venv module: apt-get install python3-venv",
            details: { stderr: String(r.stderr).slice(-4000) },
          },
        );
      }
    }
    for (const args of pipInstallCommands(req, opts)) {
      const torchOnly = !args.includes("-r");
      yield {
        type: "step",
        message: torchOnly
          ? `installing ${args[7]} from ${opts.torchIndex}`
          : `installing pinned requirements (${req.files.map((f) => f.split("/").pop()).join(", ")})`,
      };
      const pip = execa(python, args, {
        reject: false,
        buffer: false,
        env: { ...PYTHON_ENV, PIP_NO_INPUT: "1" },
        cancelSignal: opts.signal,
        all: true,
        stdin: "ignore",
      });
      let tail = "";
      if (pip.all) {
        for await (const chunk of pip.iterable({ from: "all" })) {
          const line = String(chunk);
          tail = (tail + line + "\n").slice(-8000);
          if (line.trim()) yield { type: "pip", line };
        }
      }
      const r = await pip;
      if (r.isCanceled || opts.signal?.aborted)
        throw new MathtuneError("E_CANCELED", "setup canceled; run it again to finish");
      if (r.exitCode !== 0) {
        throw new MathtuneError(
          "E_SETUP_FAILED",
          `pip install failed with code ${r.exitCode}: ${tail.trim().split("\n").slice(-1)[0] ?? ""}`,
          {
            hint: torchOnly
              ? `check that ${opts.torchIndex} can be reached and has the pinned torch, then run \`mathtune setup\` again`
              : "check that PyPI can be reached (or set PIP_INDEX_URL), then run `mathtune setup` again",
            details: { command: [python, ...args], exitCode: r.exitCode, outputTail: tail },
          },
        );
      }
    }
    await writeFile(
      join(venv, MARKER),
      `${JSON.stringify({ requirementsHash: req.hash, cuda, ...(opts.torchIndex ? { torchIndex: opts.torchIndex } : {}), python: base.version, time: new Date().toISOString() }, null, 2)}\n`,
    );
    yield { type: "step", message: "done" };
    return await done(true);
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/** `setupIter` drained; `onEvent` sees its events. */
export function setup(opts: SetupOptions & { onEvent?: (e: SetupEvent) => void } = {}): Promise<SetupResult> {
  return drain(setupIter(opts), opts.onEvent);
}

/** True when the venv's marker has these requirements (and, when one is asked for, torch from this index). */
async function upToDate(venv: string, hash: string, torchIndex?: string): Promise<boolean> {
  try {
    const m = JSON.parse(await readFile(join(venv, MARKER), "utf8")) as {
      requirementsHash?: string;
      torchIndex?: string;
    };
    return (
      m.requirementsHash === hash &&
      (torchIndex === undefined || m.torchIndex === torchIndex) &&
      (await runs(venvPython(venv)))
    );
  } catch {
    return false;
  }
}

async function runs(python: string): Promise<boolean> {
  if (!existsSync(python)) return false;
  const r = await execa(python, ["-c", "import sys"], { reject: false, timeout: 30_000 });
  return r.exitCode === 0;
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * What `doctor` found: Node, Python, the venv and its packages, CUDA, llama.cpp and Ollama, and what is
 * missing.
 */
export interface DoctorReport {
  node: string;
  basePython: { path: string; found: boolean; version?: string; problem?: string };
  venv: { path: string; exists: boolean; ready: boolean };
  python?: { version: string; executable: string };
  packages: Record<string, string | null>;
  cuda: {
    available: boolean;
    version?: string | null;
    devices?: { name: string; memoryBytes: number; capability: string }[];
    bf16?: boolean;
    threads?: number;
  };
  llamaCpp: { found: boolean; quantize?: string; dir?: string };
  ollama: {
    found: boolean;
    path?: string;
    version?: string;
    server: { url: string; reachable: boolean; version?: string };
  };
  /** What is missing, each with the command that fixes it. Empty when training can run. */
  problems: string[];
}

/** Reports Python, the venv, package versions, CUDA, llama.cpp and Ollama. Never throws for a missing piece. */
export async function doctor(opts: SetupOptions = {}): Promise<DoctorReport> {
  const problems: string[] = [];
  const basePath = opts.basePython ?? process.env.MATHTUNE_PYTHON ?? "python3";
  let basePython: DoctorReport["basePython"] = { path: basePath, found: false };
  try {
    const b = await probeBasePython(basePath);
    basePython = { path: b.path, found: true, version: b.version };
  } catch (e) {
    basePython.problem = (e as MathtuneError).message;
    problems.push(`Python: ${(e as MathtuneError).message}`);
  }
  const venv = await venvPath(opts);
  const req = requirements(opts.cuda ?? (await detectCuda()));
  const ready = await upToDate(venv, req.hash);
  const report: DoctorReport = {
    node: process.version,
    basePython,
    venv: { path: venv, exists: existsSync(venv), ready },
    packages: {},
    cuda: { available: false },
    llamaCpp: findLlamaCpp(),
    ollama: { found: false, server: { url: ollamaUrl(), reachable: false } },
    problems,
  };
  const python = opts.python ?? (existsSync(venvPython(venv)) ? venvPython(venv) : undefined);
  if (!ready && !opts.python) problems.push(`venv: ${venv} is not set up; ${SETUP_HINT}`);
  if (python) {
    try {
      const res = await drain(
        runScript({ python, args: [join(PYTHON_DIR, "doctor.py")], label: "doctor", timeoutMs: 120_000 }),
      );
      report.python = res.python as DoctorReport["python"];
      report.packages = res.packages as DoctorReport["packages"];
      report.cuda = res.cuda as DoctorReport["cuda"];
      const needed = ["torch", "transformers", "peft", "accelerate", "safetensors"];
      const missing = needed.filter((p) => !report.packages[p]);
      if (missing.length) problems.push(`packages missing: ${missing.join(", ")}; ${SETUP_HINT}`);
    } catch (e) {
      problems.push(`python: ${(e as Error).message}`);
    }
  }
  const ollamaBin = process.env.MATHTUNE_OLLAMA ?? which("ollama");
  if (ollamaBin) {
    const r = await execa(ollamaBin, ["--version"], { reject: false, timeout: 10_000 });
    const m = /(\d+\.\d+\.\d+\S*)/.exec(`${r.stdout}\n${r.stderr}`);
    report.ollama.found = r.exitCode === 0 || Boolean(m);
    report.ollama.path = ollamaBin;
    if (m?.[1]) report.ollama.version = m[1];
  }
  try {
    const res = await fetch(`${report.ollama.server.url}/api/version`, { signal: AbortSignal.timeout(1500) });
    if (res.ok) {
      report.ollama.server.reachable = true;
      report.ollama.server.version = ((await res.json()) as { version?: string }).version;
    }
  } catch {
    /* not running */
  }
  return report;
}

function ollamaUrl(): string {
  const h = process.env.OLLAMA_HOST || "127.0.0.1:11434";
  return /^https?:\/\//.test(h) ? h.replace(/\/$/, "") : `http://${h}`;
}

function findLlamaCpp(): DoctorReport["llamaCpp"] {
  const dirs = [process.env.MATHTUNE_LLAMA_CPP, join(cacheDir(), "llama.cpp")].filter((d): d is string => Boolean(d));
  for (const dir of dirs) {
    for (const rel of ["build/bin/llama-quantize", "bin/llama-quantize", "llama-quantize"]) {
      const p = join(dir, rel);
      if (existsSync(p)) return { found: true, quantize: p, dir };
    }
  }
  const onPath = which("llama-quantize");
  return onPath ? { found: true, quantize: onPath } : { found: false };
}
