/**
 * The adapter conformance suite. Every built-in adapter runs it, and so can yours:
 *
 * ```ts
 * import { testAdapter } from "@mathtune/core/testing";
 * testAdapter(myAdapter, { valid: [{ options: { path: "fixtures/good.txt" } }], invalid: [...] });
 * ```
 * It needs vitest (it registers `describe`/`it` blocks).
 *
 * @packageDocumentation
 * @module @mathtune/core/testing
 */
import { describe, expect, it } from "vitest";
import type { Adapter, LoadContext, Rejection } from "./adapter.js";
import { type ErrorCode, MathtuneError, formatLocation } from "./errors.js";
import { recordProblems, type MathRecord } from "./record.js";

/** Everything an adapter loaded: the records and the rejections. */
export interface CollectResult {
  records: MathRecord[];
  rejections: Rejection[];
}

/** Loads everything, sending bad records to `rejections` instead of throwing. */
export async function collect(
  adapter: Adapter,
  options: unknown,
  ctx: Omit<LoadContext, "reject"> = {},
): Promise<CollectResult> {
  const records: MathRecord[] = [];
  const rejections: Rejection[] = [];
  for await (const r of adapter.load(options as Record<string, unknown>, { ...ctx, reject: (x) => rejections.push(x) }))
    records.push(r);
  return { records, rejections };
}

/** An input the adapter must load: its options and how many records and rejections to expect. */
export interface ValidCase {
  name?: string;
  options: Record<string, unknown>;
  /** At least this many records (default 1). */
  minRecords?: number;
  /** Exactly this many records. */
  records?: number;
  /** Rejections allowed in this input (default 0). */
  rejections?: number;
}

/** An input the adapter must refuse: its options and the error code it must give, with a location. */
export interface InvalidCase {
  name: string;
  options: Record<string, unknown>;
  /** The error code: thrown by `load`, or carried by a rejection. */
  code: ErrorCode;
  /** Text the file location must contain (default: some location must be given). */
  location?: string;
}

/** What `testAdapter` runs: inputs that must load, inputs that must fail, and the load context. */
export interface ConformanceOptions {
  valid: ValidCase[];
  invalid?: InvalidCase[];
  ctx?: Omit<LoadContext, "reject" | "signal">;
}

/** Registers the conformance tests for one adapter. */
export function testAdapter(adapter: Adapter, options: ConformanceOptions): void {
  const ctx = options.ctx ?? {};
  describe(`adapter conformance: ${adapter.name}`, () => {
    it("has a valid definition", () => {
      expect(adapter.name).toMatch(/^[a-z0-9][a-z0-9_.-]*$/);
      expect(Array.isArray(adapter.splits)).toBe(true);
      expect(typeof adapter.options).toBe("object");
      expect(typeof adapter.load).toBe("function");
    });

    it("rejects options that are not an object with E_OPTIONS_INVALID", async () => {
      const err = await collect(adapter, "not an object", ctx).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(MathtuneError);
      expect((err as MathtuneError).code).toBe("E_OPTIONS_INVALID");
    });

    for (const [i, c] of options.valid.entries()) {
      const label = c.name ?? `valid input #${i + 1}`;
      it(`${label}: yields schema-valid records with stable, unique ids`, async () => {
        const first = await collect(adapter, c.options, ctx);
        expect(first.rejections.length, JSON.stringify(first.rejections.slice(0, 3))).toBe(c.rejections ?? 0);
        if (c.records !== undefined) expect(first.records.length).toBe(c.records);
        else expect(first.records.length).toBeGreaterThanOrEqual(c.minRecords ?? 1);
        const ids = new Set<string>();
        for (const r of first.records) {
          expect(recordProblems(r)).toEqual([]);
          expect(r.source).toBe(adapter.name);
          expect(r.id.startsWith(`${adapter.name}/`), r.id).toBe(true);
          expect(ids.has(r.id), `duplicate id ${r.id}`).toBe(false);
          ids.add(r.id);
          if (r.split !== undefined && adapter.splits.length) expect(adapter.splits).toContain(r.split);
        }
        const second = await collect(adapter, c.options, ctx);
        expect(second.records).toEqual(first.records);
      });

      it(`${label}: stops with E_CANCELED when aborted mid-stream`, async () => {
        const ac = new AbortController();
        let seen = 0;
        const err = await (async () => {
          for await (const _ of adapter.load(c.options, { ...ctx, signal: ac.signal, reject: () => {} })) {
            seen++;
            ac.abort();
          }
        })().catch((e: unknown) => e);
        expect(seen).toBe(1);
        expect(err).toBeInstanceOf(MathtuneError);
        expect((err as MathtuneError).code).toBe("E_CANCELED");
      });

      it(`${label}: yields nothing when the signal has already fired`, async () => {
        const ac = new AbortController();
        ac.abort();
        let seen = 0;
        const err = await (async () => {
          for await (const _ of adapter.load(c.options, { ...ctx, signal: ac.signal })) seen++;
        })().catch((e: unknown) => e);
        expect(seen).toBe(0);
        expect((err as MathtuneError).code).toBe("E_CANCELED");
      });
    }

    for (const c of options.invalid ?? []) {
      it(`bad input, ${c.name}: ${c.code} with its location`, async () => {
        let thrown: unknown;
        let found: Rejection | undefined;
        try {
          const res = await collect(adapter, c.options, ctx);
          found = res.rejections.find((r) => r.code === c.code);
          if (!found)
            throw new Error(`no ${c.code}; got rejections ${JSON.stringify(res.rejections.map((r) => r.code))}`);
        } catch (e) {
          thrown = e;
        }
        if (thrown !== undefined) {
          expect(thrown, String(thrown)).toBeInstanceOf(MathtuneError);
          expect((thrown as MathtuneError).code).toBe(c.code);
          const where = (thrown as MathtuneError).message;
          if (c.location) expect(where).toContain(c.location);
        } else {
          const where = formatLocation(found!.location);
          expect(where, "a rejection must name its source location").not.toBe("");
          if (c.location) expect(where).toContain(c.location);
          expect(found!.message.length).toBeGreaterThan(0);
        }
      });
    }
  });
}
