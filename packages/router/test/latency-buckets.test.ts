import { describe, expect, it } from "vitest";
import { bucketUpperUs, LATENCY_BUCKETS, latencyBucket, percentileUs } from "../src/partition/latency-buckets.js";

describe("latency buckets (4 per power of two)", () => {
  it("puts every duration in a bucket whose bounds hold it, within 25%", () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(0.4)).toBe(0);
    expect(bucketUpperUs(0)).toBe(1);
    for (const us of [1, 1.2, 1.25, 1.99, 2, 3, 7.9, 8, 100, 1000.5, 65_536, 1e6, 2 ** 28 + 5, 2 ** 29 - 1]) {
      const b = latencyBucket(us);
      const upper = bucketUpperUs(b);
      const lower = b <= 1 ? 0 : bucketUpperUs(b - 1);
      expect(us).toBeLessThan(upper);
      expect(us).toBeGreaterThanOrEqual(lower);
      expect(upper / Math.max(lower, 1)).toBeLessThanOrEqual(b <= 1 ? 2 : 1.34);
    }
    expect(latencyBucket(2 ** 29)).toBe(LATENCY_BUCKETS - 1);
    expect(latencyBucket(2 ** 40)).toBe(LATENCY_BUCKETS - 1);
    // Every bucket is reachable, in order.
    const seen = new Set<number>();
    for (let us = 0.5; us < 2 ** 29; us *= 1.01) seen.add(latencyBucket(us));
    expect(seen.size).toBe(LATENCY_BUCKETS);
    expect(latencyBucket(Number.NaN)).toBe(0);
  });

  it("reads percentiles as the upper bound of the bucket that holds them", () => {
    const counts = new Float64Array(LATENCY_BUCKETS * 2);
    const at = LATENCY_BUCKETS; // the second histogram of the array
    for (let i = 0; i < 98; i++) counts[at + latencyBucket(10)]!++;
    counts[at + latencyBucket(1000)]!++;
    counts[at + latencyBucket(100_000)]!++;
    expect(percentileUs(counts, at, 50)).toBe(bucketUpperUs(latencyBucket(10)));
    expect(percentileUs(counts, at, 98)).toBe(bucketUpperUs(latencyBucket(10)));
    expect(percentileUs(counts, at, 99)).toBe(bucketUpperUs(latencyBucket(1000)));
    expect(percentileUs(counts, at, 100)).toBe(bucketUpperUs(latencyBucket(100_000)));
    expect(percentileUs(counts, 0, 50)).toBe(0);
    // p99.9 of 1000 is the 999th value: (99.9/100)*1000 is 999.0000000000001 in floating point,
    // which must not push the rank to the 1000th (Redis rounds the same way).
    const k = new Float64Array(LATENCY_BUCKETS);
    k[latencyBucket(10)] = 999;
    k[latencyBucket(100_000)] = 1;
    expect(percentileUs(k, 0, 99.9)).toBe(bucketUpperUs(latencyBucket(10)));
    expect(percentileUs(k, 0, 100)).toBe(bucketUpperUs(latencyBucket(100_000)));
  });
});
