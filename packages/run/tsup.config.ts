import { defineConfig } from "tsup";
import { tsupOptions } from "../../tsup.base.ts";

export default defineConfig(tsupOptions({ index: "src/index.ts" }));
