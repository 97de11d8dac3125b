/** Integration: a build's Parquet and Arrow files read back with pyarrow (what pandas and Hugging Face datasets use). */
import { execFile } from "node:child_process";
import { mkdtemp, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { buildDataset } from "@mathtune/dataset";
import { setup } from "@mathtune/train";
import { beforeAll, describe, expect, it } from "vitest";

const exec = promisify(execFile);
const fx = (p: string) => fileURLToPath(new URL(`../../../test-fixtures/${p}`, import.meta.url));
const READ = fileURLToPath(new URL("./python/read_outputs.py", import.meta.url));
let python = "";

beforeAll(async () => {
  python = (await setup()).python;
}, 900_000);

describe("Parquet and Arrow outputs in Python", () => {
  it("pyarrow reads every split in both formats, with the same rows and ids as the JSON lines", async () => {
    const out = join(await mkdtemp(join(tmpdir(), "mt-py-out-")), "o");
    await buildDataset({
      recipe: {
        name: "py",
        sources: [
          { adapter: "gsm8k", options: { path: fx("gsm8k") } },
          { adapter: "math", options: { path: fx("MATH") } },
          { adapter: "mathematics", options: { path: fx("mathematics/v1.0") } },
        ],
        output: { formats: ["record", "messages"], files: ["jsonl", "parquet", "arrow"] },
        split: { train: 0.6, validation: 0.2, test: 0.2 },
      },
      out,
    });
    const files = ["train", "validation", "test"].flatMap((s) => [
      `${s}.parquet`,
      `${s}.arrow`,
      `${s}.messages.parquet`,
      `${s}.messages.arrow`,
    ]);
    const { stdout } = await exec(python, [READ, out, ...files]);
    const got = JSON.parse(stdout) as Record<string, { rows: number; columns: string[]; ids: string[] }>;
    for (const s of ["train", "validation", "test"]) {
      const ids = (await readFile(join(out, `${s}.jsonl`), "utf8"))
        .split("\n")
        .filter(Boolean)
        .map((l) => (JSON.parse(l) as { id: string }).id);
      for (const f of [`${s}.parquet`, `${s}.arrow`, `${s}.messages.parquet`, `${s}.messages.arrow`]) {
        expect(got[f]!.ids, f).toEqual(ids);
      }
      expect(got[`${s}.parquet`]!.columns).toEqual([
        "id",
        "source",
        "split",
        "problem",
        "solution",
        "answer",
        "answerKind",
        "category",
        "difficulty",
        "lang",
        "meta",
      ]);
      expect(got[`${s}.messages.parquet`]!.columns).toEqual(["id", "messages"]);
    }
  });
});
