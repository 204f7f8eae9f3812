/**
 * Everything one partition worker needs for durability, behind the seam the worker codes
 * against (see the brief's "Router-side seams"):
 *
 *   const d = PartitionDurability.open(cfg);                 // worker start
 *   const engine = new PartitionEngine({ ..., writeLog: d.writeLog });
 *   d.recover(engine);                                       // snapshot + WAL replay
 *   loop: execute batch (the engine appends records through writeLog)
 *         err = d.commitBatch()   // one write (+ one fdatasync under 'always')
 *         publish replies (write replies become IOERR if err)
 *         d.tick(engine, Date.now())   // between batches, and on a timer when idle
 *   d.close()
 *
 * All I/O is synchronous: the worker thread is dedicated to this partition, and the point of
 * `always` is that replies wait for the disk anyway.
 */
import type { FsyncPolicy } from "./wal-writer.js";
import { WalWriter, FSYNC_POLICIES, asError, type WalWriterStats } from "./wal-writer.js";
import type { DurableEngine } from "./engine-seam.js";
import { type DurabilityFs, nodeFs } from "./fs-seam.js";
import { ensureDir, snapshotDir, walDir } from "./segment-files.js";
import { recoverPartition, type RecoveryResult } from "./recovery.js";
import { SnapshotWriter, type SnapshotResult } from "./snapshot-writer.js";
import { compact, type CompactionResult } from "./compaction.js";
import { TXN_COMMIT_ARGV } from "./record-codec.js";

export interface DurabilityConfig {
  /** The server's data directory; this partition keeps its files under <dir>/p<partitionId>/. */
  dir: string;
  partitionId: number;
  partitions: number;
  fsync: FsyncPolicy;
  /** WAL segment size before rotation (default 64 MiB). */
  segmentBytes?: number;
  /** Snapshot at least this often while writes happen (default 1 hour; 0 = never on a timer). */
  snapshotEveryMs?: number;
  /** Snapshot once the WAL grew this much since the last one (default 256 MiB; 0 = never). */
  snapshotWalBytes?: number;
  /** Items the engine emits per snapshot step (default 256): the granularity of the time check. */
  snapshotSliceItems?: number;
  /**
   * Time one tick() may spend on a snapshot (default 2 ms): steps run until this is used up, so
   * the added latency of a batch is bounded by time, whatever the item sizes, while an idle
   * partition still snapshots at a useful rate from its maintenance timer.
   */
  snapshotSliceMs?: number;
}

export interface WriteLog {
  append(argv: readonly Uint8Array[]): void;
}

export interface DurabilityStats {
  partitionId: number;
  fsyncPolicy: FsyncPolicy;
  wal: WalWriterStats;
  /** WAL bytes written since the last completed snapshot. */
  walBytesSinceSnapshot: number;
  snapshotInProgress: boolean;
  /** Records written to the WAL since the state the last snapshot holds (Redis's rdb_changes_since_last_save). */
  changesSinceSnapshot: number;
  snapshotItemsWritten: number;
  lastSnapshot: SnapshotResult | null;
  lastSnapshotAtMs: number;
  lastSnapshotError: string | null;
  lastCompaction: CompactionResult | null;
  snapshotsTaken: number;
  failed: string | null;
}

export interface OpenOptions {
  /** File-system seam, for tests that inject disk faults. */
  fs?: DurabilityFs;
}

/**
 * The engine's WriteLog: one object of one shape; `append` is a method, not a closure per call.
 * During replay it drops records, so replayed commands are not logged a second time.
 */
class WalAppender implements WriteLog {
  replaying = false;
  writer: WalWriter | null = null;
  /** Nonzero between beginTransaction and endTransaction: the records carry it. */
  txid = 0;
  /** Records appended in the open transaction. */
  txnRecords = 0;
  append(argv: readonly Uint8Array[]): void {
    if (this.replaying) return;
    const w = this.writer;
    if (w === null) throw new Error("PartitionDurability: write logged before recover() ran");
    if (this.txid !== 0) this.txnRecords++;
    w.append(argv, this.txid);
  }
}

export class PartitionDurability {
  /** The configuration at open; the fsync policy in force is stats().fsyncPolicy (setFsync changes it). */
  readonly config: Readonly<Required<DurabilityConfig>>;
  private readonly appender = new WalAppender();
  private readonly fsx: DurabilityFs;
  private readonly walDir: string;
  private readonly snapDir: string;
  private writer: WalWriter | null = null;
  private snapshot: SnapshotWriter | null = null;
  /** The engine whose snapshot is running, to abandon it on error or close. */
  private snapshotEngine: DurableEngine | null = null;
  private snapshotRequested = false;
  private lastSnapshot: SnapshotResult | null = null;
  private lastSnapshotAtMs = 0;
  private lastSnapshotError: string | null = null;
  private lastSnapshotErrorAtMs = 0;
  private lastSnapshotLsn = 0;
  private walBytesAtSnapshot = 0;
  private lastCompaction: CompactionResult | null = null;
  private snapshotsTaken = 0;
  private closed = false;
  private fsyncPolicy: FsyncPolicy;

  private constructor(cfg: DurabilityConfig, fsx: DurabilityFs) {
    if (!FSYNC_POLICIES.includes(cfg.fsync)) throw new RangeError(`fsync must be always|everysec|no, got ${String(cfg.fsync)}`);
    if (!Number.isInteger(cfg.partitionId) || cfg.partitionId < 0 || cfg.partitionId >= cfg.partitions) {
      throw new RangeError(`partitionId ${cfg.partitionId} out of range for ${cfg.partitions} partitions`);
    }
    this.config = Object.freeze({
      dir: cfg.dir,
      partitionId: cfg.partitionId,
      partitions: cfg.partitions,
      fsync: cfg.fsync,
      segmentBytes: cfg.segmentBytes ?? 64 << 20,
      snapshotEveryMs: cfg.snapshotEveryMs ?? 3_600_000,
      snapshotWalBytes: cfg.snapshotWalBytes ?? 256 << 20,
      snapshotSliceItems: cfg.snapshotSliceItems ?? 256,
      snapshotSliceMs: cfg.snapshotSliceMs ?? 2,
    });
    this.fsyncPolicy = cfg.fsync;
    this.fsx = fsx;
    this.walDir = walDir(cfg.dir, cfg.partitionId);
    this.snapDir = snapshotDir(cfg.dir, cfg.partitionId);
    ensureDir(this.walDir);
    ensureDir(this.snapDir);
  }

  static open(cfg: DurabilityConfig, options: OpenOptions = {}): PartitionDurability {
    return new PartitionDurability(cfg, options.fs ?? nodeFs);
  }

  /** Pass to the engine's options. Appends go to the current batch; commitBatch() writes them. */
  get writeLog(): WriteLog {
    return this.appender;
  }

  /**
   * The writes logged until endTransaction() are one unit: each record carries a transaction id
   * (the LSN of the first) and endTransaction() appends the commit record (argv `EXEC`, same id)
   * after them. Recovery applies them only when that commit record is on disk, so a crash that
   * tears the batch's write cannot leave half a transaction applied. A transaction with no
   * writes logs nothing.
   */
  beginTransaction(): void {
    const w = this.writer;
    if (w === null) throw new Error("PartitionDurability.beginTransaction before recover()");
    if (this.appender.txid !== 0) throw new Error("PartitionDurability.beginTransaction: one is already open");
    this.appender.txid = w.nextLsn;
    this.appender.txnRecords = 0;
  }

  endTransaction(): void {
    const a = this.appender;
    if (a.txid === 0) throw new Error("PartitionDurability.endTransaction without beginTransaction");
    if (a.txnRecords > 0) this.writer!.append(TXN_COMMIT_ARGV, a.txid);
    a.txid = 0;
    a.txnRecords = 0;
  }

  /**
   * Load the newest valid snapshot and replay the WAL after it, then open the WAL for writing.
   * Call once, before the first batch. `onProgress` gets the keys loaded so far, now and then.
   */
  recover(engine: DurableEngine, onProgress?: (keys: number) => void): RecoveryResult {
    if (this.writer !== null) throw new Error("PartitionDurability.recover called twice");
    const nowMs = Date.now();
    const r = recoverPartition(engine, {
      partitionId: this.config.partitionId,
      partitions: this.config.partitions,
      walDir: this.walDir,
      snapDir: this.snapDir,
      nowMs,
      onProgress,
      setReplaying: (on) => {
        this.appender.replaying = on;
      },
    });
    const nextLsn = Number(r.lsn);
    this.writer = new WalWriter({ dir: this.walDir, fs: this.fsx, fsync: this.fsyncPolicy, segmentBytes: this.config.segmentBytes, nextLsn });
    this.appender.writer = this.writer;
    this.lastSnapshotLsn = r.snapshot?.lsn ?? 1;
    this.lastSnapshotAtMs = nowMs;
    // A long replay is recovery time paid again at the next start: snapshot soon instead.
    this.walBytesAtSnapshot = -r.wal.bytesRead;
    return r;
  }

  /**
   * After a batch executed and before its replies are published: one write of the batch's
   * records (+ one fdatasync under 'always'). Returns the error when the disk failed; the worker
   * then answers the batch's writes with IOERR and refuses writes while `failed` is set.
   */
  commitBatch(): Error | null {
    const w = this.writer;
    if (w === null) throw new Error("PartitionDurability.commitBatch before recover()");
    return w.commit(Date.now());
  }

  /** Set while the disk refuses writes; cleared by tick() once a retry succeeds. */
  get failed(): Error | null {
    return this.writer === null ? null : this.writer.failed;
  }

  /** True while an everysec fdatasync runs in the thread pool (wait for it before close()). */
  get syncing(): boolean {
    return this.writer?.syncing ?? false;
  }

  /** True while a snapshot is being written: call tick() again soon (setImmediate), not only on the timer. */
  get wantsTick(): boolean {
    // A failed disk with nothing lost waits for the retry (the maintenance timer's tick): a
    // requested snapshot cannot start meanwhile, and ticking back to back would only spin.
    const w = this.writer;
    if (w !== null && w.failed !== null && w.lostRecordsBelowLsn === 0) return false;
    return this.snapshot !== null || this.snapshotRequested;
  }

  /**
   * SAVE found nothing written since the newest snapshot: that snapshot is the state now, so
   * it counts as saved now (LASTSAVE moves, as Redis's SAVE always moves it).
   */
  markSnapshotCurrent(nowMs: number): void {
    const w = this.writer;
    if (w !== null && w.failed === null && this.snapshot === null && w.nextLsn <= this.lastSnapshotLsn) this.lastSnapshotAtMs = nowMs;
  }

  /**
   * Between batches, and on a timer (every 10-100 ms) when idle: retry a failed disk, everysec
   * fsync, one time-bounded snapshot slice, compaction after a finished snapshot. Cheap when
   * there is nothing to do (no allocation).
   */
  tick(engine: DurableEngine, nowMs: number): void {
    const w = this.writer;
    if (w === null || this.closed) return;
    if (w.failed !== null && !w.retry(nowMs)) {
      // Records a failed sync lost from the WAL are still in memory: a snapshot is the way back
      // (writes stay refused until it is written). Otherwise wait for the disk.
      if (w.lostRecordsBelowLsn === 0) return;
      if (this.snapshot !== null) this.snapshotSlice(engine, nowMs);
      else if (this.lastSnapshotError === null || nowMs - this.lastSnapshotErrorAtMs >= 10_000) this.beginSnapshot(engine, nowMs);
      return;
    }
    w.syncIfDue(nowMs);
    if (this.snapshot !== null) {
      this.snapshotSlice(engine, nowMs);
    } else if (this.snapshotDue(nowMs)) {
      this.beginSnapshot(engine, nowMs);
    }
  }

  /** A snapshot is being written (in slices between batches). */
  get snapshotInProgress(): boolean {
    return this.snapshot !== null;
  }

  /** When the last snapshot completed (ms since the epoch); the open's time when none has yet. */
  get lastSnapshotCompletedAtMs(): number {
    return this.lastSnapshotAtMs;
  }

  /** Take a snapshot soon (from the next tick), whatever the schedule says. */
  requestSnapshot(): void {
    this.snapshotRequested = true;
  }

  setFsync(policy: FsyncPolicy): void {
    if (!FSYNC_POLICIES.includes(policy)) throw new RangeError(`fsync must be always|everysec|no, got ${String(policy)}`);
    this.fsyncPolicy = policy;
    this.writer?.setPolicy(policy, Date.now());
  }

  stats(): DurabilityStats {
    const w = this.writer;
    const ws: WalWriterStats =
      w === null
        ? { nextLsn: 0, segmentPath: null, segmentBytes: 0, bytesWritten: 0, writes: 0, fsync: { count: 0, meanUs: 0, totalUs: 0, p50Us: 0, p99Us: 0, maxUs: 0 }, rotations: 0, failed: null, retries: 0 }
        : w.stats();
    return {
      partitionId: this.config.partitionId,
      fsyncPolicy: this.fsyncPolicy,
      wal: ws,
      walBytesSinceSnapshot: ws.bytesWritten - this.walBytesAtSnapshot,
      snapshotInProgress: this.snapshot !== null,
      changesSinceSnapshot: w === null ? 0 : Math.max(0, ws.nextLsn - this.lastSnapshotLsn),
      snapshotItemsWritten: this.snapshot?.itemsWritten ?? 0,
      lastSnapshot: this.lastSnapshot,
      lastSnapshotAtMs: this.lastSnapshotAtMs,
      lastSnapshotError: this.lastSnapshotError,
      lastCompaction: this.lastCompaction,
      snapshotsTaken: this.snapshotsTaken,
      failed: ws.failed,
    };
  }

  /**
   * Graceful shutdown, before close(): when the WAL written since the last snapshot is at least
   * `minWalBytes`, finish a snapshot now (the one in progress, or a new one) within `budgetMs`,
   * and compact. The next start then loads a snapshot, keys in order, instead of replaying
   * that WAL, which runs slower (measured at 1 M keys: ~1.5 M keys/s from a snapshot, ~0.7 M
   * keys/s replaying random new keys, ordered index rebuilt in one sort at the end; before that
   * rebuild existed, 0.14-0.2 M keys/s at 5-8 M keys). Out of budget, the snapshot is abandoned
   * and the WAL still covers everything.
   */
  snapshotBeforeClose(engine: DurableEngine, budgetMs: number, minWalBytes: number): "written" | "skipped" | "out of time" | "failed" {
    const w = this.writer;
    // A failed writer is skipped, unless it lost records only a snapshot can save.
    if (w === null || this.closed || (w.failed !== null && w.lostRecordsBelowLsn === 0)) return "skipped";
    if (this.snapshot === null && (w.nextLsn <= this.lastSnapshotLsn || w.totalBytesWritten - this.walBytesAtSnapshot < minWalBytes)) return "skipped";
    const deadline = performance.now() + budgetMs;
    const taken = this.snapshotsTaken;
    if (this.snapshot === null) this.beginSnapshot(engine, Date.now());
    while (this.snapshot !== null && performance.now() < deadline) this.snapshotSlice(engine, Date.now());
    if (this.snapshotsTaken > taken) return "written";
    if (this.snapshot !== null) {
      this.abandonSnapshot();
      return "out of time";
    }
    return "failed";
  }

  /**
   * Finish cleanly: write and fsync what is buffered, close the segment. A snapshot in progress
   * is abandoned (its .tmp removed); the WAL still covers everything.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abandonSnapshot();
    this.writer?.close(Date.now());
  }

  private abandonSnapshot(): void {
    this.snapshot?.abort();
    this.snapshot = null;
    try {
      this.snapshotEngine?.snapshotAbort?.();
    } catch {
      // the engine's side of a broken snapshot: nothing more we can do from here
    }
    this.snapshotEngine = null;
  }

  private snapshotDue(nowMs: number): boolean {
    const w = this.writer!;
    if (this.snapshotRequested) return true;
    // Nothing written since the last snapshot: it is still exact.
    if (w.nextLsn <= this.lastSnapshotLsn) return false;
    // After a failed attempt, wait a while instead of hammering a sick disk.
    if (this.lastSnapshotError !== null && nowMs - this.lastSnapshotErrorAtMs < 10_000) return false;
    const c = this.config;
    if (c.snapshotWalBytes > 0 && w.totalBytesWritten - this.walBytesAtSnapshot >= c.snapshotWalBytes) return true;
    if (c.snapshotEveryMs > 0 && nowMs - this.lastSnapshotAtMs >= c.snapshotEveryMs) return true;
    return false;
  }

  private beginSnapshot(engine: DurableEngine, nowMs: number): void {
    const w = this.writer!;
    this.snapshotRequested = false;
    // Between batches every logged record has been applied, so the engine's state right now is
    // exactly "all records with LSN < nextLsn".
    const lsn = w.nextLsn;
    try {
      this.snapshot = new SnapshotWriter({
        dir: this.snapDir,
        fs: this.fsx,
        partitionId: this.config.partitionId,
        partitions: this.config.partitions,
        lsn,
        nowMs,
      });
      engine.snapshotBegin();
      this.snapshotEngine = engine;
      this.walBytesAtSnapshot = w.totalBytesWritten;
    } catch (e) {
      this.snapshotFailed(e, nowMs);
      return;
    }
    this.snapshotSlice(engine, nowMs);
  }

  private snapshotSlice(engine: DurableEngine, nowMs: number): void {
    const s = this.snapshot!;
    try {
      const until = performance.now() + this.config.snapshotSliceMs;
      let done = false;
      do done = s.step(engine, this.config.snapshotSliceItems);
      while (!done && performance.now() < until);
      if (!done) return;
      this.snapshotEngine = null; // the engine ended its side when the last step returned true
      const result = s.finish();
      this.snapshot = null;
      this.lastSnapshot = result;
      this.lastSnapshotAtMs = nowMs;
      this.lastSnapshotLsn = result.lsn;
      this.lastSnapshotError = null;
      this.snapshotsTaken++;
      this.writer!.coverLostRecords(result.lsn);
      this.lastCompaction = compact(this.fsx, this.walDir, this.snapDir, {
        keepSnapshots: 2,
        activeSegmentPath: this.writer!.currentSegmentPath,
        inProgressSnapshotTmp: null,
      });
    } catch (e) {
      this.snapshotFailed(e, nowMs);
    }
  }

  private snapshotFailed(e: unknown, nowMs: number): void {
    this.abandonSnapshot();
    this.lastSnapshotError = asError(e).message;
    this.lastSnapshotErrorAtMs = nowMs;
  }
}
