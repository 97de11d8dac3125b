import { gcd } from "@mathtune/core/internal";
/** Exact rational numbers on BigInt, for answers that are integers, decimals or fractions. */
export interface Rat {
  n: bigint;
  d: bigint; // always > 0
}

export function rat(n: bigint, d: bigint = 1n): Rat {
  if (d === 0n) throw new RangeError("zero denominator");
  if (d < 0n) {
    n = -n;
    d = -d;
  }
  const g = gcd(n, d) || 1n;
  return { n: n / g, d: d / g };
}

export const ratEq = (a: Rat, b: Rat): boolean => a.n === b.n && a.d === b.d;
export const ratAdd = (a: Rat, b: Rat): Rat => rat(a.n * b.d + b.n * a.d, a.d * b.d);
export const ratMul = (a: Rat, b: Rat): Rat => rat(a.n * b.n, a.d * b.d);
export const ratNeg = (a: Rat): Rat => ({ n: -a.n, d: a.d });

export function ratToNumber(a: Rat): number {
  const n = Number(a.n);
  const d = Number(a.d);
  if (Number.isFinite(n) && Number.isFinite(d)) return n / d;
  // Very large parts: scale both down by the same power of ten.
  const shift = Math.max(a.n.toString().length, a.d.toString().length) - 300;
  const p = 10n ** BigInt(Math.max(shift, 0));
  return Number(a.n / p) / Number(a.d / p);
}

/** 10^e as a rational, e limited so that a huge exponent cannot eat memory. */
export function pow10(e: number): Rat | undefined {
  if (!Number.isInteger(e) || Math.abs(e) > 400) return undefined;
  return e >= 0 ? rat(10n ** BigInt(e)) : rat(1n, 10n ** BigInt(-e));
}
