/**
 * Error replies sent to clients, by error code: INFO errorstats (`errorstat_<CODE>:count=N`) and
 * INFO stats' `total_error_replies`, as Redis 6.2+ reports them, and /metrics. Counted where
 * every reply leaves the server, the front ends' encoders (an error nested in an array counts
 * too), whichever part of the server produced it: a partition, the router, a refusal.
 */
export class ErrorTally {
  private readonly byCode = new Map<string, number>();
  private sum = 0;

  count(code: string): void {
    this.byCode.set(code, (this.byCode.get(code) ?? 0) + 1);
    this.sum++;
  }

  get total(): number {
    return this.sum;
  }

  /** [code, count] pairs, by code. */
  entries(): [string, number][] {
    return [...this.byCode.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  }

  /** CONFIG RESETSTAT. */
  reset(): void {
    this.byCode.clear();
    this.sum = 0;
  }
}
