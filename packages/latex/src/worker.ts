/**
 * Worker-thread entry of the validation pool (built to dist/worker.js). It receives chunks of
 * records with their options and answers with one TextReport per record, in order.
 */
import { parentPort } from "node:worker_threads";
import { MathtuneError } from "@mathtune/core";
import { checkRecord, defaultSegmentCache } from "./validate.js";
import type { PoolRequest, PoolResponse } from "./pool.js";

const port = parentPort;
if (port) {
  port.on("message", (req: PoolRequest) => {
    let res: PoolResponse;
    if (req.clearCache) defaultSegmentCache().clear();
    try {
      res = {
        id: req.id,
        reports: req.items.map((it) => checkRecord(it.fields, { dollars: it.dollars, strict: it.strict })),
      };
    } catch (e) {
      // A MathtuneError crosses as itself (code, location, details); anything else is a bug here.
      const err =
        e instanceof MathtuneError
          ? e
          : new MathtuneError("E_INTERNAL", `LaTeX worker failed: ${e instanceof Error ? e.message : String(e)}`);
      if (!(e instanceof MathtuneError) && e instanceof Error && e.stack) err.stack = e.stack;
      res = { id: req.id, error: err.toJSON() };
    }
    port.postMessage(res);
  });
  port.postMessage({ ready: true }); // loaded: from now on a failure is not a start-up failure
}
