import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";

const pkg = join(import.meta.dirname, "..");

describe("README usage example", () => {
  afterEach(() => vi.restoreAllMocks());

  it("is examples/flow.ts (type-checked with the package) word for word", async () => {
    const readme = await readFile(join(pkg, "README.md"), "utf8");
    const block = /## Usage[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(block).toBe(await readFile(join(pkg, "examples/flow.ts"), "utf8"));
  });

  it("runs and prints what its comments say", async () => {
    const lines: string[] = [];
    vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
      lines.push(args.map((a) => (typeof a === "string" ? a : JSON.stringify(a))).join(" "));
    });
    await import("../examples/flow.ts");
    const example = await readFile(join(pkg, "examples/flow.ts"), "utf8");
    expect(lines.slice(0, 3)).toEqual([
      "removed gsm8k/2 E_DUPLICATE",
      "removed gsm8k/4 E_CONTAMINATED",
      JSON.stringify({ gsm8k: { train: 2, validation: 1, test: 1 }, math: { train: 3, validation: 0, test: 1 } }),
    ]);
    for (const line of lines.slice(0, 2)) expect(example).toContain(`// ${line}`);
    expect(example).toContain(
      "// { gsm8k: { train: 2, validation: 1, test: 1 }, math: { train: 3, validation: 0, test: 1 } }",
    );
    const assigned = lines.slice(3);
    expect(assigned).toHaveLength(8);
    expect(assigned).toContain("math/test/1 test");
    for (const line of assigned) expect(example).toContain(`// ${line}`);
  });
});
