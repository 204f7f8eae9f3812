/**
 * A partition worker's per-command figures: calls, microseconds and failures by command id
 * (INFO commandstats), and the commands slow enough for the slowlog (slowlog.ts).
 *
 * The clock: one performance.now() per command (tens of ns), chained: a command's time runs
 * from the end of the previous command of its batch (or the batch's start) to the end of its
 * own, so argument decoding and reply staging count, as they would in Redis's call().
 */
import { COMMANDS } from "@tessera/proto";
import { slowlogArgs, type SlowCommand } from "../slowlog.js";
import { LATENCY_BUCKETS, latencyBucket } from "./latency-buckets.js";

/** One command's figures as the worker reports them (only commands that ran). */
export interface CommandStat {
  id: number;
  calls: number;
  usec: number;
  failed: number;
  /** Refused before running (a partition refuses writes on a failed disk, or at maxmemory: OOM). */
  rejected: number;
}

export class CommandTiming {
  private readonly calls: Float64Array;
  private readonly usec: Float64Array;
  private readonly failed: Float64Array;
  private readonly rejected: Float64Array;
  /** Per command, LATENCY_BUCKETS counts of its durations (latency-buckets.ts). */
  readonly latency: Float64Array;
  /** Slow commands not yet posted to the router. */
  pendingSlow: SlowCommand[] = [];

  /**
   * `shared`: a buffer of `CommandTiming.bytes()` that the partition's host also reads (and
   * keeps across worker restarts), so INFO commandstats is exact at any moment without a
   * message. Plain stores: a reader may see a figure one command old, never a wrong one that
   * lasts. Without it (the router's own figures), private memory.
   */
  constructor(shared?: SharedArrayBuffer) {
    const n = COMMANDS.length;
    const buffer = shared ?? new ArrayBuffer(CommandTiming.bytes());
    this.calls = new Float64Array(buffer, 0, n);
    this.usec = new Float64Array(buffer, n * 8, n);
    this.failed = new Float64Array(buffer, 2 * n * 8, n);
    this.rejected = new Float64Array(buffer, 3 * n * 8, n);
    this.latency = new Float64Array(buffer, 4 * n * 8, n * LATENCY_BUCKETS);
  }

  /** Size of the buffer the figures take. */
  static bytes(): number {
    return (4 + LATENCY_BUCKETS) * COMMANDS.length * 8;
  }

  /**
   * One command ran for `us` microseconds. `thresholdUs` < 0 disables the slowlog; `argv` is
   * only read (and copied) when the command is slow.
   */
  record(id: number, us: number, failed: boolean, thresholdUs: number, argv: readonly Uint8Array[], clientId: number): void {
    this.calls[id]!++;
    this.usec[id]! += us;
    this.latency[id * LATENCY_BUCKETS + latencyBucket(us)]!++;
    if (failed) this.failed[id]!++;
    if (thresholdUs >= 0 && us >= thresholdUs) {
      this.pendingSlow.push({ atMs: Date.now(), durationUs: us, args: slowlogArgs(argv), clientId });
    }
  }

  /** A command refused before it ran: counted as Redis's rejected_calls, not as a call. */
  reject(id: number): void {
    this.rejected[id]!++;
  }

  /** The slow commands recorded since the last call (the caller posts them). */
  takeSlow(): SlowCommand[] {
    const out = this.pendingSlow;
    this.pendingSlow = [];
    return out;
  }

  /** Commands that ran or were refused at least once since the start or the last reset. */
  stats(): CommandStat[] {
    const out: CommandStat[] = [];
    for (let id = 0; id < this.calls.length; id++) {
      if (this.calls[id]! > 0 || this.rejected[id]! > 0) {
        out.push({ id, calls: this.calls[id]!, usec: Math.round(this.usec[id]!), failed: this.failed[id]!, rejected: this.rejected[id]! });
      }
    }
    return out;
  }

  /** CONFIG RESETSTAT (from the host: an increment racing the reset may survive it). */
  reset(): void {
    this.calls.fill(0);
    this.usec.fill(0);
    this.failed.fill(0);
    this.rejected.fill(0);
    this.latency.fill(0);
  }
}

/** Sums two lists of per-command figures (by command id). */
export function mergeCommandStats(a: readonly CommandStat[], b: readonly CommandStat[]): CommandStat[] {
  if (a.length === 0) return b.slice();
  const byId = new Map<number, CommandStat>();
  for (const s of [...a, ...b]) {
    const t = byId.get(s.id);
    if (t === undefined) byId.set(s.id, { ...s });
    else {
      t.calls += s.calls;
      t.usec += s.usec;
      t.failed += s.failed;
      t.rejected += s.rejected;
    }
  }
  return [...byId.values()].sort((x, y) => x.id - y.id);
}
