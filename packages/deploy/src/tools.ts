import { existsSync, readFileSync } from "node:fs";
import { access, constants, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join, resolve } from "node:path";
import { MathtuneError, throwIfAborted } from "@mathtune/core";
import { cacheDir } from "@mathtune/train";
import { which } from "@mathtune/train/internal";
import { execa } from "execa";

/** A step of a tool build (`cmake`, `go`), for the progress display. */
export type ToolEvent =
  | { type: "step"; tool: "llama.cpp" | "ollama"; message: string }
  | { type: "build"; tool: "llama.cpp" | "ollama"; percent?: number; line: string }
  | { type: "wait"; tool: "llama.cpp" | "ollama"; message: string };

// ---------------------------------------------------------------------------------------------
// llama.cpp

/** Where the llama.cpp in use came from. */
export type LlamaCppSource = "option" | "env" | "cache";

/** A llama.cpp found or built: its source folder, `llama-quantize` and the converter scripts. */
export interface LlamaCpp {
  /** The llama.cpp source folder (convert_hf_to_gguf.py, convert_lora_to_gguf.py, gguf-py/). */
  dir: string;
  /** The `llama-quantize` executable. */
  quantize: string;
  convertHf: string;
  convertLora: string;
  /** `gguf-py` of that source tree (put on PYTHONPATH for the converters). */
  ggufPy: string;
  source: LlamaCppSource;
  /** The commit of the cached build (the first 12 hex digits), when known. */
  commit?: string;
}

/** Where llama.cpp comes from, a cancel signal, and progress of its download and build. */
export interface LlamaCppOptions {
  /** A llama.cpp source folder of your own (with `build/bin/llama-quantize`); else $MATHTUNE_LLAMA_CPP; else the cache. */
  llamaCpp?: string;
  signal?: AbortSignal;
  /** Receives the progress of fetching and building the tool. */
  onEvent?: (e: ToolEvent) => void;
}

/** The environment variable that names a llama.cpp source folder of your own. */
export const LLAMA_CPP_ENV = "MATHTUNE_LLAMA_CPP";

const CMAKE_FLAGS = [
  "-DCMAKE_BUILD_TYPE=Release",
  "-DGGML_NATIVE=OFF",
  "-DLLAMA_BUILD_TESTS=OFF",
  "-DLLAMA_BUILD_EXAMPLES=OFF",
  "-DLLAMA_CURL=OFF",
];

/** node-llama-cpp's package folder (it ships llama.cpp's source as `llama/gitRelease.bundle`). */
export function nodeLlamaCppDir(): string {
  const req = createRequire(import.meta.url);
  let dir = dirname(req.resolve("node-llama-cpp"));
  for (let i = 0; i < 5 && !existsSync(join(dir, "package.json")); i++) dir = dirname(dir);
  return dir;
}

/** The llama.cpp git bundle shipped by node-llama-cpp. */
export function llamaCppBundle(): string {
  return join(nodeLlamaCppDir(), "llama", "gitRelease.bundle");
}

let bundleHead: Promise<string> | undefined;
/** The first 12 hex digits of the bundle's HEAD commit (the cache key). */
export function llamaCppBundleCommit(): Promise<string> {
  bundleHead ??= (async () => {
    const bundle = llamaCppBundle();
    const r = await execa("git", ["bundle", "list-heads", bundle], { reject: false });
    const m = /^([0-9a-f]{40})\s+HEAD$/m.exec(String(r.stdout)) ?? /^([0-9a-f]{40})\s/m.exec(String(r.stdout));
    if (r.exitCode !== 0 || !m) {
      throw new MathtuneError(
        "E_TOOL_NOT_FOUND",
        `could not read the llama.cpp bundle ${bundle}: ${String(r.stderr || r.stdout).trim() || "no HEAD"}`,
        {
          hint: "install git, and reinstall node-llama-cpp (pnpm install)",
        },
      );
    }
    return m[1]!.slice(0, 12);
  })();
  return bundleHead;
}

/** The cached llama.cpp folders for a commit: `<cache>/llama.cpp/<commit>/src` and its cmake build. */
export function llamaCppCachePaths(
  commit: string,
  cache = cacheDir(),
): { root: string; src: string; build: string; quantize: string; marker: string; lock: string } {
  const root = join(cache, "llama.cpp", commit);
  const src = join(root, "src");
  const build = join(src, "build");
  return {
    root,
    src,
    build,
    quantize: join(build, "bin", exe("llama-quantize")),
    marker: join(build, "mathtune-build.json"),
    lock: join(root, "build.lock"),
  };
}

function exe(name: string): string {
  return process.platform === "win32" ? `${name}.exe` : name;
}

async function isExecutable(p: string): Promise<boolean> {
  try {
    await access(p, constants.X_OK);
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** True when `llama-quantize` starts (it prints its usage and exits 1 without arguments). */
async function quantizeRuns(p: string): Promise<boolean> {
  if (!(await isExecutable(p))) return false;
  const r = await execa(p, [], { reject: false, timeout: 20_000, stdin: "ignore" });
  return /usage/i.test(`${r.stdout}\n${r.stderr}`);
}

function fromDir(dir: string, source: LlamaCppSource, commit?: string): Omit<LlamaCpp, "quantize"> {
  return {
    dir,
    convertHf: join(dir, "convert_hf_to_gguf.py"),
    convertLora: join(dir, "convert_lora_to_gguf.py"),
    ggufPy: join(dir, "gguf-py"),
    source,
    ...(commit ? { commit } : {}),
  };
}

/** A user's llama.cpp folder: its converters, and `llama-quantize` in build/bin, bin, the folder, or on PATH. */
async function userLlamaCpp(dir: string, source: LlamaCppSource): Promise<LlamaCpp> {
  const abs = resolve(dir);
  const base = fromDir(abs, source);
  if (!existsSync(base.convertHf)) {
    throw new MathtuneError("E_TOOL_NOT_FOUND", `${abs} is not a llama.cpp source folder (no convert_hf_to_gguf.py)`, {
      location: { file: abs },
      hint: `point --llama-cpp (or ${LLAMA_CPP_ENV}) at a llama.cpp clone, or leave it unset to use the cached build`,
    });
  }
  const candidates = [
    join(abs, "build", "bin", exe("llama-quantize")),
    join(abs, "bin", exe("llama-quantize")),
    join(abs, exe("llama-quantize")),
    which(exe("llama-quantize")),
  ];
  for (const c of candidates) if (c && (await isExecutable(c))) return { ...base, quantize: c };
  throw new MathtuneError(
    "E_TOOL_NOT_FOUND",
    `no llama-quantize under ${abs} (looked in build/bin, bin, the folder and PATH)`,
    {
      location: { file: abs },
      hint: `build it there (cmake -B build && cmake --build build --target llama-quantize) or unset ${LLAMA_CPP_ENV} to use mathtune's cached build`,
    },
  );
}

/**
 * The llama.cpp in use, without building anything: `opts.llamaCpp`, else $MATHTUNE_LLAMA_CPP, else
 * the cached build of node-llama-cpp's bundle. Undefined when the cache has no finished build.
 */
export async function findLlamaCpp(opts: Pick<LlamaCppOptions, "llamaCpp"> = {}): Promise<LlamaCpp | undefined> {
  if (opts.llamaCpp) return userLlamaCpp(opts.llamaCpp, "option");
  if (process.env[LLAMA_CPP_ENV]) return userLlamaCpp(process.env[LLAMA_CPP_ENV]!, "env");
  const commit = await llamaCppBundleCommit();
  const p = llamaCppCachePaths(commit);
  if (!existsSync(join(p.src, "convert_hf_to_gguf.py"))) return undefined;
  if (existsSync(p.lock) && !(await staleLock(p.lock)) && !(await ownLock(p.lock))) return undefined; // a build is running
  if (existsSync(p.marker) ? await isExecutable(p.quantize) : await quantizeRuns(p.quantize))
    return { ...fromDir(p.src, "cache", commit), quantize: p.quantize };
  return undefined;
}

/**
 * The llama.cpp in use, building it into the cache when missing: the bundle is cloned into a
 * temporary folder and renamed to `src`, then `llama-quantize` is built with cmake in `src/build`
 * and a marker written when it is done. Concurrent calls wait for each other (a lock folder).
 */
export async function ensureLlamaCpp(opts: LlamaCppOptions = {}): Promise<LlamaCpp> {
  const found = await findLlamaCpp(opts);
  if (found) return found;
  const commit = await llamaCppBundleCommit();
  const p = llamaCppCachePaths(commit);
  const emit = opts.onEvent ?? (() => {});
  await mkdir(p.root, { recursive: true });
  await withLock(
    p.lock,
    opts.signal,
    () => emit({ type: "wait", tool: "llama.cpp", message: `waiting for another build of llama.cpp in ${p.root}` }),
    async () => {
      // A build started outside this lock (by hand, or an older mathtune) is still writing into
      // src/build: wait until it has been quiet for two minutes, then use it or finish it.
      let told = false;
      while (
        existsSync(p.build) &&
        !(await findLlamaCpp()) &&
        (await newestChange(p.build, 4)) > Date.now() - 120_000
      ) {
        throwIfAborted(opts.signal);
        if (!told)
          emit({
            type: "wait",
            tool: "llama.cpp",
            message: `another build is writing into ${p.build}; waiting for it`,
          });
        told = true;
        await new Promise((res) => setTimeout(res, 5000));
      }
      const again = await findLlamaCpp();
      if (again) return;
      if (!existsSync(join(p.src, "convert_hf_to_gguf.py"))) {
        emit({ type: "step", tool: "llama.cpp", message: `cloning llama.cpp ${commit} from ${llamaCppBundle()}` });
        const tmp = `${p.src}.tmp-${process.pid}`;
        await rm(tmp, { recursive: true, force: true });
        await rm(p.src, { recursive: true, force: true });
        await run("git", ["clone", "--quiet", llamaCppBundle(), tmp], "llama.cpp", opts.signal);
        await run("git", ["-C", tmp, "checkout", "--quiet", "--detach", "HEAD"], "llama.cpp", opts.signal);
        await rename(tmp, p.src);
      }
      const jobs = String(Math.max(1, availableParallelism()));
      emit({ type: "step", tool: "llama.cpp", message: `configuring llama.cpp (cmake ${CMAKE_FLAGS.join(" ")})` });
      await run("cmake", ["-S", p.src, "-B", p.build, ...CMAKE_FLAGS], "llama.cpp", opts.signal, emit);
      emit({
        type: "step",
        tool: "llama.cpp",
        message: `building llama-quantize with ${jobs} jobs (about 5 minutes on 2 cores)`,
      });
      await run(
        "cmake",
        ["--build", p.build, "--config", "Release", "--target", "llama-quantize", "-j", jobs],
        "llama.cpp",
        opts.signal,
        emit,
      );
      if (!(await quantizeRuns(p.quantize)))
        throw new MathtuneError("E_TOOL_NOT_FOUND", `the llama.cpp build finished but ${p.quantize} does not run`, {
          hint: `remove ${p.root} and try again`,
        });
      await writeFile(
        p.marker,
        `${JSON.stringify({ commit, flags: CMAKE_FLAGS, time: new Date().toISOString() }, null, 2)}\n`,
      );
      emit({ type: "step", tool: "llama.cpp", message: `llama-quantize ready at ${p.quantize}` });
    },
  );
  const done = await findLlamaCpp();
  if (!done)
    throw new MathtuneError("E_TOOL_NOT_FOUND", `llama.cpp is not usable in ${p.root}`, {
      hint: `remove ${p.root} and run \`mathtune deploy --setup\``,
    });
  return done;
}

// ---------------------------------------------------------------------------------------------
// Ollama

/** The Ollama version mathtune builds and tests against. */
export const OLLAMA_VERSION = "v0.6.5";
/** The environment variable that names an Ollama binary of your own. */
export const OLLAMA_ENV = "MATHTUNE_OLLAMA";

/**
 * The x86-64 micro-architecture level this CPU supports (from /proc/cpuinfo flags): `x86-64-v3`
 * with AVX2/FMA/BMI2, `x86-64-v2` with SSE4.2/POPCNT, else `x86-64`; `generic` off x86.
 */
export function cpuLevel(cpuinfo?: string): "x86-64-v4" | "x86-64-v3" | "x86-64-v2" | "x86-64" | "generic" {
  if (cpuinfo === undefined) {
    if (process.arch !== "x64") return "generic";
    try {
      cpuinfo = readFileSync("/proc/cpuinfo", "utf8");
    } catch {
      return "x86-64";
    }
  }
  const line = /^flags\s*:(.*)$/m.exec(cpuinfo)?.[1] ?? "";
  const flags = new Set(line.trim().split(/\s+/));
  const all = (...f: string[]) => f.every((x) => flags.has(x));
  const v2 = all("cx16", "lahf_lm", "popcnt", "sse4_1", "sse4_2", "ssse3");
  const v3 = v2 && all("avx", "avx2", "bmi1", "bmi2", "f16c", "fma", "abm", "movbe", "xsave");
  // v4 adds AVX-512; the Ollama build is kept at v3 (the tested one) even there.
  if (v3) return "x86-64-v3";
  if (v2) return "x86-64-v2";
  return "x86-64";
}

/** The Ollama binary found, and where it came from (the option, the environment variable, the cache or PATH). */
export interface OllamaBinary {
  path: string;
  source: "option" | "env" | "cache" | "path";
  version?: string;
}

/** `<cache>/ollama/<version>-<cpu level>/bin/ollama`. */
export function ollamaCachePath(
  level = cpuLevel(),
  cache = cacheDir(),
): { root: string; bin: string; exe: string; lock: string } {
  const root = join(cache, "ollama", `${OLLAMA_VERSION}-${level}`);
  return { root, bin: join(root, "bin"), exe: join(root, "bin", exe("ollama")), lock: join(root, "build.lock") };
}

/** The `ollama` executable: `opts.ollama`, $MATHTUNE_OLLAMA, the cached build, else `ollama` on PATH. */
export async function findOllama(opts: { ollama?: string } = {}): Promise<OllamaBinary | undefined> {
  if (opts.ollama) return { path: resolve(opts.ollama), source: "option" };
  if (process.env[OLLAMA_ENV]) return { path: resolve(process.env[OLLAMA_ENV]!), source: "env" };
  const c = ollamaCachePath();
  if (await isExecutable(c.exe)) return { path: c.exe, source: "cache", version: OLLAMA_VERSION.slice(1) };
  const onPath = which(exe("ollama"));
  return onPath ? { path: onPath, source: "path" } : undefined;
}

/** The C flags the Ollama build uses for this CPU. */
export function ollamaCgoFlags(level = cpuLevel()): string {
  return level === "generic" ? "-O3" : `-O3 -march=${level}`;
}

/**
 * The cached Ollama server, built when missing with `go install github.com/ollama/ollama@v0.6.5`
 * (its llama.cpp runner compiled by cgo with `-O3 -march=<cpu level>`; about 10 CPU-minutes) into a
 * temporary GOBIN, the binary then renamed into place. Needs Go 1.24+ and a C/C++ compiler.
 */
export async function ensureOllama(
  opts: { ollama?: string; signal?: AbortSignal; onEvent?: (e: ToolEvent) => void } = {},
): Promise<OllamaBinary> {
  if (opts.ollama || process.env[OLLAMA_ENV]) return (await findOllama(opts))!;
  const c = ollamaCachePath();
  if (await isExecutable(c.exe)) return { path: c.exe, source: "cache", version: OLLAMA_VERSION.slice(1) };
  const emit = opts.onEvent ?? (() => {});
  const go = which("go");
  if (!go) {
    throw new MathtuneError("E_TOOL_NOT_FOUND", "Go is not installed, so Ollama cannot be built", {
      hint: `install Go 1.24+ (https://go.dev/dl) and run \`mathtune deploy --setup\`, or install Ollama and set ${OLLAMA_ENV} to its binary`,
    });
  }
  await mkdir(c.root, { recursive: true });
  await withLock(
    c.lock,
    opts.signal,
    () => emit({ type: "wait", tool: "ollama", message: `waiting for another build of Ollama in ${c.root}` }),
    async () => {
      if (await isExecutable(c.exe)) return;
      const tmpBin = join(c.root, `bin.tmp-${process.pid}`);
      await rm(tmpBin, { recursive: true, force: true });
      const flags = ollamaCgoFlags();
      emit({
        type: "step",
        tool: "ollama",
        message: `building Ollama ${OLLAMA_VERSION} with CGO flags "${flags}" (about 10 CPU-minutes)`,
      });
      await run(go, ["install", `github.com/ollama/ollama@${OLLAMA_VERSION}`], "ollama", opts.signal, emit, {
        GOBIN: tmpBin,
        CGO_ENABLED: "1",
        CGO_CFLAGS: flags,
        CGO_CXXFLAGS: flags,
        GOFLAGS: "-mod=mod",
      });
      await mkdir(c.bin, { recursive: true });
      await rename(join(tmpBin, exe("ollama")), c.exe);
      await rm(tmpBin, { recursive: true, force: true });
      emit({ type: "step", tool: "ollama", message: `Ollama ready at ${c.exe}` });
    },
  );
  return { path: c.exe, source: "cache", version: OLLAMA_VERSION.slice(1) };
}

// ---------------------------------------------------------------------------------------------
// helpers

/** The newest modification time (ms) of a folder and its sub-folders down to `depth`. */
async function newestChange(dir: string, depth: number): Promise<number> {
  const { readdir } = await import("node:fs/promises");
  let newest = (await stat(dir).catch(() => ({ mtimeMs: 0 }))).mtimeMs;
  if (depth <= 0) return newest;
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries)
    if (e.isDirectory()) newest = Math.max(newest, await newestChange(join(dir, e.name), depth - 1));
  return newest;
}

async function run(
  cmd: string,
  args: string[],
  tool: "llama.cpp" | "ollama",
  signal?: AbortSignal,
  emit?: (e: ToolEvent) => void,
  env?: Record<string, string>,
): Promise<void> {
  throwIfAborted(signal);
  const child = execa(cmd, args, {
    reject: false,
    all: true,
    buffer: false,
    stdin: "ignore",
    ...(env ? { env } : {}),
    ...(signal ? { cancelSignal: signal } : {}),
    forceKillAfterDelay: 5_000,
  });
  let tail = "";
  if (child.all) {
    for await (const chunk of child.iterable({ from: "all" })) {
      const line = String(chunk);
      tail = (tail + line + "\n").slice(-8000);
      const m = /^\[\s*(\d+)%\]/.exec(line);
      emit?.({ type: "build", tool, line, ...(m ? { percent: Number(m[1]) } : {}) });
    }
  }
  const r = await child;
  if (r.isCanceled || signal?.aborted)
    throw new MathtuneError("E_CANCELED", `${tool} build canceled; run it again to finish`);
  if (r.exitCode !== 0) {
    const code = (r as { code?: string }).code;
    throw new MathtuneError(
      code === "ENOENT" ? "E_TOOL_NOT_FOUND" : "E_SUBPROCESS_FAILED",
      `${[cmd, ...args].join(" ")} failed${code === "ENOENT" ? ` (${cmd} not found)` : ` with code ${r.exitCode}`}: ${tail.trim().split("\n").slice(-3).join(" | ")}`,
      {
        hint:
          tool === "llama.cpp"
            ? "llama-quantize needs git, cmake and a C++ compiler"
            : "Ollama needs Go 1.24+ and a C/C++ compiler",
        details: { command: [cmd, ...args], exitCode: r.exitCode, outputTail: tail },
      },
    );
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

async function staleLock(lock: string): Promise<boolean> {
  const holder = Number(await readFile(join(lock, "pid"), "utf8").catch(() => "0"));
  const age = Date.now() - (await stat(lock).catch(() => ({ mtimeMs: Date.now() }))).mtimeMs;
  return (holder > 0 && !pidAlive(holder)) || (!holder && age > 30_000);
}

async function ownLock(lock: string): Promise<boolean> {
  return Number(await readFile(join(lock, "pid"), "utf8").catch(() => "0")) === process.pid;
}

/** Runs `fn` holding a lock folder (with our pid); a lock whose holder died is taken over. */
async function withLock(
  lock: string,
  signal: AbortSignal | undefined,
  onWait: () => void,
  fn: () => Promise<void>,
): Promise<void> {
  let announced = false;
  for (;;) {
    throwIfAborted(signal);
    try {
      await mkdir(lock);
      await writeFile(join(lock, "pid"), String(process.pid));
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      if (await staleLock(lock)) {
        await rm(lock, { recursive: true, force: true });
        continue;
      }
      if (!announced) onWait();
      announced = true;
      await new Promise((res) => setTimeout(res, 2000));
    }
  }
  try {
    await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
