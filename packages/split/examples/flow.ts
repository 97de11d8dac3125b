import { isRejection, type MathRecord } from "@mathtune/core";
import {
  createDecontaminationStage,
  createDedupStage,
  parseSplitOptions,
  pinnedSplit,
  StratifiedSplitter,
  stratumOf,
} from "@mathtune/split";

const rec = (id: string, problem: string, extra: Partial<MathRecord> = {}): MathRecord => ({
  id,
  source: "gsm8k",
  problem,
  lang: "en",
  ...extra,
});
const records = [
  rec("gsm8k/1", "Tom has 3 apples and buys 5 more. How many apples does Tom have now?"),
  rec("gsm8k/2", "tom has 3 apples and  buys 5 more.  How many apples does Tom have now?"),
  rec("gsm8k/3", "Tom has 4 apples and buys 6 more. How many apples does Tom have now?"),
  rec(
    "gsm8k/4",
    "Quiz: Janet's ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins.",
  ),
  rec("gsm8k/5", "A box holds 12 pens. How many pens are in 7 boxes?"),
  rec("gsm8k/6", "Sam reads 20 pages a day. How many pages does he read in a week?"),
  rec("math/train/1", "Find $x$ if $2x + 3 = 11$.", { source: "math", split: "train" }),
  rec("math/train/2", "What is $\\frac{3}{4}$ of 36?", { source: "math", split: "train" }),
  rec("math/train/3", "How many positive divisors does 36 have?", { source: "math", split: "train" }),
  rec("math/test/1", "Compute $7 \\times 8 - 6$.", { source: "math", split: "test" }),
];

// 1. Checks: each stage takes a batch and gives back, per record, the record or a Rejection.
const dedup = createDedupStage({ threshold: 0.9 });
const decon = await createDecontaminationStage({ n: 13 }, [
  {
    name: "gsm8k-test",
    texts: [
      {
        id: "gsm8k/test/0",
        text: "Janet's ducks lay 16 eggs per day. She eats three for breakfast every morning and bakes muffins for her friends every day with four.",
      },
    ],
  },
]);
let kept = records;
for (const stage of [dedup, decon]) {
  const out = await stage.process(kept, {});
  for (const x of out) if (isRejection(x)) console.log("removed", x.id, x.code);
  kept = out.filter((x): x is MathRecord => !isRejection(x));
}
// removed gsm8k/2 E_DUPLICATE     (record 1 with other case and spacing)
// removed gsm8k/4 E_CONTAMINATED  (covers most of an evaluation text)

// 2. Split, in two passes over the kept records; the splitter holds a few numbers per stratum.
const options = parseSplitOptions({
  by: ["source"],
  train: 0.5,
  validation: 0.25,
  test: 0.25,
  respectSourceSplit: true,
});
const splitter = StratifiedSplitter.fromOptions(options, 42);
const stratum = stratumOf(options.by);
// Pass 1: count each record in its stratum; a record whose source split is kept is pinned there.
const strata = kept.map((r) => splitter.count(stratum(r), pinnedSplit(r, options.respectSourceSplit)));
console.log(splitter.plan());
// { gsm8k: { train: 2, validation: 1, test: 1 }, math: { train: 3, validation: 0, test: 1 } }
// Pass 2: the same records in the same order (a build streams them back from a staging file).
for (const [i, r] of kept.entries())
  console.log(r.id, pinnedSplit(r, options.respectSourceSplit) ?? splitter.assign(strata[i]!));
// gsm8k/1 train
// gsm8k/3 test
// gsm8k/5 validation
// gsm8k/6 train
// math/train/1 train
// math/train/2 train
// math/train/3 train
// math/test/1 test
