/**
 * The per-split hashes are a sha256 over the 8-byte fingerprints of each split's entries (hash32
 * of `id\thash` with two seeds, big-endian), in add order. The package computes it in plain JS
 * (it bundles for a browser); Node's own sha256 over the same bytes must give the same digests,
 * so manifests stay byte-identical to those written with node:crypto.
 */
import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { hash32, SplitPlanner, SPLITS } from "@mathtune/split";

describe("per-split sha256", () => {
  it.each([0, 1, 511, 4096, 4097, 20_000])("equals node:crypto's over the same fingerprints (%i entries)", (n) => {
    const planner = new SplitPlanner({ seed: 3, stratifyBy: [] });
    for (let i = 0; i < n; i++) planner.add({ id: `rec/${i}`, hash: `h${i * 7}` });
    const plan = planner.plan();
    const m = plan.manifest();
    for (const split of SPLITS) {
      const h = createHash("sha256");
      for (const id of plan.idsOf(split)) {
        const fp = `${id}\t${`h${Number(id.slice(4)) * 7}`}`;
        const b = Buffer.alloc(8);
        b.writeUInt32BE(hash32(fp, 0x6c62272e), 0);
        b.writeUInt32BE(hash32(fp, 0x07bb0142), 4);
        h.update(b);
      }
      expect(m.splits[split].sha256, split).toBe(h.digest("hex"));
    }
  });
});
