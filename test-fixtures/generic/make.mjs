#!/usr/bin/env node
/**
 * Writes the fixtures of the generic adapters (jsonl, json, csv, parquet, arrow) into this
 * folder: good files and one bad file per failure the adapters must report. Deterministic: run
 * it again and nothing changes. Run from anywhere: `node test-fixtures/generic/make.mjs`.
 * Needs the dev dependencies of packages/loaders (hyparquet-writer, apache-arrow).
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { brotliCompressSync, constants as zc, gzipSync } from "node:zlib";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(join(here, "../../packages/loaders/package.json"));
const load = (name) => import(pathToFileURL(require.resolve(name)).href);
const { parquetWriteBuffer } = await load("hyparquet-writer");
const arrow = await load("apache-arrow");

const out = (name, data) => writeFileSync(join(here, name), data);
const lines = (rows, nl = "\n") => rows.map((r) => (typeof r === "string" ? r : JSON.stringify(r))).join(nl) + nl;
const BOM = "\uFEFF";

// The rows most good fixtures hold: three columns mapped by `fields`, the rest kept in meta.
const ROWS = [
  { qid: 101, question: "What is 2 + 3?", work: "2 + 3 = 5", final: "5", topic: "arithmetic", level: 1, source_url: "https://example.org/1" },
  { qid: 102, question: "Solve for x: 2x = 10.", work: "x = 10 / 2 = 5", final: "5", topic: "algebra", level: 2, source_url: "https://example.org/2" },
  { qid: 103, question: "What is $\\frac{1}{2} + \\frac{1}{4}$?", work: "$\\frac{2}{4} + \\frac{1}{4} = \\frac{3}{4}$", final: "\\frac{3}{4}", topic: "fractions", level: 2, source_url: "https://example.org/3" },
  { qid: 104, question: "A train goes 60 km in 1.5 h. What is its speed in km/h?", work: "60 / 1.5 = 40", final: "40", topic: "arithmetic", level: 3, source_url: "https://example.org/4" },
  { qid: 105, question: "Is 17 prime?", work: "17 has no divisors between 2 and 4.", final: "yes", topic: "number theory", level: 1, source_url: "https://example.org/5" },
];
// The default column names (problem, solution, answer, id ...), no mapping needed.
const PLAIN = [
  { problem: "What is 7 * 6?", solution: "7 * 6 = 42", answer: "42" },
  { problem: "What is 9 - 4?", solution: "9 - 4 = 5", answer: 5, split: "test" },
  { problem: "Simplify 4/8.", answer: "1/2", note: "no solution" },
];

// ---------------------------------------------------------------- jsonl
out("good.jsonl", lines(ROWS));
out("plain.jsonl", lines(PLAIN));
out("good-bom-crlf.jsonl", BOM + lines(ROWS.slice(0, 3), "\r\n"));
out("bad-truncated.jsonl", lines(ROWS.slice(0, 2)) + JSON.stringify(ROWS[2]).slice(0, 30));
out("bad-malformed.jsonl", lines([ROWS[0], '{"question": "What is 1 + 1?", "final": "2",}', ROWS[1]]));
out(
  "bad-types.jsonl",
  lines([
    ROWS[0],
    { qid: 2, question: 42, final: "42" }, // problem is a number
    { qid: 3, question: { text: "nested" }, final: "1" }, // problem is an object
    { qid: 4, final: "no question" }, // problem missing
    { qid: 5, question: "ok question", final: { value: 1 } }, // answer is an object
    ["an", "array"], // not an object
    { qid: 7, question: "   ", final: "1" }, // problem empty
    { qid: 8, question: "difficulty is a float", final: "1", level: 2.5 },
  ]),
);
out("bad-utf8.jsonl", Buffer.concat([Buffer.from(lines([ROWS[0]])), Buffer.from('{"question": "caf'), Buffer.from([0xe9]), Buffer.from('", "final": "1"}\n'), Buffer.from(lines([ROWS[1]]))]));
out("empty.jsonl", "");
out("blank.jsonl", "\n  \n\n");
rmSync(join(here, "a-directory"), { recursive: true, force: true });
mkdirSync(join(here, "a-directory"));
out("a-directory/README.md", "A folder where the adapters expect a file (E_INPUT_NOT_FILE).\n");

// ---------------------------------------------------------------- json
out("good.json", JSON.stringify(ROWS, null, 2) + "\n");
out("good-wrapped.json", JSON.stringify({ version: "1.0", data: ROWS.slice(0, 3) }, null, 2) + "\n");
out("good-items.json", JSON.stringify({ info: { name: "custom" }, items: ROWS.slice(0, 2) }) + "\n");
out("good-bom-crlf.json", BOM + JSON.stringify(ROWS.slice(0, 2), null, 2).replace(/\n/g, "\r\n") + "\r\n");
out("bad-truncated.json", JSON.stringify(ROWS, null, 2).slice(0, 300));
out("bad-malformed.json", '[\n  {"question": "What is 1 + 1?", "final": "2"},\n  {"question": "What is 2 + 2?", "final": },\n  {"question": "x", "final": "y"}\n]\n');
out("bad-types.json", JSON.stringify([ROWS[0], { question: 7, final: "7" }, "a string row", { final: "no question" }], null, 2) + "\n");
out("bad-structure.json", '[\n  {"question": "What is 1 + 1?", "final": "2"}\n  {"question": "What is 2 + 2?", "final": "4"}\n]\n');
out("bad-truncated-wrapped.json", '{\n  "version": 2,\n  "data": [\n    {"question": "What is 1 + 1?", "final": "2"},\n    {"question": "What is 2 + 2?", "fin');
out("bad-toplevel.json", "42\n");
out("bad-no-array.json", JSON.stringify({ rows: "not an array", count: 3 }) + "\n");
out("empty.json", "");
out("empty-array.json", "[]\n");
out("bad-utf8.json", Buffer.concat([Buffer.from('[\n  {"question": "ok", "final": "1"},\n  {"question": "caf'), Buffer.from([0xe9]), Buffer.from('", "final": "2"}\n]\n')]));

// ---------------------------------------------------------------- csv
const csvCell = (v) => {
  const s = v === undefined || v === null ? "" : String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};
const CSV_COLS = ["qid", "question", "work", "final", "topic", "level", "source_url"];
const csvText = (rows, nl = "\n") => [CSV_COLS.join(","), ...rows.map((r) => CSV_COLS.map((c) => csvCell(r[c])).join(","))].join(nl) + nl;
const MULTILINE = { ...ROWS[1], qid: 106, question: 'A "tricky" one:\nline two, with a comma.\n\nAnd a blank line before this.', work: "x = 1" };
out("good.csv", csvText([ROWS[0], MULTILINE, ROWS[2], ROWS[3]]));
out("good-bom-crlf.csv", BOM + csvText([ROWS[0], { ...MULTILINE, question: MULTILINE.question.replace(/\n/g, "\r\n") }, ROWS[4]], "\r\n"));
out("good.tsv", ["qid\tquestion\tfinal", "1\tWhat is 1 + 1?\t2", '2\t"Quoted\ttab"\t3', "3\tNo quotes, commas are fine\t4"].join("\n") + "\n");
out("good-no-final-newline.csv", csvText([ROWS[0], ROWS[1]]).trimEnd());
// line 4 holds a quoted field with text after its closing quote; row 5 and 6 are fine
out("bad-stray-quote.csv", ["qid,question,final", "1,What is 1 + 1?,2", "2,What is 2 + 2?,4", '3,"What is 3 + 3?"x,6', "", "5,What is 5 + 5?,10"].join("\n") + "\n");
// line 3 opens a quoted field that never closes
out("bad-unclosed-quote.csv", ["qid,question,final", "1,What is 1 + 1?,2", '2,"What is 2 + 2?,4', "3,What is 3 + 3?,6"].join("\n") + "\n");
out("bad-ragged.csv", ["qid,question,final", "1,What is 1 + 1?,2", "2,What is 2 + 2?", "3,What is 3 + 3?,6,extra", "4,What is 4 + 4?,8"].join("\n") + "\n");
out("bad-types.csv", ["qid,question,final", "1,What is 1 + 1?,2", "2,,4", "3,What is 3 + 3?,6"].join("\n") + "\n");
out("bad-missing-column.csv", ["qid,text,final", "1,What is 1 + 1?,2"].join("\n") + "\n");
out("bad-utf8.csv", Buffer.concat([Buffer.from("qid,question,final\n1,What is 1 + 1?,2\n2,Caf"), Buffer.from([0xe9]), Buffer.from(" costs 3 euros; what do 2 cost?,6\n")]));
out("bad-duplicate-header.csv", ["qid,question,question", "1,a,b"].join("\n") + "\n");
out("empty.csv", "");
out("header-only.csv", "qid,question,final\n");

// ---------------------------------------------------------------- parquet
const pq = (rows, extra = {}) => {
  const columnData = [
    { name: "qid", data: rows.map((r) => (r.qid === undefined ? null : BigInt(r.qid))), type: "INT64" },
    { name: "question", data: rows.map((r) => r.question ?? null), type: "STRING" },
    { name: "work", data: rows.map((r) => r.work ?? null), type: "STRING" },
    { name: "final", data: rows.map((r) => r.final ?? null), type: "STRING" },
    { name: "topic", data: rows.map((r) => r.topic ?? null), type: "STRING" },
    { name: "level", data: rows.map((r) => r.level ?? null), type: "INT32" },
    { name: "source_url", data: rows.map((r) => r.source_url ?? null), type: "STRING" },
  ];
  return Buffer.from(parquetWriteBuffer({ columnData, rowGroupSize: 2, ...extra }));
};
const good = pq(ROWS); // SNAPPY is hyparquet-writer's default codec
out("good.parquet", good);
out("good-uncompressed.parquet", pq(ROWS, { codec: "UNCOMPRESSED" }));
out("good-gzip.parquet", pq(ROWS, { codec: "GZIP", compressors: { GZIP: (b) => new Uint8Array(gzipSync(b, { level: 9 })) } }));
out(
  "good-brotli.parquet",
  pq(ROWS, { codec: "BROTLI", compressors: { BROTLI: (b) => new Uint8Array(brotliCompressSync(b, { params: { [zc.BROTLI_PARAM_QUALITY]: 5 } })) } }),
);
// Node 20 has no zstd compressor; a zstd frame made of raw (stored) blocks is valid zstd, and
// enough to check that the reader decodes ZSTD pages
const zstdStored = (input) => {
  const parts = [Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xa0]), Buffer.alloc(4)];
  parts[1].writeUInt32LE(input.length);
  const MAX = 128 * 1024;
  for (let off = 0; off === 0 || off < input.length; off += MAX) {
    const chunk = input.subarray(off, off + MAX);
    const last = off + MAX >= input.length ? 1 : 0;
    const header = (chunk.length << 3) | last; // block type 0: raw
    parts.push(Buffer.from([header & 0xff, (header >> 8) & 0xff, (header >> 16) & 0xff]), Buffer.from(chunk));
  }
  return new Uint8Array(Buffer.concat(parts));
};
out("good-zstd.parquet", pq(ROWS, { codec: "ZSTD", compressors: { ZSTD: zstdStored } }));
// row 1: problem null (E_FIELD_MISSING); the whole file again with `question` as INT32 in bad-types-int.parquet
out("bad-null.parquet", pq([ROWS[0], { ...ROWS[1], question: undefined }, ROWS[2]]));
out(
  "bad-types.parquet",
  Buffer.from(
    parquetWriteBuffer({
      columnData: [
        { name: "question", data: [1, 2, 3], type: "INT32" },
        { name: "final", data: ["1", "2", "3"], type: "STRING" },
      ],
    }),
  ),
);
out("empty-rows.parquet", Buffer.from(parquetWriteBuffer({ columnData: [{ name: "question", data: [], type: "STRING" }] })));
out("bad-truncated.parquet", good.subarray(0, Math.floor(good.length / 2)));
// a good file whose column data is overwritten: magic and footer intact, pages garbage
const damaged = Buffer.from(good);
for (let i = 4; i < Math.min(damaged.length - 8, 400); i++) damaged[i] = (i * 37) & 0xff;
out("bad-damaged.parquet", damaged);
out("bad-corrupt.parquet", Buffer.from("this is not a parquet file, just text that is long enough\n"));

// ---------------------------------------------------------------- arrow
// plain Utf8 columns in the file format; in the stream format, strings are dictionary-encoded
// (tableFromArrays' default), with a new dictionary per batch
const utf8 = (values) => arrow.vectorFromArray(values, new arrow.Utf8());
const arrowTable = (rows, str = utf8) =>
  arrow.tableFromArrays({
    qid: BigInt64Array.from(rows.map((r) => BigInt(r.qid))),
    question: str(rows.map((r) => r.question)),
    work: str(rows.map((r) => r.work)),
    final: str(rows.map((r) => r.final)),
    topic: str(rows.map((r) => r.topic)),
    level: Int32Array.from(rows.map((r) => r.level)),
    source_url: str(rows.map((r) => r.source_url)),
  });
const goodArrow = Buffer.from(arrow.tableToIPC(arrowTable(ROWS.slice(0, 3)).concat(arrowTable(ROWS.slice(3))), "file"));
out("good.arrow", goodArrow);
const dict = (values) => values;
out("good.arrows", Buffer.from(arrow.tableToIPC(arrowTable(ROWS.slice(0, 3), dict).concat(arrowTable(ROWS.slice(3), dict)), "stream")));
out(
  "bad-types.arrow",
  Buffer.from(
    arrow.tableToIPC(
      arrow.tableFromArrays({
        question: utf8(["fine question", null, "another fine one"]),
        final: utf8(["1", "2", "3"]),
        level: Float64Array.from([1, 2, 3.5]),
      }),
      "file",
    ),
  ),
);
out("bad-int-question.arrows", Buffer.from(arrow.tableToIPC(arrow.tableFromArrays({ question: Int32Array.from([1, 2]) }), "stream")));
out("empty-rows.arrow", Buffer.from(arrow.tableToIPC(arrow.tableFromArrays({ question: utf8([]) }), "file")));
out("bad-truncated.arrow", goodArrow.subarray(0, Math.floor(goodArrow.length / 2)));
out("bad-corrupt.arrow", Buffer.from("this is not an arrow file, just text that is long enough\n"));

// a quick self-check that the script ran over a clean folder
readFileSync(join(here, "good.parquet"));
console.log("fixtures written to", here);
