/** Public types of the partition engine (the API the partition worker codes against). */

/** Source of time in Unix ms; injectable so tests drive a virtual clock. */
export interface Clock {
  nowMs(): number;
}

/**
 * Receives every effective write, rewritten to be deterministic on replay (relative TTLs become
 * absolute PXAT/PEXPIREAT, INCR/APPEND become SET of the result). `argv` (and its buffers) is
 * only valid during the call: copy what you keep.
 */
export interface WriteLog {
  append(argv: readonly Uint8Array[]): void;
}

export interface EngineOptions {
  /** Cap on slab pages + index tables; 0 = no cap. A write that needs more fails with OOM. */
  maxMemoryBytes?: number;
  /** Largest value; default 64 MiB. Larger writes fail with TOOBIG. At most 2^29 - 1. */
  maxValueBytes?: number;
  /** Slab size-class growth factor; default 1.25. */
  growthFactor?: number;
  /** Slab page size, a power of two; default 1 MiB. */
  slabPageBytes?: number;
  clock?: Clock;
  writeLog?: WriteLog | null;
  /**
   * A write-log replay expected to create at least this many keys (and a quarter of the keys
   * loaded before it) rebuilds the ordered index once at loadEnd() instead of inserting each key
   * in random order (loadReplayBegin). Default 50,000; tests set 0 to exercise the rebuild.
   */
  orderedRebuildMinKeys?: number;
}

export interface EngineStats {
  /** Keys held (including expired ones not reclaimed yet, as Redis's DBSIZE). */
  keys: number;
  /** Bytes in use: live slab slots + index tables (hash, ordered, timing wheel). */
  usedBytes: number;
  /** Bytes reserved: slab pages (SAB) + index tables. The cap applies to this. */
  reservedBytes: number;
  maxMemoryBytes: number;
  expiredKeys: number;
  /** Keys found / not found by the reading commands (GET, MGET, GETEX, GETDEL, GETRANGE, STRLEN, TTL, ...). */
  keyspaceHits: number;
  keyspaceMisses: number;
  keysWithExpiry: number;
  /** Exact bytes of items (headers + keys + values + chunk headers). */
  itemBytes: number;
  slabUsedBytes: number;
  slabReservedBytes: number;
  slabPages: number;
  slabFreePoolPages: number;
  slabRebalancedPages: number;
  slabRelocatedItems: number;
  hashIndexBytes: number;
  hashCapacity: number;
  orderedIndexBytes: number;
  timingWheelBytes: number;
  timingWheelEntries: number;
  /** reservedBytes / itemBytes (1 = no overhead at all). */
  fragmentationRatio: number;
}
