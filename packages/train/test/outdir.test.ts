import { mkdir, readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { merge, train } from "@mathtune/train";
import { afterAll, describe, expect, it } from "vitest";
import { BIN, DATA, removeTempDirs, tempDir } from "./helpers.js";

afterAll(removeTempDirs);

// The output rule of @mathtune/core (prepareOutputDir) applies before any Python runs: the fixture
// "interpreter" would crash if it were reached.
describe("train and merge never write into a folder mathtune did not write", () => {
  it("train: a foreign, non-empty --out is refused and left intact; a folder holding the data or model is refused even with force", async () => {
    const root = await tempDir("outdir");
    const model = join(root, "model");
    await mkdir(model);
    await writeFile(join(model, "config.json"), "{}");
    const foreign = join(root, "thesis");
    await mkdir(foreign);
    await writeFile(join(foreign, "chapter1.tex"), "precious");
    const python = join(BIN, "crash.sh");
    await expect(train({ data: DATA, model, out: foreign, python })).rejects.toMatchObject({
      code: "E_OUTPUT_NOT_OURS",
    });
    expect(await readdir(foreign)).toEqual(["chapter1.tex"]);
    await expect(train({ data: DATA, model, out: root, python, force: true })).rejects.toMatchObject({
      code: "E_OUTPUT_UNSAFE",
    });
    await expect(train({ data: DATA, model, out: "", python })).rejects.toMatchObject({ code: "E_OUTPUT_UNSAFE" });
  });

  it("merge: a foreign --out is refused (merge.py would delete it); the adapter's folder is refused even with force", async () => {
    const root = await tempDir("outdir");
    const adapter = join(root, "run", "adapter");
    await mkdir(adapter, { recursive: true });
    await writeFile(join(adapter, "adapter_config.json"), "{}");
    const foreign = join(root, "photos");
    await mkdir(foreign);
    await writeFile(join(foreign, "a.jpg"), "precious");
    const python = join(BIN, "crash.sh");
    await expect(merge({ adapter, out: foreign, python })).rejects.toMatchObject({ code: "E_OUTPUT_NOT_OURS" });
    expect(await readFile(join(foreign, "a.jpg"), "utf8")).toBe("precious");
    await expect(merge({ adapter, out: join(root, "run"), python, force: true })).rejects.toMatchObject({
      code: "E_OUTPUT_UNSAFE",
    });
  });
});
