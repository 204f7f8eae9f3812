/**
 * Log-linear latency buckets (HDR-style, 2 bits of precision): below 1 µs is bucket 0; from
 * there each power of two [2^e, 2^(e+1)) splits into 4 equal sub-buckets, so a bucket's bounds
 * are within 25% of each other and a percentile read from them is within 25% of the truth.
 * Up to 2^31 µs (36 min); anything longer lands in the last bucket.
 *
 * Counted per command in the partitions' shared figures (command-timing.ts); read for INFO
 * latencystats (percentiles, as Redis 7 prints them) and for the Prometheus histogram of
 * /metrics (merged into power-of-two `le` bounds).
 */
const SUB = 4;
const MAX_EXPONENT = 30;
export const LATENCY_BUCKETS = 1 + (MAX_EXPONENT + 1) * SUB;

/** The bucket of a duration in microseconds. */
export function latencyBucket(us: number): number {
  if (!(us >= 1)) return 0;
  if (us >= 2 ** (MAX_EXPONENT + 1)) return LATENCY_BUCKETS - 1;
  const e = 31 - Math.clz32(us);
  const sub = Math.min(SUB - 1, ((us / 2 ** e - 1) * SUB) | 0);
  return 1 + e * SUB + sub;
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
  const rank = Math.max(1, Math.ceil((p / 100) * total));
  let seen = 0;
  for (let b = 0; b < LATENCY_BUCKETS; b++) {
    seen += counts[offset + b]!;
    if (seen >= rank) return bucketUpperUs(b);
  }
  return bucketUpperUs(LATENCY_BUCKETS - 1);
}
