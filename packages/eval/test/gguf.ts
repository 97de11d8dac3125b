/**
 * The one place the eval tests make GGUF files: the tiny random-weight Qwen2 model of the training
 * tests (createTinyModel), converted by llama.cpp's convert_hf_to_gguf.py with the project's venv.
 * Cached under $MATHTUNE_CACHE/fixtures by a hash of everything that goes in.
 * (To be replaced by @mathtune/deploy's convertToGguf once that lands.)
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { sha256 } from "@mathtune/core";
import { cacheDir, createTinyModel, PYTHON_DIR, setup } from "@mathtune/train";
import { execa } from "execa";

export const FIXTURES = fileURLToPath(new URL("./fixtures/", import.meta.url));
const CHAT_TEMPLATE = fileURLToPath(new URL("../../format/templates/qwen2.5-chatml.jinja", import.meta.url));
const CORPUS = join(FIXTURES, "corpus.jsonl");
/** The llama.cpp commit node-llama-cpp 3.21.1 ships (its llama/gitRelease.bundle). */
const LLAMA_COMMIT = "80fb11ac73e6";

/** llama.cpp's source: the cached clone, or a clone of node-llama-cpp's bundle made now. */
async function llamaCppSource(): Promise<string> {
  const src = join(cacheDir(), "llama.cpp", LLAMA_COMMIT, "src");
  if (existsSync(join(src, "convert_hf_to_gguf.py"))) return src;
  const req = createRequire(fileURLToPath(new URL("../package.json", import.meta.url)));
  const bundle = join(dirname(req.resolve("node-llama-cpp/package.json")), "llama", "gitRelease.bundle");
  const tmp = `${src}.tmp-${process.pid}`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(dirname(src), { recursive: true });
  await execa("git", ["clone", "--quiet", bundle, tmp]);
  await rename(tmp, src).catch(() => rm(tmp, { recursive: true, force: true }));
  return src;
}

const made = new Map<string, Promise<string>>();

/** The tiny Qwen2 model as a GGUF of the given type (f16, q8_0, ...: what the converter writes). */
export function tinyGguf(outtype: "f16" | "q8_0" | "f32" = "f16"): Promise<string> {
  let p = made.get(outtype);
  if (!p) {
    p = (async () => {
      const env = await setup({ onEvent: (e) => process.stderr.write(`[setup] ${e.type === "pip" ? e.line : e.message}\n`) });
      const src = await llamaCppSource();
      const key = sha256([join(PYTHON_DIR, "make_tiny_model.py"), CHAT_TEMPLATE, CORPUS].map((f) => readFileSync(f, "utf8")).join("\0") + env.requirementsHash + LLAMA_COMMIT).slice(0, 12);
      const dir = join(cacheDir(), "fixtures");
      const hf = join(dir, `tiny-qwen2-${key}`);
      const gguf = join(dir, `tiny-qwen2-${key}.${outtype}.gguf`);
      if (existsSync(gguf)) return gguf;
      await mkdir(dir, { recursive: true });
      if (!existsSync(join(hf, "model.safetensors"))) {
        const tmp = `${hf}.tmp-${process.pid}`;
        await rm(tmp, { recursive: true, force: true });
        await createTinyModel({ out: tmp, chatTemplate: CHAT_TEMPLATE, corpus: CORPUS });
        await rename(tmp, hf).catch(() => rm(tmp, { recursive: true, force: true }));
      }
      const tmp = `${gguf}.tmp-${process.pid}`;
      // The tiny tokenizer's BPE merges are its own, so the converter's pre-tokenizer check (a hash
      // of how a fixed text tokenizes) knows none of them; its split pattern is Qwen2's, so say so.
      const run = [
        "import runpy, sys",
        `sys.path[:0] = [${JSON.stringify(src)}, ${JSON.stringify(join(src, "gguf-py"))}]`,
        "import conversion.base as b",
        "b.TextModel.get_vocab_base_pre = lambda self, tokenizer: 'qwen2'",
        `sys.argv = ${JSON.stringify(["convert_hf_to_gguf.py", hf, "--outfile", tmp, "--outtype", outtype])}`,
        `runpy.run_path(${JSON.stringify(join(src, "convert_hf_to_gguf.py"))}, run_name="__main__")`,
      ].join("\n");
      await execa(env.python, ["-c", run], { env: { HF_HUB_OFFLINE: "1", PYTHONUNBUFFERED: "1" }, timeout: 600_000 });
      await rename(tmp, gguf);
      return gguf;
    })();
    made.set(outtype, p);
  }
  return p;
}
