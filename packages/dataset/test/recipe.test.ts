import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { MathtuneError } from "@mathtune/core";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadRecipe, recipeJsonSchema, resolveAdapter } from "../src/index.js";

const pkgDir = fileURLToPath(new URL("../", import.meta.url));
const repoRoot = fileURLToPath(new URL("../../../", import.meta.url));

describe("recipe JSON Schema", () => {
  it("ships as recipe.schema.json, exactly what recipeJsonSchema() gives", async () => {
    const shipped = await readFile(join(pkgDir, "recipe.schema.json"), "utf8");
    expect(shipped).toBe(`${JSON.stringify(recipeJsonSchema(), null, 2)}\n`);
    const pj = JSON.parse(await readFile(join(pkgDir, "package.json"), "utf8")) as {
      files: string[];
      exports: Record<string, unknown>;
    };
    expect(pj.files).toContain("recipe.schema.json");
    expect(pj.exports["./recipe.schema.json"]).toBe("./recipe.schema.json");
  });

  it("plain ajv accepts the embedded default recipe and a minimal one (defaulted fields are optional), and refuses a typo", async () => {
    const validate = new Ajv({ allErrors: true }).compile(recipeJsonSchema());
    const def = parse(await readFile(join(repoRoot, "datasets/default/recipe.yaml"), "utf8")) as unknown;
    expect(validate(def), JSON.stringify(validate.errors)).toBe(true);
    expect(validate({ sources: [{ adapter: "gsm8k" }] }), JSON.stringify(validate.errors)).toBe(true);
    expect(
      validate({
        $schema: "./recipe.schema.json",
        sources: [{ adapter: "gsm8k" }],
        split: { train: 1, validation: 0, test: 0 },
      }),
    ).toBe(true);
    expect(validate({ sources: [{ adapter: "gsm8k", colour: 1 }] })).toBe(false);
  });
});

describe("recipe errors", () => {
  it("name file:line for a schema problem in a JSON recipe", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mt-recipe-"));
    const f = join(dir, "r.json");
    await writeFile(
      f,
      '{\n  "name": "r",\n  "sources": [\n    { "adapter": "gsm8k", "limt": 3 }\n  ],\n  "seed": -1\n}\n',
    );
    const e = (await loadRecipe(f).catch((x: unknown) => x)) as MathtuneError;
    expect(e).toBeInstanceOf(MathtuneError);
    expect(e.message).toContain(`${f}:4: /sources/0: unknown property 'limt' (did you mean 'limit'?)`);
    expect(e.message).toContain(`${f}:6: /seed: must be >= 0`);
  });
});

describe("adapter packages", () => {
  it("resolve from the recipe's folder with the ESM resolver (a package with only an import condition)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "mt-adapter-"));
    const pkg = join(dir, "node_modules", "mt-import-only-adapter");
    await mkdir(pkg, { recursive: true });
    await writeFile(
      join(pkg, "package.json"),
      JSON.stringify({ name: "mt-import-only-adapter", type: "module", exports: { ".": { import: "./index.js" } } }),
    );
    await writeFile(
      join(pkg, "index.js"),
      'export default { name: "io", description: "", splits: [], options: {}, parseOptions: (o) => o ?? {}, async *load() { yield { id: "io/1", source: "io", problem: "1+1?", answer: "2", lang: "en" }; } };\n',
    );
    const recipeDir = join(dir, "recipes");
    await mkdir(recipeDir);
    const a = await resolveAdapter("mt-import-only-adapter", recipeDir);
    expect(a.name).toBe("io");
  });

  it("a misspelt built-in says 'did you mean', with the recipe's line, and never 'npm i'", async () => {
    const e = (await resolveAdapter("gsm8kk", tmpdir(), { file: "r.yaml", line: 3 }).catch(
      (x: unknown) => x,
    )) as MathtuneError;
    expect(e.code).toBe("E_ADAPTER_NOT_FOUND");
    expect(e.message).toMatch(/^r\.yaml:3: unknown adapter 'gsm8kk' \(did you mean 'gsm8k'\?\)/);
    expect(e.message).not.toContain("npm i");
  });
});

describe("dataset card", () => {
  it("takes its language list from the data, most records first, in YAML front matter", async () => {
    const { buildDataset } = await import("../src/index.js");
    const dir = await mkdtemp(join(tmpdir(), "mt-card-"));
    const zhMostly = { sources: [{ adapter: "synthetic", options: { count: 60, seed: 1, langs: { en: 1, zh: 3 } } }] };
    await buildDataset({ recipe: zhMostly, out: join(dir, "zh") });
    const card = await readFile(join(dir, "zh", "README.md"), "utf8");
    const front = parse(card.split("---\n")[1]!) as {
      language: string[];
      configs: { data_files: { split: string }[] }[];
    };
    expect(front.language).toEqual(["zh", "en"]);
    expect(front.configs[0]!.data_files.map((d) => d.split)).toEqual(["train", "validation", "test"]);
    await buildDataset({
      recipe: { sources: [{ adapter: "synthetic", options: { count: 20, seed: 1, langs: ["en"] } }] },
      out: join(dir, "en"),
    });
    const en = parse((await readFile(join(dir, "en", "README.md"), "utf8")).split("---\n")[1]!) as {
      language: string[];
    };
    expect(en.language).toEqual(["en"]);
  });
});
