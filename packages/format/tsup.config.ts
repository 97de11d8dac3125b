import { resolve } from "node:path";
import { defineConfig } from "tsup";
import { tsupOptions } from "../../tsup.base.ts";

export default defineConfig([
  tsupOptions({ index: "src/index.ts" }),
  // The browser build (the `browser` condition): the same code with files.browser.ts for files.ts.
  tsupOptions(
    { index: "src/index.ts" },
    {
      outDir: "dist/browser",
      platform: "neutral",
      target: "es2022",
      dts: false,
      clean: false,
      esbuildPlugins: [
        {
          name: "browser-files",
          setup(build) {
            build.onResolve({ filter: /^\.\/files\.js$/ }, (args) => ({
              path: resolve(args.resolveDir, "files.browser.ts"),
            }));
          },
        },
      ],
    },
  ),
]);
