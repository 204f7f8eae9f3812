/**
 * Log-linear latency buckets (HDR-style, 2 bits of precision): below 1 µs is bucket 0; from
 * there each power of two [2^e, 2^(e+1)) splits into 4 equal sub-buckets, so a bucket's bounds
 * are within 25% of each other and a percentile read from them is within 25% of the truth.
 * Up to 2^29 µs (9 min); anything longer lands in the last bucket.
 *
 * Counted per command in the partitions' shared figures (command-timing.ts); read for INFO
 * latencystats (percentiles, as Redis 7 prints them) and for the Prometheus histogram of
 * /metrics (merged into power-of-two `le` bounds).
 */
const SUB = 4;
const MAX_EXPONENT = 28;
export const LATENCY_BUCKETS = 1 + (MAX_EXPONENT + 1) * SUB;

/** Past this (in quarter microseconds, the largest int32) everything is the last bucket. */
const MAX_QUARTERS = 2 ** (MAX_EXPONENT + 3) - 1;

/**
 * The bucket of a duration in microseconds. Integer arithmetic only (it runs once a command):
 * in quarter microseconds q = 4us, a duration in [2^e, 2^(e+1)) us has its top bit at e + 2,
 * and the two bits below it are the sub-bucket.
 */
export function latencyBucket(us: number): number {
  if (!(us >= 1)) return 0;
  const q = us * SUB;
  if (q > MAX_QUARTERS) return LATENCY_BUCKETS - 1;
  const qi = q | 0;
  const e = 29 - Math.clz32(qi);
  return 1 + e * SUB + ((qi >>> e) & (SUB - 1));
}

/** A bucket's upper bound in microseconds (what a percentile in it is reported as). */
export function bucketUpperUs(bucket: number): number {
  if (bucket === 0) return 1;
  const e = (bucket - 1) >> 2;
  const sub = (bucket - 1) & (SUB - 1);
  return 2 ** e * (1 + (sub + 1) / SUB);
}

/**
 * The value at percentile `p` (0-100) of the counts in `counts[offset, offset + LATENCY_BUCKETS)`:
 * the upper bound of the bucket holding it; 0 when there are no counts.
 */
export function percentileUs(counts: ArrayLike<number>, offset: number, p: number): number {
  let total = 0;
  for (let b = 0; b < LATENCY_BUCKETS; b++) total += counts[offset + b]!;
  if (total === 0) return 0;
  // Redis's rounding: (p/100)*total lands on x.0000000001 for p99.9 of 1000, and ceil would
  // then take the next (largest) value.
  const rank = Math.max(1, Math.floor((p / 100) * total + 0.5));
  let seen = 0;
  for (let b = 0; b < LATENCY_BUCKETS; b++) {
    seen += counts[offset + b]!;
    if (seen >= rank) return bucketUpperUs(b);
  }
  return bucketUpperUs(LATENCY_BUCKETS - 1);
}
