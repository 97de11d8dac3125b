import { gcd } from "@mathtune/core/internal";
/**
 * The generator's exact numbers: rationals over JavaScript safe integers. (The verifier uses its own
 * BigInt fractions, parsed from text, so a bug here cannot hide itself.) Any operation that would leave
 * the safe-integer range throws `Retry`, and the generator draws the problem again.
 */

/** Thrown inside a category generator to draw again. Not an Error: no stack trace to capture, so it is cheap. */
export class Retry {
  constructor(readonly why: string) {}
}

export function lcm(a: number, b: number): number {
  return (a / gcd(a, b)) * b;
}

function safe(x: number): number {
  if (!Number.isSafeInteger(x)) throw new Retry("number too large");
  return x;
}

export class Rat {
  readonly n: number;
  readonly d: number;

  private constructor(n: number, d: number) {
    this.n = n;
    this.d = d;
  }

  static of(n: number, d = 1): Rat {
    safe(n);
    safe(d);
    if (d === 0) throw new Retry("division by zero");
    if (d < 0) {
      n = -n;
      d = -d;
    }
    const g = gcd(n, d) || 1;
    return new Rat(n / g || 0, d / g);
  }

  /** From a decimal literal such as "12.35" or "-0.5". */
  static dec(text: string): Rat {
    const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
    if (!m) throw new Error(`not a decimal: ${text}`);
    const frac = m[3] ?? "";
    const n = Number(m[2]! + frac);
    return Rat.of(m[1] ? -n : n, 10 ** frac.length);
  }

  add(o: Rat): Rat {
    const l = lcm(this.d, o.d);
    return Rat.of(safe(this.n * (l / this.d)) + safe(o.n * (l / o.d)), l);
  }
  sub(o: Rat): Rat {
    return this.add(o.neg());
  }
  mul(o: Rat): Rat {
    const g1 = gcd(this.n, o.d) || 1;
    const g2 = gcd(o.n, this.d) || 1;
    return Rat.of(safe((this.n / g1) * (o.n / g2)), safe((this.d / g2) * (o.d / g1)));
  }
  div(o: Rat): Rat {
    if (o.n === 0) throw new Retry("division by zero");
    return this.mul(Rat.of(o.d, o.n));
  }
  neg(): Rat {
    return new Rat(-this.n || 0, this.d);
  }
  abs(): Rat {
    return this.n < 0 ? this.neg() : this;
  }
  cmp(o: Rat): number {
    return Math.sign(this.sub(o).n);
  }
  eq(o: Rat): boolean {
    return this.n === o.n && this.d === o.d;
  }
  isInt(): boolean {
    return this.d === 1;
  }
  sign(): number {
    return Math.sign(this.n);
  }
  toNumber(): number {
    return this.n / this.d;
  }

  /** Decimal places of the exact decimal expansion, or -1 when it does not terminate. */
  places(): number {
    let d = this.d;
    let twos = 0;
    let fives = 0;
    while (d % 2 === 0) {
      d /= 2;
      twos++;
    }
    while (d % 5 === 0) {
      d /= 5;
      fives++;
    }
    return d === 1 ? Math.max(twos, fives) : -1;
  }

  /** Canonical text: "12", "-3.25" or, when the decimal does not terminate, "7/3". */
  toString(): string {
    if (this.d === 1) return String(this.n);
    const k = this.places();
    if (k < 0 || k > 12) return `${this.n}/${this.d}`;
    const scaled = Math.abs(safe(this.n * (10 ** k / this.d)));
    const digits = String(scaled).padStart(k + 1, "0");
    return `${this.n < 0 ? "-" : ""}${digits.slice(0, -k)}.${digits.slice(-k)}`;
  }

  /** LaTeX: a decimal or `\frac{a}{b}` (sign in front). */
  tex(): string {
    if (this.d === 1 || (this.places() >= 0 && this.places() <= 12)) return this.toString();
    return `${this.n < 0 ? "-" : ""}\\frac{${Math.abs(this.n)}}{${this.d}}`;
  }

  /** LaTeX as a fraction even when it has a terminating decimal (for fraction arithmetic). */
  fracTex(): string {
    if (this.d === 1) return String(this.n);
    return `${this.n < 0 ? "-" : ""}\\frac{${Math.abs(this.n)}}{${this.d}}`;
  }
}

export const R = (n: number, d = 1): Rat => Rat.of(n, d);

/**
 * Rounds a float to `dp` decimal places (half away from zero) and returns the exact Rat. Throws Retry
 * when the value is within 1e-7 of a tie, where float error could pick the wrong side.
 */
export function roundNum(v: number, dp: number): Rat {
  const scale = 10 ** dp;
  const s = Math.abs(v) * scale;
  const frac = s - Math.floor(s);
  if (Math.abs(frac - 0.5) < 1e-7 * Math.max(1, s / 1e6)) throw new Retry("rounding tie");
  const r = Math.round(s);
  return Rat.of(v < 0 ? -r : r, scale);
}

/** A value rounded for display in a step (`\approx`), checked not to change the final rounding. */
export function approxFor(v: number, shownDp: number, finalDp: number): Rat {
  const shown = roundNum(v, shownDp);
  if (!roundNum(shown.toNumber(), finalDp).eq(roundNum(v, finalDp))) throw new Retry("double rounding");
  return shown;
}
