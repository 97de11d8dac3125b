import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AtomicDir,
  HashingWriter,
  MathtuneError,
  Type,
  assertMathRecord,
  closestName,
  formatSchemaErrors,
  isMathtuneError,
  defineAdapter,
  digestTree,
  readJsonLines,
  readLines,
  readRawLineBatches,
  recordProblems,
  sha256,
  stableStringify,
  writeFileAtomic,
} from "@mathtune/core";
import { ajv } from "../src/internal/ajv.js";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";

const tmp = () => mkdtemp(join(tmpdir(), "mt-core-"));

describe("MathRecord schema", () => {
  it("accepts a full record and reports every problem as path: message", () => {
    expect(
      recordProblems({
        id: "x/train/1",
        source: "x",
        problem: "1+1?",
        answer: "2",
        answerKind: "integer",
        lang: "en",
        difficulty: 3,
        meta: { a: 1 },
      }),
    ).toEqual([]);
    expect(recordProblems({ id: "", source: "X Y", problem: 3, lang: "en", answerKind: "nope", extra: true })).toEqual(
      expect.arrayContaining([
        "/: unknown property 'extra'",
        "/id: must NOT have fewer than 1 characters",
        expect.stringMatching(/^\/source: /),
        "/problem: must be string",
      ]),
    );
    expect(() => assertMathRecord({ id: "a" }, { file: "f.jsonl", line: 3 })).toThrow(
      /^f\.jsonl:3: record does not match/,
    );
  });
});

describe("defineAdapter", () => {
  it("refuses malformed definitions with E_ADAPTER_INVALID", () => {
    expect(() =>
      defineAdapter({ name: "Bad Name", splits: [], options: Type.Object({}), load: async function* () {} }),
    ).toThrow(MathtuneError);
    expect(() => defineAdapter({ name: "ok", splits: [], options: Type.Object({}), load: 3 as never })).toThrow(
      /load: must be a function/,
    );
  });

  it("validates options with defaults and checks every record", async () => {
    const a = defineAdapter({
      name: "tiny",
      splits: ["train"],
      options: Type.Object({ n: Type.Integer({ minimum: 1, default: 2 }) }, { additionalProperties: false }),
      async *load(o) {
        for (let i = 0; i < o.n; i++) yield { id: `tiny/train/${i}`, source: "tiny", problem: `p${i}`, lang: "en" };
        yield { id: "tiny/train/bad", source: "tiny", problem: "", lang: "en" };
      },
    });
    expect(a.parseOptions({})).toEqual({ n: 2 });
    expect(() => a.parseOptions({ n: 0 })).toThrow(/invalid options for adapter 'tiny':\n  \/n: must be >= 1/);
    const rejected: string[] = [];
    const got: string[] = [];
    for await (const r of a.load({ n: 3 }, { reject: (x) => rejected.push(x.code) })) got.push(r.id);
    expect(got).toEqual(["tiny/train/0", "tiny/train/1", "tiny/train/2"]);
    expect(rejected).toEqual(["E_RECORD_INVALID"]);
    // Without a reject callback a bad record throws.
    await expect(
      (async () => {
        for await (const _ of a.load({ n: 1 })) void _;
      })(),
    ).rejects.toMatchObject({ code: "E_RECORD_INVALID" });
  });
});

describe("readLines", () => {
  it("handles BOM, CRLF, a missing final newline and invalid UTF-8 per line, across chunk boundaries", async () => {
    const dir = await tmp();
    const f = join(dir, "a.txt");
    const bytes = Buffer.concat([
      Buffer.from("\ufefffirst\r\nsecond\n"),
      Buffer.from([0x62, 0xff, 0x0a]),
      Buffer.from("último"),
    ]);
    await writeFile(f, bytes);
    for (const hwm of [1, 2, 3, 7, 1024]) {
      const items = [];
      for await (const it of readLines(f, { highWaterMark: hwm }))
        items.push(
          "error" in it
            ? { line: it.line, code: it.error.code }
            : { line: it.line, text: it.text, last: it.last, terminated: it.terminated },
        );
      expect(items).toEqual([
        { line: 1, text: "first", last: false, terminated: true },
        { line: 2, text: "second", last: false, terminated: true },
        { line: 3, code: "E_ENCODING" },
        { line: 4, text: "último", last: true, terminated: false },
      ]);
    }
  });

  it("round-trips any lines (property)", async () => {
    const dir = await tmp();
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ unit: "grapheme" }).map((s) => s.replace(/[\r\n]/g, "")),
          { maxLength: 30 },
        ),
        fc.integer({ min: 1, max: 64 }),
        async (lines, hwm) => {
          const f = join(dir, `p-${hwm}.txt`);
          await writeFile(f, lines.map((l) => `${l}\n`).join(""));
          const got: string[] = [];
          for await (const it of readLines(f, { highWaterMark: hwm })) if (!("error" in it)) got.push(it.text);
          expect(got).toEqual(lines.map((l, i) => (i === 0 && l.startsWith("\ufeff") ? l.slice(1) : l)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("readJsonLines: skips blank lines; E_PARSE and E_INPUT_TRUNCATED with file:line", async () => {
    const dir = await tmp();
    const f = join(dir, "x.jsonl");
    await writeFile(f, '{"a":1}\n\n{"a":\n{"a":3}\n{"a":');
    const items = [];
    for await (const it of readJsonLines(f))
      items.push(
        "error" in it
          ? [it.line, it.error.code, it.error.message.startsWith(`${f}:${it.line}: `)]
          : [it.line, it.value],
      );
    expect(items).toEqual([
      [1, { a: 1 }],
      [3, "E_PARSE", true],
      [4, { a: 3 }],
      [5, "E_INPUT_TRUNCATED", true],
    ]);
    await expect(readLines(join(dir, "nope")).next()).rejects.toMatchObject({ code: "E_INPUT_NOT_FOUND" });
    await expect(readLines(dir).next()).rejects.toMatchObject({ code: "E_INPUT_NOT_FILE" });
  });
});

describe("outputs", () => {
  it("AtomicDir: nothing at the target until commit; abort leaves nothing", async () => {
    const dir = await tmp();
    const target = join(dir, "out");
    const a = await AtomicDir.create(target);
    await writeFile(a.path("x.txt"), "1");
    expect(await readdir(dir)).not.toContain("out");
    await a.commit();
    expect(await readFile(join(target, "x.txt"), "utf8")).toBe("1");
    const b = await AtomicDir.create(target);
    await writeFile(b.path("y.txt"), "2");
    await b.abort();
    expect((await readdir(target)).sort()).toEqual([".mathtune-output.json", "x.txt"]);
    expect(await readdir(dir)).toEqual(["out"]);
  });

  it("HashingWriter hashes exactly what it writes; writeFileAtomic replaces whole files", async () => {
    const dir = await tmp();
    const w = new HashingWriter(join(dir, "a.jsonl"), { flushAt: 8 });
    for (let i = 0; i < 100; i++) await w.writeLine(JSON.stringify({ i }));
    const r = await w.close();
    const text = await readFile(join(dir, "a.jsonl"), "utf8");
    expect(r).toEqual({ sha256: sha256(text), bytes: Buffer.byteLength(text), lines: 100 });
    await writeFileAtomic(join(dir, "m.json"), "one");
    await writeFileAtomic(join(dir, "m.json"), "two");
    expect(await readFile(join(dir, "m.json"), "utf8")).toBe("two");
    expect((await readdir(dir)).sort()).toEqual(["a.jsonl", "m.json"]);
    const d = await digestTree(dir);
    expect(d.files).toBe(2);
    expect(d.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("HashingWriter leaves no listeners behind on its stream, however often the disk falls behind", async () => {
    const dir = await tmp();
    const w = new HashingWriter(join(dir, "big.jsonl"), { flushAt: 8 });
    const stream = (w as unknown as { stream: NodeJS.EventEmitter }).stream;
    const line = "x".repeat(40_000); // each flush is over the stream's 16 KiB high-water mark: a wait for drain
    let waits = 0;
    for (let i = 0; i < 150; i++) {
      const p = w.writeLine(line);
      if (p) {
        waits++;
        await p;
      }
    }
    expect(waits).toBeGreaterThan(100);
    // the writer's own error listener, and nothing per drain
    expect(stream.listenerCount("close")).toBe(0);
    expect(stream.listenerCount("drain")).toBe(0);
    expect(stream.listenerCount("error")).toBe(1);
    const r = await w.close();
    expect(r.lines).toBe(150);
  });

  it("readRawLineBatches gives every line's bytes, whatever the chunk size cuts", async () => {
    const dir = await tmp();
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.string({ maxLength: 30, unit: "binary" }).map((x) => x.replace(/\n/g, "")),
          { maxLength: 40 },
        ),
        fc.integer({ min: 1, max: 64 }),
        fc.boolean(),
        fc.boolean(),
        async (ls, hwm, trailing, reuse) => {
          const file = join(dir, `r${n++}.txt`);
          const text = ls.join("\n") + (trailing && ls.length ? "\n" : "");
          await writeFile(file, text);
          const got: string[] = [];
          for await (const batch of readRawLineBatches(file, { highWaterMark: hwm, reuse }))
            for (const b of batch) got.push(b.toString("utf8"));
          // A last line ends at the end of the file, with or without its newline.
          const want = text.split("\n");
          if (want[want.length - 1] === "") want.pop();
          expect(got).toEqual(want.map((l) => Buffer.from(l, "utf8").toString("utf8")));
        },
      ),
      { numRuns: 300 },
    );
  });

  it("HashingWriter writes each line as UTF-8, whatever the characters (CJK, emoji, lone surrogates)", async () => {
    const dir = await tmp();
    const lines = [
      "plain",
      "数学 = math",
      "emoji 🧮 x",
      "lone \ud800 high",
      "\udc00 lone low",
      "",
      "é".repeat(5000),
      "end \ud83e",
    ];
    for (const flushAt of [1, 64, 1 << 18]) {
      const file = join(dir, `u${flushAt}.txt`);
      const w = new HashingWriter(file, { flushAt });
      for (const l of lines) await w.writeLine(l);
      const r = await w.close();
      const want = Buffer.from(`${lines.join("\n")}\n`, "utf8");
      expect(Buffer.compare(await readFile(file), want)).toBe(0);
      expect(r.bytes).toBe(want.length);
    }
  });

  it("stableStringify sorts keys at every depth", () => {
    expect(stableStringify({ b: 1, a: { d: 2, c: [3, { f: 1, e: 0 }] } })).toBe(
      '{"a":{"c":[3,{"e":0,"f":1}],"d":2},"b":1}',
    );
  });
});

describe("RepeatFilter", () => {
  it("never misses a repeat, and rarely takes a new string for one", async () => {
    const { RepeatFilter } = await import("../src/internal/idset.js");
    fc.assert(
      fc.property(fc.array(fc.string({ maxLength: 6 }), { maxLength: 2000 }), (xs) => {
        const f = new RepeatFilter(64);
        const seen = new Set<string>();
        for (const x of xs) {
          const added = f.add(x);
          if (seen.has(x)) expect(added).toBe(false);
          seen.add(x);
        }
      }),
      { numRuns: 40 },
    );
    // False alarms over 300,000 distinct ids, through four doublings of the filter.
    const f = new RepeatFilter(1 << 14);
    let falseAlarms = 0;
    for (let i = 0; i < 300_000; i++) if (!f.add(`gsm8k/train/${i.toString(16).padStart(16, "0")}`)) falseAlarms++;
    expect(falseAlarms).toBe(0);
  });
});

describe("errors across two copies of @mathtune/core", () => {
  it("a MathtuneError of another copy is a MathtuneError here (brand, not prototype)", async () => {
    vi.resetModules();
    const other = (await import("../src/errors.js?copy=2" as string)) as typeof import("../src/errors.js");
    expect(other.MathtuneError).not.toBe(MathtuneError);
    const e = new other.MathtuneError("E_CONFIG_INVALID", "from the other copy");
    expect(e instanceof MathtuneError).toBe(true);
    expect(isMathtuneError(e, "E_CONFIG_INVALID")).toBe(true);
    expect(new Error("plain") instanceof MathtuneError).toBe(false);
    expect({ code: "E_X", message: "look-alike" } instanceof MathtuneError).toBe(false);
  });
});

describe("did you mean", () => {
  it("suggests the close name, and nothing for a name far from all", () => {
    expect(closestName("gsm8kk", ["gsm8k", "math", "mathematics"])).toBe("gsm8k");
    expect(closestName("optoins", ["options", "adapter"])).toBe("options");
    expect(closestName("--sed", ["--seed", "--out"])).toBe("--seed");
    expect(closestName("mathtune-adapter-qa", ["gsm8k", "math", "csv"])).toBeUndefined();
    expect(closestName("x", ["y"])).toBeUndefined();
  });
});

describe("schemas", () => {
  it("compile on first use, not when defined (importing a package costs no compile)", () => {
    const v = ajv.compile({ type: "object", properties: { a: { type: "no-such-type" } } });
    expect(() => v({})).toThrow(/type/);
  });

  it("report one line per problem: a union once, with 'did you mean'", () => {
    const S = Type.Object(
      {
        mode: Type.Union([Type.Literal("off"), Type.Literal("flag"), Type.Literal("reject")]),
        latex: Type.Union([Type.Boolean(), Type.Object({ policy: Type.String() }, { additionalProperties: false })]),
        threshold: Type.Number(),
      },
      { additionalProperties: false },
    );
    const v = ajv.compile(S);
    expect(v({ mode: "flg", latex: { polcy: "x" }, threshold: 1 })).toBe(false);
    expect(formatSchemaErrors(v.errors)).toEqual([
      `/mode: must be one of "off", "flag", "reject" (got "flg") (did you mean 'flag'?)`,
      "/latex: must have required property 'policy'",
      "/latex: unknown property 'polcy' (did you mean 'policy'?)",
    ]);
    expect(v({ mode: "off", latex: 3, threshold: 1, treshold: 2 })).toBe(false);
    expect(formatSchemaErrors(v.errors)).toEqual([
      "/: unknown property 'treshold' (did you mean 'threshold'?)",
      "/latex: must be boolean or object (got 3)",
    ]);
  });
});
