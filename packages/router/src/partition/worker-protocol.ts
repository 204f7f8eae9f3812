/**
 * What the main thread hands a partition worker at spawn (`workerData`) and the control
 * messages they exchange over postMessage. Control only: requests and replies never travel
 * here, except the rare record too big for a ring (its body, posted before its ring record).
 */

import type { EngineOptions } from "@tessera/partition";
import type { DurabilityConfig } from "@tessera/wal";
import type { SlowCommand } from "../slowlog.js";

/** Engine options that can cross a thread boundary (no clock, no write log). */
export type PartitionEngineConfig = Omit<EngineOptions, "clock" | "writeLog">;

/** Word indexes of PartitionWorkerData.settings. */
export const SETTINGS_WORDS = {
  /** The WAL fsync policy: an index into FSYNC_POLICY_CODES. */
  fsyncPolicy: 0,
  /** slowlog-log-slower-than, microseconds; < 0: the slowlog is off. */
  slowlogSlowerThanUs: 1,
  /** slowlog-max-len: a batch posts at most this many slow commands. */
  slowlogMaxLen: 2,
  count: 3,
} as const;

/** fsync policy <-> settings word value. */
export const FSYNC_POLICY_CODES = ["always", "everysec", "no"] as const;

/** H6's DurabilityConfig. */
export type PartitionDurabilityConfig = DurabilityConfig;

export interface PartitionWorkerData {
  partitionId: number;
  requestRing: SharedArrayBuffer;
  responseRing: SharedArrayBuffer;
  /**
   * Settings the router changes at run time (CONFIG SET), as Int32 words; layout in
   * SETTINGS_WORDS. Shared memory rather than a message so a change is exact: the router stores
   * it before it routes the next request, and the worker reads it before it commits each batch,
   * so every write acknowledged after CONFIG SET's OK was committed under the new setting.
   * Kept by the host across worker restarts.
   */
  settings: SharedArrayBuffer;
  /** Per-command calls, microseconds and failures (command-timing.ts), counted by the worker, read by the host. */
  commandStats: SharedArrayBuffer;
  engine: PartitionEngineConfig;
  durability: PartitionDurabilityConfig | null;
  /** Module specifier or file URL exporting `PartitionEngine`; null (production): @tessera/partition's. */
  engineModule: string | null;
  /** Period of active expiry, durability ticks and the lost-notify backstop check, ms. */
  maintenanceIntervalMs: number;
  /** Keys expired per active-expiry tick at most. */
  activeExpireMaxWork: number;
  /** Period of stats messages to the host, ms. */
  statsIntervalMs: number;
  /** Replies whose ring record would exceed this go out of band as a posted buffer. */
  largeRecordThresholdBytes: number;
  /** Requests executed per batch at most (the response side also bounds a batch by bytes). */
  maxBatchRequests: number;
  /** Staged reply bytes after which a batch ends (the next request waits for the next batch). */
  maxBatchReplyBytes: number;
  /** Test only: put a switchable fault injector between durability and the disk. */
  testDiskFaults: boolean;
}

export interface PartitionStatsMessage {
  type: "stats";
  keys: number;
  keysWithExpiry: number;
  usedBytes: number;
  reservedBytes: number;
  expiredKeys: number;
  keyspaceHits: number;
  keyspaceMisses: number;
  /** Backstop wake-ups that found work a notify should have announced (worker side). */
  rescues: number;
  batches: number;
  executed: number;
  /** Times the worker found the response ring full and waited for the router to drain it. */
  responseSpaceWaits: number;
  /** WAL fsyncs done since the worker started (0 when in-memory). */
  walFsyncs: number;
  /** Microseconds spent in those fsyncs, summed. */
  walFsyncUs: number;
  /** WAL bytes written since the worker started (0 when in-memory). */
  walBytesWritten: number;
  /** When the last snapshot completed, ms since the epoch (the worker's start if none; 0 in memory). */
  lastSnapshotAtMs: number;
  snapshotInProgress: boolean;
  /** The last snapshot attempt failed with this (null once one succeeds). */
  lastSnapshotError: string | null;
  /** Write records since the state the last snapshot holds. */
  changesSinceSnapshot: number;
  /** The WAL's disk error while writes are refused, else null. */
  walFailed: string | null;
}

/** Worker -> host. */
export type WorkerToHost =
  | { type: "ready"; recoveredKeys: number; recoveryMs: number }
  | PartitionStatsMessage
  | { type: "large"; id: number; body: ArrayBuffer }
  | { type: "log"; line: string }
  /** Commands that took at least slowlog-log-slower-than (sent after the batch that ran them). */
  | { type: "slowlog"; entries: SlowCommand[]; dropped: number };

/** Host -> worker. */
export type HostToWorker =
  | { type: "large"; id: number; body: ArrayBuffer }
  | { type: "stats-request" }
  | { type: "shutdown" }
  /** CONFIG SET maxmemory: this partition's new share (0 = no cap). */
  | { type: "set-max-memory"; bytes: number }
  /** Test hooks (also behind DEBUG commands): die now; skip the next notifies of the reply doorbell. */
  | { type: "test-exit"; code: number }
  | { type: "test-skip-notifies"; count: number }
  /**
   * Test hook (needs testDiskFaults): every disk write and fsync fails with EIO while `failing`;
   * with `slowBackgroundSyncMs`, each background (everysec) fdatasync instead returns that much
   * later, with EIO, and says so in the log.
   */
  | { type: "test-disk-faults"; failing: boolean; slowBackgroundSyncMs?: number };
