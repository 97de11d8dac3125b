import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadRecipe } from "@mathtune/dataset";
import { isMathtuneError, type MathtuneError } from "@mathtune/core";
import { parseRunSections, runPipeline } from "@mathtune/run";
import { afterAll, describe, expect, it } from "vitest";

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function recipe(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "mt-sections-"));
  dirs.push(dir);
  const file = join(dir, "recipe.yaml");
  await writeFile(file, text);
  return file;
}

const HEAD = "name: r\nsources:\n  - adapter: synthetic\n    options: { count: 10 }\n";

describe("the run sections of a recipe", () => {
  it("apply the defaults of deploy and eval, and keep train as written", async () => {
    const s = parseRunSections(await loadRecipe(await recipe(`${HEAD}model: m\ntrain: { maxSteps: 3 }\n`)));
    expect(s.model).toBe("m");
    expect(s.train).toEqual({ maxSteps: 3 });
    expect(s.deploy).toMatchObject({ quant: ["q4_k_m"], outtype: "f16", ollama: true, smoke: true });
    expect(s.eval).toMatchObject({ split: "test", maxTokens: 512, temperature: 0, parallel: 4 });
    expect(parseRunSections(await loadRecipe(await recipe(`${HEAD}model: m\n`)), { model: "other" }).model).toBe(
      "other",
    );
  });

  it("refuse a bad option in any section with the recipe's file:line, every problem on its own line (E_CONFIG_INVALID: exit code 2 in the CLI)", async () => {
    const file = await recipe(
      `${HEAD}model: m\ntrain:\n  learningRate: -1\n  epocs: 2\ndeploy:\n  quant: [q3_k]\neval:\n  maxTokens: 0\n`,
    );
    let e: MathtuneError | undefined;
    try {
      parseRunSections(await loadRecipe(file));
    } catch (x) {
      e = x as MathtuneError;
    }
    expect(isMathtuneError(e) && e.code).toBe("E_CONFIG_INVALID");

    expect(e!.message).toContain(`${file}:7: /train/learningRate`);
    expect(e!.message).toMatch(new RegExp(`${file}:8: /train: unknown property 'epocs'.*epochs`));
    expect(e!.message).toContain(`${file}:10: /deploy/quant/0`);
    expect(e!.message).toContain(`${file}:12: /eval/maxTokens`);
  });

  it("a run without a model is refused before any stage runs", async () => {
    const file = await recipe(HEAD);
    const out = join(dirs[dirs.length - 1]!, "run");
    const e = (await runPipeline({ recipe: file, out }).catch((x: unknown) => x)) as MathtuneError;
    expect(isMathtuneError(e) && e.code).toBe("E_CONFIG_INVALID");
    expect(e.message).toContain("no base model");
  });
});
