import { mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isMathtuneError } from "@mathtune/core";
import { readLineage, runStage, type StageEvent } from "@mathtune/run";
import { afterAll, beforeEach, describe, expect, it } from "vitest";

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

let run: string;
let src: string;
beforeEach(async () => {
  run = await mkdtemp(join(tmpdir(), "mt-run-"));
  src = await mkdtemp(join(tmpdir(), "mt-src-"));
  dirs.push(run, src);
  await writeFile(join(src, "recipe.yaml"), "name: a\n");
});

/** Two chained stages whose work counts its calls: build copies the recipe, train reads build's output. */
async function pipeline(calls: string[], train = { epochs: 1 }, events: StageEvent[] = []) {
  const onEvent = (e: StageEvent) => events.push(e);
  const b = await runStage(
    run,
    "build",
    { paths: { recipe: join(src, "recipe.yaml") } },
    async () => {
      calls.push("build");
      await mkdir(join(run, "data"), { recursive: true });
      await writeFile(join(run, "data", "train.jsonl"), `${await readFile(join(src, "recipe.yaml"), "utf8")}!`);
      return { dataset: "data" };
    },
    { onEvent },
  );
  const t = await runStage(
    run,
    "train",
    { values: { train }, paths: { dataset: join(run, b.outputs.dataset!.path) } },
    async () => {
      calls.push("train");
      await writeFile(
        join(run, "adapter.bin"),
        `${JSON.stringify(train)}${await readFile(join(run, "data", "train.jsonl"), "utf8")}`,
      );
      return { adapter: "adapter.bin" };
    },
    { onEvent },
  );
  return { b, t };
}

describe("runStage", () => {
  it("records inputs and outputs with sha256, and skips every stage on an unchanged rerun", async () => {
    const calls: string[] = [];
    const first = await pipeline(calls);
    expect(calls).toEqual(["build", "train"]);
    expect(first.t.outputs.adapter!.sha256).toMatch(/^[0-9a-f]{64}$/);
    const l = await readLineage(run);
    expect(Object.keys(l.stages)).toEqual(["build", "train"]);
    expect(l.stages.train!.inputs.paths.dataset!.sha256).toBe(l.stages.build!.outputs.dataset!.sha256);
    const events: StageEvent[] = [];
    const again = await pipeline(calls, { epochs: 1 }, events);
    expect(calls).toEqual(["build", "train"]);
    expect(events.map((e) => e.type)).toEqual(["stage-skip", "stage-skip"]);
    expect(again.t.skipped).toBe(true);
  });

  it("redoes a stage whose options changed, and the stages after a changed input", async () => {
    const calls: string[] = [];
    await pipeline(calls);
    const events: StageEvent[] = [];
    await pipeline(calls, { epochs: 2 }, events);
    expect(calls).toEqual(["build", "train", "train"]);
    expect(events[1]).toMatchObject({ type: "stage-start", stage: "train", reason: "inputs changed: train" });
    await writeFile(join(src, "recipe.yaml"), "name: b\n");
    await pipeline(calls, { epochs: 2 });
    expect(calls).toEqual(["build", "train", "train", "build", "train"]);
  });

  it("redoes a stage whose output was deleted or altered, and refuses outputs outside the run folder", async () => {
    const calls: string[] = [];
    await pipeline(calls);
    await writeFile(join(run, "adapter.bin"), "tampered");
    const events: StageEvent[] = [];
    await pipeline(calls, { epochs: 1 }, events);
    expect(calls).toEqual(["build", "train", "train"]);
    expect(events[1]).toMatchObject({ type: "stage-start", reason: "output adapter (adapter.bin) changed on disk" });
    let err: unknown;
    try {
      await runStage(run, "report", {}, async () => ({ report: join(src, "recipe.yaml") }));
    } catch (e) {
      err = e;
    }
    expect(isMathtuneError(err) && err.code).toBe("E_OUTPUT");
  });

  it("a stage that runs again keeps the other records; the stage below redoes only when its input changed", async () => {
    const calls: string[] = [];
    await pipeline(calls);
    // Same content, new file: build's output is unchanged, so train's record stands and it is skipped.
    await writeFile(join(src, "recipe.yaml"), "name: a\n");
    await runStage(
      run,
      "build",
      { values: { note: "again" }, paths: { recipe: join(src, "recipe.yaml") } },
      async () => ({ dataset: "data" }),
    );
    expect(Object.keys((await readLineage(run)).stages)).toEqual(["build", "train"]);
    const events: StageEvent[] = [];
    const t = await runStage(
      run,
      "train",
      { values: { train: { epochs: 1 } }, paths: { dataset: join(run, "data") } },
      async () => ({ adapter: "adapter.bin" }),
      { onEvent: (e) => events.push(e) },
    );
    expect(t.skipped).toBe(true);
    // A changed dataset redoes train.
    await writeFile(join(run, "data", "train.jsonl"), "changed");
    await runStage(
      run,
      "build",
      { values: { note: "changed" }, paths: { recipe: join(src, "recipe.yaml") } },
      async () => ({ dataset: "data" }),
    );
    const t2 = await runStage(
      run,
      "train",
      { values: { train: { epochs: 1 } }, paths: { dataset: join(run, "data") } },
      async () => ({ adapter: "adapter.bin" }),
      { onEvent: (e) => events.push(e) },
    );
    expect(t2.skipped).toBe(false);
    expect(events.at(-2)).toMatchObject({ type: "stage-start", stage: "train", reason: "inputs changed: dataset" });
  });
});
