import { describe, expect, it } from "vitest";
import { fmix32 } from "../src/internal/hash.js";
import { minhash, shingleHashes } from "../src/internal/minhash.js";

/** Two sets of well-mixed values with exactly `shared` common elements out of `union`. */
function pair(union: number, shared: number, salt: number): [Uint32Array, Uint32Array] {
  const vals = Array.from({ length: union }, (_, i) => fmix32(Math.imul(i + 1, 0x9e3779b1) ^ salt));
  const rest = vals.slice(shared);
  const half = Math.floor(rest.length / 2);
  return [
    Uint32Array.from([...vals.slice(0, shared), ...rest.slice(0, half)]),
    Uint32Array.from([...vals.slice(0, shared), ...rest.slice(half)]),
  ];
}

describe("minhash", () => {
  it("estimates Jaccard similarity: mean error under 0.05 over 20 pairs per level", () => {
    for (const j of [0.2, 0.5, 0.8, 0.95]) {
      let err = 0;
      for (let t = 0; t < 20; t++) {
        const [a, b] = pair(200, Math.round(200 * j), t * 7919);
        const sa = Array.from(minhash(a, 128));
        const sb = Array.from(minhash(b, 128));
        err += sa.filter((v, i) => v === sb[i]).length / 128 - j;
      }
      expect(Math.abs(err / 20), `J=${j}`).toBeLessThan(0.05);
    }
  });
  it("identical sets give identical signatures; disjoint sets (almost) none in common", () => {
    const [a] = pair(100, 100, 1);
    expect(Array.from(minhash(a, 64))).toEqual(Array.from(minhash(Uint32Array.from(a).reverse(), 64)));
    const [x, y] = pair(200, 0, 2);
    const sx = minhash(x, 64);
    const sy = minhash(y, 64);
    expect(Array.from(sx).filter((v, i) => v === sy[i]).length).toBeLessThanOrEqual(1);
  });
  it("shingles: a text shorter than n is one shingle; word n-grams count symbols", () => {
    expect(shingleHashes("x + 1", "word", 5)).toHaveLength(1);
    expect(shingleHashes("a b c d e f", "word", 3)).toHaveLength(4);
    expect(shingleHashes("x + 1 = 2", "word", 3)).toHaveLength(3);
    expect(Array.from(shingleHashes("x+1=2", "word", 3))).toEqual(Array.from(shingleHashes("x + 1 = 2", "word", 3)));
  });
});
