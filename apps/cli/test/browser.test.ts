/**
 * The leaf packages bundle for a browser: esbuild with platform "browser" (so the `browser` export
 * conditions apply and Node's built-in modules are not there) bundles each from its built dist, and
 * the bundle, which then imports nothing, evaluates and works. pack.test.ts does the same from the
 * packed tarballs.
 */
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { BROWSER_LEAVES, checkBrowserLeaf } from "./checks.js";
import { assertBuilt, repoRoot } from "./helpers.js";

let tmp = "";
beforeAll(async () => {
  assertBuilt();
  tmp = await mkdtemp(join(tmpdir(), "mt-browser-"));
});

describe("leaf packages bundle for a browser", () => {
  it.each(Object.keys(BROWSER_LEAVES))("%s", async (name) => {
    expect(await checkBrowserLeaf(name, join(repoRoot, "packages", name), tmp)).toEqual({
      errors: [],
      nodeImports: false,
      ok: true,
    });
  });
});
