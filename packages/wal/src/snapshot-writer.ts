/**
 * Writes one snapshot incrementally, a slice at a time, between request batches: the partition
 * never stops for a whole-keyspace dump and needs no fork. The engine's snapshotBegin() fixes the
 * point in time; each `step()` asks it for at most `maxItems` items and appends them to a chunk
 * buffer that goes to <lsn>.snap.tmp with one write when full. `finish()` adds the footer,
 * fdatasyncs, renames the file into place and fsyncs the directory, so a snapshot either exists
 * whole under its final name or not at all.
 */
import { join } from "node:path";
import { crc32c } from "./crc32c.js";
import type { DurableEngine } from "./engine-seam.js";
import { type DurabilityFs, fsyncDir, writeFully } from "./fs-seam.js";
import { writeU64 } from "./record-codec.js";
import { encodeSnapshotFooter, encodeSnapshotHeader, SNAPSHOT_FOOTER_BYTES, SNAPSHOT_HEADER_BYTES, SNAPSHOT_ITEM_HEADER_BYTES, SNAPSHOT_VERSION } from "./snapshot-format.js";
import { lsnName, SNAPSHOT_SUFFIX, TMP_SUFFIX } from "./segment-files.js";

export interface SnapshotWriterOptions {
  dir: string;
  fs: DurabilityFs;
  partitionId: number;
  partitions: number;
  lsn: number;
  nowMs: number;
  /** Bytes buffered before one write; bounds the memory a snapshot holds. */
  chunkBytes?: number;
}

export interface SnapshotResult {
  path: string;
  lsn: number;
  items: number;
  bytes: number;
  ms: number;
}

export class SnapshotWriter {
  readonly lsn: number;
  readonly path: string;
  private readonly tmpPath: string;
  private readonly dir: string;
  private readonly fsx: DurabilityFs;
  private readonly startedMs: number;
  private fd: number;
  private chunk: Buffer;
  private used = 0;
  private crc = 0;
  private items = 0;
  private bytes = 0;
  private done = false;

  constructor(o: SnapshotWriterOptions) {
    this.dir = o.dir;
    this.fsx = o.fs;
    this.lsn = o.lsn;
    this.startedMs = performance.now();
    this.path = join(o.dir, lsnName(o.lsn, SNAPSHOT_SUFFIX));
    this.tmpPath = this.path + TMP_SUFFIX;
    this.chunk = Buffer.allocUnsafe(o.chunkBytes ?? 1 << 20);
    this.fd = this.fsx.openSync(this.tmpPath, "w");
    this.used = encodeSnapshotHeader(this.chunk, 0, {
      version: SNAPSHOT_VERSION,
      partitionId: o.partitionId,
      partitions: o.partitions,
      lsn: o.lsn,
      createdAtMs: Math.floor(o.nowMs),
    });
    if (this.used !== SNAPSHOT_HEADER_BYTES) throw new Error("snapshot header size mismatch");
  }

  /** The per-item callback handed to the engine; one bound function per snapshot, not per call. */
  readonly emit = (key: Uint8Array, value: Uint8Array, expiresAtMs: number): void => {
    const need = SNAPSHOT_ITEM_HEADER_BYTES + key.length + value.length;
    if (this.used + need > this.chunk.length) {
      this.flush();
      if (need > this.chunk.length) this.chunk = Buffer.allocUnsafe(need);
    }
    const c = this.chunk;
    let p = this.used;
    c.writeUInt32LE(key.length, p);
    c.writeUInt32LE(value.length, p + 4);
    writeU64(c, p + 8, expiresAtMs > 0 ? expiresAtMs : 0);
    p += SNAPSHOT_ITEM_HEADER_BYTES;
    c.set(key, p);
    p += key.length;
    c.set(value, p);
    this.used = p + value.length;
    this.items++;
  };

  /** One slice: at most `maxItems` items from the engine. Returns true when every item is out. */
  step(engine: DurableEngine, maxItems: number): boolean {
    if (this.done) return true;
    this.done = engine.snapshotStep(maxItems, this.emit);
    if (this.used >= this.chunk.length >>> 1) this.flush();
    return this.done;
  }

  get itemsWritten(): number {
    return this.items;
  }

  /** Footer, fdatasync, rename into place, fsync the directory. */
  finish(): SnapshotResult {
    if (!this.done) throw new Error("SnapshotWriter.finish before the engine emitted every item");
    this.flush();
    const dataBytes = this.bytes;
    const footer = Buffer.allocUnsafe(SNAPSHOT_FOOTER_BYTES);
    encodeSnapshotFooter(footer, 0, { crc: this.crc, count: this.items, dataBytes });
    writeFully(this.fsx, this.fd, footer, 0, footer.length);
    this.bytes += footer.length;
    this.fsx.fdatasyncSync(this.fd);
    this.fsx.closeSync(this.fd);
    this.fd = -1;
    this.fsx.renameSync(this.tmpPath, this.path);
    fsyncDir(this.fsx, this.dir);
    return { path: this.path, lsn: this.lsn, items: this.items, bytes: this.bytes, ms: performance.now() - this.startedMs };
  }

  /** Give up (disk error, shutdown): close and remove the temporary file. Never throws. */
  abort(): void {
    try {
      if (this.fd >= 0) this.fsx.closeSync(this.fd);
    } catch {
      // closing a broken descriptor: nothing more to do
    }
    this.fd = -1;
    try {
      this.fsx.unlinkSync(this.tmpPath);
    } catch {
      // already gone, or the disk refuses; a stale .tmp is ignored by recovery and removed later
    }
  }

  private flush(): void {
    if (this.used === 0) return;
    this.crc = crc32c(this.chunk, this.crc, 0, this.used);
    writeFully(this.fsx, this.fd, this.chunk, 0, this.used);
    this.bytes += this.used;
    this.used = 0;
  }
}
