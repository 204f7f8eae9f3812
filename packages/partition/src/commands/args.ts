/**
 * Argument helpers shared by the command families: option words compared on bytes (no string
 * per call), Redis-strict signed 64-bit integer parsing (string2ll), and integer formatting into
 * a reusable buffer.
 */

/** Upper-case ASCII bytes of an option word, made once at module load. */
export function word(text: string): Uint8Array {
  return new TextEncoder().encode(text.toUpperCase());
}

/** Case-insensitive ASCII match of `arg` against an upper-case option word. */
export function isWord(arg: Uint8Array, upper: Uint8Array): boolean {
  const n = upper.length;
  if (arg.length !== n) return false;
  for (let i = 0; i < n; i++) {
    let c = arg[i]!;
    if (c >= 97 && c <= 122) c -= 32;
    if (c !== upper[i]) return false;
  }
  return true;
}

export const INT64_MIN = -(2n ** 63n);
export const INT64_MAX = 2n ** 63n - 1n;

/**
 * Result of the last parseInt64(): `ok`, and the value as a number when it is a safe integer
 * (`big` = false) or as a bigint otherwise (`big` = true). A module-level record so the hot
 * path returns nothing allocated.
 */
export const parsed = { ok: false, big: false, num: 0, bigint: 0n };

/**
 * Parses bytes as a signed 64-bit decimal integer the way Redis's string2ll does: optional
 * '-', no '+', no spaces, no leading zeros (except "0" itself), at most 20 characters.
 */
export function parseInt64(b: Uint8Array, off = 0, len = b.length - off): boolean {
  parsed.ok = false;
  if (len === 0 || len > 20) return false;
  let i = off;
  const end = off + len;
  let negative = false;
  if (b[i] === 45 /* - */) {
    negative = true;
    i++;
    if (i === end) return false;
  }
  const first = b[i]!;
  if (first === 48 /* 0 */) {
    if (i + 1 !== end || negative) return false;
    parsed.ok = true;
    parsed.big = false;
    parsed.num = 0;
    return true;
  }
  if (first < 49 || first > 57) return false;
  const digits = end - i;
  if (digits <= 15) {
    let v = 0;
    for (; i < end; i++) {
      const c = b[i]! - 48;
      if (c < 0 || c > 9) return false;
      v = v * 10 + c;
    }
    parsed.ok = true;
    parsed.big = false;
    parsed.num = negative ? -v : v;
    return true;
  }
  let v = 0n;
  for (; i < end; i++) {
    const c = b[i]! - 48;
    if (c < 0 || c > 9) return false;
    v = v * 10n + BigInt(c);
  }
  if (negative) v = -v;
  if (v < INT64_MIN || v > INT64_MAX) return false;
  parsed.ok = true;
  if (v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER)) {
    parsed.big = false;
    parsed.num = Number(v);
  } else {
    parsed.big = true;
    parsed.bigint = v;
  }
  return true;
}

/** Writes a safe integer's decimal digits into `out` at 0; returns the length. */
export function formatInt(value: number, out: Uint8Array): number {
  if (value === 0) {
    out[0] = 48;
    return 1;
  }
  let v = value < 0 ? -value : value;
  let n = 0;
  // Digits backwards into the tail, then moved to the front.
  let at = out.length;
  while (v > 0) {
    const q = Math.floor(v / 10);
    out[--at] = 48 + (v - q * 10);
    v = q;
  }
  if (value < 0) out[--at] = 45;
  n = out.length - at;
  out.copyWithin(0, at, out.length);
  return n;
}

/** Decimal bytes of any integer (bigint path; off the hot path). */
export function formatBigInt(value: bigint, out: Uint8Array): number {
  const s = value.toString();
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return s.length;
}

const encoder = new TextEncoder();
/** Bytes of an ASCII string (write-log rewriting; not on the hot path). */
export function ascii(text: string): Uint8Array {
  return encoder.encode(text);
}
