import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, repoRoot, runCli } from "./helpers.js";
import { main } from "../src/index.js";

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
      expect.arrayContaining([
        "README.md",
        "manifest.json",
        "quarantine.jsonl",
        "test.jsonl",
        "train.jsonl",
        "validation.jsonl",
        "train.messages.jsonl",
      ]),
    );
    expect(files["README.md"]).toContain("### LaTeX findings");
    const manifest = JSON.parse(files["manifest.json"]!) as {
      counts: { read: number; written: number; quarantined: number; sources: Record<string, unknown> };
    };
    expect(manifest.counts.read).toBe(manifest.counts.written + manifest.counts.quarantined);
    expect(Object.keys(manifest.counts.sources)).toEqual(
      expect.arrayContaining(["gsm8k-sample", "math-sample", "mathematics-sample"]),
    );
    // The test split shares no problem text with train (the default recipe dedups before splitting).
    const problems = (f: string) =>
      new Set(
        files[f]!.split("\n")
          .filter(Boolean)
          .map((l) => (JSON.parse(l) as { problem: string }).problem.trim().toLowerCase()),
      );
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
    const events = r.stderr
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as { type: string });
    expect(events[0]!.type).toBe("start");
    expect(events.map((e) => e.type)).toContain("source-end");
    expect(events.at(-1)!.type).toBe("done");
    expect((await readdir(join(tmp, "datasets/out/default"))).sort()).toContain("manifest.json");
  });

  it("reports recipe problems as path: message with exit code 2", async () => {
    const f = join(tmp, "bad.yaml");
    await writeFile(
      f,
      "name: bad\nsources:\n  - adapter: gsm8k\n    options: { path: 3 }\n    colour: blue\nsplit: { train: 0.9, validation: 0.1, test: 0.1 }\n",
    );
    const r = await runCli(["build", f, "--out", join(tmp, "bad")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("error E_CONFIG_INVALID");
    expect(r.stderr).toContain("/sources/0: unknown property 'colour'");
    expect(r.stderr).toContain("/split: train + validation + test must be 1");
  });

  it("names a missing recipe (exit code 2, a mistake on the command line) or input (exit code 1)", async () => {
    const r = await runCli(["build", join(tmp, "nope.yaml")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error E_INPUT_NOT_FOUND: .*nope\.yaml/);
    const f = join(tmp, "missing-input.yaml");
    await writeFile(f, "name: m\nsources:\n  - adapter: gsm8k\n    options: { path: no/such/file.jsonl }\n");
    const r2 = await runCli(["build", f, "--out", join(tmp, "m")]);
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/error E_INPUT_NOT_FOUND: no such file or folder: .*no\/such\/file\.jsonl/);
  });

  it("builds a recipe of the repository's fixtures with a relative path", async () => {
    const f = join(tmp, "fixtures.json");
    await writeFile(
      f,
      JSON.stringify({
        name: "fx",
        sources: [{ adapter: "mathematics", options: { path: join(repoRoot, "test-fixtures/mathematics/v1.0") } }],
      }),
    );
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

describe("the command line is checked", () => {
  const cases: [string[], RegExp][] = [
    [["build", "--sed", "3"], /error E_USAGE: unknown option '--sed' for 'mathtune build' \(did you mean '--seed'\?\)/],
    [["build", "a.yaml", "b.yaml"], /error E_USAGE: unexpected argument 'b\.yaml' for 'mathtune build'/],
    [["build", "--seed", "-1"], /error E_USAGE: --seed must be a non-negative integer \(got '-1'\)/],
    [["build", "--seed"], /error E_USAGE: option '--seed' needs a value/],
    [["build", "--seed", "--json"], /error E_USAGE: option '--seed' needs a value/],
    [["build", "--seed="], /error E_USAGE: option '--seed=' needs a value/],
    [["build", "--json=yes"], /error E_USAGE: option '--json' takes no value/],
    [["bild"], /error E_USAGE: unknown command 'bild' \(did you mean 'build'\?\)/],
    [["--sed"], /error E_USAGE: unknown option '--sed'/],
    [["schema", "extra"], /error E_USAGE: unexpected argument 'extra' for 'mathtune schema'/],
    [["help", "nope"], /error E_USAGE: unknown command 'nope'/],
    [["merge"], /error E_USAGE: 'mathtune merge' needs --/],
  ];
  it.each(cases)("%j: exit code 2, one line, no stack trace", async (args, message) => {
    const r = await runCli(args, { cwd: tmp });
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it("--version and -v print the CLI's version", async () => {
    const { version } = JSON.parse(await readFile(join(repoRoot, "apps/cli/package.json"), "utf8")) as {
      version: string;
    };
    for (const flag of ["--version", "-v"]) {
      const r = await runCli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });
});

describe("mathtune help", () => {
  const commands = Object.keys(main.subCommands as object);

  it("top-level help lists exactly the commands that exist, and 'help <command>' is '<command> --help'", async () => {
    const top = await runCli(["help"]);
    expect(top.code).toBe(0);
    const listed = [...top.stdout.split("COMMANDS")[1]!.matchAll(/^\s+([a-z-]+)\s{2,}/gm)].map((m) => m[1]);
    expect(listed.sort()).toEqual([...commands].sort());
    expect((await runCli(["--help"])).stdout).toBe(top.stdout);
    expect((await runCli(["help", "--help"])).stdout).toBe(top.stdout);
    for (const c of commands) {
      const a = await runCli(["help", c]);
      const b = await runCli([c, "--help"]);
      expect(a.code, c).toBe(0);
      expect(a.stdout, c).toBe(b.stdout);
      expect(a.stdout, c).toContain(`mathtune ${c}`);
    }
  });

  it("help text has no Markdown backticks", async () => {
    for (const args of [["--help"], ...commands.map((c) => [c, "--help"])]) {
      const r = await runCli(args);
      expect(r.stdout, args.join(" ")).not.toContain("`");
    }
  });

  it("the CLI README documents every command", async () => {
    const readme = await readFile(join(repoRoot, "apps/cli/README.md"), "utf8");
    for (const c of commands) expect(readme, c).toMatch(new RegExp(`^\\| \`${c}[ \`]`, "m"));
  });
});

describe("recipe errors", () => {
  it("name the file and line in YAML, one line per problem, with 'did you mean'", async () => {
    const f = join(tmp, "typos.yaml");
    await writeFile(
      f,
      "name: typos\nsources:\n  - adapter: gsm8k\n    optoins: { path: x }\nchecks:\n  answer: { readable: flg }\n  latex: 3\n",
    );
    const r = await runCli(["build", f, "--out", join(tmp, "typos")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${f}:4: /sources/0: unknown property 'optoins' (did you mean 'options'?)`);
    expect(r.stderr).toContain(
      `${f}:6: /checks/answer/readable: must be one of "off", "flag", "reject" (got "flg") (did you mean 'flag'?)`,
    );
    expect(r.stderr).toContain(`${f}:7: /checks/latex: must be boolean or object (got 3)`);
    // Three problems, three lines (no dump of the union's branches).
    expect(r.stderr.trim().split("\n")).toHaveLength(4);
    expect(r.stderr).not.toMatch(/must be equal to constant|must match a schema in anyOf/);
  });

  it("name the file and line in JSON, for a misspelt adapter and a misspelt option, and never suggest installing a typo", async () => {
    const f = join(tmp, "typos.json");
    await writeFile(
      f,
      JSON.stringify(
        { name: "t", sources: [{ adapter: "mathematics", options: { path: "x" } }, { adapter: "gsm8kk" }] },
        null,
        2,
      ),
    );
    const r = await runCli(["build", f, "--out", join(tmp, "typos-json")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`error E_ADAPTER_NOT_FOUND: ${f}:11: unknown adapter 'gsm8kk' (did you mean 'gsm8k'?)`);
    expect(r.stderr).not.toMatch(/npm i/);
    const g = join(tmp, "option.json");
    await writeFile(
      g,
      JSON.stringify({ name: "t", sources: [{ adapter: "gsm8k", options: { pth: "x.jsonl" } }] }, null, 2),
    );
    const r2 = await runCli(["build", g, "--out", join(tmp, "option-json")]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain(`${g}:7: /sources/0/options: unknown property 'pth' (did you mean 'path'?)`);
    const h = join(tmp, "nopkg.yaml");
    await writeFile(h, "sources:\n  - adapter: mathtune-adapter-nothing-like-it\n");
    const r3 = await runCli(["build", h, "--out", join(tmp, "nopkg")]);
    expect(r3.code).toBe(2);
    expect(r3.stderr).toContain(`${h}:2: adapter 'mathtune-adapter-nothing-like-it' is not a built-in adapter`);
    expect(r3.stderr).not.toMatch(/npm i/);
  });
});

describe("mathtune schema", () => {
  it("prints the recipe JSON Schema that @mathtune/dataset ships as recipe.schema.json", async () => {
    const r = await runCli(["schema"]);
    expect(r.code).toBe(0);
    const shipped = await readFile(join(repoRoot, "packages/dataset/recipe.schema.json"), "utf8");
    expect(r.stdout).toBe(shipped);
  });
});
