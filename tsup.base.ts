import type { Options } from "tsup";

/** Shared tsup settings: ESM for Node 20, declarations, no minification. */
export function tsupOptions(entry: Record<string, string> | string[], extra: Partial<Options> = {}): Options {
  return {
    entry,
    format: ["esm"],
    target: "node20",
    platform: "node",
    dts: true,
    sourcemap: true,
    clean: true,
    splitting: true,
    treeshake: false,
    // Maps for stack traces, without a copy of every source file in them (that was over half of each tarball).
    esbuildOptions(options) {
      options.sourcesContent = false;
    },
    ...extra,
  };
}
