/** Recipe sources that name a Hugging Face Hub dataset (`options.hub`), served by a loopback Hub. */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build, buildIter, type BuildEvent } from "@mathtune/build";
import { isMathtuneError } from "@mathtune/core";
import { type HubServer, startHubServer } from "@mathtune/hub/testing";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const rows = [
  { question: "Tom has 3 apples and buys 4 more. How many apples does he have?", answer: "3 + 4 = <<3+4=7>>7\n#### 7" },
  { question: "A box holds 12 pens. How many pens are in 5 boxes?", answer: "5 * 12 = <<5*12=60>>60\n#### 60" },
  { question: "Sara reads 20 pages a day. How many pages in a week?", answer: "20 * 7 = <<20*7=140>>140\n#### 140" },
  { question: "What is 9 times 9?", answer: "9 * 9 = 81\n#### 81" },
];
const pq = (r: typeof rows): Uint8Array =>
  new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: "question", data: r.map((x) => x.question), type: "STRING" },
        { name: "answer", data: r.map((x) => x.answer), type: "STRING" },
      ],
    }),
  );

let server: HubServer;
let tmp = "";
const saved: Record<string, string | undefined> = {};
const ENV = ["HF_ENDPOINT", "HF_HUB_CACHE", "HF_HOME", "HF_TOKEN", "HF_HUB_OFFLINE"] as const;

beforeAll(async () => {
  server = await startHubServer([
    {
      type: "dataset",
      name: "acme/gsm8k",
      files: [
        { path: "main/train-00000-of-00001.parquet", content: pq(rows) },
        { path: "main/test-00000-of-00001.parquet", content: pq(rows.slice(0, 1)) },
      ],
    },
  ]);
  tmp = await mkdtemp(join(tmpdir(), "mt-build-hub-"));
  for (const k of ENV) saved[k] = process.env[k];
  for (const k of ENV) delete process.env[k];
  process.env.HF_ENDPOINT = server.url;
  process.env.HF_HUB_CACHE = join(tmp, "hf");
});
afterAll(async () => {
  for (const k of ENV) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  await server.close();
});

const recipe = (options: Record<string, unknown>) => ({
  name: "hub-test",
  seed: 1,
  sources: [{ adapter: "gsm8k", options }],
  split: { train: 0.5, validation: 0.25, test: 0.25 },
});

describe("Hub sources", () => {
  it("downloads a Hub dataset, builds from it and records repository, commit and hashes; a rerun offline gives the same bytes", async () => {
    const commit = server.commit("dataset", "acme/gsm8k");
    const events: BuildEvent[] = [];
    let result;
    for await (const ev of buildIter({ recipe: recipe({ hub: "acme/gsm8k", config: "main", split: "train", revision: commit }), out: join(tmp, "a"), readInWorker: false })) {
      events.push(ev);
      if (ev.type === "done") result = ev.result;
    }
    expect(result!.counts.read).toBe(rows.length);
    expect(events.some((e) => e.type === "download" && e.event.type === "file-done" && !e.event.cached)).toBe(true);
    const manifest = JSON.parse(await readFile(join(tmp, "a/manifest.json"), "utf8"));
    expect(manifest.inputs[0]).toMatchObject({
      source: "gsm8k",
      path: `hf://datasets/acme/gsm8k@${commit}`,
      files: 1,
      hub: { repo: "acme/gsm8k", revision: commit, commit, files: [{ path: "main/train-00000-of-00001.parquet" }] },
    });
    expect(manifest.inputs[0].hub.files[0].sha256).toMatch(/^[0-9a-f]{64}$/);
    // The recipe in the manifest is the one written, not a cache path.
    expect(manifest.recipe.value.sources[0].options).toEqual({ hub: "acme/gsm8k", config: "main", split: "train", revision: commit });
    expect(JSON.stringify(manifest)).not.toContain(tmp);

    server.requests.length = 0;
    process.env.HF_HUB_OFFLINE = "1";
    try {
      await build({ recipe: recipe({ hub: "acme/gsm8k", config: "main", split: "train", revision: commit }), out: join(tmp, "b"), readInWorker: false });
    } finally {
      delete process.env.HF_HUB_OFFLINE;
    }
    expect(server.requests).toEqual([]);
    for (const f of ["train.jsonl", "validation.jsonl", "test.jsonl"]) {
      expect(await readFile(join(tmp, "b", f), "utf8")).toBe(await readFile(join(tmp, "a", f), "utf8"));
    }
  });

  it("bad Hub options are recipe errors; an unknown repository names itself", async () => {
    const bad = async (options: Record<string, unknown>, code: string, text: string): Promise<void> => {
      try {
        await build({ recipe: recipe(options), out: join(tmp, "x"), readInWorker: false });
      } catch (e) {
        expect(isMathtuneError(e) && e.code, String(e)).toBe(code);
        expect(String((e as Error).message)).toContain(text);
        return;
      }
      throw new Error("expected an error");
    };
    await bad({ hub: "acme/gsm8k", path: "x.jsonl" }, "E_CONFIG_INVALID", "/sources/0/options");
    await bad({ hub: 3 }, "E_CONFIG_INVALID", "'hub'");
    await bad({ hub: "acme/missing" }, "E_HUB_REPO_NOT_FOUND", "datasets/acme/missing");
    await bad({ hub: "acme/gsm8k", config: "socratic" }, "E_HUB_NO_FILES", "config 'socratic'");
  });
});
