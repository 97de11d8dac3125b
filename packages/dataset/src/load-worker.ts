/** Worker-thread entry of the build: loads the sources it is sent (see source-reader.ts). */
import { parentPort } from "node:worker_threads";
import { resolveAdapter } from "./adapters.js";
import { serveLoads } from "./source-reader.js";

if (!parentPort) throw new Error("load-worker.js runs as a worker thread of @mathtune/dataset");
serveLoads(parentPort, resolveAdapter);
