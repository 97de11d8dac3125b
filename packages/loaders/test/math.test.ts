import { createWriteStream } from "node:fs";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { collect, testAdapter } from "@mathtune/core/testing";
import { math } from "@mathtune/loaders/math";
import { parseLevel, safeEntryPath, splitFromName, subjectKey } from "../src/internal/math-names.js";
import { pack } from "tar-stream";
import { beforeAll, describe, expect, it } from "vitest";
import { fixture } from "./helpers.js";

let tarFile = "";
let tgzFile = "";
let evilTar = "";
let notTar = "";

async function makeTar(file: string, entries: [string, string][], gzip = false): Promise<void> {
  const p = pack();
  for (const [name, body] of entries) p.entry({ name }, body);
  p.finalize();
  await (gzip ? pipeline(p, createGzip(), createWriteStream(file)) : pipeline(p, createWriteStream(file)));
}

beforeAll(async () => {
  const dir = await mkdtemp(join(tmpdir(), "mt-math-"));
  const one = await readFile(fixture("MATH/train/algebra/1.json"), "utf8");
  const five = await readFile(fixture("MATH/train/geometry/5.json"), "utf8");
  const test3 = await readFile(fixture("MATH/test/algebra/3.json"), "utf8");
  const entries: [string, string][] = [
    ["MATH/train/algebra/1.json", one],
    ["MATH/train/geometry/5.json", five],
    ["MATH/test/algebra/3.json", test3],
    ["MATH/README.md", "not a problem"],
  ];
  tarFile = join(dir, "MATH.tar");
  await makeTar(tarFile, entries);
  tgzFile = join(dir, "MATH.tar.gz");
  await makeTar(tgzFile, entries, true);
  evilTar = join(dir, "evil.tar");
  await makeTar(evilTar, [
    ["MATH/train/algebra/1.json", one],
    ["../../etc/evil.json", one],
    ["/abs/algebra/2.json", one],
    ["MATH/train/algebra/bad.json", "{ nope"],
  ]);
  notTar = join(dir, "garbage.tar");
  await writeFile(notTar, "this is not a tar archive at all, just some text that is long enough ".repeat(20));
});

testAdapter(math, {
  valid: [
    { name: "MATH tree", options: { path: fixture("MATH") }, records: 7 },
    { name: "one split folder", options: { path: fixture("MATH/train") }, records: 6 },
    { name: "one subject folder", options: { path: fixture("MATH/train/geometry") }, records: 2 },
  ],
  invalid: [
    { name: "a file that is not JSON", options: { path: fixture("MATH-bad") }, code: "E_PARSE", location: "2.json" },
    {
      name: "a field of the wrong type",
      options: { path: fixture("MATH-bad") },
      code: "E_FIELD_MISSING",
      location: "4.json",
    },
    { name: "missing path", options: { path: fixture("MATH-nope") }, code: "E_INPUT_NOT_FOUND" },
  ],
});

describe("math", () => {
  it("reads subject, level and the last boxed answer (nested braces, \\boxed 2, \\fbox)", async () => {
    const { records } = await collect(math, { path: fixture("MATH") });
    const byId = Object.fromEntries(records.map((r) => [r.id, r]));
    expect(Object.keys(byId)).toEqual([
      "math/test/algebra/3",
      "math/train/algebra/1",
      "math/train/algebra/2",
      "math/train/algebra/10",
      "math/train/algebra/11",
      "math/train/geometry/5",
      "math/train/geometry/6",
    ]);
    expect(byId["math/train/algebra/1"]).toMatchObject({
      answer: "4",
      category: "algebra",
      difficulty: 1,
      split: "train",
    });
    expect(byId["math/train/algebra/2"]!.answer).toBe("x+1");
    expect(byId["math/train/algebra/10"]!.answer).toBe("\\frac{1}{8}");
    expect(byId["math/train/algebra/11"]!.answer).toBe("4");
    expect(byId["math/train/geometry/6"]!.answer).toBe("2");
    expect(byId["math/train/geometry/5"]).toMatchObject({ answer: "9\\pi", difficulty: 3, category: "geometry" });
  });

  it("keeps `Level ?` as unknown difficulty, not dropped", async () => {
    const { records } = await collect(math, { path: fixture("MATH/train/algebra") });
    const r = records.find((x) => x.id === "math/train/algebra/10")!;
    expect(r.difficulty).toBeUndefined();
    expect(r.meta?.level).toBe("Level ?");
  });

  it("keeps records without a \\boxed answer as answerKind none (the build's answer check decides)", async () => {
    const { records, rejections } = await collect(math, { path: fixture("MATH-bad") });
    expect(records.map((r) => [r.id, r.answerKind])).toEqual([
      ["math/train/algebra/1", "integer"],
      ["math/train/algebra/3", "none"],
    ]);
    expect(rejections.map((r) => r.code)).toEqual(["E_PARSE", "E_FIELD_MISSING"]);
  });

  it("filters by split, subject and level", async () => {
    expect((await collect(math, { path: fixture("MATH"), splits: ["test"] })).records.map((r) => r.id)).toEqual([
      "math/test/algebra/3",
    ]);
    expect((await collect(math, { path: fixture("MATH"), subjects: ["geometry"] })).records).toHaveLength(2);
    expect((await collect(math, { path: fixture("MATH"), levels: [3] })).records.map((r) => r.id)).toEqual([
      "math/train/geometry/5",
    ]);
  });

  it("reads MATH.tar and MATH.tar.gz without unpacking, same records as the tree", async () => {
    const tree = await collect(math, { path: fixture("MATH"), subjects: ["algebra", "geometry"] });
    for (const f of [tarFile, tgzFile]) {
      const { records, rejections } = await collect(math, { path: f });
      expect(rejections).toEqual([]);
      expect(records.map((r) => r.id)).toEqual([
        "math/train/algebra/1",
        "math/train/geometry/5",
        "math/test/algebra/3",
      ]);
      for (const r of records) expect(r).toEqual(tree.records.find((t) => t.id === r.id));
    }
  });

  it("refuses archive entries that would escape, naming them, and keeps going", async () => {
    const { records, rejections } = await collect(math, { path: evilTar });
    expect(records.map((r) => r.id)).toEqual(["math/train/algebra/1"]);
    expect(rejections.map((r) => [r.code, r.location?.entry])).toEqual([
      ["E_ARCHIVE_UNSAFE", "../../etc/evil.json"],
      ["E_ARCHIVE_UNSAFE", "/abs/algebra/2.json"],
      ["E_PARSE", "MATH/train/algebra/bad.json"],
    ]);
  });

  it("gives a clear error for a file that is not an archive", async () => {
    const err = await collect(math, { path: notTar }).catch((e: unknown) => e);
    expect((err as { code: string }).code).toBe("E_PARSE");
    expect((err as Error).message).toContain("garbage.tar");
  });

  describe("the split", () => {
    let dir = "";
    beforeAll(async () => {
      dir = await mkdtemp(join(tmpdir(), "mt-math-split-"));
      const test3 = await readFile(fixture("MATH/test/algebra/3.json"), "utf8");
      const one = await readFile(fixture("MATH/train/algebra/1.json"), "utf8");
      for (const [folder, body] of [
        ["MATH-test/algebra", test3],
        ["problems/algebra", test3],
        ["contest/algebra", one],
      ] as const) {
        await mkdir(join(dir, folder), { recursive: true });
        await writeFile(join(dir, folder, "3.json"), body);
      }
      await writeFile(join(dir, "problems.jsonl"), `${test3.replace(/\n/g, " ")}\n`);
      await makeTar(join(dir, "flat.tar"), [["algebra/3.json", test3]]);
    });

    it("the split option wins over a folder's name: MATH-test with split test gives math/test ids", async () => {
      const { records } = await collect(math, { path: join(dir, "MATH-test"), split: "test" });
      expect(records.map((r) => [r.id, r.split])).toEqual([["math/test/algebra/3", "test"]]);
      // and over a name that says another split
      const other = await collect(math, { path: fixture("MATH/train/geometry"), split: "test" });
      expect(other.records.map((r) => r.split)).toEqual(["test", "test"]);
      expect(other.records[0]!.id).toMatch(/^math\/test\/geometry\//);
    });

    it("a folder named like MATH-test says test without the option", async () => {
      const { records } = await collect(math, { path: join(dir, "MATH-test") });
      expect(records.map((r) => r.id)).toEqual(["math/test/algebra/3"]);
      const sub = await collect(math, { path: join(dir, "MATH-test", "algebra") });
      expect(sub.records.map((r) => r.id)).toEqual(["math/test/algebra/3"]);
    });

    it("a folder, file or archive whose name does not say the split needs the option (never defaults to train)", async () => {
      for (const path of [
        join(dir, "problems"),
        join(dir, "problems", "algebra"),
        join(dir, "contest"),
        join(dir, "problems.jsonl"),
        join(dir, "flat.tar"),
      ]) {
        const err = await collect(math, { path }).catch((e: unknown) => e);
        expect(err, path).toMatchObject({ code: "E_OPTIONS_INVALID" });
        expect((err as Error).message).toContain("neither train nor test");
        expect((err as { hint?: string }).hint).toContain('"split": "test"');
        const ok = await collect(math, { path, split: "test" });
        expect(ok.records.map((r) => r.split)).toEqual(["test"]);
      }
    });

    it("on a MATH folder with train/ and test/, the split option loads that folder only", async () => {
      const { records } = await collect(math, { path: fixture("MATH"), split: "test" });
      expect(records.map((r) => r.id)).toEqual(["math/test/algebra/3"]);
      const tar = await collect(math, { path: tarFile, split: "test" });
      expect(tar.records.map((r) => r.id)).toEqual(["math/test/algebra/3"]);
    });

    it("splitFromName reads the split as a word", () => {
      expect(splitFromName("/d/MATH-test")).toBe("test");
      expect(splitFromName("/d/train/")).toBe("train");
      expect(splitFromName("/d/contest")).toBeUndefined();
      expect(splitFromName("/d/latest_problems")).toBeUndefined();
    });
  });

  it("helpers: subjectKey, parseLevel, safeEntryPath", () => {
    expect(subjectKey("Counting & Probability")).toBe("counting_and_probability");
    expect(subjectKey("Intermediate Algebra")).toBe("intermediate_algebra");
    expect(parseLevel("Level 5")).toBe(5);
    expect(parseLevel("Level ?")).toBeUndefined();
    expect(safeEntryPath("a/./b/../c")).toBeUndefined();
    expect(safeEntryPath("./MATH/train/x.json")).toBe("MATH/train/x.json");
    expect(safeEntryPath("C:/x.json")).toBeUndefined();
  });
});
