/**
 * The write side of one partition's WAL: records are appended to an in-memory batch buffer
 * while a batch executes, then `commit()` puts them on disk with ONE write (and under `always`
 * one fdatasync) before the batch's replies are published: group commit.
 *
 * Under `everysec` the fdatasyncs run in libuv's thread pool (as Redis's run in a background
 * thread): the once-a-second one flushes about a second of writes, which took ~8 ms on the bench
 * machine, and the partition must not stop serving meanwhile. Writes go on while it runs; when
 * it returns, the records written before it started are durable and leave the buffer. The same
 * goes for the sync of a segment being rotated away (its descriptor is closed when the sync
 * returns; a crash in between can leave a hole before the next segment, where recovery stops:
 * what it loses was written in the last few ms) and for an early sync once the retained records
 * pass half of `retainBytesMax`. A blocking fdatasync is left for the rare cases: the buffer at
 * its limit, a rotation while a background sync runs, a policy change, close. A descriptor with
 * a background fdatasync running is never closed under it.
 *
 * The buffer doubles as the retry copy. It holds every record not yet known durable under the
 * policy: under `always` the current batch, under `everysec` everything written since the last
 * fdatasync (bounded by `retainBytesMax`; beyond it we fsync inline), under `no` only what has
 * not been written yet. If a write or fsync fails, the partition goes `failed`; `retry()` writes
 * the whole buffer again and fsyncs it. After an fsync error Linux may have dropped the dirty
 * pages of the old file, so re-writing from our own copy is the only safe retry. The rewrite
 * keeps the layout replay relies on (a segment holds the LSNs from its name up to the next
 * segment's, so a segment the next one's name says is covered can be skipped): the buffer goes
 * into a segment named by its first LSN, split again at the name of every later segment (a
 * rotation's, when the old segment's background sync failed), each part written to a temporary
 * file and renamed over its segment. Recovery skips the duplicate LSNs this can leave behind in
 * the segment where the buffer began.
 *
 * Linux reports a writeback error to one fdatasync per open file, not to each. So when a
 * blocking fdatasync runs while a background one is out on the same file, the blocking one
 * passing proves nothing if the background one then fails: records leave the buffer only once
 * every sync that covers them has come back clean.
 */
import { type DurabilityFs, writeFully, fsyncDir } from "./fs-seam.js";
import { LatencyHistogram, type LatencySummary } from "./latency-histogram.js";
import { argvPayloadBytes, encodeRecord, RECORD_HEADER_BYTES, recordPayloadBytes } from "./record-codec.js";
import { listLsnFiles, lsnName, TMP_SUFFIX, WAL_SUFFIX } from "./segment-files.js";
import { join } from "node:path";

export type FsyncPolicy = "always" | "everysec" | "no";

export const FSYNC_POLICIES: readonly FsyncPolicy[] = ["always", "everysec", "no"];

export interface WalWriterOptions {
  dir: string;
  fs: DurabilityFs;
  fsync: FsyncPolicy;
  /** Rotate to a new segment once the current one would exceed this many bytes. */
  segmentBytes: number;
  /** First LSN to assign (from recovery). */
  nextLsn: number;
  /** `everysec`: fsync inline once this many unsynced bytes are retained. */
  retainBytesMax?: number;
  /** Minimum gap between two retries of a failed disk. */
  retryIntervalMs?: number;
}

export interface WalWriterStats {
  nextLsn: number;
  segmentPath: string | null;
  segmentBytes: number;
  /** Bytes written to the WAL by this process (successful writes only). */
  bytesWritten: number;
  writes: number;
  fsync: LatencySummary;
  rotations: number;
  failed: string | null;
  retries: number;
}

const INITIAL_BUFFER_BYTES = 1 << 20;
const EVERYSEC_INTERVAL_MS = 1000;

export class WalWriter {
  private readonly dir: string;
  private readonly fsx: DurabilityFs;
  private policy: FsyncPolicy;
  private readonly segmentBytesMax: number;
  private readonly retainBytesMax: number;
  private readonly retryIntervalMs: number;

  /** Records not yet durable under the policy, [0, end); [0, writtenEnd) already written to fd. */
  private buf = Buffer.allocUnsafe(INITIAL_BUFFER_BYTES);
  private end = 0;
  private writtenEnd = 0;
  /** LSN of the record at buf[0], and of the first record at or after writtenEnd. */
  private bufFirstLsn: number;
  private unwrittenFirstLsn: number;
  private lsn: number;

  private fd = -1;
  private segPath: string | null = null;
  private segBytes = 0;
  /** Written but not yet fdatasync'ed bytes exist (everysec). */
  private dirty = false;
  /** First LSN of the current segment. */
  private segFirstLsn = 0;
  /**
   * Under `no`, rotation closes segments without a sync and new names go without a directory
   * fsync: the first LSN of the oldest such segment, or 0. Leaving `no` syncs them.
   */
  private unsyncedFromLsn = 0;
  /** The everysec fdatasync running in the thread pool, or null. */
  private background: BackgroundSync | null = null;
  private lastSyncMs = 0;

  private failure: Error | null = null;
  /**
   * > 0: records below this LSN may be missing from the WAL: a sync of what `no` wrote failed,
   * and under `no` the buffer no longer held them, so no retry can rewrite them. The writer stays
   * failed until coverLostRecords() says a snapshot at or past it exists.
   */
  private lostBelow = 0;
  private lastRetryMs = 0;

  private readonly fsyncLatency = new LatencyHistogram();
  private bytesWritten = 0;
  private writes = 0;
  private rotations = 0;
  private retries = 0;

  constructor(o: WalWriterOptions) {
    if (!Number.isSafeInteger(o.nextLsn) || o.nextLsn < 1) throw new RangeError(`nextLsn must be >= 1, got ${o.nextLsn}`);
    if (o.segmentBytes < 4096) throw new RangeError(`segmentBytes must be >= 4096, got ${o.segmentBytes}`);
    this.dir = o.dir;
    this.fsx = o.fs;
    this.policy = o.fsync;
    this.segmentBytesMax = o.segmentBytes;
    this.retainBytesMax = o.retainBytesMax ?? 16 << 20;
    this.retryIntervalMs = o.retryIntervalMs ?? 500;
    this.lsn = o.nextLsn;
    this.bufFirstLsn = o.nextLsn;
    this.unwrittenFirstLsn = o.nextLsn;
  }

  get nextLsn(): number {
    return this.lsn;
  }
  /** See `lostBelow`: 0, or the LSN a snapshot must reach before writes may resume. */
  get lostRecordsBelowLsn(): number {
    return this.lostBelow;
  }

  /** A snapshot at `snapshotLsn` holds the state the lost records made: the WAL may go on. */
  coverLostRecords(snapshotLsn: number): void {
    if (this.lostBelow > 0 && snapshotLsn >= this.lostBelow) {
      this.lostBelow = 0;
      this.lastRetryMs = Number.NEGATIVE_INFINITY; // the next retry may clear the failure at once
    }
  }

  get failed(): Error | null {
    return this.failure;
  }
  get fsyncPolicy(): FsyncPolicy {
    return this.policy;
  }
  /** Bytes written to the WAL by this process (no allocation, unlike stats()). */
  get totalBytesWritten(): number {
    return this.bytesWritten;
  }
  get currentSegmentPath(): string | null {
    return this.segPath;
  }
  /** Records appended since the last commit (not yet written). */
  get pendingBytes(): number {
    return this.end - this.writtenEnd;
  }

  /**
   * Append one record to the current batch. Never touches the disk. `txid` is nonzero for the
   * records of a transaction (record-codec.ts; recovery applies them only with their commit).
   */
  append(argv: readonly Uint8Array[], txid = 0): void {
    const need = RECORD_HEADER_BYTES + argvPayloadBytes(argv);
    if (this.end + need > this.buf.length) this.grow(this.end + need);
    this.end = encodeRecord(this.buf, this.end, this.lsn, txid, argv);
    this.lsn++;
  }

  /**
   * Write the batch's records with one write (+ one fdatasync under `always`). Returns null when
   * they are on disk as the policy requires, or the error; on error the records stay buffered and
   * `retry()` puts them on disk later. A batch with no records returns null even while failed,
   * so read-only batches keep flowing.
   */
  commit(nowMs: number): Error | null {
    if (this.end === this.writtenEnd) return null;
    if (this.failure !== null) return this.failure;
    try {
      if (this.fd < 0 || (this.segBytes > 0 && this.segBytes + (this.end - this.writtenEnd) > this.segmentBytesMax)) {
        this.rotate(nowMs);
      }
      writeFully(this.fsx, this.fd, this.buf, this.writtenEnd, this.end - this.writtenEnd);
      this.segBytes += this.end - this.writtenEnd;
      this.bytesWritten += this.end - this.writtenEnd;
      this.writes++;
      this.writtenEnd = this.end;
      this.unwrittenFirstLsn = this.lsn;
      if (this.policy === "always") {
        this.fdatasync(nowMs);
        this.dropDurable();
      } else if (this.policy === "everysec") {
        this.dirty = true;
        // Bytes a blocking sync confirmed stay buffered until the background sync out returns
        // (see the header): they do not count against the limit, or every commit meanwhile
        // would sync again.
        if (this.end - this.awaitingBackgroundBytes() >= this.retainBytesMax) {
          this.blockingSync(nowMs);
        } else if (this.end >= this.retainBytesMax >> 1 && this.background === null) {
          this.startBackgroundSync(nowMs, false);
        }
      } else {
        this.dirty = true;
        this.dropDurable();
      }
      return null;
    } catch (e) {
      this.failure = asError(e);
      return this.failure;
    }
  }

  /**
   * `everysec`: when something was written and the last sync is ~1 s old, start an fdatasync in
   * the thread pool (not when one still runs: the next call starts the next).
   */
  syncIfDue(nowMs: number): void {
    if (this.policy !== "everysec" || !this.dirty || this.failure !== null || this.background !== null) return;
    if (nowMs - this.lastSyncMs < EVERYSEC_INTERVAL_MS) return;
    this.startBackgroundSync(nowMs, false);
  }

  /** fdatasync of the current segment in the thread pool; it covers everything written so far. */
  private startBackgroundSync(nowMs: number, closeWhenDone: boolean): void {
    const sync: BackgroundSync = { fd: this.fd, coveredBytes: this.writtenEnd, coveredNextLsn: this.unwrittenFirstLsn, closeWhenDone, t0: performance.now() };
    this.background = sync;
    this.dirty = false;
    this.lastSyncMs = nowMs;
    this.fsx.fdatasync(sync.fd, (err) => this.backgroundSyncDone(sync, err));
  }

  /**
   * Everything written is durable when this returns (throws on error): the current segment, and
   * a rotated-away one whose background sync has not returned yet, are fdatasync'ed here.
   */
  private blockingSync(nowMs: number): void {
    const b = this.background;
    if (b !== null && b.fd !== this.fd) this.fsx.fdatasyncSync(b.fd);
    this.fdatasync(nowMs);
    this.dropDurable();
  }

  /** True while an everysec fdatasync runs in the thread pool. */
  get syncing(): boolean {
    return this.background !== null;
  }

  private backgroundSyncDone(sync: BackgroundSync, err: Error | null): void {
    this.background = null;
    if (sync.closeWhenDone) this.closeFdQuietly(sync.fd);
    if (err !== null) {
      // The buffer still holds every record since the last good sync (a blocking sync that
      // passed meanwhile dropped nothing it covered): retry() rewrites them.
      if (this.failure === null) this.failure = asError(err);
      this.dirty = true;
      return;
    }
    this.fsyncLatency.record((performance.now() - sync.t0) * 1000);
    if (sync.coveredBytes > 0) this.dropPrefix(sync.coveredBytes, sync.coveredNextLsn);
  }

  /** Buffered bytes a blocking sync confirmed, waiting for the background sync out to return. */
  private awaitingBackgroundBytes(): number {
    return this.background === null ? 0 : this.background.coveredBytes;
  }

  /** fdatasync now whatever the policy (close, policy change). Sets `failed` on error. */
  syncNow(nowMs: number): void {
    if (this.failure !== null || this.fd < 0 || (!this.dirty && this.background === null)) return;
    try {
      this.blockingSync(nowMs);
    } catch (e) {
      this.failure = asError(e);
    }
  }

  setPolicy(policy: FsyncPolicy, nowMs: number): void {
    if (policy === this.policy) return;
    // Leaving a lazier policy: make what it wrote durable before promising more.
    const failedBefore = this.failure !== null;
    this.syncNow(nowMs);
    if (this.policy === "no") {
      this.syncRotatedUnderNo();
      // The sync of what `no` wrote failed: those records are gone from the buffer (see lostBelow).
      if (!failedBefore && this.failure !== null) this.markLost();
    }
    // Entering `no`: the current segment takes writes that are never synced from now on.
    if (policy === "no" && this.fd >= 0 && this.unsyncedFromLsn === 0) this.unsyncedFromLsn = this.segFirstLsn;
    this.policy = policy;
  }

  /** Records written so far may be lost from the WAL (a sync of what `no` wrote failed). */
  private markLost(): void {
    this.lostBelow = Math.max(this.lostBelow, this.unwrittenFirstLsn);
  }

  /**
   * fsyncs the segments `no` left without a sync (the current one is syncNow's) and the WAL
   * directory, whose new names `no` did not fsync either. Sets `failed` on error; retry() does
   * it again once the policy is no longer `no`.
   *
   * When this sync fails, Linux may have dropped pages holding records the buffer no longer has
   * (under `no` it keeps only what is unwritten), so no retry can rewrite them (Redis has that
   * hole): the writer marks them lost and stays failed until a snapshot covers them.
   */
  private syncRotatedUnderNo(): void {
    if (this.unsyncedFromLsn === 0 || this.failure !== null) return;
    try {
      this.syncUnsyncedSegments();
    } catch (e) {
      this.failure = asError(e);
      this.markLost();
    }
  }

  /** syncRotatedUnderNo's work; throws on error. */
  private syncUnsyncedSegments(): void {
    for (const seg of listLsnFiles(this.dir, WAL_SUFFIX)) {
      if (seg.lsn < this.unsyncedFromLsn || seg.path === this.segPath) continue;
      let fd: number;
      try {
        fd = this.fsx.openSync(seg.path, "r");
      } catch (e) {
        // Compaction deleted it meanwhile: nothing of it is needed any more.
        if ((e as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw e;
      }
      try {
        this.fsx.fsyncSync(fd);
      } finally {
        this.fsx.closeSync(fd);
      }
    }
    fsyncDir(this.fsx, this.dir);
    this.unsyncedFromLsn = 0;
  }

  /**
   * While failed: at most every retryIntervalMs, write every buffered record again and fsync it
   * (rewriteBuffer); on success the failure clears. Returns true when the writer is healthy.
   */
  retry(nowMs: number): boolean {
    if (this.failure === null) return true;
    if (nowMs - this.lastRetryMs < this.retryIntervalMs) return false;
    this.lastRetryMs = nowMs;
    this.retries++;
    this.closeQuietly();
    try {
      this.rewriteBuffer(nowMs);
      if (this.policy !== "no" && this.unsyncedFromLsn !== 0) {
        try {
          this.syncUnsyncedSegments();
        } catch (e) {
          this.markLost();
          throw e;
        }
      }
      this.dropDurable();
      if (this.lostBelow > 0) {
        this.failure = new Error(
          `WAL records below LSN ${this.lostBelow} may be lost (a sync of what appendfsync no wrote failed); writes resume once a snapshot covers them`,
        );
        return false;
      }
      this.failure = null;
      return true;
    } catch (e) {
      this.failure = asError(e);
      return false;
    }
  }

  /**
   * The retry's rewrite: every buffered record goes back on disk, fdatasync'ed, split at the names
   * of the segments already there, so that each file still holds exactly the LSNs from its name up
   * to the next one's. Replay skips a segment when the next one's name says a snapshot covers it;
   * a rewrite into one segment that also held the records of a later one would hide its tail
   * behind that later name. Each part goes to `<name>.tmp`, is fdatasync'ed and renamed over its
   * segment, so a crash at any point leaves each segment either as it was before the retry or
   * complete. The last part stays open as the current segment.
   */
  private rewriteBuffer(nowMs: number): void {
    const existing = listLsnFiles(this.dir, WAL_SUFFIX);
    const cuts = [this.bufFirstLsn];
    for (const seg of existing) if (seg.lsn > this.bufFirstLsn && seg.lsn < this.lsn) cuts.push(seg.lsn);
    const offsets = this.bufferOffsetsOf(cuts);
    for (let i = 0; i < cuts.length; i++) {
      const start = offsets[i]!;
      const stop = i + 1 < cuts.length ? offsets[i + 1]! : this.end;
      const path = join(this.dir, lsnName(cuts[i]!, WAL_SUFFIX));
      const tmp = path + TMP_SUFFIX;
      const fd = this.fsx.openSync(tmp, "w");
      try {
        if (stop > start) writeFully(this.fsx, fd, this.buf, start, stop - start);
        const t0 = performance.now();
        this.fsx.fdatasyncSync(fd);
        this.fsyncLatency.record((performance.now() - t0) * 1000);
        this.fsx.renameSync(tmp, path);
      } catch (e) {
        this.closeFdQuietly(fd);
        throw e;
      }
      this.bytesWritten += stop - start;
      if (i + 1 < cuts.length) {
        this.fsx.closeSync(fd);
        continue;
      }
      this.fd = fd;
      this.segPath = path;
      this.segFirstLsn = cuts[i]!;
      this.segBytes = stop - start;
    }
    // Segments named past the last cut are named past the last buffered record, so hold none of
    // it (a segment opens at a record it is about to take): nothing in them is needed.
    const lastCut = cuts[cuts.length - 1]!;
    for (const seg of existing) if (seg.lsn > lastCut) this.fsx.unlinkSync(seg.path);
    fsyncDir(this.fsx, this.dir);
    this.writtenEnd = this.end;
    this.unwrittenFirstLsn = this.lsn;
    this.dirty = false;
    this.lastSyncMs = nowMs;
  }

  /** Byte offsets in the buffer of the records with these LSNs (ascending, all buffered). */
  private bufferOffsetsOf(lsns: readonly number[]): number[] {
    const out: number[] = [];
    let off = 0;
    let lsn = this.bufFirstLsn;
    for (const want of lsns) {
      while (lsn < want) {
        off += RECORD_HEADER_BYTES + recordPayloadBytes(this.buf, off);
        lsn++;
      }
      out.push(off);
    }
    return out;
  }

  /** Commit what is buffered, fsync, and close the segment. Leaves a failed writer's tail unwritten. */
  close(nowMs: number): void {
    this.commit(nowMs);
    // A failed disk gets one last retry, whenever the previous one was: what is buffered would
    // be lost otherwise (records acknowledged under everysec or no).
    if (this.failure !== null) {
      this.lastRetryMs = Number.NEGATIVE_INFINITY;
      if (this.retry(nowMs)) this.commit(nowMs);
    }
    if (this.failure === null && this.fd >= 0) {
      this.dirty = true;
      this.syncNow(nowMs);
    }
    // A clean shutdown leaves every segment on disk, whatever the policy (also those `no` left
    // before a tighter policy's sync of them failed).
    this.syncRotatedUnderNo();
    this.closeQuietly();
  }

  stats(): WalWriterStats {
    return {
      nextLsn: this.lsn,
      segmentPath: this.segPath,
      segmentBytes: this.segBytes,
      bytesWritten: this.bytesWritten,
      writes: this.writes,
      fsync: this.fsyncLatency.summary(),
      rotations: this.rotations,
      failed: this.failure === null ? null : this.failure.message,
      retries: this.retries,
    };
  }

  private rotate(nowMs: number): void {
    if (this.fd >= 0) {
      // The closing segment must be durable before records go into the next one, or a crash
      // could keep the later segment and lose the earlier (a hole recovery would have to stop
      // at). Under everysec that sync runs in the background when it can: the next background
      // sync starts only after it returns, and a crash before that loses only records written
      // in the meantime, a few ms, within everysec's promise.
      if (this.policy === "everysec" && this.dirty && this.background === null) {
        this.startBackgroundSync(nowMs, true);
        this.fd = -1;
      } else {
        if (this.policy !== "no" && (this.dirty || this.background !== null)) this.blockingSync(nowMs);
        else if (this.policy === "no" && this.unsyncedFromLsn === 0) this.unsyncedFromLsn = this.segFirstLsn;
        // Forget the descriptor before closing it: a close that throws has still released the
        // number, which a later close (retry's) could otherwise hit after it was reused.
        const fd = this.fd;
        this.fd = -1;
        this.closeFd(fd);
      }
      this.rotations++;
    }
    this.openSegment(this.unwrittenFirstLsn, nowMs);
  }

  private openSegment(firstLsn: number, _nowMs: number): void {
    const path = join(this.dir, lsnName(firstLsn, WAL_SUFFIX));
    this.fd = this.fsx.openSync(path, "w");
    this.segPath = path;
    this.segFirstLsn = firstLsn;
    this.segBytes = 0;
    // The new name must survive a crash too, or its records vanish with it.
    if (this.policy !== "no") fsyncDir(this.fsx, this.dir);
    else if (this.unsyncedFromLsn === 0) this.unsyncedFromLsn = firstLsn; // its name, at least, awaits a sync
  }

  /** Closes `fd`, or leaves that to the background fdatasync's return when it runs on it. */
  private closeFd(fd: number): void {
    if (this.background !== null && this.background.fd === fd) {
      this.background.closeWhenDone = true;
      return;
    }
    this.fsx.closeSync(fd);
  }

  private closeFdQuietly(fd: number): void {
    try {
      this.fsx.closeSync(fd);
    } catch {
      // gone either way
    }
  }

  /** The first `bytes` of the buffer are durable (their last record is `nextLsn - 1`): drop them. */
  private dropPrefix(bytes: number, nextLsn: number): void {
    this.buf.copyWithin(0, bytes, this.end);
    this.end -= bytes;
    this.writtenEnd -= bytes;
    this.bufFirstLsn = nextLsn;
  }

  private fdatasync(nowMs: number): void {
    const t0 = performance.now();
    this.fsx.fdatasyncSync(this.fd);
    this.fsyncLatency.record((performance.now() - t0) * 1000);
    this.dirty = false;
    this.lastSyncMs = nowMs;
  }

  /** Everything written so far is durable (or, under `no`, handed to the OS): forget it. */
  private dropDurable(): void {
    if (this.background !== null) {
      // Not before the background sync out returns clean (see the header): it drops them then.
      this.background.coveredBytes = this.writtenEnd;
      this.background.coveredNextLsn = this.unwrittenFirstLsn;
      return;
    }
    const keep = this.end - this.writtenEnd;
    if (keep > 0) this.buf.copyWithin(0, this.writtenEnd, this.end);
    this.end = keep;
    this.writtenEnd = 0;
    this.bufFirstLsn = this.unwrittenFirstLsn;
    // Give back a buffer that one huge batch grew, so it does not stay pinned forever.
    if (this.end === 0 && this.buf.length > 4 * INITIAL_BUFFER_BYTES) this.buf = Buffer.allocUnsafe(INITIAL_BUFFER_BYTES);
  }

  private grow(minBytes: number): void {
    let size = this.buf.length * 2;
    while (size < minBytes) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.end);
    this.buf = next;
  }

  private closeQuietly(): void {
    if (this.fd < 0) return;
    const fd = this.fd;
    this.fd = -1;
    try {
      this.closeFd(fd);
    } catch {
      // The descriptor is gone either way; the retry path opens a fresh segment.
    }
  }
}

/** An everysec fdatasync running in the thread pool. */
interface BackgroundSync {
  fd: number;
  /** Bytes at the buffer's start it makes durable (raised by a blocking sync that ran meanwhile). */
  coveredBytes: number;
  /** LSN of the first record after them. */
  coveredNextLsn: number;
  /** The segment was rotated away or closed: close the descriptor when it returns. */
  closeWhenDone: boolean;
  t0: number;
}

export function asError(e: unknown): Error {
  return e instanceof Error ? e : new Error(String(e));
}
