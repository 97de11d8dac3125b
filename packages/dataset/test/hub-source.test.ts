/** Recipe sources that name a Hugging Face Hub dataset (`options.hub`), served by a loopback Hub. */
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildDataset, buildDatasetIter, type BuildEvent } from "@mathtune/dataset";
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
const table = (r: Record<string, string>[]): Uint8Array =>
  new Uint8Array(
    parquetWriteBuffer({
      columnData: Object.keys(r[0]!).map((name) => ({ name, data: r.map((x) => x[name]!), type: "STRING" as const })),
    }),
  );
const pq = (r: typeof rows): Uint8Array => table(r);
const mathRows = [
  { problem: "What is $1+2$?", level: "Level 1", type: "Prealgebra", solution: "It is $\\boxed{3}$." },
  {
    problem: "Compute $\\binom{4}{2}$.",
    level: "Level 2",
    type: "Counting & Probability",
    solution: "$\\binom42 = \\boxed{6}$.",
  },
  { problem: "Find $x$ if $2x = 10$.", level: "Level 1", type: "Algebra", solution: "$x = \\boxed{5}$." },
];
const mathTest = [
  { problem: "What is $7 \\cdot 6$?", level: "Level 1", type: "Prealgebra", solution: "$\\boxed{42}$" },
];
const dmLinear = [
  { question: "Solve 0 = 4*b + b + 15 for b.", answer: "-3" },
  { question: "Solve -2*q + 8 = 0 for q.", answer: "4" },
];
const dmArith = [
  { question: "Evaluate (-2 + 5) - (1 - 4).", answer: "6" },
  { question: "What is 3 - (2 - (1 + 7))?", answer: "9" },
];

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
    // The repositories the reference recipe names, in their layouts on the Hub, with a few rows each.
    {
      type: "dataset",
      name: "openai/gsm8k",
      files: [
        { path: "README.md", content: "# gsm8k" },
        { path: "main/train-00000-of-00001.parquet", content: pq(rows) },
        {
          path: "main/test-00000-of-00001.parquet",
          content: pq([{ question: "Ann has 2 cats and 2 dogs. How many pets?", answer: "2 + 2 = 4\n#### 4" }]),
        },
        { path: "socratic/train-00000-of-00001.parquet", content: pq(rows.slice(0, 1)) },
      ],
    },
    {
      type: "dataset",
      name: "DigitalLearningGmbH/MATH-lighteval",
      files: [
        { path: "data/train-00000-of-00001.parquet", content: table(mathRows) },
        { path: "data/test-00000-of-00001.parquet", content: table(mathTest) },
      ],
    },
    {
      type: "dataset",
      name: "deepmind/math_dataset",
      revisions: {
        main: [{ path: "math_dataset.py", content: "# a loading script" }],
        "refs/convert/parquet": [
          { path: "algebra__linear_1d/train/0000.parquet", content: table(dmLinear) },
          { path: "algebra__linear_1d/test/0000.parquet", content: table(dmLinear.slice(0, 1)) },
          { path: "arithmetic__mixed/train/0000.parquet", content: table(dmArith) },
        ],
      },
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
    for await (const ev of buildDatasetIter({
      recipe: recipe({ hub: "acme/gsm8k", config: "main", split: "train", revision: commit }),
      out: join(tmp, "a"),
      readInWorker: false,
    })) {
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
    expect(manifest.recipe.value.sources[0].options).toEqual({
      hub: "acme/gsm8k",
      config: "main",
      split: "train",
      revision: commit,
    });
    expect(JSON.stringify(manifest)).not.toContain(tmp);

    server.requests.length = 0;
    process.env.HF_HUB_OFFLINE = "1";
    try {
      await buildDataset({
        recipe: recipe({ hub: "acme/gsm8k", config: "main", split: "train", revision: commit }),
        out: join(tmp, "b"),
        readInWorker: false,
      });
    } finally {
      delete process.env.HF_HUB_OFFLINE;
    }
    expect(server.requests).toEqual([]);
    for (const f of ["train.jsonl", "validation.jsonl", "test.jsonl"]) {
      expect(await readFile(join(tmp, "b", f), "utf8")).toBe(await readFile(join(tmp, "a", f), "utf8"));
    }
  });

  it("the reference recipe (datasets/reference) builds from Hub repositories in their real layouts", async () => {
    const file = fileURLToPath(new URL("../../../datasets/reference/recipe.yaml", import.meta.url));
    const r = await buildDataset({ recipe: file, out: join(tmp, "ref"), readInWorker: false });
    expect(Object.fromEntries(Object.entries(r.counts.sources).map(([k, v]) => [k, v.read]))).toEqual({
      gsm8k: rows.length,
      math: mathRows.length,
      "mathematics-linear": dmLinear.length,
      "mathematics-arithmetic": dmArith.length,
    });
    const manifest = JSON.parse(await readFile(join(tmp, "ref/manifest.json"), "utf8"));
    const dm = manifest.inputs.find((i: { source: string }) => i.source === "mathematics-linear");
    expect(dm.hub).toMatchObject({
      repo: "deepmind/math_dataset",
      revision: "refs/convert/parquet",
      commit: server.commit("dataset", "deepmind/math_dataset", "refs/convert/parquet"),
    });
    expect(await readFile(join(tmp, "hf/datasets--deepmind--math_dataset/refs/refs/convert/parquet"), "utf8")).toBe(
      dm.hub.commit,
    );
  });

  it("bad Hub options are recipe errors; an unknown repository names itself", async () => {
    const bad = async (options: Record<string, unknown>, code: string, text: string): Promise<void> => {
      try {
        await buildDataset({ recipe: recipe(options), out: join(tmp, "x"), readInWorker: false });
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
