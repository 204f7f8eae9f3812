import { assert } from "./assert.js";
import * as hashModule from "./hash.js";
import { HashIndex, type HashKeySource } from "./hash-index.js";
import * as layout from "./item-layout.js";
import type { Clock } from "./engine-types.js";
import type { KeyStore } from "./key-store.js";
import { OrderedIndex } from "./ordered-index.js";
import { sortRefsByKey } from "./key-sort.js";
import { SlabAllocator, type MemoryBudget, type RelocationListener } from "./slab-allocator.js";
import { TimingWheel } from "./timing-wheel.js";

// Local copies: under some loaders (tsx's CommonJS path) imported bindings are read through
// getter calls on every access; hot paths read plain module constants instead.
const { hashBytes } = hashModule;
const { CHUNK_HEADER_BYTES, EXPIRY_HI_MASK, FLAG_CHAINED, FLAG_CHUNK, FLAG_FREE, FLAGS_MASK, ITEM_HEADER_BYTES, KEY_LENGTH_MASK, MAX_KEY_BYTES, NO_REF, VALUE_LENGTH_MASK, VERSION_MASK, VERSION_SHIFT, W_CHUNK_NEXT, W_EXPIRY_HI_VERSION, W_EXPIRY_LO, W_KEY, W_VALUE } = layout;

/**
 * A key's share of the indexes, for MEMORY USAGE: a 5-byte hash slot at the table's ~65% mean
 * load (it grows 1.5x past 80%), and ~5.4 bytes of B+tree leaves (ordered-index.ts, measured at
 * 1 M keys). An estimate per key, not the tables' current size divided by a small key count.
 */
const INDEX_BYTES_PER_KEY = 13;

/** Outcome of a write to the store. */
export const PutResult = {
  OK: 0,
  /** The memory cap leaves no room. */
  OOM: 1,
  /** The value is larger than maxValueBytes. */
  TOO_BIG: 2,
  /** The key is longer than MAX_KEY_BYTES. */
  KEY_TOO_BIG: 3,
} as const;
export type PutResult = (typeof PutResult)[keyof typeof PutResult];

/** What a running snapshot needs to hear about, to keep its point-in-time view. */
export interface SnapshotHook {
  /** The live item `ref` is about to be modified, replaced or deleted. */
  beforeChange(ref: number): void;
  /** `key` was just created. */
  created(key: Uint8Array): void;
}

export interface StoreOptions {
  maxMemoryBytes: number;
  maxValueBytes: number;
  growthFactor: number;
  slabPageBytes: number;
  clock: Clock;
}

/** Smallest slot: a 16-byte header plus a short key and value (e.g. 8 + 16 bytes). */
const MIN_SLOT_BYTES = 40;
const EMPTY = new Uint8Array(0);
/** New keys a long replay inserts before it decides whether to defer the ordered index (watchReplayOrder). */
const ORDER_SAMPLE_INSERTS = 10_000;

/**
 * The keyspace of one partition: items in slabs, the hash index (key -> ref), the ordered
 * index (key order, for SCAN/KEYS) and the timing wheel (active expiry). It offers key-level
 * operations to the command handlers and keeps the three indexes consistent through every
 * write, delete, expiry and item move. It knows nothing of commands or replies.
 *
 * Time: now() reads the clock at most once per command (the engine marks it stale before each
 * command) and only when something needs it, so a command sees one instant and a GET of a key
 * without expiry never reads the clock.
 */
export class PartitionStore implements KeyStore, HashKeySource, RelocationListener, MemoryBudget {
  readonly slabs: SlabAllocator;
  readonly hash: HashIndex;
  private readonly orderedIndex: OrderedIndex;
  /** The ordered index, rebuilt first if a replay deferred it (scans and snapshots read it). */
  get ordered(): OrderedIndex {
    if (this.orderedDeferred) this.rebuildOrderedIndex();
    return this.orderedIndex;
  }
  wheel: TimingWheel;
  /** 0 = no cap. Changed at run time by CONFIG SET maxmemory (PartitionEngine.setMaxMemoryBytes). */
  maxMemoryBytes: number;
  readonly maxValueBytes: number;
  /** Longest key: what the header holds, and what fits in the largest slot with a chain link. */
  readonly maxKeyBytes: number;

  /** The instant of the current command, valid while nowFresh. */
  nowMs: number;
  nowFresh = false;
  /** Coarse clock for the recency bits (minutes, 8 bits), refreshed whenever the clock is read. */
  private recencyMinutes = 0;
  private readonly clock: Clock;
  /**
   * Loading (snapshot restore, write-log replay): nothing expires, as in Redis while loading.
   * A replayed absolute expiry may lie in the past although a later record extends it.
   */
  loading = false;
  /**
   * The ordered index is left alone (and stale) until rebuildOrderedIndex(): set for a WAL
   * replay of many keys in random order, whose one-by-one B+tree inserts miss the CPU cache at
   * every level. Nothing may scan meanwhile (recovery serves no requests).
   */
  private orderedDeferred = false;
  /**
   * A long replay is running: after ORDER_SAMPLE_INSERTS new keys, defer the ordered index if
   * most of them were not in ascending order (replayed in key order, the B+tree's append path
   * costs one comparison a key and a rebuild would only add work). -1 when not watching.
   */
  private replayInsertsLeft = -1;
  private replayAppendsAtStart = 0;
  /** Hash of the key given to the last lookup(), reused by the insert that may follow. */
  lastHash = 0;

  // Value of the last loadValue(): a byte range valid until the next write.
  valueBytes: Uint8Array = EMPTY;
  valueOffset = 0;
  valueLength = 0;

  /**
   * Called with the key of each item that expires (lazily here, or actively from the engine's
   * timing wheel), before it is removed; null (the default) costs one check per expiry. WATCH
   * uses it: a watched key that expires fails EXEC, as in Redis 6.0.9+.
   */
  onExpire: ((key: Uint8Array) => void) | null = null;

  // Counters.
  expiredKeys = 0;
  /** Read lookups that found / did not find their key (Redis's keyspace_hits / _misses). */
  keyspaceHits = 0;
  keyspaceMisses = 0;
  keysWithExpiry = 0;
  /** Exact bytes of items: headers + keys + values (+ chunk headers). */
  itemBytes = 0;
  private version = 0;
  /** Bumped by every relocation, so callers holding a ref know to look it up again. */
  relocationEpoch = 0;
  /** Hook for snapshots: told before an item changes or vanishes, and when a key is created. */
  snapshotHook: SnapshotHook | null = null;

  private readonly u8: Uint8Array[];
  private readonly u32: Uint32Array[];
  private readonly unitShift: number;
  private readonly unitMask: number;
  private readonly chunkClass: number;
  private readonly chunkPayloadBytes: number;

  constructor(options: StoreOptions) {
    this.maxMemoryBytes = options.maxMemoryBytes;
    this.maxValueBytes = options.maxValueBytes;
    this.clock = options.clock;
    this.nowMs = options.clock.nowMs();
    this.nowFresh = true;
    this.slabs = new SlabAllocator({
      pageBytes: options.slabPageBytes,
      growthFactor: options.growthFactor,
      minSlotBytes: MIN_SLOT_BYTES,
      budget: this,
      listener: this,
    });
    this.u8 = this.slabs.u8;
    this.u32 = this.slabs.u32;
    this.unitShift = this.slabs.unitShift;
    this.unitMask = this.slabs.unitMask;
    this.chunkClass = this.slabs.classCount - 1;
    this.maxKeyBytes = Math.min(MAX_KEY_BYTES, this.slabs.maxSlotBytes - ITEM_HEADER_BYTES - 4);
    this.chunkPayloadBytes = this.slabs.maxSlotBytes - CHUNK_HEADER_BYTES;
    this.hash = new HashIndex(this, 1024, 0.8, 64, (bytes) => this.canReserve(bytes));
    this.orderedIndex = new OrderedIndex(this);
    this.wheel = new TimingWheel(this.nowMs);
  }

  get keyCount(): number {
    return this.hash.count;
  }

  /** From now until rebuildOrderedIndex(), writes leave the ordered index alone (see orderedDeferred). */
  deferOrderedIndex(): void {
    this.orderedDeferred = true;
    this.replayInsertsLeft = -1;
  }

  /** A long replay starts: watch the order of its first new keys (see replayInsertsLeft). */
  watchReplayOrder(): void {
    this.replayInsertsLeft = ORDER_SAMPLE_INSERTS;
    this.replayAppendsAtStart = this.orderedIndex.appendedInserts;
  }

  /** Called after each ordered-index insert while watching. */
  private noteReplayInsert(): void {
    if (--this.replayInsertsLeft > 0) return;
    this.replayInsertsLeft = -1;
    const appended = this.orderedIndex.appendedInserts - this.replayAppendsAtStart;
    if (appended * 2 < ORDER_SAMPLE_INSERTS) this.deferOrderedIndex();
  }

  get orderedIndexDeferred(): boolean {
    return this.orderedDeferred;
  }

  /** Memory of the ordered index, without rebuilding a deferred one (stats run during recovery). */
  orderedIndexBytes(): number {
    return this.orderedIndex.memoryBytes();
  }

  /**
   * Ends deferOrderedIndex(): builds the ordered index anew from the hash index, every key
   * sorted in one go (key-sort.ts) and bulk-loaded (OrderedIndex.bulkLoad, no key read).
   * Transient memory: 24 bytes a key. Returns the keys indexed (0 when nothing was deferred).
   */
  rebuildOrderedIndex(): number {
    this.replayInsertsLeft = -1;
    if (!this.orderedDeferred) return 0;
    this.orderedDeferred = false;
    const refs = new Uint32Array(this.hash.count);
    let n = 0;
    this.hash.forEach((ref) => {
      refs[n++] = ref;
    });
    assert(n === refs.length, "rebuildOrderedIndex: the hash index enumerates its count");
    sortRefsByKey(refs, this);
    this.orderedIndex.bulkLoad(refs);
    return n;
  }

  /** Memory the cap applies to: slab pages reserved plus the index tables. */
  reservedBytes(): number {
    return this.slabs.reservedBytes + this.hash.bytes + this.orderedIndex.memoryBytes() + this.wheel.memoryBytes();
  }

  // ---- MemoryBudget ----------------------------------------------------------------------

  canReserve(bytes: number): boolean {
    // Not while loading (as Redis): recovery keeps keys that expired while the server was down
    // until the WAL is replayed (a PERSIST there may save them), so it can briefly hold more
    // than the run did; refusing then would drop acknowledged writes as OOM. loadEnd sweeps them.
    if (this.maxMemoryBytes === 0 || this.loading) return true;
    // The ordered index grows without asking (a split cannot be refused halfway): keep its next
    // growth free.
    return this.reservedBytes() + bytes + this.orderedIndex.growthReserveBytes() <= this.maxMemoryBytes;
  }

  // ---- KeyStore / HashKeySource ----------------------------------------------------------

  keyOf(ref: number): Uint8Array {
    const page = ref >>> this.unitShift;
    const off = (ref & this.unitMask) << 3;
    const len = this.u32[page]![off >>> 2]! & KEY_LENGTH_MASK;
    return this.u8[page]!.subarray(off + ITEM_HEADER_BYTES, off + ITEM_HEADER_BYTES + len);
  }

  keyEquals(ref: number, key: Uint8Array): boolean {
    const page = ref >>> this.unitShift;
    const off = (ref & this.unitMask) << 3;
    const len = key.length;
    if ((this.u32[page]![off >>> 2]! & KEY_LENGTH_MASK) !== len) return false;
    const bytes = this.u8[page]!;
    const base = off + ITEM_HEADER_BYTES;
    for (let i = 0; i < len; i++) if (bytes[base + i] !== key[i]) return false;
    return true;
  }

  hashOfRef(ref: number): number {
    const page = ref >>> this.unitShift;
    const off = (ref & this.unitMask) << 3;
    return hashBytes(this.u8[page]!, off + ITEM_HEADER_BYTES, this.u32[page]![off >>> 2]! & KEY_LENGTH_MASK);
  }

  compareRefs(a: number, b: number): number {
    const pa = a >>> this.unitShift;
    const oa = (a & this.unitMask) << 3;
    const pb = b >>> this.unitShift;
    const ob = (b & this.unitMask) << 3;
    const la = this.u32[pa]![oa >>> 2]! & KEY_LENGTH_MASK;
    const lb = this.u32[pb]![ob >>> 2]! & KEY_LENGTH_MASK;
    const ba = this.u8[pa]!;
    const bb = this.u8[pb]!;
    const n = la < lb ? la : lb;
    const sa = oa + ITEM_HEADER_BYTES;
    const sb = ob + ITEM_HEADER_BYTES;
    for (let i = 0; i < n; i++) {
      const d = ba[sa + i]! - bb[sb + i]!;
      if (d !== 0) return d;
    }
    return la - lb;
  }

  compareRefToKey(ref: number, key: Uint8Array): number {
    const page = ref >>> this.unitShift;
    const off = (ref & this.unitMask) << 3;
    const len = this.u32[page]![off >>> 2]! & KEY_LENGTH_MASK;
    const bytes = this.u8[page]!;
    const base = off + ITEM_HEADER_BYTES;
    const klen = key.length;
    const n = len < klen ? len : klen;
    for (let i = 0; i < n; i++) {
      const d = bytes[base + i]! - key[i]!;
      if (d !== 0) return d;
    }
    return len - klen;
  }

  refHasPrefix(ref: number, prefix: Uint8Array): boolean {
    const page = ref >>> this.unitShift;
    const off = (ref & this.unitMask) << 3;
    const len = this.u32[page]![off >>> 2]! & KEY_LENGTH_MASK;
    const plen = prefix.length;
    if (len < plen) return false;
    const bytes = this.u8[page]!;
    const base = off + ITEM_HEADER_BYTES;
    for (let i = 0; i < plen; i++) if (bytes[base + i] !== prefix[i]) return false;
    return true;
  }

  // ---- item fields -----------------------------------------------------------------------

  /** Absolute expiry in ms, 0 = none. */
  expiryOf(ref: number): number {
    const words = this.u32[ref >>> this.unitShift]!;
    const w = ((ref & this.unitMask) << 3) >>> 2;
    return words[w + W_EXPIRY_LO]! + (words[w + W_EXPIRY_HI_VERSION]! & EXPIRY_HI_MASK) * 4294967296;
  }

  versionOf(ref: number): number {
    const words = this.u32[ref >>> this.unitShift]!;
    return words[(((ref & this.unitMask) << 3) >>> 2) + W_EXPIRY_HI_VERSION]! >>> VERSION_SHIFT;
  }

  /**
   * Bytes the item at `ref` takes (MEMORY USAGE): its slab slot, the chunk slots of a chained
   * value, and its share of the hash and ordered indexes (INDEX_BYTES_PER_KEY).
   */
  footprintOf(ref: number): number {
    let bytes = this.slabs.slotBytesOf(ref);
    const vword = this.u32[ref >>> this.unitShift]![(((ref & this.unitMask) << 3) >>> 2) + W_VALUE]!;
    if ((vword & FLAG_CHAINED) !== 0) bytes += Math.ceil((vword & VALUE_LENGTH_MASK) / this.chunkPayloadBytes) * this.slabs.maxSlotBytes;
    return bytes + INDEX_BYTES_PER_KEY;
  }

  /** The value is a chain of chunks (OBJECT ENCODING). */
  isChained(ref: number): boolean {
    return (this.u32[ref >>> this.unitShift]![(((ref & this.unitMask) << 3) >>> 2) + W_VALUE]! & FLAG_CHAINED) !== 0;
  }

  /** Seconds since the item was last read or written, from the 8-bit minute clock (OBJECT IDLETIME). */
  idleSecondsOf(ref: number): number {
    this.now(); // refreshes the minute clock
    const word = this.u32[ref >>> this.unitShift]![(((ref & this.unitMask) << 3) >>> 2) + W_KEY]!;
    return ((this.recencyMinutes - ((word >>> 16) & 0xff)) & 0xff) * 60;
  }

  valueLengthOf(ref: number): number {
    return this.u32[ref >>> this.unitShift]![(((ref & this.unitMask) << 3) >>> 2) + W_VALUE]! & VALUE_LENGTH_MASK;
  }

  /** Loads the value of `ref` into valueBytes/valueOffset/valueLength (a copy only for chained values). */
  loadValue(ref: number): void {
    const page = ref >>> this.unitShift;
    const off = (ref & this.unitMask) << 3;
    const words = this.u32[page]!;
    const w = off >>> 2;
    const vword = words[w + W_VALUE]!;
    const len = vword & VALUE_LENGTH_MASK;
    const keyLen = words[w + W_KEY]! & KEY_LENGTH_MASK;
    if ((vword & FLAG_CHAINED) === 0) {
      this.valueBytes = this.u8[page]!;
      this.valueOffset = off + ITEM_HEADER_BYTES + keyLen;
      this.valueLength = len;
      return;
    }
    // Chained: gather the chunks into one buffer (large values only, so the copy is acceptable).
    const out = new Uint8Array(len);
    let chunk = readU32(this.u8[page]!, off + ITEM_HEADER_BYTES + keyLen);
    let at = 0;
    while (chunk !== NO_REF) {
      const cp = chunk >>> this.unitShift;
      const co = (chunk & this.unitMask) << 3;
      const cw = this.u32[cp]!;
      const n = cw[(co >>> 2) + W_VALUE]! & VALUE_LENGTH_MASK;
      out.set(this.u8[cp]!.subarray(co + CHUNK_HEADER_BYTES, co + CHUNK_HEADER_BYTES + n), at);
      at += n;
      chunk = cw[(co >>> 2) + W_CHUNK_NEXT]!;
    }
    assert(at === len, "chained value length");
    this.valueBytes = out;
    this.valueOffset = 0;
    this.valueLength = len;
  }

  /** Updates the recency and frequency bits (Redis-style logarithmic counter) of an accessed item. */
  touch(ref: number): void {
    const words = this.u32[ref >>> this.unitShift]!;
    const w = ((ref & this.unitMask) << 3) >>> 2;
    const word = words[w + W_KEY]!;
    let freq = word >>> 24;
    if (freq < 255) {
      // Increment with probability 1 / (freq * 10 + 1), from a cheap xorshift.
      let x = this.rng;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.rng = x;
      if ((x >>> 0) / 4294967296 < 1 / (freq * 10 + 1)) freq++;
    }
    const minutes = this.recencyMinutes;
    words[w + W_KEY] = ((word & KEY_LENGTH_MASK) | (minutes << 16) | (freq << 24)) >>> 0;
  }
  private rng = 0x2545f491;

  /** The current command's instant (reads the clock once per command, on first use). */
  now(): number {
    if (!this.nowFresh) this.setNow(this.clock.nowMs());
    return this.nowMs;
  }

  /** Fixes the instant (engine: activeExpire, snapshots, loads). */
  setNow(nowMs: number): void {
    this.nowMs = nowMs;
    this.nowFresh = true;
    this.recencyMinutes = Math.floor(nowMs / 60000) & 0xff;
  }

  // ---- lookups ---------------------------------------------------------------------------

  /**
   * The ref of `key`, or NO_REF when missing. An expired item is deleted on the way (lazy
   * expiry). Leaves the hash index positioned on the key for remove()/put().
   */
  /** lookup() for a command that reads the key: counts a keyspace hit or miss (INFO stats). */
  lookupRead(key: Uint8Array): number {
    const ref = this.lookup(key);
    if (ref === NO_REF) this.keyspaceMisses++;
    else this.keyspaceHits++;
    return ref;
  }

  lookup(key: Uint8Array): number {
    const h = hashBytes(key, 0, key.length);
    this.lastHash = h;
    const ref = this.hash.find(key, h);
    if (ref === NO_REF) return NO_REF;
    const words = this.u32[ref >>> this.unitShift]!;
    const w = ((ref & this.unitMask) << 3) >>> 2;
    const lo = words[w + W_EXPIRY_LO]!;
    const hi = words[w + W_EXPIRY_HI_VERSION]! & EXPIRY_HI_MASK;
    if ((lo | hi) !== 0 && lo + hi * 4294967296 <= this.now() && !this.loading) {
      if (this.onExpire !== null) this.onExpire(key);
      this.removeFound(key, ref);
      this.expiredKeys++;
      return NO_REF;
    }
    return ref;
  }

  /**
   * lookup() for loading: a key that sorts after every stored key (snapshots are written in key
   * order) is absent without probing the hash index; the insert that follows probes it once.
   */
  lookupForLoad(key: Uint8Array): number {
    if (!this.orderedDeferred && this.orderedIndex.sortsAfterLast(key)) {
      this.lastHash = hashBytes(key, 0, key.length);
      return NO_REF;
    }
    return this.lookup(key);
  }

  /** True when an item with expiry `expiryMs` is expired now. */
  isExpired(expiryMs: number): boolean {
    return expiryMs !== 0 && expiryMs <= this.now() && !this.loading;
  }

  // ---- writes ----------------------------------------------------------------------------

  /**
   * Writes `key` with value a[aOff, aOff+aLen) followed by b[bOff, bOff+bLen) and absolute expiry
   * `expiryMs` (0 = none). `found` is the key's current ref from the lookup() just before, or
   * NO_REF. When `aIsOldValue` is set, `a` is the current value of the item (APPEND), which is
   * then kept in place instead of copied, or re-read if the item moved meanwhile.
   */
  put(
    key: Uint8Array,
    found: number,
    a: Uint8Array,
    aOff: number,
    aLen: number,
    b: Uint8Array,
    bOff: number,
    bLen: number,
    expiryMs: number,
    aIsOldValue: boolean,
  ): PutResult {
    const valueLen = aLen + bLen;
    if (valueLen > this.maxValueBytes) return PutResult.TOO_BIG;
    const keyLen = key.length;
    if (keyLen > this.maxKeyBytes) return PutResult.KEY_TOO_BIG;
    const itemBytes = ITEM_HEADER_BYTES + keyLen + valueLen;
    const chained = itemBytes > this.slabs.maxSlotBytes;
    const headBytes = chained ? ITEM_HEADER_BYTES + keyLen + 4 : itemBytes;
    const cls = this.slabs.classFor(headBytes);
    assert(cls >= 0, "a key fits in a slot");
    const version = (this.version = (this.version + 1) & VERSION_MASK);

    if (found !== NO_REF) {
      if (this.snapshotHook !== null) this.snapshotHook.beforeChange(found);
      const oldExpiry = this.expiryOf(found);
      const fw = this.u32[found >>> this.unitShift]![(((found & this.unitMask) << 3) >>> 2) + W_VALUE]!;
      if (!chained && (fw & FLAG_CHAINED) === 0 && this.slabs.classOfRef(found) === cls) {
        // Same size class: rewrite in place; no index changes.
        const page = found >>> this.unitShift;
        const off = (found & this.unitMask) << 3;
        const bytes = this.u8[page]!;
        const voff = off + ITEM_HEADER_BYTES + keyLen;
        if (!aIsOldValue) copyInto(bytes, voff, a, aOff, aLen);
        copyInto(bytes, voff + aLen, b, bOff, bLen);
        this.itemBytes += valueLen - (fw & VALUE_LENGTH_MASK);
        this.writeHeaderTail(this.u32[page]!, off >>> 2, valueLen, 0, expiryMs, version);
        this.noteExpiryChange(found, oldExpiry, expiryMs, false);
        return PutResult.OK;
      }
    }

    const epoch = this.relocationEpoch;
    // Chunks first: they come from the largest class, which rebalancing never evacuates, whereas
    // the head's fresh (unindexed) slot must not exist while rebalancing may move slots around.
    let firstChunk = NO_REF;
    if (chained) {
      firstChunk = this.allocChunks(valueLen);
      if (firstChunk === NO_CHUNKS) return PutResult.OOM;
    }
    const ref = this.slabs.alloc(cls);
    if (ref === NO_REF) {
      if (chained) this.freeChunks(firstChunk);
      return PutResult.OOM;
    }
    if (found !== NO_REF && this.relocationEpoch !== epoch) {
      // Rebalancing moved items (maybe this one): find the key again, and its value if we copy it.
      found = this.hash.find(key, this.lastHash);
      assert(found !== NO_REF, "put: the key survives relocation");
      if (aIsOldValue) {
        this.loadValue(found);
        a = this.valueBytes;
        aOff = this.valueOffset;
      }
    }
    // Write the new item.
    const page = ref >>> this.unitShift;
    const off = (ref & this.unitMask) << 3;
    const bytes = this.u8[page]!;
    const words = this.u32[page]!;
    // New items start with Redis's initial LFU count (5), so they are not the first evicted.
    words[(off >>> 2) + W_KEY] = (keyLen | (this.recencyMinutes << 16) | (LFU_INIT << 24)) >>> 0;
    copyInto(bytes, off + ITEM_HEADER_BYTES, key, 0, keyLen);
    if (!chained) {
      const voff = off + ITEM_HEADER_BYTES + keyLen;
      copyInto(bytes, voff, a, aOff, aLen);
      copyInto(bytes, voff + aLen, b, bOff, bLen);
      this.itemBytes += itemBytes;
    } else {
      writeU32(bytes, off + ITEM_HEADER_BYTES + keyLen, firstChunk);
      this.fillChunks(firstChunk, a, aOff, aLen, b, bOff, bLen);
      this.itemBytes += headBytes + valueLen + CHUNK_HEADER_BYTES * Math.ceil(valueLen / this.chunkPayloadBytes);
    }
    this.writeHeaderTail(words, off >>> 2, valueLen, chained ? FLAG_CHAINED : 0, expiryMs, version);

    if (found !== NO_REF) {
      const oldExpiry = this.expiryOf(found);
      this.hash.setFoundRef(ref);
      if (!this.orderedDeferred) this.orderedIndex.replaceRef(key, ref);
      this.freeItem(found);
      this.noteExpiryChange(ref, oldExpiry, expiryMs, true);
      return PutResult.OK;
    }
    if (!this.hash.insert(this.lastHash, ref)) {
      this.freeItem(ref);
      return PutResult.OOM;
    }
    if (!this.orderedDeferred) {
      this.orderedIndex.insert(ref, key);
      if (this.replayInsertsLeft > 0) this.noteReplayInsert();
    }
    this.noteExpiryChange(ref, 0, expiryMs, true);
    if (this.snapshotHook !== null) this.snapshotHook.created(key);
    return PutResult.OK;
  }

  /** Sets the expiry of the live item `ref` (0 = persist). */
  setExpiry(ref: number, expiryMs: number): void {
    if (this.snapshotHook !== null) this.snapshotHook.beforeChange(ref);
    const old = this.expiryOf(ref);
    const words = this.u32[ref >>> this.unitShift]!;
    const w = ((ref & this.unitMask) << 3) >>> 2;
    const version = (this.version = (this.version + 1) & VERSION_MASK);
    this.writeHeaderTail(words, w, words[w + W_VALUE]! & VALUE_LENGTH_MASK, words[w + W_VALUE]! & FLAGS_MASK, expiryMs, version);
    this.noteExpiryChange(ref, old, expiryMs, false);
  }

  /** Deletes the item `ref` of `key`, which the last lookup()/find positioned the hash index on. */
  removeFound(key: Uint8Array, ref: number): void {
    if (this.snapshotHook !== null) this.snapshotHook.beforeChange(ref);
    if (this.expiryOf(ref) !== 0) this.keysWithExpiry--;
    this.hash.deleteFound();
    if (!this.orderedDeferred) {
      const removed = this.orderedIndex.delete(key);
      assert(removed === ref, "ordered index holds the same ref as the hash index");
    }
    this.freeItem(ref);
  }

  /** Deletes the live item `ref` (active expiry): positions the hash index itself. */
  removeRef(ref: number): void {
    const key = this.keyOf(ref);
    const found = this.hash.find(key, this.hashOfRef(ref));
    assert(found === ref, "removeRef: the hash index holds the ref");
    this.removeFound(key, ref);
  }

  /** Drops every key (FLUSHALL). Slab pages are kept for reuse. */
  clear(): void {
    const refs: number[] = [];
    this.hash.forEach((ref) => refs.push(ref));
    for (const ref of refs) {
      if (this.snapshotHook !== null) this.snapshotHook.beforeChange(ref);
      this.freeItem(ref);
    }
    this.hash.clear();
    this.orderedIndex.clear();
    this.wheel.clear();
    this.keysWithExpiry = 0;
  }

  /** True when `ref` is the start of a live item (not free, not a chunk): validates wheel entries. */
  isLiveItem(ref: number): boolean {
    if (!this.slabs.isSlotStart(ref)) return false;
    const vw = this.u32[ref >>> this.unitShift]![(((ref & this.unitMask) << 3) >>> 2) + W_VALUE]!;
    return (vw & (FLAG_CHUNK | FLAG_FREE)) === 0;
  }

  // ---- RelocationListener ----------------------------------------------------------------

  relocated(oldRef: number, newRef: number): void {
    this.relocationEpoch++;
    const key = this.keyOf(newRef);
    const found = this.hash.find(key, this.hashOfRef(newRef));
    assert(found === oldRef, "relocated: the hash index holds the old ref");
    this.hash.setFoundRef(newRef);
    if (!this.orderedDeferred) this.orderedIndex.replaceRef(key, newRef);
    const expiry = this.expiryOf(newRef);
    if (expiry !== 0) this.wheel.schedule(newRef, expiry);
  }

  // ---- internals -------------------------------------------------------------------------

  private writeHeaderTail(words: Uint32Array, w: number, valueLen: number, flags: number, expiryMs: number, version: number): void {
    words[w + W_VALUE] = (valueLen | flags) >>> 0;
    // Split without `%`: with a divisor that is not a small integer V8 compiles it to a
    // floating-point modulo call, which showed in the snapshot-load profile (one per item).
    const hi = expiryMs < 4294967296 ? 0 : Math.floor(expiryMs / 4294967296);
    const lo = expiryMs - hi * 4294967296;
    words[w + W_EXPIRY_LO] = lo;
    words[w + W_EXPIRY_HI_VERSION] = (hi | (version << VERSION_SHIFT)) >>> 0;
  }

  private noteExpiryChange(ref: number, oldExpiry: number, newExpiry: number, refChanged: boolean): void {
    if (oldExpiry === 0 && newExpiry !== 0) this.keysWithExpiry++;
    else if (oldExpiry !== 0 && newExpiry === 0) this.keysWithExpiry--;
    if (newExpiry !== 0 && (refChanged || newExpiry !== oldExpiry)) this.wheel.schedule(ref, newExpiry);
  }

  /** Allocates the chunks for a chained value; returns the first, or NO_CHUNKS (all freed again). */
  private allocChunks(valueLen: number): number {
    const n = Math.ceil(valueLen / this.chunkPayloadBytes);
    let first = NO_REF;
    let prev = NO_REF;
    for (let i = 0; i < n; i++) {
      const c = this.slabs.alloc(this.chunkClass);
      if (c === NO_REF) {
        this.freeChunks(first);
        return NO_CHUNKS;
      }
      const cw = this.u32[c >>> this.unitShift]!;
      const w = ((c & this.unitMask) << 3) >>> 2;
      cw[w + W_CHUNK_NEXT] = NO_REF;
      cw[w + W_VALUE] = FLAG_CHUNK >>> 0;
      if (prev === NO_REF) first = c;
      else this.u32[prev >>> this.unitShift]![(((prev & this.unitMask) << 3) >>> 2) + W_CHUNK_NEXT] = c;
      prev = c;
    }
    return first;
  }

  private fillChunks(first: number, a: Uint8Array, aOff: number, aLen: number, b: Uint8Array, bOff: number, bLen: number): void {
    let chunk = first;
    let room = 0;
    let at = 0;
    let bytes: Uint8Array = EMPTY;
    let words: Uint32Array | null = null;
    let w = 0;
    const payload = this.chunkPayloadBytes;
    for (let part = 0; part < 2; part++) {
      const src = part === 0 ? a : b;
      let srcOff = part === 0 ? aOff : bOff;
      let left = part === 0 ? aLen : bLen;
      while (left > 0) {
        if (room === 0) {
          assert(chunk !== NO_REF, "enough chunks");
          const page = chunk >>> this.unitShift;
          const off = (chunk & this.unitMask) << 3;
          bytes = this.u8[page]!;
          words = this.u32[page]!;
          w = off >>> 2;
          at = off + CHUNK_HEADER_BYTES;
          room = payload;
          chunk = words[w + W_CHUNK_NEXT]!;
        }
        const n = left < room ? left : room;
        bytes.set(src.subarray(srcOff, srcOff + n), at);
        at += n;
        srcOff += n;
        left -= n;
        room -= n;
        words![w + W_VALUE] = (FLAG_CHUNK | (payload - room)) >>> 0;
      }
    }
  }

  private freeChunks(first: number): void {
    let c = first;
    while (c !== NO_REF) {
      const next = this.u32[c >>> this.unitShift]![(((c & this.unitMask) << 3) >>> 2) + W_CHUNK_NEXT]!;
      this.slabs.free(c);
      c = next;
    }
  }

  private freeItem(ref: number): void {
    const page = ref >>> this.unitShift;
    const off = (ref & this.unitMask) << 3;
    const words = this.u32[page]!;
    const vw = words[(off >>> 2) + W_VALUE]!;
    const keyLen = words[(off >>> 2) + W_KEY]! & KEY_LENGTH_MASK;
    const valueLen = vw & VALUE_LENGTH_MASK;
    if ((vw & FLAG_CHAINED) !== 0) {
      this.freeChunks(readU32(this.u8[page]!, off + ITEM_HEADER_BYTES + keyLen));
      this.itemBytes -= ITEM_HEADER_BYTES + keyLen + 4 + valueLen + CHUNK_HEADER_BYTES * Math.ceil(valueLen / this.chunkPayloadBytes);
    } else {
      this.itemBytes -= ITEM_HEADER_BYTES + keyLen + valueLen;
    }
    this.slabs.free(ref);
  }
}

const NO_CHUNKS = -1;
const LFU_INIT = 5;

function copyInto(dst: Uint8Array, dstOff: number, src: Uint8Array, srcOff: number, len: number): void {
  if (len < 64) {
    for (let i = 0; i < len; i++) dst[dstOff + i] = src[srcOff + i]!;
  } else if (srcOff === 0 && len === src.length) {
    dst.set(src, dstOff);
  } else {
    dst.set(src.subarray(srcOff, srcOff + len), dstOff);
  }
}

function readU32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

function writeU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}
