import { resolve } from "node:path";
import { defineConfig } from "tsup";
import { tsupOptions } from "../../tsup.base.ts";

export default defineConfig([
  tsupOptions({ index: "src/index.ts", text: "src/text.ts" }),
  // The browser build (the `browser` condition of the main entry): the same code, with the CAS
  // loaded by a plain import that the user's bundler resolves instead of Node's require.
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
          name: "browser-cas-loader",
          setup(build) {
            build.onResolve({ filter: /^\.\/cas-load\.js$/ }, (args) => ({
              path: resolve(args.resolveDir, "cas-load.browser.ts"),
            }));
          },
        },
      ],
    },
  ),
]);
