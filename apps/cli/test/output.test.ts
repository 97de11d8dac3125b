/**
 * Issue 12: one output convention and one signal handling for every verb, through the built CLI.
 * With --json, stdout holds the result alone (one JSON line, nothing on failure) and every stderr
 * line is a JSON event, the error included; off a terminal the events are JSON without --json too.
 * The first Ctrl-C stops a verb cleanly: exit code 130 and no half-written output.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ArgDef, CommandDef } from "citty";
import { beforeAll, describe, expect, it } from "vitest";
import { main } from "../src/index.js";
import { JSON_FLAG } from "../src/output.js";
import { assertBuilt, cliPath, repoRoot, runCli, type RunResult } from "./helpers.js";

const TRAINER = fileURLToPath(new URL("./fixtures/trainer.sh", import.meta.url));
const OK_TRAINER = fileURLToPath(new URL("./fixtures/ok-trainer.sh", import.meta.url));

let tmp = "";
let recipe = "";
let data = "";
let model = "";

beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(join(tmpdir(), "mt-cli-output-"));
  await cp(join(repoRoot, "test-fixtures/gsm8k"), join(tmp, "gsm8k"), { recursive: true });
  recipe = join(tmp, "r.yaml");
  await writeFile(recipe, "name: out\nsources:\n  - adapter: gsm8k\n    options: { path: gsm8k }\n");
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

type Event = { type: string; [k: string]: unknown };

/** Every non-empty line of `text` as JSON; fails naming the first line that is not. */
function jsonLines(text: string, what: string): Event[] {
  return text
    .split("\n")
    .filter((l) => l !== "")
    .map((l, i) => {
      try {
        return JSON.parse(l) as Event;
      } catch {
        throw new Error(`${what} line ${i + 1} is not JSON: ${l}`);
      }
    });
}

/** The --json contract of a failed verb: nothing on stdout, JSON lines on stderr ending with the error. */
function expectJsonFailure(r: RunResult, code: string, exitCode: number): Event {
  expect(r.code).toBe(exitCode);
  expect(r.stdout).toBe("");
  const events = jsonLines(r.stderr, "stderr");
  const last = events.at(-1)!;
  expect(last).toMatchObject({ type: "error", code, exitCode });
  return last;
}

/** Runs the CLI; `onStderr` sees its stderr so far and may signal it. */
function runWatching(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv },
  onStderr: (text: string, child: ChildProcess) => void,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliPath, ...args], {
      cwd: options.cwd ?? tmp,
      env: { ...process.env, ...options.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
      onStderr(stderr, child);
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("--json: the result alone on stdout, JSON events on stderr", () => {
  it("build: one result line on stdout; start ... done events on stderr", async () => {
    const out = join(tmp, "built");
    const r = await runCli(["build", recipe, "--out", out, "--json"], { cwd: tmp });
    expect(r.code).toBe(0);
    const [result, ...more] = jsonLines(r.stdout, "stdout");
    expect(more).toEqual([]);
    expect(result).toMatchObject({ type: "result", out });
    expect(result!.files).toEqual(expect.arrayContaining(["train.jsonl", "manifest.json", "README.md"]));
    const manifest = JSON.parse(await readFile(join(out, "manifest.json"), "utf8")) as { counts: { written: number } };
    expect((result!.counts as { written: number }).written).toBe(manifest.counts.written);
    const types = jsonLines(r.stderr, "stderr").map((e) => e.type);
    expect(types[0]).toBe("start");
    expect(types.at(-1)).toBe("done");
  });

  it("build: a bad recipe prints nothing on stdout and the error as the last JSON line on stderr", async () => {
    const bad = join(tmp, "bad.yaml");
    await writeFile(bad, "name: bad\nsources:\n  - adapter: gsm8k\n    colour: blue\n");
    const e = expectJsonFailure(
      await runCli(["build", bad, "--out", join(tmp, "bad"), "--json"], { cwd: tmp }),
      "E_CONFIG_INVALID",
      2,
    );
    expect(e.message).toContain("/sources/0: unknown property 'colour'");
  });

  it("train: its events go to stderr, never stdout; the result is one line with --json, the summary without", async () => {
    const r = await runCli([
      "train",
      "--data",
      data,
      "--model",
      model,
      "--out",
      join(tmp, "run-json"),
      "--python",
      OK_TRAINER,
      "--json",
    ]);
    expect(r.stderr).not.toMatch(/^error /m);
    expect(r.code).toBe(0);
    const [result, ...more] = jsonLines(r.stdout, "stdout");
    expect(more).toEqual([]);
    expect(result).toMatchObject({
      type: "result",
      steps: 1,
      totalSteps: 1,
      adapter: join(tmp, "run-json", "adapter"),
    });
    const events = jsonLines(r.stderr, "stderr");
    expect(events).toContainEqual(expect.objectContaining({ type: "progress", phase: "train", step: 1 }));
    // Off a terminal without --json: the same JSON events on stderr, the summary for people on stdout.
    const human = await runCli([
      "train",
      "--data",
      data,
      "--model",
      model,
      "--out",
      join(tmp, "run-human"),
      "--python",
      OK_TRAINER,
    ]);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/^adapter: .*run-human\/adapter\nsteps: 1\/1 /);
    expect(human.stdout).not.toContain("{");
    expect(jsonLines(human.stderr, "stderr").map((e) => e.type)).toContain("progress");
  });

  it("train: a bad option or a crashed trainer leaves stdout empty; the log tail and the error are JSON", async () => {
    const bad = expectJsonFailure(
      await runCli([
        "train",
        "--data",
        data,
        "--model",
        model,
        "--out",
        join(tmp, "bad-run"),
        "--python",
        OK_TRAINER,
        "--epochs",
        "abc",
        "--json",
      ]),
      "E_CONFIG_INVALID",
      2,
    );
    expect(bad.message).toMatch(/--epochs must be a whole number, got 'abc'/);
    const crash = join(tmp, "crash.sh");
    await writeFile(
      crash,
      "#!/bin/sh\necho 'Traceback (most recent call last):' >&2\necho 'ValueError: the trainer broke' >&2\nexit 1\n",
      { mode: 0o755 },
    );
    const out = join(tmp, "crash");
    const r = await runCli(["train", "--data", data, "--model", model, "--out", out, "--python", crash, "--json"]);
    expectJsonFailure(r, "E_SUBPROCESS_FAILED", 1);
    expect(jsonLines(r.stderr, "stderr")).toContainEqual({
      type: "log-tail",
      file: join(out, "train.log"),
      lines: ["Traceback (most recent call last):", "ValueError: the trainer broke"],
    });
  });

  it.each([
    [["merge", "--adapter", "NONE", "--out", "OUT/m"], "E_INPUT_NOT_FOUND", 1],
    [["model", "fetch", "gpt-17"], "E_MODEL_UNKNOWN", 1],
    [["setup", "--cpu", "--cuda", "--venv", "OUT/venv"], "E_CONFIG_INVALID", 2],
    [["report", "NONE"], "E_INPUT_NOT_FOUND", 1],
    [["compare", "NONE", "NONE"], "E_INPUT_NOT_FOUND", 1],
    [["eval", "--model", "NONE.gguf", "--data", "NONE", "--out", "OUT/e"], "E_INPUT_NOT_FOUND", 1],
    [["deploy", "--model", "NONE"], "E_USAGE", 2],
    [["run", "NONE/r.yaml", "--out", "OUT/run"], "E_INPUT_NOT_FOUND", 2],
  ] as const)("%j --json fails with nothing on stdout and JSON on stderr", async (args, code, exitCode) => {
    const none = join(tmp, "nothing-here");
    const r = await runCli([...args.map((a) => a.replace("NONE", none).replace("OUT", tmp)), "--json"], { cwd: tmp });
    expectJsonFailure(r, code, exitCode);
  });

  it("without --json an error stays the documented 'error E_CODE: message' line", async () => {
    const r = await runCli(["merge", "--adapter", join(tmp, "none"), "--out", join(tmp, "m")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^error E_INPUT_NOT_FOUND: no adapter at /m);
  });

  it("model list --json prints one JSON line", async () => {
    const list = await runCli(["model", "list", "--json"]);
    expect(list.code).toBe(0);
    expect(jsonLines(list.stdout, "stdout")).toHaveLength(1);
  });

  it("every verb's --json flag is the same flag with the same description; only schema (whose output is JSON) has none", async () => {
    const resolve = async (c: unknown): Promise<CommandDef> =>
      typeof c === "function" ? await (c as () => Promise<CommandDef>)() : (c as CommandDef);
    const without: string[] = [];
    const verbs = async (cmd: CommandDef, path: string): Promise<void> => {
      const subs = Object.entries((cmd.subCommands ?? {}) as Record<string, unknown>);
      if (subs.length) {
        for (const [name, sub] of subs) await verbs(await resolve(sub), `${path} ${name}`.trim());
        return;
      }
      const args = (await resolve(cmd.args ?? {})) as Record<string, ArgDef>;
      if (!args.json) without.push(path);
      else expect(args.json, path).toEqual(JSON_FLAG);
    };
    await verbs(main, "");
    expect(without).toEqual(["schema"]);
    const help = await runCli(["train", "--help"]);
    expect(help.stdout).toContain(JSON_FLAG.description);
  });
});

describe("the first Ctrl-C stops a verb cleanly: exit code 130, no half-written output", () => {
  it("build: one SIGINT mid-build; a JSON signal event, then E_CANCELED; no output folder, no staging folder", async () => {
    const dir = join(tmp, "sigint-build");
    await mkdir(dir);
    const out = join(dir, "interrupted");
    let sent = false;
    const r = await runWatching(["build", "--out", out, "--json"], { cwd: dir }, (text, child) => {
      if (!sent && text.includes('"type":"source-start"')) {
        sent = true;
        child.kill("SIGINT");
      }
    });
    expect(sent).toBe(true);
    expectJsonFailure(r, "E_CANCELED", 130);
    expect(jsonLines(r.stderr, "stderr")).toContainEqual(
      expect.objectContaining({ type: "signal", signal: "SIGINT", action: "stop", count: 1 }),
    );
    expect(await readdir(dir)).toEqual([]);
    expect(existsSync(out)).toBe(false);
  });

  it("train: one SIGINT stops the trainer after its step (E_CANCELED, checkpoint kept); nothing on stdout, no trainer left", async () => {
    const pidFile = join(tmp, "sigint-train.pid");
    let sent = false;
    const r = await runWatching(
      ["train", "--data", data, "--model", model, "--out", join(tmp, "sigint-train"), "--python", TRAINER, "--json"],
      { env: { FIXTURE_PIDFILE: pidFile } },
      (text, child) => {
        if (!sent && /"phase":"train"/.test(text)) {
          sent = true;
          child.kill("SIGINT");
        }
      },
    );
    expect(sent).toBe(true);
    const e = expectJsonFailure(r, "E_CANCELED", 130);
    expect(e.message).toMatch(/training canceled \(checkpoint kept at \/run\/checkpoints\/checkpoint-2/);
    expect(jsonLines(r.stderr, "stderr")).toContainEqual(
      expect.objectContaining({
        type: "signal",
        signal: "SIGINT",
        action: "stop",
        message: expect.stringMatching(/SIGINT: stopping after this step/),
      }),
    );
    expect(alive(Number(await readFile(pidFile, "utf8")))).toBe(false);
  });
});
