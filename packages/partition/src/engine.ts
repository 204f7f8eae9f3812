import { COMMANDS, Errors, type CommandSpec, type ReplySink } from "@tessera/proto";
import { assert } from "./assert.js";
import { CommandContext, type Handler } from "./commands/context.js";
import * as expiryCommands from "./commands/expiry.js";
import * as keyspaceCommands from "./commands/keyspace.js";
import * as scanCommands from "./commands/scan.js";
import * as stringCommands from "./commands/strings.js";
import { lcs } from "./commands/lcs.js";
import * as bitCommands from "./commands/bits.js";
import type { Clock, EngineOptions, EngineStats, WriteLog } from "./engine-types.js";
import * as layout from "./item-layout.js";
import { PartitionStore, PutResult } from "./store.js";
import { SnapshotWriter } from "./snapshot.js";

// Local copies: under some loaders (tsx's CommonJS path) imported bindings are read through
// getter calls on every access; hot paths read plain module constants instead.
const { MAX_EXPIRY_MS, MAX_VALUE_LENGTH_FIELD, NO_REF } = layout;
const { OK: PUT_OK, OOM: PUT_OOM } = PutResult;

/** Handlers by command name; the dispatch table is built from the shared command table. */
const HANDLERS: Readonly<Record<string, Handler>> = {
  GET: stringCommands.get,
  SET: stringCommands.set,
  GETDEL: stringCommands.getdel,
  MGET: stringCommands.mget,
  MSET: stringCommands.mset,
  INCR: stringCommands.incr,
  INCRBY: stringCommands.incrby,
  DECR: stringCommands.decr,
  DECRBY: stringCommands.decrby,
  APPEND: stringCommands.append,
  STRLEN: stringCommands.strlen,
  SETNX: stringCommands.setnx,
  SETEX: stringCommands.setex,
  PSETEX: stringCommands.psetex,
  GETSET: stringCommands.getset,
  GETEX: stringCommands.getex,
  GETRANGE: stringCommands.getrange,
  SETRANGE: stringCommands.setrange,
  INCRBYFLOAT: stringCommands.incrbyfloat,
  DEL: keyspaceCommands.del,
  UNLINK: keyspaceCommands.del,
  EXISTS: keyspaceCommands.exists,
  TOUCH: keyspaceCommands.touch,
  TYPE: keyspaceCommands.type,
  MEMORY: keyspaceCommands.memory,
  OBJECT: keyspaceCommands.object,
  RANDOMKEY: keyspaceCommands.randomkey,
  RENAME: keyspaceCommands.rename,
  RENAMENX: keyspaceCommands.renamenx,
  COPY: keyspaceCommands.copy,
  MSETNX: stringCommands.msetnx,
  SUBSTR: stringCommands.getrange,
  LCS: lcs,
  GETBIT: bitCommands.getbit,
  SETBIT: bitCommands.setbit,
  BITCOUNT: bitCommands.bitcount,
  BITPOS: bitCommands.bitposCommand,
  BITOP: bitCommands.bitop,
  DBSIZE: keyspaceCommands.dbsize,
  FLUSHALL: keyspaceCommands.flushall,
  FLUSHDB: keyspaceCommands.flushall,
  EXPIRE: expiryCommands.expire,
  PEXPIRE: expiryCommands.pexpire,
  EXPIREAT: expiryCommands.expireat,
  PEXPIREAT: expiryCommands.pexpireat,
  TTL: expiryCommands.ttl,
  PTTL: expiryCommands.pttl,
  EXPIRETIME: expiryCommands.expiretime,
  PEXPIRETIME: expiryCommands.pexpiretime,
  PERSIST: expiryCommands.persist,
  SCAN: scanCommands.scan,
  KEYS: scanCommands.keys,
};

const SYSTEM_CLOCK: Clock = { nowMs: () => Date.now() };
const DEFAULT_MAX_VALUE_BYTES = 64 * 1024 * 1024;
/** Replays shorter than this keep the ordered index up to date as they go (see loadReplayBegin). */
const DEFAULT_ORDERED_REBUILD_MIN_KEYS = 50_000;

/**
 * The storage engine of one partition: executes commands against its keyspace. Single-threaded
 * by design (one per partition worker); nothing here takes a lock.
 */
export class PartitionEngine {
  private readonly store: PartitionStore;
  private readonly ctx: CommandContext;
  private readonly clock: Clock;
  private readonly orderedRebuildMinKeys: number;
  private readonly handlers: (Handler | undefined)[];
  private readonly onDueBound: (ref: number, expiryMs: number) => void;
  private readonly isLiveBound: (ref: number, expiryMs: number) => boolean;
  private expiredThisTick = 0;
  /** Items loaded in loading mode since the clock was last read (see loadItemRange). */
  private loadClockCountdown = 0;
  private snapshot: SnapshotWriter | null = null;

  constructor(options: EngineOptions = {}) {
    this.clock = options.clock ?? SYSTEM_CLOCK;
    this.orderedRebuildMinKeys = options.orderedRebuildMinKeys ?? DEFAULT_ORDERED_REBUILD_MIN_KEYS;
    const maxValueBytes = options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES;
    assert(maxValueBytes >= 0 && maxValueBytes <= MAX_VALUE_LENGTH_FIELD, `maxValueBytes in [0, ${MAX_VALUE_LENGTH_FIELD}]`);
    const maxMemoryBytes = options.maxMemoryBytes ?? 0;
    assert(maxMemoryBytes >= 0, "maxMemoryBytes >= 0");
    this.store = new PartitionStore({
      maxMemoryBytes,
      maxValueBytes,
      growthFactor: options.growthFactor ?? 1.25,
      slabPageBytes: options.slabPageBytes ?? 1024 * 1024,
      clock: this.clock,
    });
    this.ctx = new CommandContext(this.store, options.writeLog ?? null);
    this.handlers = COMMANDS.map((spec) => HANDLERS[spec.name]);
    this.onDueBound = (ref, expiryMs) => this.onDue(ref, expiryMs);
    this.isLiveBound = (ref, expiryMs) => this.store.isLiveItem(ref) && this.store.expiryOf(ref) === expiryMs;
  }

  /**
   * Loading mode, for snapshot restore and write-log replay: while set nothing expires (keys
   * whose absolute expiry has passed are kept until loading ends, because a later record may
   * extend or remove the expiry), exactly as Redis does while loading. Turn it off afterwards;
   * overdue keys then expire lazily and through activeExpire().
   */
  setLoading(loading: boolean): void {
    this.store.loading = loading;
  }

  /**
   * Recovery is starting (snapshot load, then write-log replay): enters loading mode. `items`
   * (the snapshot's item count) presizes the hash index. Ended by loadEnd(), or at the
   * latest by the first activeExpire() (the worker ticks only once recovery is over), so an
   * engine can never stay in loading mode, where nothing expires.
   */
  loadBegin(items = 0): void {
    const store = this.store;
    store.loading = true;
    store.setNow(this.clock.nowMs());
    this.loadClockCountdown = 0;
    // Presize the hash index for what is coming: no incremental rebuilds (each re-hashes every
    // key from slab memory) during the load.
    if (items > 0) {
      store.hash.reserve(store.keyCount + items);
      // And the ordered index (~5 bytes a key), if the memory cap allows.
      if (store.canReserve(items * 6)) store.ordered.reserve(items);
    }
  }

  /**
   * Recovery is about to replay write-log records creating about `expectedKeys` keys (after the
   * snapshot, if any). When they are many next to the keys loaded so far and the first ones come
   * in random order, the ordered index is left alone for the rest of the replay and rebuilt by
   * loadEnd() in one sort: inserting random keys one by one into the B+tree misses the CPU cache
   * at every level (measured at 1 M keys: ~0.3 M keys/s replayed in random order against ~0.9 M
   * in key order, where the append path needs one comparison a key and a rebuild would only add
   * work). With orderedRebuildMinKeys 0 (tests) it defers at once, whatever the order.
   */
  loadReplayBegin(expectedKeys: number): void {
    const store = this.store;
    if (!store.loading) return;
    if (expectedKeys < this.orderedRebuildMinKeys || expectedKeys * 4 < store.keyCount) return;
    if (this.orderedRebuildMinKeys === 0) store.deferOrderedIndex();
    else store.watchReplayOrder();
  }

  /**
   * Recovery is over: leaves loading mode and removes every key whose expiry passed while the
   * server was down, before the first request is served (as Redis skips expired keys when it
   * loads as a master). Without this, such keys would linger until the first active-expiry
   * tick and DBSIZE or SCAN could still count them. The work is one pass over the due part of
   * the timing wheel, not bounded per tick: it happens once, before the partition is ready.
   * Then rebuilds the ordered index if loadReplayBegin() deferred it.
   */
  loadEnd(): void {
    const store = this.store;
    store.loading = false;
    const now = this.clock.nowMs();
    store.setNow(now);
    this.expiredThisTick = 0;
    store.wheel.advance(now, Number.MAX_SAFE_INTEGER, this.onDueBound);
    store.rebuildOrderedIndex();
  }

  /** Replaces the write log (the durability layer attaches it after recovery). */
  setWriteLog(writeLog: WriteLog | null): void {
    this.ctx.writeLog = writeLog;
  }

  /**
   * Runs one command. argv[0] is the command name; the engine checks arity itself. Replies go to
   * `out`. Nothing of argv is kept after returning.
   */
  execute(spec: CommandSpec, argv: readonly Uint8Array[], out: ReplySink): void {
    const handler = this.handlers[spec.id];
    if (handler === undefined) {
      out.error("ERR", Errors.unknownCommand(spec.name));
      return;
    }
    const argc = argv.length;
    if (spec.arity >= 0 ? argc !== spec.arity : argc < -spec.arity) {
      out.error("ERR", Errors.wrongArity(spec.name));
      return;
    }
    this.store.nowFresh = false;
    handler(this.ctx, argv, out);
  }

  /**
   * One active-expiry tick: deletes due keys, doing at most `maxWork` units of timing-wheel work
   * (plus as much again compacting stale wheel entries when they pile up). Returns keys expired.
   */
  activeExpire(maxWork: number): number {
    const store = this.store;
    const now = this.clock.nowMs();
    store.setNow(now);
    this.expiredThisTick = 0;
    store.loading = false; // backstop: ticking means recovery is over (see loadBegin)
    if (store.orderedIndexDeferred) store.rebuildOrderedIndex();
    store.wheel.advance(now, maxWork, this.onDueBound);
    if (store.wheel.size > 2 * store.keysWithExpiry + 1024) store.wheel.compact(this.isLiveBound, maxWork);
    return this.expiredThisTick;
  }

  /** Calls `hook` with each key that expires (see PartitionStore.onExpire); null to stop. */
  setExpireHook(hook: ((key: Uint8Array) => void) | null): void {
    this.store.onExpire = hook;
  }

  /** Removes `key` now if its time has passed (lazy expiry, which calls the expire hook); no stats. */
  expireIfDue(key: Uint8Array): void {
    this.store.lookup(key);
  }

  /**
   * A new memory cap (CONFIG SET maxmemory), 0 for none. Below what is reserved already,
   * nothing is taken back: writes that need memory get OOM until deletes make room.
   */
  setMaxMemoryBytes(bytes: number): void {
    assert(Number.isSafeInteger(bytes) && bytes >= 0, "maxMemoryBytes >= 0");
    this.store.maxMemoryBytes = bytes;
  }

  stats(): EngineStats {
    const s = this.store;
    const hashBytes = s.hash.bytes;
    const orderedBytes = s.orderedIndexBytes();
    const wheelBytes = s.wheel.memoryBytes();
    const indexBytes = hashBytes + orderedBytes + wheelBytes;
    const reservedBytes = s.slabs.reservedBytes + indexBytes;
    return {
      keys: s.keyCount,
      usedBytes: s.slabs.usedBytes + indexBytes,
      reservedBytes,
      maxMemoryBytes: s.maxMemoryBytes,
      expiredKeys: s.expiredKeys,
      keyspaceHits: s.keyspaceHits,
      keyspaceMisses: s.keyspaceMisses,
      keysWithExpiry: s.keysWithExpiry,
      itemBytes: s.itemBytes,
      slabUsedBytes: s.slabs.usedBytes,
      slabReservedBytes: s.slabs.reservedBytes,
      slabPages: s.slabs.pageCount,
      slabFreePoolPages: s.slabs.freePoolPages,
      slabRebalancedPages: s.slabs.rebalancedPages,
      slabRelocatedItems: s.slabs.relocatedItems,
      hashIndexBytes: hashBytes,
      hashCapacity: s.hash.capacity,
      orderedIndexBytes: orderedBytes,
      timingWheelBytes: wheelBytes,
      timingWheelEntries: s.wheel.size,
      fragmentationRatio: s.itemBytes === 0 ? 1 : reservedBytes / s.itemBytes,
    };
  }

  // ---- snapshots and restore -------------------------------------------------------------

  /**
   * Starts a fork-less point-in-time snapshot: from now on, snapshotStep() emits every key that
   * exists at this instant exactly once, with the value and expiry it has now, whatever
   * commands run between steps. One snapshot at a time.
   */
  snapshotBegin(): void {
    assert(this.snapshot === null, "snapshotBegin: a snapshot is already running");
    this.store.setNow(this.clock.nowMs());
    this.snapshot = new SnapshotWriter(this.store);
  }

  /**
   * Emits up to `maxItems` items of the running snapshot, in key order. `emit`'s buffers are
   * valid only during the call. Returns true when the snapshot is complete (and ends it).
   */
  snapshotStep(maxItems: number, emit: (key: Uint8Array, value: Uint8Array, expiryMs: number) => void): boolean {
    const snap = this.snapshot;
    assert(snap !== null, "snapshotStep: no snapshot running");
    this.store.setNow(this.clock.nowMs());
    const done = snap.step(maxItems, emit);
    if (done) {
      snap.close();
      this.snapshot = null;
    }
    return done;
  }

  /** Abandons a running snapshot (e.g. its file could not be written). */
  snapshotAbort(): void {
    if (this.snapshot !== null) {
      this.snapshot.close();
      this.snapshot = null;
    }
  }

  get snapshotRunning(): boolean {
    return this.snapshot !== null;
  }

  /**
   * Restores one item (snapshot load): sets key to value with absolute expiry (0 = none),
   * without logging. An item already expired is skipped unless loading mode is on (then it is
   * kept: the write log replayed next may extend its expiry). Throws when memory is exhausted.
   */
  loadItem(key: Uint8Array, value: Uint8Array, expiryMs: number): void {
    this.loadItemRange(key, value, 0, value.length, expiryMs);
  }

  /** loadItem() with the value as bytes[valueOffset, valueOffset + valueLength) (snapshot loading: no view per item). */
  loadItemRange(key: Uint8Array, bytes: Uint8Array, valueOffset: number, valueLength: number, expiryMs: number): void {
    const store = this.store;
    // In loading mode nothing expires, so the clock only feeds the recency bits: read it once
    // per 4096 items rather than per item.
    if (!store.loading || (++this.loadClockCountdown & 4095) === 0) store.setNow(this.clock.nowMs());
    assert(expiryMs >= 0 && expiryMs <= MAX_EXPIRY_MS, "loadItem: expiry in range");
    if (store.isExpired(expiryMs)) return;
    const found = store.lookupForLoad(key);
    const result = store.put(key, found, bytes, valueOffset, valueLength, bytes, 0, 0, expiryMs, false);
    if (result === PUT_OOM) throw new Error("loadItem: out of memory (maxMemoryBytes)");
    if (result !== PUT_OK) throw new Error("loadItem: key or value larger than the configured limits");
  }

  /** Checks every internal invariant (slabs, indexes); throws on a mismatch. For tests. */
  audit(): void {
    const s = this.store;
    s.slabs.audit();
    s.ordered.checkInvariants();
    let n = 0;
    s.hash.forEach((ref) => {
      n++;
      assert(s.isLiveItem(ref), "audit: hash refs are live items");
      assert(s.ordered.find(s.keyOf(ref)) === ref, "audit: ordered index agrees with the hash index");
    });
    assert(n === s.keyCount && n === s.ordered.size, `audit: key counts ${n} ${s.keyCount} ${s.ordered.size}`);
    void NO_REF;
  }

  private onDue(ref: number, _expiryMs: number): void {
    const store = this.store;
    // Entries are never cancelled: check that ref is still a live item and really due now.
    if (!store.isLiveItem(ref)) return;
    const e = store.expiryOf(ref);
    if (e === 0 || e > store.nowMs) return;
    if (store.onExpire !== null) store.onExpire(store.keyOf(ref));
    store.removeRef(ref);
    store.expiredKeys++;
    this.expiredThisTick++;
  }
}
