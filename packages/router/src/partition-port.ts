/**
 * What the router needs from a partition: H4a's PartitionHost satisfies this. The router takes
 * a factory instead of constructing hosts itself so its unit tests can run against in-process
 * fakes, and so the server wiring (server.ts) alone decides engine options and durability.
 */
import type { CommandSpec, ReplySink } from "@tessera/proto";
import type { CommandStat } from "./partition/command-timing.js";
import type { SlowCommand } from "./slowlog.js";

export interface PartitionPort {
  start(): Promise<void>;
  /**
   * Queue one request. The host copies argv before returning (the caller reuses its buffers).
   * `clientId`: the session's CLIENT ID, which the partition reports with a slow command.
   */
  submit(token: number, spec: CommandSpec, argv: readonly Uint8Array[], clientId?: number): void;
  readonly inFlight: number;
  close(): Promise<void>;
  /** Last known engine figures, when the host keeps them (refreshed about once a second). */
  stats?(): PartitionStats | null;
  /**
   * Changes the WAL fsync policy (CONFIG SET appendfsync). Takes effect for every request
   * submitted after the call returns. A no-op for an in-memory partition.
   */
  setFsync?(policy: "always" | "everysec" | "no"): void;
  /** CONFIG SET maxmemory: this partition's share of the cap (0 = none). */
  setMaxMemory?(bytes: number): void;
  /** CONFIG SET slowlog-log-slower-than / slowlog-max-len. */
  setSlowlog?(slowerThanUs: number, maxLen: number): void;
  /** Per-command figures since start or the last reset (INFO commandstats). */
  commandStats?(): CommandStat[];
  /** Per-command latency bucket counts (latency-buckets.ts), a live view: read, do not keep. */
  commandLatency?(): Float64Array;
  /** CONFIG RESETSTAT. */
  resetCommandStats?(): void;
  /** Bytes waiting in the rings now (admin /metrics). */
  ringStats?(): { requestRingUsedBytes: number; responseRingUsedBytes: number };
  /** True while the partition's worker is up and serving (admin /health). */
  readonly running?: boolean;
  /** Request traffic through the rings since start, when the host counts it (INFO stats). */
  traffic?(): PartitionTraffic;
  /** Test hook behind --enable-debug-commands: make the worker die as if it crashed. */
  crashForTesting?(): void;
}

/** How requests crossed to a partition: how well they were batched, how often it was woken. */
export interface PartitionTraffic {
  /** Requests sent to the partition. */
  requests: number;
  /** Request batches published (one per partition per event-loop turn that had requests). */
  batches: number;
  /** Batches that had to wake a sleeping worker (Atomics.notify); the others found it busy. */
  wakeups: number;
  /** Backstop wake-ups that found work a lost notify should have announced (host + worker). */
  rescues: number;
}

export interface PartitionStats {
  keys: number;
  /** Keys that carry a TTL (INFO keyspace's expires=). */
  keysWithExpiry: number;
  usedBytes: number;
  reservedBytes: number;
  expiredKeys: number;
  /** Reads that found / missed their key since the partition's worker started (INFO stats). */
  keyspaceHits?: number;
  keyspaceMisses?: number;
  /** WAL fsyncs since the partition's worker started (optional: in-process fakes omit it). */
  walFsyncs?: number;
  /** Microseconds spent in those fsyncs, summed. */
  walFsyncUs?: number;
  /** WAL bytes written since the partition's worker started. */
  walBytesWritten?: number;
  /** Snapshot figures (INFO persistence); absent when in-memory or from in-process fakes. */
  lastSnapshotAtMs?: number;
  snapshotInProgress?: boolean;
  lastSnapshotError?: string | null;
  changesSinceSnapshot?: number;
  /** The WAL's disk error while the partition refuses writes, else null. */
  walFailed?: string | null;
}

export interface PartitionCallbacks {
  /** One reply for `token`, in the partitions' internal reply encoding; valid only during the call. */
  onReply(token: number, reply: Uint8Array, offset: number): void;
  /** The worker died (its in-flight tokens were already answered with errors); it is being restarted. */
  onExit(partitionId: number, error: Error): void;
  /** Commands the partition found slow (slowlog.ts), and how many more it did not send (over max-len). */
  onSlowCommands?(entries: SlowCommand[], dropped: number): void;
}

export type PartitionFactory = (partitionId: number, callbacks: PartitionCallbacks) => PartitionPort;

/** Decodes one reply of the internal encoding into a sink; returns the offset after it. */
export type ReplyDecoder = (bytes: Uint8Array, offset: number, sink: ReplySink) => number;
