import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AtomicDir,
  OUTPUT_MARKER,
  contentId,
  normalizeText,
  rawTopLevelValue,
  cleanupOutputsSync,
  fsError,
  prepareOutputDir,
} from "@mathtune/core";
import { jsonTextProblems } from "../src/json.js";
import { leftoversSync } from "../src/outdir.js";
import { describe, expect, it } from "vitest";

const tmp = () => mkdtemp(join(tmpdir(), "mt-outdir-"));

/** A pid that is certainly not running: a child that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"], { encoding: "utf8" });
  return Number(r.stdout);
}

describe("prepareOutputDir: never replaces what mathtune did not write", () => {
  it("refuses a foreign folder (E_OUTPUT_NOT_OURS), keeps it intact, and replaces it only with force", async () => {
    const dir = await tmp();
    const target = join(dir, "photos");
    await mkdir(target);
    await writeFile(join(target, "holiday.jpg"), "precious");
    await expect(AtomicDir.create(target, { kind: "build" })).rejects.toMatchObject({ code: "E_OUTPUT_NOT_OURS" });
    expect(await readFile(join(target, "holiday.jpg"), "utf8")).toBe("precious");
    expect(leftoversSync(target)).toEqual([]);
    const a = await AtomicDir.create(target, { kind: "build", force: true });
    await writeFile(a.path("x"), "1");
    await a.commit();
    expect((await readdir(target)).sort()).toEqual([OUTPUT_MARKER, "x"]);
  });

  it("replaces an empty folder, a folder with its marker, and a build output recognised by its manifest", async () => {
    const dir = await tmp();
    const empty = join(dir, "empty");
    await mkdir(empty);
    expect((await prepareOutputDir(empty, { kind: "build", lock: false })).existing).toBe("empty");
    const marked = join(dir, "marked");
    const a = await AtomicDir.create(marked);
    await a.commit();
    const b = await AtomicDir.create(marked);
    await b.commit();
    const built = join(dir, "built");
    await mkdir(built);
    await writeFile(join(built, "manifest.json"), JSON.stringify({ mathtune: { manifestVersion: 1 } }));
    expect((await prepareOutputDir(built, { kind: "build", lock: false })).existing).toBe("ours");
    // a manifest.json that is not mathtune's is not enough
    await writeFile(join(built, "manifest.json"), JSON.stringify({ name: "web app" }));
    await expect(prepareOutputDir(built, { kind: "build", lock: false })).rejects.toMatchObject({
      code: "E_OUTPUT_NOT_OURS",
    });
  });

  it("refuses an empty path, the current folder, an ancestor of it, the root, and a folder holding a protected path, even with force", async () => {
    const dir = await tmp();
    const cwd = join(dir, "project", "sub");
    await mkdir(cwd, { recursive: true });
    const data = join(dir, "data");
    await mkdir(data);
    await writeFile(join(data, "in.jsonl"), "{}\n");
    const opts = { kind: "build", force: true, cwd, lock: false } as const;
    await expect(prepareOutputDir("", opts)).rejects.toMatchObject({ code: "E_OUTPUT_UNSAFE" });
    await expect(prepareOutputDir("  ", opts)).rejects.toMatchObject({ code: "E_OUTPUT_UNSAFE" });
    await expect(prepareOutputDir(cwd, opts)).rejects.toMatchObject({ code: "E_OUTPUT_UNSAFE" });
    await expect(prepareOutputDir(join(dir, "project"), opts)).rejects.toMatchObject({ code: "E_OUTPUT_UNSAFE" });
    await expect(prepareOutputDir("/", opts)).rejects.toMatchObject({ code: "E_OUTPUT_UNSAFE" });
    await expect(prepareOutputDir(data, { ...opts, protect: [join(data, "in.jsonl")] })).rejects.toMatchObject({
      code: "E_OUTPUT_UNSAFE",
    });
    await expect(prepareOutputDir(dir, { ...opts, protect: [join(data, "in.jsonl")] })).rejects.toMatchObject({
      code: "E_OUTPUT_UNSAFE",
    });
    // through a symbolic link to the current folder
    await symlink(cwd, join(dir, "link"));
    await expect(prepareOutputDir(join(dir, "link"), opts)).rejects.toMatchObject({ code: "E_OUTPUT_UNSAFE" });
    expect(existsSync(join(data, "in.jsonl"))).toBe(true);
  });

  it("a file at the target, or a file where a parent folder should be: E_NOT_A_FOLDER with the path", async () => {
    const dir = await tmp();
    await writeFile(join(dir, "f"), "x");
    await expect(prepareOutputDir(join(dir, "f"), { kind: "build" })).rejects.toMatchObject({ code: "E_NOT_A_FOLDER" });
    const e = await prepareOutputDir(join(dir, "f", "out"), { kind: "build" }).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: "E_NOT_A_FOLDER" });
    expect(String((e as Error).message)).toContain(join(dir, "f"));
  });

  it("locks the output: a second writer fails with E_OUTPUT_LOCKED, or waits for the first", async () => {
    const dir = await tmp();
    const target = join(dir, "out");
    const a = await AtomicDir.create(target);
    await expect(AtomicDir.create(target)).rejects.toMatchObject({ code: "E_OUTPUT_LOCKED" });
    const waiting = AtomicDir.create(target, { waitMs: 5000 });
    await new Promise((r) => setTimeout(r, 100));
    await a.commit();
    const b = await waiting;
    await b.abort();
    expect(leftoversSync(target)).toEqual([]);
  });

  it("removes staging folders and locks of dead runs, keeps those of live ones", async () => {
    const dir = await tmp();
    const target = join(dir, "out");
    const dead = deadPid();
    await mkdir(join(dir, `.out.partial-${dead}-0a1b2c3d`));
    await writeFile(join(dir, `.out.partial-${dead}-0a1b2c3d`, "big"), "x".repeat(1000));
    await mkdir(join(dir, `.out.old-${dead}-deadbeef`));
    await mkdir(join(dir, `.out.partial-${process.pid}-01234567`));
    await mkdir(join(dir, `.other.partial-${dead}-0a1b2c3d`));
    await writeFile(join(dir, ".out.lock"), `${dead}\n`);
    const p = await prepareOutputDir(target, { kind: "build" });
    expect(p.cleaned.map((c) => c.slice(dir.length + 1)).sort()).toEqual([
      `.out.old-${dead}-deadbeef`,
      `.out.partial-${dead}-0a1b2c3d`,
    ]);
    await p.release();
    expect((await readdir(dir)).sort()).toEqual([
      `.other.partial-${dead}-0a1b2c3d`,
      `.out.partial-${process.pid}-01234567`,
    ]);
  });

  it("cleanupOutputsSync removes the staging folder and lock of a write in progress (forced exit)", async () => {
    const dir = await tmp();
    const target = join(dir, "out");
    const a = await AtomicDir.create(target);
    await writeFile(a.path("x"), "1");
    expect(leftoversSync(target).length).toBe(2);
    cleanupOutputsSync();
    expect(await readdir(dir)).toEqual([]);
  });

  it("filesystem errors get their own code, the path and a hint", async () => {
    const mk = (code: string) => Object.assign(new Error(`${code}: boom`), { code, syscall: "write", path: "/x/y" });
    expect(fsError(mk("ENOSPC"))).toMatchObject({ code: "E_DISK_FULL", location: { file: "/x/y" } });
    expect(fsError(mk("EROFS")).code).toBe("E_READ_ONLY");
    expect(fsError(mk("EACCES")).code).toBe("E_PERMISSION");
    expect(fsError(mk("ENOTDIR")).code).toBe("E_NOT_A_FOLDER");
    expect(fsError(mk("ENOSPC")).hint).toMatch(/space/);
  });
});

describe("normalizeText: the one Unicode normalisation", () => {
  it.each([
    ["plain ascii", "plain ascii"],
    ["５", "5"],
    ["٦", "6"],
    ["7\u200b", "7"],
    ["१२३", "123"],
    ["𝟗", "9"],
    ["\u202eabc\u202c", "abc"],
    ["ｘ＋１", "x+1"],
    ["a\u00adb\u2060c\ufeff", "abc"],
  ])("%j -> %j", (input, want) => {
    expect(normalizeText(input)).toBe(want);
  });

  it("content ids agree for copies that differ only in invisible marks or digit script", () => {
    expect(contentId("Tom has 12 apples", "")).toBe(contentId("Tom has 1\u200b2 apples", ""));
    expect(contentId("Tom has 12 apples", "")).toBe(contentId("Tom has ١٢ apples", ""));
  });
});

describe("JSON text checks", () => {
  it("finds repeated keys with their path, and nesting past the limit", () => {
    expect(jsonTextProblems('{"a":1,"b":{"c":[1,{"d":1,"d":2}]}}')).toEqual({
      duplicateKey: "d",
      duplicateAt: "$.b.c[1]",
    });
    expect(jsonTextProblems('{"a\\u0062":1,"ab":2}')).toEqual({ duplicateKey: "ab", duplicateAt: "$" });
    expect(jsonTextProblems('{"a":"{\\"a\\":1}","b":[{"a":1},{"a":2}]}')).toBeUndefined();
    expect(jsonTextProblems(`${"[".repeat(300)}${"]".repeat(300)}`)).toEqual({ tooDeep: true });
  });

  it("gives a top-level member's text as written", () => {
    expect(rawTopLevelValue('{"x":{"answer":1},"answer" : 3.50 ,"y":2}', "answer")).toBe("3.50");
    expect(rawTopLevelValue('{"answer":12345678901234567890123}', "answer")).toBe("12345678901234567890123");
    expect(rawTopLevelValue('{"q":"\\"answer\\":9","answer":-0.10}', "answer")).toBe("-0.10");
  });
});
