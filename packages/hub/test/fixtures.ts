import { randomBytes } from "node:crypto";
import { parquetWriteBuffer } from "hyparquet-writer";
import type { FixtureRepo } from "@mathtune/hub/testing";

export const gsmRows = [
  {
    question: "Tom has 3 apples and buys 4 more. How many apples does he have?",
    answer: "He has 3 + 4 = <<3+4=7>>7 apples.\n#### 7",
  },
  { question: "A box holds 12 pens. How many pens are in 5 boxes?", answer: "5 * 12 = <<5*12=60>>60 pens.\n#### 60" },
  {
    question: "Sara reads 20 pages a day. How many pages in a week?",
    answer: "20 * 7 = <<20*7=140>>140 pages.\n#### 140",
  },
];
export const gsmTest = [{ question: "What is 10 - 3?", answer: "10 - 3 = <<10-3=7>>7\n#### 7" }];

const pq = (rows: { question: string; answer: string }[]): Uint8Array =>
  new Uint8Array(
    parquetWriteBuffer({
      columnData: [
        { name: "question", data: rows.map((r) => r.question), type: "STRING" },
        { name: "answer", data: rows.map((r) => r.answer), type: "STRING" },
      ],
      codec: "SNAPPY",
    }),
  );
const jsonl = (rows: object[]): string => rows.map((r) => JSON.stringify(r)).join("\n") + "\n";

/** A weights file big enough to be cut mid-way (deterministic bytes). */
export const weights = new Uint8Array(randomBytes(256 * 1024));

export function fixtureRepos(): FixtureRepo[] {
  return [
    {
      type: "dataset",
      name: "acme/gsm-parquet",
      files: [
        { path: ".gitattributes", content: "*.parquet filter=lfs\n" },
        { path: "README.md", content: "---\nconfigs: []\n---\n# gsm\n" },
        { path: "main/train-00000-of-00001.parquet", content: pq(gsmRows) },
        { path: "main/test-00000-of-00001.parquet", content: pq(gsmTest) },
        { path: "socratic/train-00000-of-00001.parquet", content: pq(gsmRows.slice(0, 1)) },
      ],
    },
    {
      type: "dataset",
      name: "acme/gsm-jsonl",
      revisions: {
        main: [
          { path: "README.md", content: "# gsm jsonl\n" },
          { path: "data/train.jsonl", content: jsonl(gsmRows), lfs: false },
          { path: "data/test.jsonl", content: jsonl(gsmTest), lfs: false },
        ],
        v1: [{ path: "data/train.jsonl", content: jsonl(gsmRows.slice(0, 2)), lfs: false }],
      },
    },
    {
      type: "model",
      name: "acme/tiny-model",
      files: [
        { path: "config.json", content: JSON.stringify({ model_type: "qwen2", hidden_size: 256 }) },
        { path: "generation_config.json", content: JSON.stringify({ eos_token_id: 151645 }) },
        { path: "tokenizer.json", content: JSON.stringify({ version: "1.0", model: { type: "BPE" } }) },
        { path: "tokenizer_config.json", content: JSON.stringify({ chat_template: "{{ messages }}" }) },
        { path: "model.safetensors", content: weights },
        { path: "pytorch_model.bin", content: new Uint8Array(4096) },
        { path: "README.md", content: "# tiny\n" },
        { path: "onnx/model.onnx", content: "onnx" },
      ],
    },
    {
      type: "model",
      name: "acme/gated-model",
      gated: "manual",
      tokens: ["hf_granted"],
      files: [
        { path: "config.json", content: "{}" },
        { path: "model.safetensors", content: new Uint8Array(2048).fill(7) },
      ],
    },
  ];
}
