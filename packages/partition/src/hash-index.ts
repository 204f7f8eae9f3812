import { assert } from "./assert.js";
import * as layout from "./item-layout.js";

// Local copies: under some loaders (tsx's CommonJS path) imported bindings are read through
// getter calls on every access; hot paths read plain module constants instead.
const { NO_REF } = layout;

/** What the hash index needs from the item store: key equality and re-hashing for migration. */
export interface HashKeySource {
  /** True when the item `ref` has exactly the key `key`. */
  keyEquals(ref: number, key: Uint8Array): boolean;
  /** hashBytes() of the item's key. */
  hashOfRef(ref: number): number;
}

/** A table: `capacity` slots of (ref u32, fingerprint u8) in one SharedArrayBuffer. */
class Table {
  readonly refs: Uint32Array;
  readonly fps: Uint8Array;
  /** Live entries and tombstones (both make probe chains longer). */
  live = 0;
  tombstones = 0;
  constructor(readonly capacity: number) {
    const sab = new SharedArrayBuffer(capacity * 5);
    this.refs = new Uint32Array(sab, 0, capacity);
    this.fps = new Uint8Array(sab, capacity * 4, capacity);
  }
  get bytes(): number {
    return this.capacity * 5;
  }
}

const EMPTY = 0;
const TOMBSTONE = 255;

/**
 * The primary key index: open addressing with linear probing over typed arrays in SAB. Each
 * slot is 5 bytes (a 32-bit item ref and an 8-bit fingerprint of the hash, 1..254; 0 = empty,
 * 255 = tombstone); the fingerprint spares most key comparisons (each one reads slab memory).
 *
 * Slot = high bits of the hash scaled to the capacity (Lemire's multiply-shift), so the
 * capacity need not be a power of two and can grow by 1.5x: that keeps bytes per key lower
 * (the table is 5 B / slot, ~7-10 B / key) than doubling would.
 *
 * Deletes leave tombstones (a backward shift would need every displaced key re-hashed, i.e. a
 * slab read per entry). Inserts reuse the first tombstone on their probe path, and when live +
 * tombstones pass the load limit the table is rebuilt, growing only if the live entries need it,
 * so deletes never degrade lookups for long.
 *
 * Rebuilds are incremental: a new table is allocated and every insert or delete afterwards also
 * migrates `migrateSlotsPerOp` slots of the old table. During migration lookups consult the new
 * table, then the old one (ignoring old slots below the migration cursor, which are copies). The
 * old table is never shifted, only tombstoned, so its probe chains stay intact until it is dropped.
 */
export class HashIndex {
  private cur: Table;
  private old: Table | null = null;
  private cursor = 0;
  /** Where the last successful find() found its key: which table, which slot. */
  private foundInOld = false;
  private foundSlot = -1;
  /** Keys in the index. */
  count = 0;
  migrations = 0;

  constructor(
    private readonly keys: HashKeySource,
    initialCapacity = 1024,
    private readonly maxLoad = 0.8,
    private readonly migrateSlotsPerOp = 64,
    /** Asked before allocating a bigger table; when it says no, the table fills up to 95% then refuses. */
    private readonly canReserve: (bytes: number) => boolean = () => true,
  ) {
    assert(initialCapacity >= 8 && maxLoad > 0.3 && maxLoad <= 0.9, "hash index parameters");
    this.cur = new Table(initialCapacity);
  }

  get capacity(): number {
    return this.cur.capacity;
  }
  get migrating(): boolean {
    return this.old !== null;
  }
  /** Bytes of SAB held by the tables (both, during migration). */
  get bytes(): number {
    return this.cur.bytes + (this.old === null ? 0 : this.old.bytes);
  }

  /** The ref of `key` (whose hash is `hash`), or NO_REF. Remembers the slot for setFoundRef/deleteFound. */
  find(key: Uint8Array, hash: number): number {
    const fp = fingerprint(hash);
    let t = this.cur;
    let cap = t.capacity;
    let s = slotOf(hash, cap);
    let fps = t.fps;
    for (;;) {
      const f = fps[s]!;
      if (f === EMPTY) break;
      if (f === fp) {
        const ref = t.refs[s]!;
        if (this.keys.keyEquals(ref, key)) {
          this.foundInOld = false;
          this.foundSlot = s;
          return ref;
        }
      }
      if (++s === cap) s = 0;
    }
    const o = this.old;
    if (o === null) return NO_REF;
    t = o;
    cap = t.capacity;
    fps = t.fps;
    s = slotOf(hash, cap);
    for (;;) {
      const f = fps[s]!;
      if (f === EMPTY) return NO_REF;
      // Slots below the cursor were copied to the new table already; the copy is authoritative.
      if (f === fp && s >= this.cursor) {
        const ref = t.refs[s]!;
        if (this.keys.keyEquals(ref, key)) {
          this.foundInOld = true;
          this.foundSlot = s;
          return ref;
        }
      }
      if (++s === cap) s = 0;
    }
  }

  /** Points the entry found by the last find() at `ref` (the item moved). */
  setFoundRef(ref: number): void {
    const t = this.foundInOld ? this.old! : this.cur;
    t.refs[this.foundSlot] = ref;
  }

  /** Removes the entry found by the last find(). */
  deleteFound(): void {
    const t = this.foundInOld ? this.old! : this.cur;
    assert(t.fps[this.foundSlot] !== EMPTY && t.fps[this.foundSlot] !== TOMBSTONE, "deleteFound: a live entry");
    t.fps[this.foundSlot] = TOMBSTONE;
    t.live--;
    t.tombstones++;
    this.count--;
    this.foundSlot = -1;
    this.step();
  }

  /**
   * Adds `ref` under `hash`; the caller knows the key is absent (it just failed a find()).
   * Returns false when the table is full and may not grow (memory budget).
   */
  insert(hash: number, ref: number): boolean {
    this.step();
    const t = this.cur;
    if (this.old === null && t.live + t.tombstones + 1 > t.capacity * this.maxLoad) {
      this.startRebuild();
    }
    if (this.cur.live + this.cur.tombstones + 1 > this.cur.capacity * 0.95) return false;
    this.put(this.cur, hash, ref);
    this.count++;
    this.foundSlot = -1;
    return true;
  }

  /**
   * Makes room for `keys` live entries in total without any rebuild on the way (recovery knows
   * the snapshot's item count up front: one table of the final size instead of ~20 growth steps,
   * each re-hashing every key from slab memory). Any migration in progress is finished first;
   * entries already present are moved over at once. Skipped when the memory budget says no.
   */
  reserve(keys: number): void {
    const capacity = Math.ceil((keys + 1) / this.maxLoad) + 1;
    if (capacity <= this.cur.capacity) return;
    this.finishMigration();
    const t = this.cur;
    if (!this.canReserve(capacity * 5)) return;
    const next = new Table(capacity);
    for (let s = 0; s < t.capacity; s++) {
      const f = t.fps[s]!;
      if (f === EMPTY || f === TOMBSTONE) continue;
      const ref = t.refs[s]!;
      this.put(next, this.keys.hashOfRef(ref), ref);
    }
    this.cur = next;
    this.foundSlot = -1;
    this.migrations++;
  }

  /** Forgets everything (FLUSHALL). */
  clear(): void {
    this.cur = new Table(1024);
    this.old = null;
    this.cursor = 0;
    this.count = 0;
    this.foundSlot = -1;
  }

  /** Finishes any migration at once (tests, snapshots of the index). */
  finishMigration(): void {
    while (this.old !== null) this.step();
  }

  /**
   * A ref picked at random (RANDOMKEY): the first live slot at or after a random position over
   * both tables (the old one from the migration cursor); NO_REF when the index is empty. Slots
   * after long empty runs are likelier picks, as with Redis's dict sampling.
   */
  randomRef(r: number): number {
    const t = this.cur;
    const o = this.old;
    const oldSlots = o === null ? 0 : o.capacity - this.cursor;
    const total = t.capacity + oldSlots;
    const start = Math.floor(r * total);
    for (let i = 0; i < total; i++) {
      const at = (start + i) % total;
      if (at < t.capacity) {
        const f = t.fps[at]!;
        if (f !== EMPTY && f !== TOMBSTONE) return t.refs[at]!;
      } else {
        const s = this.cursor + at - t.capacity;
        const f = o!.fps[s]!;
        if (f !== EMPTY && f !== TOMBSTONE) return o!.refs[s]!;
      }
    }
    return NO_REF;
  }

  /** Calls fn for every ref in the index (any order). */
  forEach(fn: (ref: number) => void): void {
    const t = this.cur;
    for (let s = 0; s < t.capacity; s++) {
      const f = t.fps[s]!;
      if (f !== EMPTY && f !== TOMBSTONE) fn(t.refs[s]!);
    }
    const o = this.old;
    if (o === null) return;
    for (let s = this.cursor; s < o.capacity; s++) {
      const f = o.fps[s]!;
      if (f !== EMPTY && f !== TOMBSTONE) fn(o.refs[s]!);
    }
  }

  // ---- internals -------------------------------------------------------------------------

  private put(t: Table, hash: number, ref: number): void {
    const cap = t.capacity;
    let s = slotOf(hash, cap);
    const fps = t.fps;
    for (;;) {
      const f = fps[s]!;
      if (f === EMPTY) break;
      if (f === TOMBSTONE) {
        t.tombstones--;
        break;
      }
      if (++s === cap) s = 0;
    }
    fps[s] = fingerprint(hash);
    t.refs[s] = ref;
    t.live++;
  }

  private startRebuild(): void {
    const t = this.cur;
    // Grow 1.5x when the live entries alone would load the table past 60%; otherwise the
    // rebuild only sweeps tombstones away at the same size.
    let capacity = t.live + 1 > t.capacity * 0.6 ? Math.ceil(t.capacity * 1.5) : t.capacity;
    if (capacity > t.capacity && !this.canReserve((capacity - t.capacity) * 5 + t.bytes)) capacity = t.capacity;
    if (capacity === t.capacity && t.tombstones === 0) return; // cannot grow: fill up to 95%
    this.old = t;
    this.cur = new Table(capacity);
    this.cursor = 0;
    this.migrations++;
  }

  /** Migrates a bounded number of old slots. */
  private step(): void {
    const o = this.old;
    if (o === null) return;
    const end = Math.min(o.capacity, this.cursor + this.migrateSlotsPerOp);
    for (let s = this.cursor; s < end; s++) {
      const f = o.fps[s]!;
      if (f === EMPTY || f === TOMBSTONE) continue;
      const ref = o.refs[s]!;
      this.put(this.cur, this.keys.hashOfRef(ref), ref);
    }
    this.cursor = end;
    if (end === o.capacity) {
      this.old = null;
      this.cursor = 0;
    }
  }
}

/** Fingerprint from the low bits: 1..254 (0 = empty, 255 = tombstone). */
function fingerprint(hash: number): number {
  return 1 + ((hash & 0xffff) % 254);
}

/** Slot from the high bits, scaled to any capacity. */
function slotOf(hash: number, capacity: number): number {
  return Math.floor(((hash >>> 0) * capacity) / 4294967296);
}
