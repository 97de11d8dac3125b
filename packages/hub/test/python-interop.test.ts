/**
 * The cache is shared with Python: what mathtune downloads, huggingface_hub finds offline (and its
 * cache scan reads without a warning); what huggingface_hub downloads from the same loopback Hub,
 * mathtune finds offline. Uses the project's venv (huggingface_hub comes with transformers).
 */
import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { resolveDataset, resolveModel } from "@mathtune/hub";
import { type HubServer, startHubServer } from "@mathtune/hub/testing";
import { setup } from "@mathtune/train";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fixtureRepos, weights } from "./fixtures.js";

const run = promisify(execFile);
let server: HubServer;
let python = "";

beforeAll(async () => {
  server = await startHubServer(fixtureRepos());
  python = (await setup({ onEvent: (e) => process.stderr.write(`[setup] ${e.type === "pip" ? e.line : e.message}\n`) }))
    .python;
});
afterAll(async () => {
  await server.close();
});

const pyEnv = (cache: string, extra: Record<string, string>): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HF_HUB_CACHE: cache,
    HF_HUB_DISABLE_TELEMETRY: "1",
    HF_HUB_DISABLE_XET: "1",
    ...extra,
  };
  for (const k of ["HF_TOKEN", "HF_HOME", "HF_ENDPOINT", "HF_HUB_OFFLINE"]) if (!(k in extra)) delete env[k];
  return env;
};

describe("a cache shared with Python's huggingface_hub", () => {
  it("huggingface_hub reads offline what mathtune downloaded, and scans the cache without warnings", async () => {
    const cache = await mkdtemp(join(tmpdir(), "mt-hub-py-"));
    const m = await resolveModel("acme/tiny-model", { env: {}, endpoint: server.url, cacheDir: cache });
    await resolveDataset("acme/gsm-parquet", {
      env: {},
      endpoint: server.url,
      cacheDir: cache,
      config: "main",
      split: "train",
    });
    const code = [
      "import json",
      "from huggingface_hub import hf_hub_download, scan_cache_dir",
      "p = hf_hub_download('acme/tiny-model', 'model.safetensors')",
      "d = hf_hub_download('acme/gsm-parquet', 'main/train-00000-of-00001.parquet', repo_type='dataset')",
      "info = scan_cache_dir()",
      "print(json.dumps({'model': p, 'data': d, 'repos': sorted([r.repo_type + ':' + r.repo_id + ':' + str(len(r.revisions)) for r in info.repos]), 'warnings': [str(w) for w in info.warnings]}))",
    ].join("\n");
    const { stdout } = await run(python, ["-c", code], { env: pyEnv(cache, { HF_HUB_OFFLINE: "1" }) });
    const out = JSON.parse(stdout.trim().split("\n").pop()!) as {
      model: string;
      data: string;
      repos: string[];
      warnings: string[];
    };
    expect(out.model).toBe(join(m.path, "model.safetensors"));
    expect(out.data).toBe(
      join(
        cache,
        "datasets--acme--gsm-parquet/snapshots",
        server.commit("dataset", "acme/gsm-parquet"),
        "main/train-00000-of-00001.parquet",
      ),
    );
    expect(out.repos).toEqual(["dataset:acme/gsm-parquet:1", "model:acme/tiny-model:1"]);
    expect(out.warnings).toEqual([]);
  });

  it("mathtune reads offline what huggingface_hub downloaded from the same endpoint", async () => {
    const cache = await mkdtemp(join(tmpdir(), "mt-hub-py-"));
    const code = [
      "from huggingface_hub import snapshot_download",
      "print(snapshot_download('acme/tiny-model', allow_patterns=['config.json', 'model.safetensors']))",
    ].join("\n");
    const { stdout } = await run(python, ["-c", code], { env: pyEnv(cache, { HF_ENDPOINT: server.url }) });
    const pyPath = stdout.trim().split("\n").pop()!;
    server.requests.length = 0;
    const m = await resolveModel("acme/tiny-model", {
      env: { HF_HUB_OFFLINE: "1" },
      cacheDir: cache,
      files: ["config.json", "*.safetensors"],
    });
    expect(m.path).toBe(pyPath);
    expect(server.requests).toEqual([]);
    expect(new Uint8Array(await readFile(join(m.path, "model.safetensors")))).toEqual(weights);
  });
});
