import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, cliPath, repoRoot, runCli } from "./helpers.js";

// Issue 11's battery, through the command line: what a user types.
let tmp = "";
let project = "";
beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(join(tmpdir(), "mt-cli-rel-"));
  project = join(tmp, "project");
  await cp(join(repoRoot, "test-fixtures/gsm8k"), join(project, "data"), { recursive: true });
  await writeFile(join(project, "r.yaml"), "name: rel\nsources:\n  - adapter: gsm8k\n    options: { path: data }\n");
});

const listing = async (dir: string) => (await readdir(dir)).sort();

describe("mathtune build --out", () => {
  it("refuses an empty --out, '.', an ancestor, and the folder holding the recipe, even with --force; nothing is deleted", async () => {
    const before = await listing(project);
    for (const out of ["", ".", "..", project]) {
      const r = await runCli(["build", "r.yaml", "--out", out, "--force"], { cwd: project });
      expect(r.code, `--out '${out}'`).toBe(2);
      // An empty value is caught by the CLI's argument check (E_USAGE) before the build's own rule.
      expect(r.stderr).toMatch(out === "" ? /E_USAGE|E_OUTPUT_UNSAFE/ : /E_OUTPUT_UNSAFE/);
    }
    expect(await listing(project)).toEqual(before);
  });

  it("refuses an existing folder it did not write; --force replaces it; a rebuild replaces its own output", async () => {
    const out = join(tmp, "mine");
    await mkdir(out);
    await writeFile(join(out, "notes.txt"), "keep me");
    const r = await runCli(["build", join(project, "r.yaml"), "--out", out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/E_OUTPUT_NOT_OURS.*--force/s);
    expect(await listing(out)).toEqual(["notes.txt"]);
    expect((await runCli(["build", join(project, "r.yaml"), "--out", out, "--force"])).code).toBe(0);
    expect((await runCli(["build", join(project, "r.yaml"), "--out", out])).code).toBe(0);
    expect(await listing(out)).toContain("manifest.json");
  });
});

describe("mathtune build: recipes", () => {
  it("--no-code refuses a module adapter before importing it", async () => {
    const mark = join(tmp, "evil-ran");
    const r = await runCli(
      [
        "build",
        join(repoRoot, "test-fixtures/battery/evil-valid-recipe.yaml"),
        "--out",
        join(tmp, "evil"),
        "--no-code",
      ],
      { env: { MATHTUNE_TEST_EVIL_MARK: mark } },
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("E_CODE_REFUSED");
    expect(existsSync(mark)).toBe(false);
  });

  it("a YAML alias bomb is a bad recipe: exit 2", async () => {
    const r = await runCli([
      "build",
      join(repoRoot, "test-fixtures/battery/alias-bomb.yaml"),
      "--out",
      join(tmp, "bomb"),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("E_CONFIG_INVALID");
  });
});

describe("mathtune build: a second Ctrl-C", () => {
  it("exits 130 at once and leaves no staging folder or lock", async () => {
    const out = join(tmp, "interrupted");
    const child = spawn(process.execPath, [cliPath, "build", "--out", out, "--json"], {
      cwd: tmp,
      stdio: ["ignore", "ignore", "pipe"],
    });
    let sent = false;
    child.stderr.on("data", (d: Buffer) => {
      if (!sent && d.toString().includes('"type":"source-start"')) {
        sent = true;
        child.kill("SIGINT");
        child.kill("SIGINT");
      }
    });
    const code = await new Promise<number | null>((res) => child.on("close", (c) => res(c)));
    expect(sent).toBe(true);
    expect(code).toBe(130);
    expect((await readdir(tmp)).filter((f) => f.startsWith(".interrupted"))).toEqual([]);
    expect(existsSync(out)).toBe(false);
  });
});
