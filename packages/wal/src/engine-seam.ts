/**
 * What durability needs from a partition engine, as a structural interface: @tessera/wal does not
 * depend on @tessera/partition (the worker passes its PartitionEngine, which satisfies this), so
 * the WAL can be tested against a small fake engine and the engine against no disk at all.
 */
import type { CommandSpec, ReplySink } from "@tessera/proto";

/**
 * Called once per item by `snapshotStep`. The arrays are views valid only during the call; the
 * snapshot writer copies them out. `expiresAtMs` is absolute Unix ms, 0 for no expiry.
 */
export type SnapshotEmit = (key: Uint8Array, value: Uint8Array, expiresAtMs: number) => void;

export interface DurableEngine {
  execute(spec: CommandSpec, argv: readonly Uint8Array[], out: ReplySink): void;
  /**
   * Start a point-in-time iteration of every live item. Items changed after this call are still
   * emitted in their version at this call (the engine preserves old versions until emitted).
   */
  snapshotBegin(): void;
  /** Emit up to `maxItems` items; returns true when the iteration is complete (and ends it). */
  snapshotStep(maxItems: number, emit: SnapshotEmit): boolean;
  /** Abandon a running snapshot (its file could not be written, or shutdown). */
  snapshotAbort?(): void;
  /**
   * Optional: recovery starts (snapshot load, then WAL replay); the engine enters loading mode
   * (nothing expires until loadEnd, as in Redis). Called again, as a sizing hint, with the
   * number of keys expected: the snapshot's item count (items in key order) plus an estimate of
   * the WAL records to replay after it (or the estimate alone when there is no snapshot).
   */
  loadBegin?(items: number): void;
  /**
   * Optional: the snapshot (if any) is loaded and about `expectedRecords` WAL records are
   * about to be replayed, in the order they were written (random key order, typically). The
   * engine may defer work that is cheaper done once at loadEnd (its ordered index).
   */
  loadReplayBegin?(expectedRecords: number): void;
  /** Optional: recovery is over; leave loading mode. */
  loadEnd?(): void;
  /** Insert one item during recovery (the keyspace holds no such key yet, or it is overwritten). */
  loadItem(key: Uint8Array, value: Uint8Array, expiresAtMs: number): void;
  /** Optional, preferred by snapshot loading: loadItem with the value as bytes[valueOffset, valueOffset + valueLength). */
  loadItemRange?(key: Uint8Array, bytes: Uint8Array, valueOffset: number, valueLength: number, expiresAtMs: number): void;
  stats(): { keys: number };
}
