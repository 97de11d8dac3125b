import { existsSync } from "node:fs";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { isMathtuneError, type MathtuneError } from "@mathtune/core";
import { doctor, merge, setup, train, trainIter, type TrainEvent } from "@mathtune/train";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, DATA, groupAlive, pidAlive, removeTempDirs, tempDir } from "./helpers.js";

// Fixture "interpreters" stand in for Python: train() runs them with the trainer's arguments.
let root: string;
let model: string;

afterAll(removeTempDirs);

beforeAll(async () => {
  root = await tempDir("errors");
  model = join(root, "model");
  await mkdir(model, { recursive: true });
  await writeFile(join(model, "config.json"), "{}");
});

async function failWith(
  python: string,
  extra: Record<string, unknown> = {},
): Promise<{ err: MathtuneError; events: TrainEvent[] }> {
  const events: TrainEvent[] = [];
  const out = await tempDir("run");
  try {
    await train({ data: DATA, model, out, python, onEvent: (e) => events.push(e), ...extra });
  } catch (e) {
    if (!isMathtuneError(e)) throw e;
    return { err: e, events };
  }
  throw new Error("expected the run to fail");
}

describe("failures of the Python side, each with its own code", () => {
  it("no Python: E_PYTHON_NOT_FOUND with the command to run", async () => {
    const { err } = await failWith("/nonexistent/bin/python3");
    expect(err.code).toBe("E_PYTHON_NOT_FOUND");
    expect(err.message).toMatch(/mathtune setup/);
  });

  it("a missing package: E_PYTHON_PACKAGE_MISSING naming it", async () => {
    const { err } = await failWith(join(BIN, "missing-package.sh"));
    expect(err.code).toBe("E_PYTHON_PACKAGE_MISSING");
    expect(err.message).toMatch(/'peft'/);
    expect(err.message).toMatch(/mathtune setup/);
  });

  it("a crash: E_SUBPROCESS_FAILED with exit code and stderr tail", async () => {
    const { err, events } = await failWith(join(BIN, "crash.sh"));
    expect(err.code).toBe("E_SUBPROCESS_FAILED");
    expect(err.message).toMatch(/exited with code 1: RuntimeError: something broke/);
    expect(err.details).toMatchObject({ exitCode: 1, canceled: false, timedOut: false });
    expect(String(err.details!.stderrTail)).toMatch(/Traceback/);
    expect(events.some((e) => e.type === "progress" && e.phase === "load")).toBe(true);
    // the message sends the user to the run's log, which holds the traceback
    const log = err.details!.logFile as string;
    expect(log).toMatch(/train\.log$/);
    expect(err.message).toContain(`see ${log} for the Python traceback`);
    expect(await readFile(log, "utf8")).toMatch(/RuntimeError: something broke/);
  });

  it("an out-of-memory message: E_OUT_OF_MEMORY with advice", async () => {
    const { err } = await failWith(join(BIN, "oom.sh"));
    expect(err.code).toBe("E_OUT_OF_MEMORY");
    expect(err.message).toMatch(/CUDA out of memory/);
    expect(err.hint).toMatch(/microBatchSize/);
  });

  it("garbage on stdout: E_PROTOCOL quoting the line, and the script is stopped", async () => {
    const t0 = Date.now();
    const { err } = await failWith(join(BIN, "garbage.sh"));
    expect(err.code).toBe("E_PROTOCOL");
    expect(err.message).toMatch(/Some weights were not initialized/);
    expect(Date.now() - t0).toBeLessThan(20_000); // the script would sleep 30 s
    expect(groupAlive(err.details!.pid as number)).toBe(false);
  });

  it("exit 0 without a result line: E_PROTOCOL", async () => {
    const { err } = await failWith(join(BIN, "no-result.sh"));
    expect(err.code).toBe("E_PROTOCOL");
    expect(err.message).toMatch(/without a result line/);
  });

  it("a hang: E_TIMEOUT after stallTimeoutMs, the whole process tree killed", async () => {
    const pidFile = join(root, "hang-stall.pid");
    const { err } = await failWith(join(BIN, "hang.sh"), {
      stallTimeoutMs: 3000,
      gracePeriodMs: 500,
      env: { FIXTURE_PIDFILE: pidFile },
    });
    expect(err.code).toBe("E_TIMEOUT");
    const [grandchild, child] = (await readFile(pidFile, "utf8")).trim().split(" ").map(Number);
    expect(pidAlive(child!)).toBe(false);
    expect(pidAlive(grandchild!)).toBe(false);
    expect(groupAlive(err.details!.pid as number)).toBe(false);
  });

  it("cancel of a script that ignores SIGINT: E_CANCELED, SIGKILL after the grace period, no orphans", async () => {
    const pidFile = join(root, "hang-cancel.pid");
    const ac = new AbortController();
    const t0 = Date.now();
    const { err } = await failWith(join(BIN, "hang.sh"), {
      signal: ac.signal,
      gracePeriodMs: 800,
      env: { FIXTURE_PIDFILE: pidFile },
      onEvent: (e: TrainEvent) => {
        if (e.type === "progress") ac.abort();
      },
    });
    expect(err.code).toBe("E_CANCELED");
    expect(err.details).toMatchObject({ canceled: true, signal: "SIGKILL" });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(800);
    const [grandchild, child] = (await readFile(pidFile, "utf8")).trim().split(" ").map(Number);
    expect(pidAlive(child!)).toBe(false);
    expect(pidAlive(grandchild!)).toBe(false);
  });
});

describe("a second interrupt", () => {
  it("kills the whole process group at once, without waiting for the grace period: E_CANCELED", async () => {
    const pidFile = join(root, "hang-kill.pid");
    const stop = new AbortController();
    const kill = new AbortController();
    const t0 = Date.now();
    const { err } = await failWith(join(BIN, "hang.sh"), {
      signal: stop.signal,
      killSignal: kill.signal,
      gracePeriodMs: 120_000,
      env: { FIXTURE_PIDFILE: pidFile },
      onEvent: (e: TrainEvent) => {
        if (e.type === "progress") {
          stop.abort();
          setTimeout(() => kill.abort(), 200);
        }
      },
    });
    expect(err.code).toBe("E_CANCELED");
    expect(err.message).toMatch(/killed at once/);
    expect(err.details).toMatchObject({ canceled: true, killed: true, signal: "SIGKILL" });
    expect(Date.now() - t0).toBeLessThan(20_000);
    const [grandchild, child] = (await readFile(pidFile, "utf8")).trim().split(" ").map(Number);
    expect(pidAlive(child!)).toBe(false);
    expect(pidAlive(grandchild!)).toBe(false);
  });
});

describe("runs as a new user meets them", () => {
  it("--resume on a finished run without checkpoints is refused: E_RUN_FINISHED, nothing touched", async () => {
    const out = await tempDir("finished");
    await mkdir(join(out, "adapter"), { recursive: true });
    await writeFile(join(out, "result.json"), "{}");
    await writeFile(join(out, "metrics.jsonl"), '{"split":"train","step":1,"loss":1}\n');
    const err = (await train({ data: DATA, model, out, resume: true, python: join(BIN, "ok.sh") }).catch(
      (e: unknown) => e,
    )) as MathtuneError;
    expect(isMathtuneError(err, "E_RUN_FINISHED")).toBe(true);
    expect(err.message).toMatch(/finished run/);
    expect(err.message).toMatch(/--overwrite/);
    expect(await readFile(join(out, "metrics.jsonl"), "utf8")).toBe('{"split":"train","step":1,"loss":1}\n');
    // with a checkpoint to continue from, resume goes ahead
    await mkdir(join(out, "checkpoints", "checkpoint-1"), { recursive: true });
    await writeFile(join(out, "checkpoints", "checkpoint-1", "state.json"), "{}");
    await expect(train({ data: DATA, model, out, resume: true, python: join(BIN, "ok.sh") })).resolves.toMatchObject({
      steps: 1,
    });
  });

  it("a build with validation: 0 trains without validation and says so; config.json records what auto became", async () => {
    const build = await tempDir("val0");
    await writeFile(join(build, "train.jsonl"), await readFile(join(DATA, "train.jsonl"), "utf8"));
    await writeFile(join(build, "validation.jsonl"), "");
    const out = await tempDir("run");
    const copy = join(out, "..", `${out.split("/").pop()}-config-as-started.json`);
    const events: TrainEvent[] = [];
    const r = await train({
      data: build,
      model,
      out,
      python: join(BIN, "ok.sh"),
      env: { FIXTURE_CONFIG_COPY: copy },
      onEvent: (e) => events.push(e),
    });
    expect(r.steps).toBe(1);
    expect(events.some((e) => e.type === "start" && e.examples.validation === 0)).toBe(true);
    expect(
      events.some(
        (e) => e.type === "log" && /validation\.jsonl is empty .*training without validation/.test(e.message),
      ),
    ).toBe(true);
    const asStarted = JSON.parse(await readFile(copy, "utf8")) as Record<string, unknown>;
    expect(asStarted.validationFile).toBeUndefined();
    expect(asStarted.precision).toBe("auto");
    const cfg = JSON.parse(await readFile(join(out, "config.json"), "utf8")) as Record<string, unknown>;
    expect(cfg).toMatchObject({
      precision: "fp32",
      quantization: "none",
      requested: { precision: "auto", quantization: "auto" },
    });
    expect(existsSync(join(out, "data", "validation.jsonl"))).toBe(false);
    expect((await readdir(join(out, "data"))).filter((f) => f.endsWith(".tmp"))).toEqual([]);
  });

  it("merge takes training's precision words and checks them before Python starts", async () => {
    const adapter = join(root, "adapter");
    await mkdir(adapter, { recursive: true });
    await writeFile(join(adapter, "adapter_config.json"), "{}");
    const out = join(await tempDir("merge"), "merged");
    const bad = (await merge({ adapter, out, dtype: "fp8" as never, python: join(BIN, "crash.sh") }).catch(
      (e: unknown) => e,
    )) as MathtuneError;
    expect(isMathtuneError(bad, "E_CONFIG_INVALID")).toBe(true);
    expect(bad.message).toMatch(/dtype must be one of fp32, bf16, fp16/);
    const copy = join(root, "merge-config-copy.json");
    const failed = (await merge({
      adapter,
      out,
      dtype: "fp16",
      python: join(BIN, "copy-config.sh"),
      env: { FIXTURE_CONFIG_COPY: copy },
    }).catch((e: unknown) => e)) as MathtuneError;
    expect(failed.code).toBe("E_SUBPROCESS_FAILED");
    expect(failed.message).toContain(`${out}.merge.log`);
    expect(JSON.parse(await readFile(copy, "utf8"))).toMatchObject({ dtype: "float16" });
  });
});

describe("a consumer that stops early", () => {
  it("breaking out of trainIter() stops the whole process tree", async () => {
    const pidFile = join(root, "hang-break.pid");
    const out = await tempDir("run");
    for await (const e of trainIter({
      data: DATA,
      model,
      out,
      python: join(BIN, "hang.sh"),
      gracePeriodMs: 300,
      env: { FIXTURE_PIDFILE: pidFile },
    })) {
      if (e.type === "progress") break;
    }
    const [grandchild, child] = (await readFile(pidFile, "utf8")).trim().split(" ").map(Number);
    expect(pidAlive(child!)).toBe(false);
    expect(pidAlive(grandchild!)).toBe(false);
  });
});

describe("input checks before Python starts", () => {
  it("a bad data line: E_RECORD_INVALID with file and line", async () => {
    const dir = await tempDir("bad-data");
    await writeFile(
      join(dir, "train.jsonl"),
      '{"problem":"1+1?","solution":"2","answer":"2","lang":"en"}\n{"question":"no"}\n',
    );
    const out = await tempDir("run");
    const err = await train({ data: dir, model, out, python: join(BIN, "crash.sh") }).catch((e: unknown) => e);
    expect(isMathtuneError(err, "E_RECORD_INVALID")).toBe(true);
    expect((err as MathtuneError).message).toMatch(/train\.jsonl:2: neither a MathRecord/);
  });
  it("no model folder: E_INPUT_NOT_FOUND; a used run folder: E_RUN_EXISTS", async () => {
    const out = await tempDir("run");
    const e1 = await train({ data: DATA, model: join(root, "nope"), out, python: join(BIN, "crash.sh") }).catch(
      (e: unknown) => e,
    );
    expect(isMathtuneError(e1, "E_INPUT_NOT_FOUND")).toBe(true);
    await mkdir(join(out, "checkpoints"));
    const e2 = await train({ data: DATA, model, out, python: join(BIN, "crash.sh") }).catch((e: unknown) => e);
    expect(isMathtuneError(e2, "E_RUN_EXISTS")).toBe(true);
  });
  it("an invalid hyperparameter: E_CONFIG_INVALID", async () => {
    const out = await tempDir("run");
    const err = await train({ data: DATA, model, out, python: join(BIN, "crash.sh"), loraDropout: 1.5 }).catch(
      (e: unknown) => e,
    );
    expect(isMathtuneError(err, "E_CONFIG_INVALID")).toBe(true);
  });
});

describe("the Python environment", () => {
  it("running without a set-up venv: E_PYTHON_NOT_FOUND telling to run mathtune setup", async () => {
    const err = await train({ data: DATA, model, out: await tempDir("run"), venv: join(root, "no-venv") }).catch(
      (e: unknown) => e,
    );
    expect(isMathtuneError(err, "E_PYTHON_NOT_FOUND")).toBe(true);
    expect((err as MathtuneError).message).toMatch(/not set up.*mathtune setup/);
  });
  it("setup without Python: E_PYTHON_NOT_FOUND naming what to install", async () => {
    const err = await setup({ venv: join(root, "v1"), basePython: "/nonexistent/python3", cuda: false }).catch(
      (e: unknown) => e,
    );
    expect(isMathtuneError(err, "E_PYTHON_NOT_FOUND")).toBe(true);
    expect((err as MathtuneError).message).toMatch(/apt-get install python3 python3-venv|MATHTUNE_PYTHON/);
  });
  it("setup with an old Python: E_PYTHON_VERSION", async () => {
    const err = await setup({ venv: join(root, "v2"), basePython: join(BIN, "old-python.sh"), cuda: false }).catch(
      (e: unknown) => e,
    );
    expect(isMathtuneError(err, "E_PYTHON_VERSION")).toBe(true);
    expect((err as MathtuneError).message).toMatch(/3\.8\.10/);
  });
  it("setup where venv creation fails: E_SETUP_FAILED with the fix, nothing left behind", async () => {
    const venv = join(root, "v3");
    const err = await setup({ venv, basePython: join(BIN, "no-venv-python.sh"), cuda: false }).catch((e: unknown) => e);
    expect(isMathtuneError(err, "E_SETUP_FAILED")).toBe(true);
    expect((err as MathtuneError).message).toMatch(/ensurepip is not available.*apt-get install python3-venv/);
    expect(existsSync(venv)).toBe(false);
    expect(existsSync(`${venv}.lock`)).toBe(false);
  });
  it("doctor lists the missing venv as a problem with the command to run", async () => {
    const d = await doctor({ venv: join(root, "no-venv"), cuda: false });
    expect(d.venv).toMatchObject({ exists: false, ready: false });
    expect(d.problems.join("\n")).toMatch(/mathtune setup/);
  });
});
