/**
 * A fixed-size log2 histogram of latencies in microseconds: 40 buckets, bucket i holds
 * [2^(i-1), 2^i) µs. Cheap enough to record every fsync; percentiles come back as the bucket's
 * upper bound, which is the honest resolution of such a histogram.
 */
const BUCKETS = 40;

export interface LatencySummary {
  count: number;
  meanUs: number;
  /** Sum of every recorded latency (a counter: mean over any window = Δtotal / Δcount). */
  totalUs: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
}

export class LatencyHistogram {
  private readonly buckets = new Float64Array(BUCKETS);
  private count = 0;
  private totalUs = 0;
  private maxUs = 0;

  record(us: number): void {
    const b = us < 1 ? 0 : Math.min(BUCKETS - 1, 32 - Math.clz32(Math.floor(us)));
    this.buckets[b]!++;
    this.count++;
    this.totalUs += us;
    if (us > this.maxUs) this.maxUs = us;
  }

  summary(): LatencySummary {
    return {
      count: this.count,
      meanUs: this.count === 0 ? 0 : this.totalUs / this.count,
      totalUs: this.totalUs,
      p50Us: this.percentile(0.5),
      p99Us: this.percentile(0.99),
      maxUs: this.maxUs,
    };
  }

  private percentile(q: number): number {
    if (this.count === 0) return 0;
    const target = Math.ceil(q * this.count);
    let seen = 0;
    for (let b = 0; b < BUCKETS; b++) {
      seen += this.buckets[b]!;
      if (seen >= target) return Math.min(this.maxUs, 2 ** b);
    }
    return this.maxUs;
  }
}
