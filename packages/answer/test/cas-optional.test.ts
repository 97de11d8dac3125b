/**
 * The CAS (@cortex-js/compute-engine) is an optional peer: without it every comparison that the
 * fast evaluator and the structural readers decide still works, and one that needs the CAS throws
 * E_DEPENDENCY_MISSING, never a verdict.
 */
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { isMathtuneError } from "@mathtune/core";
import { describe, expect, it, vi } from "vitest";

vi.mock("../src/cas-load.js", () => ({ loadCas: () => undefined }));

const { compare, equivalent } = await import("../src/index.js");

describe("without the CAS installed", () => {
  it("decides what needs no CAS", () => {
    expect(equivalent("1/2", "0.5")).toBe(true);
    expect(equivalent("2", "3")).toBe(false);
    expect(compare("2x+3", "3+2x")).toMatchObject({ equal: true, reason: "symbolic" });
    expect(compare("x^2-1", "(x-1)(x+1)")).toMatchObject({ equal: true, reason: "symbolic" });
    expect(equivalent("\\{1, 2\\}", "\\{2, 1\\}")).toBe(true);
    expect(equivalent("x > 5", "5 < x")).toBe(true);
  });

  it.each([
    ["\\sin^2(3x)+\\cos^2(3x)", "1"],
    ["\\log_2 8", "3"],
    ["5!", "120"],
  ])("%s vs %s throws E_DEPENDENCY_MISSING, naming the package to install", (a, b) => {
    let error: unknown;
    try {
      compare(a, b);
    } catch (e) {
      error = e;
    }
    expect(isMathtuneError(error, "E_DEPENDENCY_MISSING")).toBe(true);
    expect((error as Error).message).toContain("npm i @cortex-js/compute-engine@0.140.0");
  });
});

describe("the loader", () => {
  it("loads the installed CAS synchronously (its CommonJS build)", async () => {
    const real = await vi.importActual<typeof import("../src/cas-load.js")>("../src/cas-load.js");
    const cas = real.loadCas();
    expect(typeof cas?.ComputeEngine).toBe("function");
    expect(typeof cas?.compile).toBe("function");
  });

  it("gives undefined where the CAS is not installed", async () => {
    const real = await vi.importActual<typeof import("../src/cas-load.js")>("../src/cas-load.js");
    // pnpm exec sets NODE_PATH to the workspace's hoisted packages, where the CAS is: take it away for this look-up.
    const Module = (await import("node:module")).default as unknown as { _initPaths(): void };
    const saved = process.env.NODE_PATH;
    delete process.env.NODE_PATH;
    Module._initPaths();
    try {
      expect(real.loadCas(pathToFileURL(join(tmpdir(), "no-cas-here", "x.js")))).toBeUndefined();
    } finally {
      if (saved !== undefined) process.env.NODE_PATH = saved;
      Module._initPaths();
    }
  });
});
