import { defineConfig } from "tsup";
import { tsupOptions } from "../../tsup.base.ts";

export default defineConfig(tsupOptions({ cli: "src/cli.ts", index: "src/index.ts" }));
