import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { isMathtuneError, type MathtuneError } from "@mathtune/core";
import {
  fetchModel,
  type FetchModelEvent,
  KNOWN_MODELS,
  type KnownModel,
  knownModel,
  MODEL_MARKER,
} from "@mathtune/train";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { FIXTURES, removeTempDirs, tempDir, testEnv } from "./helpers.js";

// The whole `fetchModel` flow offline: the tiny test model written as a GGUF (gguf-py), packed in a
// wheel (a zip with the member path the table names), served by a loopback "package index" with
// the PEP 691 JSON API; real download, sha256 checks, real transformers dequantize/convert.
vi.setConfig({ testTimeout: 300_000, hookTimeout: 300_000 });

const MEMBER = "tinypkg/Tiny.F32.gguf";
let python: string;
let tinyModel: string;
let wheelBytes: Buffer;
let wheelSha: string;
let server: Server;
let base: string;
let hits: string[] = [];
/** What the index serves: the listed hash and the wheel's bytes (tests corrupt one or the other). */
let served: { listedSha?: string; bytes?: Buffer } = {};

function table(sha = wheelSha): Record<string, KnownModel> {
  return {
    tiny: {
      description: "the tiny test model as a GGUF in a wheel",
      source: {
        kind: "pypi-wheel",
        package: "tiny-pkg",
        version: "0.0.1",
        filename: "tiny_pkg-0.0.1-py3-none-any.whl",
        sha256: sha,
        member: MEMBER,
      },
      chatFormat: "chatml",
      parameters: "1.4M",
      license: "mit",
    },
  };
}

async function failure(p: Promise<unknown>): Promise<MathtuneError> {
  try {
    await p;
  } catch (e) {
    if (isMathtuneError(e)) return e;
    throw e;
  }
  throw new Error("expected a failure");
}

afterAll(async () => {
  server?.close();
  await removeTempDirs();
});

beforeAll(async () => {
  const t = await testEnv();
  python = t.env.python;
  tinyModel = t.model;
  const dir = await tempDir("wheel");
  const gguf = join(dir, "tiny.gguf");
  await execa(python, [join(FIXTURES, "make_gguf.py"), tinyModel, gguf]);
  const wheel = join(dir, "tiny_pkg-0.0.1-py3-none-any.whl");
  await execa(python, [
    "-c",
    "import sys, zipfile\nwith zipfile.ZipFile(sys.argv[1], 'w') as z:\n    z.write(sys.argv[2], sys.argv[3])\n    z.writestr('tinypkg/__init__.py', '')",
    wheel,
    gguf,
    MEMBER,
  ]);
  wheelBytes = await readFile(wheel);
  wheelSha = createHash("sha256").update(wheelBytes).digest("hex");
  server = createServer((req, res) => {
    hits.push(req.url ?? "");
    if (req.url === "/simple/tiny-pkg/") {
      res.setHeader("content-type", "application/vnd.pypi.simple.v1+json");
      res.end(
        JSON.stringify({
          files: [
            {
              filename: "tiny_pkg-0.0.1-py3-none-any.whl",
              url: "../../files/tiny.whl",
              hashes: { sha256: served.listedSha ?? wheelSha },
              size: wheelBytes.length,
            },
          ],
        }),
      );
    } else if (req.url === "/files/tiny.whl") {
      const body = served.bytes ?? wheelBytes;
      res.setHeader("content-length", String(body.length));
      res.end(body);
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

describe("the model table", () => {
  it("names the SmolLM2 wheel with a pinned hash and the Qwen reference as a Hub model", () => {
    const smol = knownModel("smollm2-135m-instruct");
    expect(smol.source.kind).toBe("pypi-wheel");
    expect(KNOWN_MODELS["smollm2-135m-instruct"].source.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(KNOWN_MODELS["qwen2.5-0.5b-instruct"].source.repo).toBe("Qwen/Qwen2.5-0.5B-Instruct");
  });

  it("an unknown name and a Hub model are clear errors, before any download", async () => {
    expect((await failure(fetchModel("nope"))).code).toBe("E_MODEL_UNKNOWN");
    const e = await failure(fetchModel("qwen2.5-0.5b-instruct", { cache: await tempDir("cache") }));
    expect(e.code).toBe("E_MODEL_NOT_FETCHABLE");
    expect(e.message).toMatch(/--model Qwen\/Qwen2.5-0.5B-Instruct/);
  });
});

describe("fetchModel on a served wheel", () => {
  it("downloads, verifies, converts to a float32 safetensors folder equal to the source model, then reuses the cache", async () => {
    const cache = await tempDir("cache");
    hits = [];
    const events: FetchModelEvent[] = [];
    const r = await fetchModel("tiny", { models: table(), cache, indexUrl: base, onEvent: (e) => events.push(e) });
    expect(r.changed).toBe(true);
    expect(r.path).toBe(join(cache, "models", "tiny"));
    expect(hits).toEqual(["/simple/tiny-pkg/", "/files/tiny.whl"]);
    expect(events.some((e) => e.type === "verified" && e.sha256 === wheelSha)).toBe(true);
    expect(events.filter((e) => e.type === "download").at(-1)).toMatchObject({ bytes: wheelBytes.length });
    expect(events.filter((e) => e.type === "progress").map((e) => (e as { phase: string }).phase)).toEqual(
      expect.arrayContaining(["extract", "load", "save", "check"]),
    );
    expect(r).toMatchObject({
      architecture: "qwen2",
      modelType: "qwen2",
      sourceQuantization: ["F32"],
      vocabSize: 512,
      dtype: "float32",
    });
    const files = await readdir(r.path);
    expect(files).toEqual(
      expect.arrayContaining([
        "config.json",
        "model.safetensors",
        "tokenizer.json",
        "chat_template.jinja",
        MODEL_MARKER,
      ]),
    );
    // nothing half-written is left beside the folder
    expect((await readdir(join(cache, "models"))).filter((f) => f.startsWith(".") && f !== ".downloads")).toEqual([]);
    const config = JSON.parse(await readFile(join(r.path, "config.json"), "utf8")) as Record<string, unknown>;
    expect(config.quantization_config).toBeUndefined();
    expect(await readFile(join(r.path, "chat_template.jinja"), "utf8")).toBe(
      await readFile(join(tinyModel, "chat_template.jinja"), "utf8"),
    );

    // Same prompt tokens and the same logits as the model the GGUF was written from.
    const cmp = await execa(
      python,
      [
        "-c",
        [
          "import sys, json, torch",
          "from transformers import AutoModelForCausalLM, AutoTokenizer",
          "a, b = sys.argv[1], sys.argv[2]",
          "ta, tb = AutoTokenizer.from_pretrained(a), AutoTokenizer.from_pretrained(b)",
          "m = [{'role': 'user', 'content': 'Solve for x: 3x + 5 = 20.'}]",
          "sa = ta.apply_chat_template(m, tokenize=False, add_generation_prompt=True)",
          "sb = tb.apply_chat_template(m, tokenize=False, add_generation_prompt=True)",
          "ia, ib = ta(sa, return_tensors='pt'), tb(sb, return_tensors='pt')",
          "ma, mb = AutoModelForCausalLM.from_pretrained(a), AutoModelForCausalLM.from_pretrained(b)",
          "d = float((ma(**ia).logits - mb(**ib).logits).abs().max()) if ia['input_ids'].shape == ib['input_ids'].shape else None",
          "print(json.dumps({'same': sa == sb and ia['input_ids'].tolist() == ib['input_ids'].tolist(), 'diff': d, 'eos': tb.eos_token}))",
        ].join("\n"),
        tinyModel,
        r.path,
      ],
      { env: { HF_HUB_OFFLINE: "1" } },
    );
    const got = JSON.parse(String(cmp.stdout).trim().split("\n").pop()!) as {
      same: boolean;
      diff: number;
      eos: string;
    };
    expect(got.same).toBe(true);
    expect(got.eos).toBe("<|im_end|>");
    expect(got.diff).toBeLessThan(1e-5);

    // Second call: the marker matches, nothing is fetched or converted.
    hits = [];
    const again = await fetchModel("tiny", { models: table(), cache, indexUrl: base });
    expect(again.changed).toBe(false);
    expect(again.path).toBe(r.path);
    expect(hits).toEqual([]);
  });

  it("refuses a wheel whose index hash or whose bytes differ from the pinned sha256, and leaves nothing behind", async () => {
    const cache = await tempDir("cache");
    served = { listedSha: "0".repeat(64) };
    let e = await failure(fetchModel("tiny", { models: table(), cache, indexUrl: base }));
    expect(e.code).toBe("E_CHECKSUM");
    expect(e.message).toMatch(/index lists sha256 0{64}/);
    const bad = Buffer.from(wheelBytes);
    bad[100] = bad[100]! ^ 0xff;
    served = { bytes: bad };
    e = await failure(fetchModel("tiny", { models: table(), cache, indexUrl: base }));
    expect(e.code).toBe("E_CHECKSUM");
    expect(e.message).toMatch(/downloaded tiny_pkg-0.0.1-py3-none-any.whl has sha256/);
    served = {};
    expect(await readdir(join(cache, "models", ".downloads"))).toEqual([]);
    expect(existsSync(join(cache, "models", "tiny"))).toBe(false);
  });

  it("takes a local wheel (--wheel) without the network, checking its hash", async () => {
    const cache = await tempDir("cache");
    const dir = await tempDir("local");
    const wheel = join(dir, "w.whl");
    await (await import("node:fs/promises")).writeFile(wheel, wheelBytes);
    const e = await failure(
      fetchModel("tiny", { models: table("f".repeat(64)), cache, wheel, indexUrl: "http://127.0.0.1:9" }),
    );
    expect(e.code).toBe("E_CHECKSUM");
    hits = [];
    const r = await fetchModel("tiny", { models: table(), cache, wheel, indexUrl: "http://127.0.0.1:9" });
    expect(r.changed).toBe(true);
    expect(hits).toEqual([]);
    expect(existsSync(join(r.path, "model.safetensors"))).toBe(true);
  });
});
