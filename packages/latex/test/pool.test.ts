import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MathtuneError } from "@mathtune/core";
import { checkRecord, LatexPool, type PoolItem } from "@mathtune/latex";
import { brokenWorker, buildTestWorker, crashingWorker, fixtureRecords } from "./helpers.js";

let worker: Awaited<ReturnType<typeof buildTestWorker>>;
beforeAll(async () => {
  worker = await buildTestWorker();
});
afterAll(() => worker?.cleanup());

const items = (): PoolItem[] => {
  const base = fixtureRecords().map((r) => ({
    fields: { problem: r.problem, solution: r.solution, answer: r.answer },
    dollars: r.source !== "gsm8k",
    strict: true,
  }));
  // many items of uneven size, so that workers finish out of order
  const out: PoolItem[] = [];
  for (let i = 0; i < 120; i++) {
    const b = base[i % base.length]!;
    out.push(
      i % 7 === 0
        ? {
            ...b,
            fields: { ...b.fields, solution: `${b.fields.solution ?? ""} ${"$x^{2}+\\frac{1}{3}$ ".repeat(40)}` },
          }
        : b,
    );
  }
  return out;
};

describe("LatexPool", () => {
  it("gives, in the items' order, exactly what checkRecord gives in-thread", async () => {
    const pool = new LatexPool({ workers: 2, workerUrl: worker.url, chunkSize: 3 });
    try {
      expect(pool.mode).toBe("workers");
      expect(pool.size).toBe(2);
      const all = items();
      const got = await pool.run(all);
      expect(got).toEqual(
        all.map((it) => checkRecord(it.fields, { dollars: it.dollars, strict: it.strict, cache: false })),
      );
      // a second run on the same pool (warm caches) gives the same again
      expect(await pool.run(all)).toEqual(got);
    } finally {
      await pool.close();
    }
  });

  it("runs concurrent batches without mixing them up", async () => {
    const pool = new LatexPool({ workers: 2, workerUrl: worker.url, chunkSize: 2 });
    try {
      const all = items();
      const [a, b] = await Promise.all([pool.run(all.slice(0, 50)), pool.run(all.slice(50))]);
      expect([...a, ...b]).toEqual(await pool.run(all));
    } finally {
      await pool.close();
    }
  });

  it("falls back to the calling thread when the default worker file is absent (TypeScript sources)", async () => {
    const pool = new LatexPool({ workers: 2 });
    expect(pool.mode).toBe("inline");
    expect(pool.size).toBe(0);
    const all = items().slice(0, 5);
    expect(await pool.run(all)).toEqual(all.map((it) => checkRecord(it.fields, { dollars: it.dollars })));
    await pool.close();
  });

  it("workers: 0 validates in the calling thread", () => {
    expect(new LatexPool({ workers: 0, workerUrl: worker.url }).mode).toBe("inline");
  });

  it("an explicit worker file that does not exist is an error, not a silent fallback", () => {
    const err = (() => {
      try {
        new LatexPool({ workers: 1, workerUrl: "file:///nonexistent/worker.js" });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(MathtuneError);
    expect((err as MathtuneError).code).toBe("E_INPUT_NOT_FOUND");
  });

  it("a worker that dies fails the run with E_INTERNAL", async () => {
    const pool = new LatexPool({ workers: 1, workerUrl: crashingWorker(worker.dir) });
    const err = await pool.run(items().slice(0, 3)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MathtuneError);
    expect((err as MathtuneError).code).toBe("E_INTERNAL");
    await pool.close();
  });

  it("a worker that cannot start makes the pool validate in the calling thread, and say so", async () => {
    const pool = new LatexPool({ workers: 2, workerUrl: brokenWorker(worker.dir) });
    const all = items().slice(0, 20);
    expect(await pool.run(all)).toEqual(all.map((it) => checkRecord(it.fields, { dollars: it.dollars, cache: false })));
    expect(pool.mode).toBe("inline");
    expect(pool.fallback).toMatch(/could not start/);
    expect(await pool.run(all.slice(0, 3))).toHaveLength(3);
    await pool.close();
  });

  it("workers do not inherit main-script flags such as --input-type", async () => {
    const argv = process.execArgv;
    Object.defineProperty(process, "execArgv", { value: [...argv, "--input-type=module"], configurable: true });
    try {
      const pool = new LatexPool({ workers: 1, workerUrl: worker.url });
      const all = items().slice(0, 4);
      expect(await pool.run(all)).toEqual(
        all.map((it) => checkRecord(it.fields, { dollars: it.dollars, cache: false })),
      );
      expect(pool.mode).toBe("workers");
      await pool.close();
    } finally {
      Object.defineProperty(process, "execArgv", { value: argv, configurable: true });
    }
  });

  it("stops with E_CANCELED when the signal has fired, and refuses work after close", async () => {
    const pool = new LatexPool({ workers: 1, workerUrl: worker.url });
    const ac = new AbortController();
    ac.abort();
    const err = await pool.run(items().slice(0, 2), ac.signal).catch((e: unknown) => e);
    expect((err as MathtuneError).code).toBe("E_CANCELED");
    await pool.close();
    await pool.close();
    const after = await pool.run(items().slice(0, 1)).catch((e: unknown) => e);
    expect(after).toBeInstanceOf(MathtuneError);
  });

  it("rejects a bad worker count", () => {
    expect(() => new LatexPool({ workers: -1 })).toThrow(/workers must be an integer/);
  });
});
