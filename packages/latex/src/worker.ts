/**
 * Worker-thread entry of the validation pool (built to dist/worker.js). It receives chunks of
 * records with their options and answers with one TextReport per record, in order.
 */
import { parentPort } from "node:worker_threads";
import { checkRecord, defaultSegmentCache } from "./validate.js";
import type { PoolRequest, PoolResponse } from "./pool.js";

const port = parentPort;
if (port) {
  port.on("message", (req: PoolRequest) => {
    let res: PoolResponse;
    if (req.clearCache) defaultSegmentCache().clear();
    try {
      res = { id: req.id, reports: req.items.map((it) => checkRecord(it.fields, { dollars: it.dollars, strict: it.strict })) };
    } catch (e) {
      res = { id: req.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
    }
    port.postMessage(res);
  });
  port.postMessage({ ready: true }); // loaded: from now on a failure is not a start-up failure
}
