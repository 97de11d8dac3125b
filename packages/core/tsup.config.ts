import { defineConfig } from "tsup";
import { tsupOptions } from "../../tsup.base.ts";

export default defineConfig(
  tsupOptions(
    { index: "src/index.ts", neutral: "src/neutral.ts", testing: "src/testing.ts", internal: "src/internal/index.ts" },
    { external: ["vitest"] },
  ),
);
