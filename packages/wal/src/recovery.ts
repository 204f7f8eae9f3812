/**
 * Recovery of one partition: the newest valid snapshot, then the WAL from the snapshot's LSN.
 * Corrupt snapshots are renamed *.corrupt and the previous one is tried; a torn or corrupt WAL
 * tail is truncated. Each step is reported, and only a missing stretch of history that no file
 * covers (WalGapError) stops the partition from coming up.
 */
import { renameSync } from "node:fs";
import { commandByNameBytes, commandByName, type CommandSpec, type ErrorCode, type ReplySink } from "@tessera/proto";
import type { DurableEngine } from "./engine-seam.js";
import { listLsnFiles, SNAPSHOT_SUFFIX } from "./segment-files.js";
import type { SnapshotHeader } from "./snapshot-format.js";
import { loadSnapshot, SnapshotCorruptError } from "./snapshot-reader.js";
import { estimateReplayKeys, replayWal, type WalReplayResult } from "./wal-replay.js";
import { TXN_COMMIT_ARGV } from "./record-codec.js";

export interface RecoveryResult {
  /** Keys in the engine after recovery. */
  keys: number;
  /** LSN the next WAL record gets. */
  lsn: bigint;
  ms: number;
  /** Bytes cut off torn or corrupt WAL tails. */
  truncatedBytes: number;
  snapshot: { path: string; lsn: number; items: number; expired: number; ms: number } | null;
  /** Snapshots that failed validation, newest first, renamed *.corrupt. */
  corruptSnapshots: { path: string; reason: string }[];
  wal: WalReplayResult;
  /** Replayed records the engine answered with an error (should be 0; counted, not fatal). */
  replayErrors: number;
  /** Replayed records naming a command this build does not know (skipped). */
  unknownCommands: number;
  /** Transactions whose commit record was not in the WAL (a torn tail): skipped whole. */
  incompleteTransactions: number;
}

export interface RecoverOptions {
  partitionId: number;
  partitions: number;
  walDir: string;
  snapDir: string;
  nowMs: number;
  onProgress?: (keys: number) => void;
  /** Called around the WAL replay so the engine's writeLog does not log replayed records again. */
  setReplaying: (on: boolean) => void;
}

/** Discards replies during replay, counting errors. */
class ReplayReplySink implements ReplySink {
  errors = 0;
  lastError = "";
  ok(): void {}
  status(_text: string): void {}
  nil(): void {}
  integer(_value: number | bigint): void {}
  bulk(_bytes: Uint8Array, _offset: number, _length: number): void {}
  array(_count: number): void {}
  error(code: ErrorCode, message: string): void {
    this.errors++;
    this.lastError = `${code} ${message}`;
  }
}

const PROGRESS_EVERY_RECORDS = 1 << 18;

export function recoverPartition(engine: DurableEngine, o: RecoverOptions): RecoveryResult {
  const t0 = performance.now();
  const corruptSnapshots: { path: string; reason: string }[] = [];
  let snapshot: RecoveryResult["snapshot"] = null;
  // An engine with loadItemRange takes the value as a range of the read buffer (no view per item).
  const loadItem =
    engine.loadItemRange !== undefined
      ? (key: Uint8Array, bytes: Uint8Array, valueOffset: number, valueLength: number, expiresAtMs: number): void =>
          engine.loadItemRange!(key, bytes, valueOffset, valueLength, expiresAtMs)
      : (key: Uint8Array, bytes: Uint8Array, valueOffset: number, valueLength: number, expiresAtMs: number): void =>
          engine.loadItem(key, bytes.subarray(valueOffset, valueOffset + valueLength), expiresAtMs);
  const snaps = listLsnFiles(o.snapDir, SNAPSHOT_SUFFIX).reverse();
  let loaded = false;
  o.setReplaying(true);
  engine.loadBegin?.(0);
  try {
    for (const s of snaps) {
      try {
        const expect = {
          partitionId: o.partitionId,
          partitions: o.partitions,
          // Presize for the snapshot's items and the WAL records after it together: one index
          // of the final size, so the replay does not rebuild it with every snapshot key in it.
          onItemCount: (n: number, header: SnapshotHeader) => engine.loadBegin?.(n + estimateReplayKeys(o.walDir, header.lsn)),
        };
        const r = loadSnapshot(s.path, expect, loadItem, o.nowMs, o.onProgress);
        snapshot = { path: s.path, lsn: r.header.lsn, items: r.items, expired: r.expired, ms: r.ms };
        break;
      } catch (e) {
        if (!(e instanceof SnapshotCorruptError)) throw e;
        corruptSnapshots.push({ path: s.path, reason: e.reason });
        renameSync(s.path, `${s.path}.corrupt`);
        // Items of the bad file may already be in the engine: start the next attempt empty.
        if (engine.stats().keys > 0) flushEngine(engine);
      }
    }
    const sink = new ReplayReplySink();
    let unknownCommands = 0;
    let sinceProgress = 0;
    const fromLsn = snapshot === null ? 1 : snapshot.lsn;
    // No snapshot: presize for the WAL alone (with one, onItemCount did; this is then a no-op).
    const expectedRecords = estimateReplayKeys(o.walDir, fromLsn);
    if (snapshot === null) engine.loadBegin?.(expectedRecords);
    engine.loadReplayBegin?.(expectedRecords);
    // Consecutive records mostly name the same command: compare the name bytes with the last
    // one's instead of building a string per record for the table lookup.
    const lastName = new Uint8Array(16);
    let lastNameLength = -1;
    let lastSpec: CommandSpec | undefined;
    // A transaction's records (txid != 0) wait here until its commit record: all or none.
    let txnId = 0;
    let txnRecords: Uint8Array[][] = [];
    let incompleteTransactions = 0;
    const apply = (argv: Uint8Array[]): void => {
      const name = argv[0]!;
      let spec = lastSpec;
      if (!sameBytes(name, lastName, lastNameLength)) {
        spec = commandByNameBytes(name);
        lastSpec = spec;
        lastNameLength = name.length <= lastName.length ? name.length : -1;
        if (lastNameLength >= 0) lastName.set(name);
      }
      if (spec === undefined) {
        unknownCommands++;
        return;
      }
      try {
        engine.execute(spec, argv, sink);
      } catch (e) {
        // The live path answers a throwing handler with ERR and goes on; replay does the same
        // rather than refusing to start over one record.
        sink.error("ERR", e instanceof Error ? e.message : String(e));
      }
      if (o.onProgress !== undefined && ++sinceProgress >= PROGRESS_EVERY_RECORDS) {
        sinceProgress = 0;
        o.onProgress(engine.stats().keys);
      }
    };
    const wal = replayWal(o.walDir, fromLsn, (argv, _lsn, txid) => {
      if (txnId !== 0 && txid !== txnId) {
        // The transaction's commit record never reached the disk (the crash tore its batch):
        // none of it was acknowledged, none of it is applied.
        incompleteTransactions++;
        txnId = 0;
        txnRecords = [];
      }
      if (txid === 0) {
        apply(argv);
        return;
      }
      if (isCommitRecord(argv)) {
        for (const r of txnRecords) apply(r);
        txnId = 0;
        txnRecords = [];
        return;
      }
      txnId = txid;
      // The argv views point into the replay's read buffer, which the next chunk reuses.
      txnRecords.push(argv.map((a) => a.slice()));
    });
    if (txnId !== 0) incompleteTransactions++;
    // Leaves loading mode before the clock stops: its work (the expired-key sweep, an ordered
    // index rebuilt after a long replay) is recovery time too.
    loaded = true;
    engine.loadEnd?.();
    const keys = engine.stats().keys;
    o.onProgress?.(keys);
    return {
      keys,
      lsn: BigInt(wal.nextLsn),
      ms: performance.now() - t0,
      truncatedBytes: wal.truncatedBytes,
      snapshot,
      corruptSnapshots,
      wal,
      replayErrors: sink.errors,
      unknownCommands,
      incompleteTransactions,
    };
  } finally {
    if (!loaded) engine.loadEnd?.();
    o.setReplaying(false);
  }
}

/** A transaction's commit record: argv `EXEC` alone. */
function isCommitRecord(argv: readonly Uint8Array[]): boolean {
  if (argv.length !== TXN_COMMIT_ARGV.length) return false;
  const a = argv[0]!;
  const c = TXN_COMMIT_ARGV[0]!;
  return a.length === c.length && sameBytes(a, c, c.length);
}

/** True when `a` equals the first `length` bytes of `b` (length -1: nothing cached). */
function sameBytes(a: Uint8Array, b: Uint8Array, length: number): boolean {
  if (a.length !== length) return false;
  for (let i = 0; i < length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function flushEngine(engine: DurableEngine): void {
  const spec = commandByName("FLUSHALL");
  if (spec === undefined) throw new Error("FLUSHALL missing from the command table");
  engine.execute(spec, [Buffer.from("FLUSHALL")], new ReplayReplySink());
}
