import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isRejection, locationOf, MathtuneError, withLocation, type MathRecord, type Rejection } from "@mathtune/core";
import { createLatexStage, formatLatexSummary, parseLatexStageOptions, type Finding } from "@mathtune/latex";
import { buildTestWorker, fixtureRecords } from "./helpers.js";

let worker: Awaited<ReturnType<typeof buildTestWorker>>;
beforeAll(async () => {
  worker = await buildTestWorker();
});
afterAll(() => worker?.cleanup());

const codesOf = (x: MathRecord | Rejection): string[] => {
  const rec = isRejection(x) ? (x.raw as MathRecord) : x;
  return ((rec.meta?.latex as Finding[] | undefined) ?? []).map((f) => f.code);
};

describe("createLatexStage", () => {
  it("defaults: flags errors in meta.latex, keeps order, counts but does not flag beyond-KaTeX, reads GSM8K dollars as money", async () => {
    const stage = createLatexStage({ workers: 0 });
    const batch = fixtureRecords();
    const out = await stage.process(batch, {});
    expect(out.map((x) => (isRejection(x) ? `rejected:${x.id}` : x.id))).toEqual(batch.map((r) => r.id));
    expect(out.map(codesOf)).toEqual([
      [],
      ["E_LATEX_UNBALANCED_BRACES"],
      [],
      [],
      [], // \multicolumn and \cline: correct LaTeX beyond KaTeX, off by default
      ["E_LATEX_PARSE", "E_LATEX_STRICT"],
      ["E_LATEX_UNMATCHED_DELIMITER"],
      ["E_LATEX_UNBALANCED_BRACES"],
      [],
      [],
      ["E_LATEX_UNMATCHED_DELIMITER"],
    ]);
    // a record without (acted-on) findings comes back as the same object, untouched
    expect(out[0]).toBe(batch[0]);
    expect(out[4]).toBe(batch[4]);
    expect(stage.summary().bySource.math!.ignored).toEqual({ E_LATEX_BEYOND_KATEX: 2 });
    const flagged = out[1] as MathRecord;
    expect((flagged.meta!.latex as Finding[])[0]).toMatchObject({
      field: "problem",
      offset: 21,
      code: "E_LATEX_UNBALANCED_BRACES",
      kind: "error",
    });
    expect(batch[1]!.meta).toBeUndefined(); // the input is not mutated
    await stage.close();
  });

  it("a flagged copy keeps the record's source location", async () => {
    const stage = createLatexStage({ workers: 0 });
    const batch = fixtureRecords();
    withLocation(batch[1]!, { file: "algebra/1.json", line: 1 });
    const out = await stage.process(batch, {});
    expect(out[1]).not.toBe(batch[1]);
    expect(locationOf(out[1] as MathRecord)).toEqual({ file: "algebra/1.json", line: 1 });
    await stage.close();
  });

  it("reject quarantines with the finding's code, id, location and the findings in raw", async () => {
    const stage = createLatexStage({ workers: 0, policy: { default: "reject" } });
    const batch = fixtureRecords();
    withLocation(batch[1]!, { file: "math/train/algebra/1.json" });
    const out = await stage.process(batch, {});
    const r = out[1] as Rejection;
    expect(isRejection(r)).toBe(true);
    expect(r).toMatchObject({
      code: "E_LATEX_UNBALANCED_BRACES",
      id: "math/train/1",
      location: { file: "math/train/algebra/1.json" },
    });
    expect(r.message).toContain("problem at 21");
    expect(codesOf(r)).toEqual(["E_LATEX_UNBALANCED_BRACES"]);
    // beyond-KaTeX and strict findings follow their own policies (off and flag by default)
    expect(isRejection(out[4]!)).toBe(false);
    expect(isRejection(out[5]!)).toBe(true); // has an E_LATEX_PARSE error too
    expect((out[5] as Rejection).code).toBe("E_LATEX_PARSE");
    expect(stage.summary()).toMatchObject({ records: 11, rejected: 5, flagged: 0 }); // records 1, 5, 6, 7 and custom/0
    await stage.close();
  });

  it("treats the kinds differently: beyondKatex reject, strict off, byCode over the source policy", async () => {
    const stage = createLatexStage({
      workers: 0,
      policy: { default: "flag" },
      beyondKatex: "reject",
      strict: "off",
      byCode: { E_LATEX_UNMATCHED_DELIMITER: "off" },
    });
    const batch = fixtureRecords();
    const out = await stage.process(batch, {});
    expect(isRejection(out[4]!) && out[4].code).toBe("E_LATEX_BEYOND_KATEX");
    expect(codesOf(out[4]!)).toEqual(["E_LATEX_BEYOND_KATEX", "E_LATEX_BEYOND_KATEX"]);
    expect(isRejection(out[5]!)).toBe(false);
    expect(codesOf(out[5]!)).toEqual(["E_LATEX_PARSE"]); // the strict finding is dropped
    expect(out[6]).toBe(batch[6]); // byCode off
    const s = stage.summary().bySource.math!;
    expect(s.ignored).toEqual({ E_LATEX_STRICT: 1, E_LATEX_UNMATCHED_DELIMITER: 1 });
    expect(s.findings.E_LATEX_STRICT).toBe(1); // still counted
    expect(s).toMatchObject({ rejected: 1, flagged: 3 });
    await stage.close();
  });

  it("beyondKatex: flag keeps the record with its beyond-KaTeX findings", async () => {
    const stage = createLatexStage({ workers: 0, beyondKatex: "flag" });
    const out = await stage.process(fixtureRecords().slice(4, 5), {});
    expect((out[0] as MathRecord).meta!.latex).toMatchObject([
      { field: "solution", offset: 22, code: "E_LATEX_BEYOND_KATEX", kind: "beyond" },
      { field: "solution", offset: 51, code: "E_LATEX_BEYOND_KATEX", kind: "beyond" },
    ]);
    await stage.close();
  });

  it("policy off for a source skips it entirely; dollars per source", async () => {
    const stage = createLatexStage({
      workers: 0,
      policy: { bySource: { custom: "off" } },
      dollars: { bySource: { gsm8k: true } },
    });
    const batch = fixtureRecords();
    const out = await stage.process(batch, {});
    expect(out[10]).toBe(batch[10]);
    // with dollars on, GSM8K is read as LaTeX: "$2 and $5." pairs up (no parse error, but the money
    // pair is noted), and the four #s of "#### 7" are bare # in text
    expect(codesOf(out[8]!)).toEqual([
      "E_LATEX_STRICT",
      "E_LATEX_PARSE",
      "E_LATEX_PARSE",
      "E_LATEX_PARSE",
      "E_LATEX_PARSE",
    ]);
    const sum = stage.summary();
    expect(sum.bySource.custom).toMatchObject({ records: 1, skipped: 1, segments: 0 });
    expect(sum.bySource.gsm8k!.segments).toBeGreaterThan(0);
    await stage.close();
  });

  it("summary: findings per source and code, asy blocks, segments; and the card table", async () => {
    const stage = createLatexStage({ workers: 0 });
    await stage.process(fixtureRecords().slice(0, 6), {});
    await stage.process(fixtureRecords().slice(6), {});
    const sum = stage.summary();
    expect(Object.keys(sum.bySource)).toEqual(["custom", "gsm8k", "math"]);
    expect(sum.bySource.math).toEqual({
      records: 8,
      skipped: 0,
      flagged: 4,
      rejected: 0,
      segments: 29,
      asy: 1,
      findings: {
        E_LATEX_UNBALANCED_BRACES: 2,
        E_LATEX_BEYOND_KATEX: 2,
        E_LATEX_PARSE: 1,
        E_LATEX_STRICT: 1,
        E_LATEX_UNMATCHED_DELIMITER: 1,
      },
      recordsWithCode: {
        E_LATEX_UNBALANCED_BRACES: 2,
        E_LATEX_BEYOND_KATEX: 1,
        E_LATEX_PARSE: 1,
        E_LATEX_STRICT: 1,
        E_LATEX_UNMATCHED_DELIMITER: 1,
      },
      ignored: { E_LATEX_BEYOND_KATEX: 2 },
    });
    expect(sum).toMatchObject({ mode: "inline", workers: 0, records: 11, flagged: 5, rejected: 0 });
    const table = formatLatexSummary(sum);
    expect(table.split("\n")).toContain("| math | 8 | 4 | 0 | E_LATEX_UNBALANCED_BRACES | 2 | 2 | 0 |");
    expect(table.split("\n")).toContain("| | | | | E_LATEX_BEYOND_KATEX | 2 | 1 | 2 |");
    expect(table.split("\n")).toContain("| gsm8k | 2 | 0 | 0 | - | 0 | 0 | 0 |");
    await stage.close();
  });

  it("with worker threads gives the same output and summary as in-thread", async () => {
    const inline = createLatexStage({ workers: 0 });
    const pooled = createLatexStage({ workers: 2, workerUrl: worker.url });
    const batch = [...fixtureRecords(), ...fixtureRecords(), ...fixtureRecords()];
    const a = await inline.process(batch, {});
    const b = await pooled.process(batch, {});
    expect(b).toEqual(a);
    expect(pooled.summary()).toMatchObject({ mode: "workers", workers: 2 });
    expect(pooled.summary().bySource).toEqual(inline.summary().bySource);
    await pooled.close();
    const err = await pooled.process(batch, {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MathtuneError); // closed: the workers are gone
    await inline.close();
  });

  it("stops with E_CANCELED when the signal has fired", async () => {
    const stage = createLatexStage({ workers: 0 });
    const ac = new AbortController();
    ac.abort();
    const err = await Promise.resolve(stage.process(fixtureRecords(), { signal: ac.signal })).catch((e: unknown) => e);
    expect((err as MathtuneError).code).toBe("E_CANCELED");
    await stage.close();
  });
});

describe("LatexStageOptionsSchema", () => {
  it("fills in the documented defaults", () => {
    expect(parseLatexStageOptions({})).toEqual({
      policy: { default: "flag", bySource: {} },
      beyondKatex: "off",
      strict: "flag",
      byCode: {},
      dollars: { default: true, bySource: { gsm8k: false } },
      workers: undefined,
      workerUrl: undefined,
    });
  });

  it.each([
    ["a policy that is not one of reject/flag/off", { policy: { default: "drop" } }],
    ["an unknown property", { polcy: {} }],
    ["an unknown code in byCode", { byCode: { E_LATEX_NOPE: "off" } }],
    ["dollars that are not booleans", { dollars: { bySource: { gsm8k: "no" } } }],
    ["a negative worker count", { workers: -1 }],
  ])("rejects %s with E_OPTIONS_INVALID", (_name, options) => {
    const err = (() => {
      try {
        parseLatexStageOptions(options);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(MathtuneError);
    expect((err as MathtuneError).code).toBe("E_OPTIONS_INVALID");
  });
});
