import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { locationOf } from "@mathtune/core";
import { collect, testAdapter } from "@mathtune/core/testing";
import { parquet } from "@mathtune/loaders/parquet";
import { parquetWriteBuffer } from "hyparquet-writer";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readParquetRows } from "../src/internal/parquet-rows.js";

const FIXTURES = join(import.meta.dirname, "../../../test-fixtures/generic");
const ctx = { baseDir: FIXTURES };
const MAP = {
  fields: { problem: "question", solution: "work", answer: "final", id: "qid", category: "topic", difficulty: "level" },
};

testAdapter(parquet, {
  ctx,
  valid: [
    { name: "snappy, three row groups", options: { path: "good.parquet", ...MAP }, records: 5 },
    { name: "uncompressed", options: { path: "good-uncompressed.parquet", ...MAP }, records: 5 },
    { name: "gzip", options: { path: "good-gzip.parquet", ...MAP }, records: 5 },
    { name: "brotli", options: { path: "good-brotli.parquet", ...MAP }, records: 5 },
    { name: "zstd", options: { path: "good-zstd.parquet", ...MAP }, records: 5 },
    { name: "a null problem is a rejection", options: { path: "bad-null.parquet", ...MAP }, records: 2, rejections: 1 },
  ],
  invalid: [
    {
      name: "null problem",
      options: { path: "bad-null.parquet", ...MAP },
      code: "E_FIELD_MISSING",
      location: "bad-null.parquet#row 1",
    },
    {
      name: "problem column of integers",
      options: { path: "bad-types.parquet", fields: { problem: "question" } },
      code: "E_RECORD_INVALID",
      location: "bad-types.parquet#row 0",
    },
    { name: "no problem column", options: { path: "good.parquet" }, code: "E_FIELD_MISSING", location: "good.parquet" },
    { name: "not Parquet", options: { path: "bad-corrupt.parquet" }, code: "E_PARSE", location: "bad-corrupt.parquet" },
    {
      name: "cut in half",
      options: { path: "bad-truncated.parquet" },
      code: "E_PARSE",
      location: "bad-truncated.parquet",
    },
    {
      name: "damaged pages",
      options: { path: "bad-damaged.parquet", ...MAP },
      code: "E_PARSE",
      location: "bad-damaged.parquet",
    },
    {
      name: "no rows",
      options: { path: "empty-rows.parquet", fields: { problem: "question" } },
      code: "E_INPUT_EMPTY",
      location: "empty-rows.parquet",
    },
    { name: "empty file", options: { path: "empty.json" }, code: "E_INPUT_EMPTY", location: "empty.json" },
    { name: "missing path", options: { path: "nope.parquet" }, code: "E_INPUT_NOT_FOUND", location: "nope.parquet" },
    { name: "a directory", options: { path: "a-directory" }, code: "E_INPUT_NOT_FILE", location: "a-directory" },
  ],
});

describe("parquet adapter", () => {
  it("maps the columns, INT64 ids and INT32 difficulties, and keeps the rest in meta", async () => {
    const { records } = await collect(parquet, { path: "good.parquet", ...MAP, defaults: { split: "train" } }, ctx);
    expect(records[3]).toEqual({
      id: "parquet/train/104",
      source: "parquet",
      split: "train",
      problem: "A train goes 60 km in 1.5 h. What is its speed in km/h?",
      solution: "60 / 1.5 = 40",
      answer: "40",
      category: "arithmetic",
      difficulty: 3,
      lang: "en",
      meta: { source_url: "https://example.org/4" },
    });
    expect(records.map((r) => locationOf(r)?.entry)).toEqual(["row 0", "row 1", "row 2", "row 3", "row 4"]);
  });

  it("reads the same records whatever the codec", async () => {
    const base = (await collect(parquet, { path: "good.parquet", ...MAP }, ctx)).records;
    for (const path of ["good-uncompressed.parquet", "good-gzip.parquet", "good-brotli.parquet", "good-zstd.parquet"]) {
      const { records } = await collect(parquet, { path, ...MAP }, ctx);
      expect(records.map((r) => ({ ...r }))).toEqual(base.map((r) => ({ ...r })));
    }
  });

  it("says which columns the file has when the problem column is missing", async () => {
    await expect(collect(parquet, { path: "good.parquet" }, ctx)).rejects.toThrow(
      /no column 'problem'.*columns: qid, question, work, final, topic, level, source_url/,
    );
  });

  it("keeps null columns as null in meta and drops them with keepOtherFields: false", async () => {
    const { records } = await collect(parquet, { path: "good.parquet", fields: { problem: "question" } }, ctx);
    expect(records[0]!.meta).toEqual({
      qid: 101,
      work: "2 + 3 = 5",
      final: "5",
      topic: "arithmetic",
      level: 1,
      source_url: "https://example.org/1",
    });
    const lean = await collect(
      parquet,
      { path: "good.parquet", fields: { problem: "question" }, keepOtherFields: false },
      ctx,
    );
    expect(lean.records[0]!.meta).toBeUndefined();
  });
});

describe("readParquetRows", () => {
  let dir = "";
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "mathtune-parquet-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reads row group by row group, with 0-based row indexes, and only the columns asked for", async () => {
    const n = 2500;
    const buf = parquetWriteBuffer({
      columnData: [
        { name: "question", data: Array.from({ length: n }, (_, i) => `q${i}`), type: "STRING" },
        { name: "answer", data: Array.from({ length: n }, (_, i) => `a${i}`), type: "STRING" },
        { name: "n", data: Array.from({ length: n }, (_, i) => i), type: "INT32" },
      ],
      rowGroupSize: 1000,
    });
    const file = join(dir, "rows.parquet");
    await writeFile(file, Buffer.from(buf));
    const seen: { index: number; row: Record<string, unknown> }[] = [];
    const progress: number[] = [];
    for await (const r of readParquetRows(file, {
      columns: ["question", "n", "absent"],
      progress: (d) => progress.push(d),
    }))
      seen.push(r);
    expect(seen).toHaveLength(n);
    expect(seen[1234]).toEqual({ index: 1234, row: { question: "q1234", n: 1234 } });
    expect(progress).toHaveLength(3); // one report per row group
    expect(progress[2]).toBeGreaterThan(progress[0]!);
  });

  it("stops with E_CANCELED and closes the file", async () => {
    const ac = new AbortController();
    const err = await (async () => {
      for await (const r of readParquetRows(join(FIXTURES, "good.parquet"), { signal: ac.signal }))
        if (r.index === 1) ac.abort();
    })().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: "E_CANCELED" });
  });

  it("fails with E_FIELD_MISSING for required columns the file lacks", async () => {
    const rows = readParquetRows(join(FIXTURES, "good.parquet"), { requireColumns: ["question", "answer"] });
    await expect(rows.next()).rejects.toMatchObject({ code: "E_FIELD_MISSING" });
  });
});

describe("parquet errors", () => {
  it("name the file, and the row group for damaged data", async () => {
    for (const [path, re] of [
      ["bad-corrupt.parquet", /bad-corrupt\.parquet: not a readable Parquet file: no PAR1 magic bytes/],
      ["bad-truncated.parquet", /bad-truncated\.parquet: not a readable Parquet file: .*cut off/],
      ["bad-damaged.parquet", /bad-damaged\.parquet#row group 0: not a readable Parquet file/],
    ] as const) {
      await expect(collect(parquet, { path, ...MAP }, ctx)).rejects.toThrow(re);
    }
  });
});
