import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, repoRoot, runCli } from "./helpers.js";

let tmp = "";
beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(join(tmpdir(), "mt-cli-"));
});

async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of (await readdir(dir)).sort()) out[f] = await readFile(join(dir, f), "utf8");
  return out;
}

describe("mathtune build", () => {
  it("builds the embedded default with no arguments, prints a summary, and is byte-identical on a rerun", async () => {
    const a = await runCli(["build", "--out", join(tmp, "d1")], { cwd: tmp });
    expect(a.stderr).not.toMatch(/error/i);
    expect(a.code).toBe(0);
    expect(a.stdout).toMatch(/source\s+adapter\s+read\s+written\s+quarantined\s+train\s+validation\s+test/);
    expect(a.stdout).toMatch(/^total\s+/m);
    const files = await snapshot(join(tmp, "d1"));
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining(["README.md", "manifest.json", "quarantine.jsonl", "test.jsonl", "train.jsonl", "validation.jsonl", "train.messages.jsonl"]),
    );
    expect(files["README.md"]).toContain("### LaTeX findings");
    const manifest = JSON.parse(files["manifest.json"]!) as { counts: { read: number; written: number; quarantined: number; sources: Record<string, unknown> } };
    expect(manifest.counts.read).toBe(manifest.counts.written + manifest.counts.quarantined);
    expect(Object.keys(manifest.counts.sources)).toEqual(expect.arrayContaining(["gsm8k-sample", "math-sample", "mathematics-sample"]));
    // The test split shares no problem text with train (the default recipe dedups before splitting).
    const problems = (f: string) => new Set(files[f]!.split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { problem: string }).problem.trim().toLowerCase()));
    const train = problems("train.jsonl");
    const test = problems("test.jsonl");
    expect(test.size).toBeGreaterThan(100);
    expect([...test].filter((p) => train.has(p))).toEqual([]);
    const b = await runCli(["build", "--out", join(tmp, "d2")], { cwd: tmp });
    expect(b.code).toBe(0);
    expect(await snapshot(join(tmp, "d2"))).toEqual(files);
  });

  it("writes to datasets/out/<name> by default and emits JSON events when not on a terminal", async () => {
    const r = await runCli(["build", "--seed", "3"], { cwd: tmp });
    expect(r.code).toBe(0);
    const events = r.stderr.trim().split("\n").map((l) => JSON.parse(l) as { type: string });
    expect(events[0]!.type).toBe("start");
    expect(events.map((e) => e.type)).toContain("source-end");
    expect(events.at(-1)!.type).toBe("done");
    expect((await readdir(join(tmp, "datasets/out/default"))).sort()).toContain("manifest.json");
  });

  it("reports recipe problems as path: message with exit code 2", async () => {
    const f = join(tmp, "bad.yaml");
    await writeFile(f, "name: bad\nsources:\n  - adapter: gsm8k\n    options: { path: 3 }\n    colour: blue\nsplit: { train: 0.9, validation: 0.1, test: 0.1 }\n");
    const r = await runCli(["build", f, "--out", join(tmp, "bad")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error E_CONFIG_INVALID");
    expect(r.stderr).toContain("/sources/0: unknown property 'colour'");
    expect(r.stderr).toContain("/split: train + validation + test must be 1");
  });

  it("names a missing recipe or input, with exit code 1", async () => {
    const r = await runCli(["build", join(tmp, "nope.yaml")]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/error E_INPUT_NOT_FOUND: .*nope\.yaml/);
    const f = join(tmp, "missing-input.yaml");
    await writeFile(f, "name: m\nsources:\n  - adapter: gsm8k\n    options: { path: no/such/file.jsonl }\n");
    const r2 = await runCli(["build", f, "--out", join(tmp, "m")]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/error E_INPUT_NOT_FOUND: no such file or folder: .*no\/such\/file\.jsonl/);
  });

  it("builds a recipe of the repository's fixtures with a relative path", async () => {
    const f = join(tmp, "fixtures.json");
    await writeFile(f, JSON.stringify({ name: "fx", sources: [{ adapter: "mathematics", options: { path: join(repoRoot, "test-fixtures/mathematics/v1.0") } }] }));
    const r = await runCli(["build", f, "--out", join(tmp, "fx"), "--json"]);
    expect(r.code).toBe(0);
    const train = (await readFile(join(tmp, "fx/train.jsonl"), "utf8")).trim().split("\n");
    expect(train.length).toBeGreaterThan(0);
  });
});

describe("mathtune --help", () => {
  it("prints the usage of every command, with its options", async () => {
    const top = await runCli(["--help"]);
    expect(top.code).toBe(0);
    for (const c of ["build", "setup", "doctor", "train", "merge"]) expect(top.stdout + top.stderr).toContain(c);
    const merge = await runCli(["merge", "--help"]);
    expect(merge.code).toBe(0);
    expect(merge.stdout + merge.stderr).toContain("--adapter");
    const build = await runCli(["build", "-h"]);
    expect(build.stdout + build.stderr).toContain("--seed");
  });
});
