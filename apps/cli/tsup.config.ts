import { cp, rm } from "node:fs/promises";
import { defineConfig } from "tsup";
import { tsupOptions } from "../../tsup.base.ts";

export default defineConfig(
  tsupOptions(
    { cli: "src/cli.ts", index: "src/index.ts" },
    {
      // The embedded default recipe and its sample data travel inside the package.
      async onSuccess() {
        await rm("dist/datasets", { recursive: true, force: true });
        await cp("../../datasets/default", "dist/datasets/default", { recursive: true });
      },
    },
  ),
);
