import { defineConfig } from "tsup";
import { tsupOptions } from "../../tsup.base.ts";

// worker.ts is the pool's worker-thread entry: it must sit beside the module that loads it (dist/).
export default defineConfig(tsupOptions({ index: "src/index.ts", browser: "src/browser.ts", worker: "src/worker.ts" }));
