import { existsSync } from "node:fs";
import { mkdtemp, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type MathRecord, sha256 } from "@mathtune/core";
import { cacheDir, PYTHON_DIR, setup, type SetupResult } from "@mathtune/train";
import { createTinyModel } from "@mathtune/train/testing";
import { readFileSync } from "node:fs";

export const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));
export const DATA = join(FIXTURES, "data");
export const BIN = join(FIXTURES, "bin");
/** The Qwen2.5 ChatML template, owned by @mathtune/format. */
export const CHAT_TEMPLATE = fileURLToPath(new URL("../../format/templates/qwen2.5-chatml.jinja", import.meta.url));

let envPromise: Promise<{ env: SetupResult; model: string }> | undefined;

/**
 * The project's venv (created by `setup()` on a fresh machine, cached after) and the tiny Qwen2
 * model built from the fixture corpus (cached by the hash of its inputs).
 */
export function testEnv(): Promise<{ env: SetupResult; model: string }> {
  envPromise ??= (async () => {
    const env = await setup({
      onEvent: (e) => process.stderr.write(`[setup] ${e.type === "pip" ? e.line : e.message}\n`),
    });
    const key = sha256(
      [join(PYTHON_DIR, "make_tiny_model.py"), CHAT_TEMPLATE, join(DATA, "train.jsonl")]
        .map((f) => readFileSync(f, "utf8"))
        .join("\0") + env.requirementsHash,
    ).slice(0, 12);
    const model = join(cacheDir(), "test", `tiny-qwen2-${key}`);
    if (!existsSync(join(model, "model.safetensors"))) {
      const tmp = `${model}.tmp-${process.pid}`;
      await rm(tmp, { recursive: true, force: true });
      await createTinyModel({ out: tmp, chatTemplate: CHAT_TEMPLATE, corpus: join(DATA, "train.jsonl") });
      await rename(tmp, model).catch(async () => rm(tmp, { recursive: true, force: true }));
    }
    return { env, model };
  })();
  return envPromise;
}

const made: string[] = [];

/** A fresh temporary folder, removed by `removeTempDirs()` (each test file calls it in afterAll). */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `mathtune-train-${prefix}-`));
  made.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** True while any process of the group is alive. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

// A GSM8K training record as the gsm8k adapter reads it: calculator annotations and a #### line.
export const GSM8K: MathRecord = {
  id: "gsm8k/train/0",
  source: "gsm8k",
  problem:
    "Natalia sold clips to 48 of her friends in April, and then she sold half as many clips in May. How many clips did Natalia sell altogether in April and May?",
  solution:
    "Natalia sold 48/2 = <<48/2=24>>24 clips in May.\nNatalia sold 48+24 = <<48+24=72>>72 clips altogether in April and May.\n#### 72",
  answer: "72",
  lang: "en",
} as MathRecord;
