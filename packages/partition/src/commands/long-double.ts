/**
 * INCRBYFLOAT's arithmetic, as Redis does it on x86-64: in C's `long double`, the x87 80-bit
 * extended format (64-bit significand), parsed with `strtold`, added once, and printed with
 * `"%.17Lf"` minus trailing zeros. A JavaScript double would answer differently for everyday
 * inputs (Redis says 10.5 + 0.1 is "10.6" and 0.1 + 0.2 is "0.3"; doubles give
 * 0.30000000000000004), so this emulates the format exactly with bigints: every value is
 * sign × m × 2^e with m < 2^64, rounded to nearest, ties to even, as the FPU does. Off the hot
 * path: INCRBYFLOAT is the only user.
 */

/** A finite extended value: (-1)^neg × m × 2^e, with m < 2^64 (m = 0 is zero). */
export interface LongDouble {
  readonly neg: boolean;
  readonly m: bigint;
  readonly e: number;
}

export const LD_INFINITY = "inf" as const;
export const LD_NEG_INFINITY = "-inf" as const;
export type LongDoubleResult = LongDouble | typeof LD_INFINITY | typeof LD_NEG_INFINITY;

const MANT_BITS = 64;
const TWO_64 = 1n << 64n;
/** Smallest exponent of the format (subnormals): 2^(1 - 16383 - 63). */
const E_MIN = -16445;
/** Largest exponent of a finite value: m < 2^64, m × 2^E_MAX < 2^16384. */
const E_MAX = 16320;
/** Decimal exponents past these overflow or underflow whatever the digits (the format spans ~1e±4951). */
const DEC_EXP_LIMIT = 5200;

function bitLength(n: bigint): number {
  return n === 0n ? 0 : n.toString(2).length;
}

/**
 * The extended value nearest to num / den (both > 0), ties to even; an infinity on overflow,
 * zero on underflow past the subnormals.
 */
function roundRational(neg: boolean, num: bigint, den: bigint): LongDoubleResult {
  // e such that num / den / 2^e lies in [2^63, 2^64), within one of the estimate.
  let e = bitLength(num) - bitLength(den) - MANT_BITS;
  const scaled = (ee: number): [bigint, bigint, bigint] => {
    const n = ee >= 0 ? num : num << BigInt(-ee);
    const d = ee >= 0 ? den << BigInt(ee) : den;
    return [n / d, n % d, d];
  };
  let [q, r, d] = scaled(e);
  if (q >= TWO_64) {
    e++;
    [q, r, d] = scaled(e);
  }
  if (e < E_MIN) {
    e = E_MIN; // subnormal: fewer significant bits
    [q, r, d] = scaled(e);
  }
  const twice = r * 2n;
  if (twice > d || (twice === d && (q & 1n) === 1n)) q++;
  if (q === TWO_64) {
    q >>= 1n;
    e++;
  }
  if (e > E_MAX) return neg ? LD_NEG_INFINITY : LD_INFINITY;
  return { neg: neg && q !== 0n, m: q, e };
}

/**
 * `strtold` as Redis's string2ld uses it: decimal with optional fraction and exponent, hex
 * (0x…, optional p exponent), inf / infinity; no leading space, nothing after the number. NaN,
 * and values that overflow or underflow to zero (ERANGE), are rejected: null.
 */
export function parseLongDouble(text: string): LongDoubleResult | null {
  if (text.length === 0 || text.length >= 5120) return null;
  let i = 0;
  let neg = false;
  if (text[0] === "+" || text[0] === "-") {
    neg = text[0] === "-";
    i = 1;
  }
  const rest = text.slice(i).toLowerCase();
  if (rest === "inf" || rest === "infinity") return neg ? LD_NEG_INFINITY : LD_INFINITY;
  let digits = 0n;
  let seen = false;
  let scale = 0; // value = digits × base^scale (× 2^binExp for hex)
  let binExp = 0;
  let hex = false;
  if (rest.startsWith("0x") && /^0x(?:[0-9a-f]+\.?[0-9a-f]*|\.[0-9a-f]+)(?:p[+-]?[0-9]+)?$/.test(rest)) {
    hex = true;
    const m = /^0x([0-9a-f]*)\.?([0-9a-f]*)(?:p([+-]?[0-9]+))?$/.exec(rest)!;
    const whole = m[1]!;
    const frac = m[2]!;
    seen = whole.length + frac.length > 0;
    digits = BigInt(`0x${whole}${frac}` === "0x" ? "0" : `0x${whole}${frac}`);
    binExp = -4 * frac.length + (m[3] === undefined ? 0 : clampExp(m[3]));
  } else {
    const m = /^([0-9]*)\.?([0-9]*)(?:e([+-]?[0-9]+))?$/.exec(rest);
    if (m === null || !/^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:e[+-]?[0-9]+)?$/.test(rest)) return null;
    const whole = m[1]!;
    const frac = m[2]!;
    seen = whole.length + frac.length > 0;
    digits = BigInt((whole + frac).replace(/^0+(?=.)/, "") || "0");
    scale = -frac.length + (m[3] === undefined ? 0 : clampExp(m[3]));
  }
  if (!seen) return null;
  if (digits === 0n) return { neg, m: 0n, e: 0 };
  let result: LongDoubleResult;
  if (hex) {
    result = binExp >= 0 ? roundRational(neg, digits << BigInt(binExp), 1n) : roundRational(neg, digits, 1n << BigInt(-binExp));
  } else {
    const magnitude = scale + digits.toString().length;
    if (magnitude > DEC_EXP_LIMIT) return null; // overflow: ERANGE
    if (magnitude < -DEC_EXP_LIMIT) return null; // underflow to zero: ERANGE
    result = scale >= 0 ? roundRational(neg, digits * 10n ** BigInt(scale), 1n) : roundRational(neg, digits, 10n ** BigInt(-scale));
  }
  if (typeof result === "string") return null; // overflow: ERANGE
  if (result.m === 0n) return null; // underflow to zero: ERANGE
  return result;
}

/** An exponent field, clamped far outside the format's range (so "1e99999999999" stays cheap). */
function clampExp(text: string): number {
  const n = Number(text);
  return Math.max(-100_000, Math.min(100_000, n));
}

/** a + b, rounded once to the format; NaN (inf - inf) is null. */
export function addLongDouble(a: LongDoubleResult, b: LongDoubleResult): LongDoubleResult | null {
  if (typeof a === "string" || typeof b === "string") {
    if (typeof a === "string" && typeof b === "string" && a !== b) return null;
    return typeof a === "string" ? a : b;
  }
  if (a.m === 0n) return b.m === 0n ? { neg: a.neg && b.neg, m: 0n, e: 0 } : b;
  if (b.m === 0n) return a;
  const e = Math.min(a.e, b.e);
  const av = (a.neg ? -a.m : a.m) << BigInt(a.e - e);
  const bv = (b.neg ? -b.m : b.m) << BigInt(b.e - e);
  const sum = av + bv;
  if (sum === 0n) return { neg: false, m: 0n, e: 0 }; // x + (-x) is +0 when rounding to nearest
  const neg = sum < 0n;
  const abs = neg ? -sum : sum;
  return e >= 0 ? roundRational(neg, abs << BigInt(e), 1n) : roundRational(neg, abs, 1n << BigInt(-e));
}

/**
 * `"%.17Lf"` (exact value rounded to 17 decimals, ties to even), then Redis's LD_STR_HUMAN
 * tidying: trailing zeros and a trailing point go, "-0" becomes "0".
 */
export function formatLongDoubleHuman(v: LongDouble): string {
  const p = 10n ** 17n;
  let q: bigint;
  if (v.e >= 0) {
    q = (v.m << BigInt(v.e)) * p;
  } else {
    const num = v.m * p;
    const den = 1n << BigInt(-v.e);
    q = num / den;
    const twice = (num % den) * 2n;
    if (twice > den || (twice === den && (q & 1n) === 1n)) q++;
  }
  const whole = (q / p).toString();
  const frac = (q % p).toString().padStart(17, "0").replace(/0+$/, "");
  const text = frac.length > 0 ? `${whole}.${frac}` : whole;
  return v.neg && text !== "0" ? `-${text}` : text;
}
