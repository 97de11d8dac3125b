import { defineConfig } from "tsup";
import { tsupOptions } from "../../tsup.base.ts";

// load-worker.ts is the entry of the thread that reads sources: it must sit beside the module that starts it (dist/).
export default defineConfig(tsupOptions({ index: "src/index.ts", "load-worker": "src/load-worker.ts" }));
