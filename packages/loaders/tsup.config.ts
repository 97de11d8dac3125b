import { defineConfig } from "tsup";
import { tsupOptions } from "../../tsup.base.ts";

export default defineConfig(
  tsupOptions({
    index: "src/index.ts",
    gsm8k: "src/gsm8k.ts",
    math: "src/math.ts",
    mathematics: "src/mathematics.ts",
    jsonl: "src/jsonl.ts",
    json: "src/json.ts",
    csv: "src/csv.ts",
    parquet: "src/parquet.ts",
    arrow: "src/arrow.ts",
    synthetic: "src/synthetic.ts",
  }),
);
