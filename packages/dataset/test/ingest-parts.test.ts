import type { Adapter, MathRecord } from "@mathtune/core";
import { describe, expect, it } from "vitest";
import { CardFacets } from "../src/internal/facets.js";
import { SharedIds } from "../src/internal/ids.js";
import { outputName } from "../src/internal/route.js";

const adapter = (name: string) => ({ name }) as Adapter;
const rec = (id: string, extra: Partial<MathRecord> = {}) =>
  ({ id, source: "s", problem: "p", lang: "en", ...extra }) as MathRecord;

describe("SharedIds", () => {
  it("checks only sources whose adapter another source shares, and rejects the later repeat", () => {
    const ids = new SharedIds([adapter("gsm8k"), adapter("math"), adapter("gsm8k")]);
    expect(ids.forSource("math")).toBeUndefined();
    const first = ids.forSource("gsm8k")!;
    expect(first(rec("a"))).toBeUndefined();
    expect(first(rec("b"))).toBeUndefined();
    const second = ids.forSource("gsm8k")!;
    expect(second(rec("c"))).toBeUndefined();
    expect(second(rec("a"))).toMatchObject({
      code: "E_DUPLICATE_ID",
      message: "id 'a' was already read from an earlier source of adapter 'gsm8k'",
    });
    // A repeat within one source is the adapter's to prevent, and is caught here too.
    expect(second(rec("c"))).toMatchObject({ code: "E_DUPLICATE_ID" });
    ids.clear();
    expect(ids.forSource("gsm8k")!(rec("a"))).toBeUndefined();
  });
});

describe("CardFacets", () => {
  it("gives each source x category x difficulty x language one index and counts it per split", () => {
    const f = new CardFacets(["one", "two"]);
    const a = f.index(0, rec("1", { category: "algebra", difficulty: 2 }));
    const b = f.index(1, rec("2", { category: "algebra", difficulty: 2 }));
    const c = f.index(0, rec("3", { lang: "zh" }));
    expect([a, b, c]).toEqual([0, 1, 2]);
    expect(f.index(0, rec("4", { category: "algebra", difficulty: 2 }))).toBe(a);
    f.count(a, "train");
    f.count(a, "train");
    f.count(a, "test");
    f.count(c, "validation");
    expect(f.rows()).toEqual([
      { source: "one", category: "algebra", difficulty: "2", lang: "en", splits: { train: 2, validation: 0, test: 1 } },
      { source: "two", category: "algebra", difficulty: "2", lang: "en", splits: { train: 0, validation: 0, test: 0 } },
      { source: "one", category: "-", difficulty: "-", lang: "zh", splits: { train: 0, validation: 1, test: 0 } },
    ]);
    expect(() => f.count(3, "train")).toThrow(/no card facet 3/);
  });
});

describe("outputName", () => {
  it("names a split's file by format and kind, the record format without its name", () => {
    expect(outputName("train", "record", "jsonl")).toBe("train.jsonl");
    expect(outputName("validation", "messages", "parquet")).toBe("validation.messages.parquet");
    expect(outputName("test", "alpaca", "arrow")).toBe("test.alpaca.arrow");
  });
});
