/**
 * `mathtune train`, `merge` and `setup` as a new user meets them: bad numbers and dtypes are exit
 * code 2 without a stack trace, signals reach the trainer's whole process group, a failure prints
 * the end of the run's train.log. The trainer is a fixture script (`--python`), so no venv is needed.
 */
import { spawn } from "node:child_process";
import { mkdtemp, mkdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import { configFromArgs, summaryLines } from "../src/commands/train.js";
import { assertBuilt, cliPath, runCli, type RunResult } from "./helpers.js";

const TRAINER = fileURLToPath(new URL("./fixtures/trainer.sh", import.meta.url));
let tmp = "";
let data = "";
let model = "";

beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(join(tmpdir(), "mt-cli-train-"));
  data = join(tmp, "data.jsonl");
  await writeFile(
    data,
    `${JSON.stringify({
      id: "a",
      messages: [
        { role: "user", content: "1+1?" },
        { role: "assistant", content: "Answer: 2" },
      ],
    })}\n`,
  );
  model = join(tmp, "model");
  await mkdir(model);
  await writeFile(join(model, "config.json"), "{}");
});

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Runs the CLI; `onStderr` (its progress events) may send it signals. */
function runWith(
  args: string[],
  env: NodeJS.ProcessEnv,
  onStderr: (text: string, pid: number) => void,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      onStderr(stderr, child.pid!);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** `mathtune train` on the fixture data and model, with the fixture trainer, into `tmp/<out>`. */
const trainCli = (out: string, ...flags: string[]) =>
  runCli(["train", "--data", data, "--model", model, "--out", join(tmp, out), "--python", TRAINER, ...flags]);

describe("mathtune train: bad input is exit code 2, never a stack trace", () => {
  it.each([
    [["--epochs", "abc"], /--epochs must be a whole number, got 'abc'/],
    [["--epochs", "1.5"], /--epochs must be a whole number/],
    [["--learning-rate", "fast"], /--learning-rate must be a number/],
    [["--threads", ""], /--threads/],
    [["--scheduler", "step"], /invalid training config:\s+.*scheduler/],
  ])("%j", async (flags, message) => {
    const r = await trainCli("bad", ...flags);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^error E_(CONFIG_INVALID|USAGE): /);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("--accelerate-config reaches train: a missing file is E_INPUT_NOT_FOUND naming it, before anything runs", async () => {
    const missing = join(tmp, "no-such-accelerate.yaml");
    const r = await trainCli("acc", "--accelerate-config", missing);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`error E_INPUT_NOT_FOUND: accelerate config not found: ${missing}`);
  });

  it("merge --dtype takes train's words (fp16) and refuses others before anything runs", async () => {
    const r = await runCli(["merge", "--adapter", join(tmp, "none"), "--out", join(tmp, "m"), "--dtype", "fp8"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error E_CONFIG_INVALID: --dtype must be one of fp32, bf16, fp16, got 'fp8'/);
    const ok = await runCli(["merge", "--adapter", join(tmp, "none"), "--out", join(tmp, "m"), "--dtype", "fp16"]);
    expect(ok.stderr).toMatch(/E_INPUT_NOT_FOUND: no adapter at/); // fp16 passed; the missing adapter is next
  });

  it("setup checks --cpu and --torch-index before installing anything", async () => {
    const both = await runCli(["setup", "--cpu", "--cuda", "--venv", join(tmp, "venv")]);
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/--cpu and --cuda exclude each other/);
    const notUrl = await runCli(["setup", "--torch-index", "cpu", "--venv", join(tmp, "venv")]);
    expect(notUrl.code).toBe(2);
    expect(notUrl.stderr).toMatch(/--torch-index must be a URL/);
  });
});

describe("mathtune train: signals reach the trainer, and the run ends with a checkpoint or E_CANCELED", () => {
  it("SIGTERM to the CLI stops the trainer after its step with a checkpoint; nothing is left running", async () => {
    const pidFile = join(tmp, "term.pid");
    let sent = false;
    const r = await runWith(
      ["train", "--data", data, "--model", model, "--out", join(tmp, "term"), "--python", TRAINER],
      { FIXTURE_PIDFILE: pidFile },
      (out, pid) => {
        if (!sent && /"phase":"train"/.test(out)) {
          sent = true;
          process.kill(pid, "SIGTERM");
        }
      },
    );
    expect(r.code).toBe(130);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/SIGTERM: stopping after this step/);
    expect(r.stderr).toMatch(
      /error E_CANCELED: training canceled \(checkpoint kept at \/run\/checkpoints\/checkpoint-2/,
    );
    expect(alive(Number(await readFile(pidFile, "utf8")))).toBe(false);
  });

  it("a second Ctrl-C kills a trainer that does not stop, at once: E_CANCELED, no orphan", async () => {
    const pidFile = join(tmp, "int.pid");
    let sent = 0;
    const t0 = Date.now();
    const r = await runWith(
      ["train", "--data", data, "--model", model, "--out", join(tmp, "int"), "--python", TRAINER],
      { FIXTURE_PIDFILE: pidFile, FIXTURE_IGNORE_INT: "1" },
      (out, pid) => {
        if (sent === 0 && /"phase":"train"/.test(out)) {
          sent = 1;
          process.kill(pid, "SIGINT");
          setTimeout(() => process.kill(pid, "SIGINT"), 500);
        }
      },
    );
    expect(r.code).toBe(130);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/SIGINT: killing the trainer/);
    expect(r.stderr).toMatch(/error E_CANCELED: training killed at once/);
    expect(Date.now() - t0).toBeLessThan(20_000); // not the 30 s grace period
    expect(alive(Number(await readFile(pidFile, "utf8")))).toBe(false);
  });

  it("a failure names train.log and prints its last lines", async () => {
    const crash = join(tmp, "crash.sh");
    await writeFile(
      crash,
      "#!/bin/sh\necho 'Traceback (most recent call last):' >&2\necho 'ValueError: the trainer broke' >&2\nexit 1\n",
      { mode: 0o755 },
    );
    const out = join(tmp, "crash");
    const r = await runCli(["train", "--data", data, "--model", model, "--out", out, "--python", crash]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`see ${join(out, "train.log")} for the Python traceback`);
    expect(r.stderr).toMatch(
      new RegExp(
        `last 2 lines of ${join(out, "train.log").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}:\\n  Traceback \\(most recent call last\\):\\n  ValueError: the trainer broke`,
      ),
    );
  });
});

describe("mathtune train: options and summary", () => {
  it("threads, system prompt, warmup, scheduler and skipping the first evaluation are flags", () => {
    expect(
      configFromArgs({
        threads: "2",
        "system-prompt": "Be exact.",
        "warmup-ratio": "0.1",
        "warmup-steps": "5",
        scheduler: "linear",
        "skip-first-eval": true,
        cpu: true,
      }),
    ).toEqual({
      threads: 2,
      systemPrompt: "Be exact.",
      warmupRatio: 0.1,
      warmupSteps: 5,
      scheduler: "linear",
      evalAtStart: false,
      cpu: true,
    });
    expect(configFromArgs({})).toEqual({});
  });

  it("after a resume the summary shows the validation loss without '?'", () => {
    const base = {
      runDir: "/r",
      adapter: "/r/adapter",
      steps: 5,
      totalSteps: 5,
      tokens: 1,
      seconds: 1,
      precision: "fp32",
      quantization: "none",
      worldSize: 1,
      metricsFile: "m",
      lossCurve: "l",
      logFile: "t",
    };
    expect(
      summaryLines({
        ...base,
        evalLoss: 1.5,
        firstLoss: 2,
        lastLoss: 1,
        resumedFrom: "/r/checkpoints/checkpoint-2",
      }).join("\n"),
    ).toMatch(/^validation loss: 1\.5000$/m);
    expect(summaryLines({ ...base, evalLoss: 1.5, initialEvalLoss: 3 }).join("\n")).toMatch(
      /^validation loss: 3\.0000 -> 1\.5000$/m,
    );
    expect(summaryLines({ ...base }).join("\n")).not.toMatch(/validation|\?/);
  });
});
