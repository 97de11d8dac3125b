import { defineConfig } from "tsup";
import { tsupOptions } from "../../tsup.base.ts";

export default defineConfig(
  tsupOptions({ index: "src/index.ts", testing: "src/testing.ts", internal: "src/internal/index.ts" }),
);
