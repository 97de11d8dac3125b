/** The greatest common divisor, never negative (`gcd(0, 0)` is 0), of two integers or two bigints. */
export function gcd(a: number, b: number): number;
export function gcd(a: bigint, b: bigint): bigint;
export function gcd(a: number | bigint, b: number | bigint): number | bigint {
  if (typeof a === "bigint") {
    let x = a < 0n ? -a : a;
    let y = (b as bigint) < 0n ? -(b as bigint) : (b as bigint);
    while (y) [x, y] = [y, x % y];
    return x;
  }
  let x = Math.abs(a);
  let y = Math.abs(b as number);
  while (y) [x, y] = [y, x % y];
  return x;
}
