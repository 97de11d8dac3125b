/**
 * The TypeScript examples of the package READMEs: each type-checks under strict TypeScript against
 * the packages' published types, and those that need no data or model (a dataset file, a Python
 * venv) run to the end. pack.test.ts does the same against the packed tarballs.
 */
import { mkdir, mkdtemp, readdir, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { type Example, runExamples, typecheckExamples, writeReadmeExamples } from "./checks.js";
import { assertBuilt, repoRoot } from "./helpers.js";

let dir = "";
let examples: Example[] = [];

beforeAll(async () => {
  assertBuilt();
  dir = await mkdtemp(join(tmpdir(), "mt-readme-"));
  // A project that sees the workspace packages as installed ones.
  await mkdir(join(dir, "node_modules/@mathtune"), { recursive: true });
  for (const p of await readdir(join(repoRoot, "packages")))
    await symlink(join(repoRoot, "packages", p), join(dir, "node_modules/@mathtune", p));
  await symlink(join(repoRoot, "node_modules/@types"), join(dir, "node_modules/@types"));
  await writeFile(
    join(dir, "package.json"),
    JSON.stringify({ name: "readme-examples", private: true, type: "module" }),
  );
  examples = await writeReadmeExamples(dir);
}, 120_000);

describe("README examples", () => {
  it("there is one per package README at least", () => {
    expect(new Set(examples.map((e) => e.pkg)).size).toBeGreaterThanOrEqual(9);
  });

  it("type-check under strict TypeScript", () => {
    expect(typecheckExamples(examples, dir)).toEqual([]);
  }, 300_000);

  it("run to the end, those that need no data or model", async () => {
    expect(await runExamples(examples, dir)).toEqual([]);
  }, 300_000);
});
