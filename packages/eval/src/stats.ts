/** Statistics for accuracy figures: Wilson score intervals and the exact McNemar test. */

/** The Wilson score interval of a proportion `k / n` (default 95%: z = 1.959964). [0, 0] for n = 0. */
export function wilson(k: number, n: number, z = 1.959963984540054): [number, number] {
  if (!(n > 0)) return [0, 0];
  if (k < 0 || k > n) throw new RangeError(`wilson: k=${k} is outside 0..${n}`);
  const p = k / n;
  const z2 = z * z;
  const denom = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / denom;
  // exact ends where they are known (rounding can leave 1e-17 below 0)
  return [k === 0 ? 0 : Math.max(0, center - half), k === n ? 1 : Math.min(1, center + half)];
}

function logAdd(a: number, b: number): number {
  if (a === -Infinity) return b;
  if (b === -Infinity) return a;
  const m = Math.max(a, b);
  return m + Math.log1p(Math.exp(Math.min(a, b) - m));
}

/**
 * The exact (conditional, binomial) McNemar test of paired outcomes: `b` pairs where only the first
 * model is right, `c` where only the second is. Two-sided p = min(1, 2 * P(X <= min(b, c))) with
 * X ~ Binomial(b + c, 1/2); 1 when there are no discordant pairs. Computed in log space, so it
 * holds for any n.
 */
export function mcnemarExact(b: number, c: number): number {
  if (!Number.isInteger(b) || !Number.isInteger(c) || b < 0 || c < 0)
    throw new RangeError(`mcnemarExact: counts must be non-negative integers (got ${b}, ${c})`);
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  // log C(n, i) built up term by term: C(n, i) = C(n, i-1) * (n - i + 1) / i
  let logC = 0;
  let logSum = 0; // i = 0
  for (let i = 1; i <= k; i++) {
    logC += Math.log(n - i + 1) - Math.log(i);
    logSum = logAdd(logSum, logC);
  }
  const p = 2 * Math.exp(logSum - n * Math.LN2);
  return Math.min(1, p);
}
