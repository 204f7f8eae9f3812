import { assert } from "./assert.js";
import * as layout from "./item-layout.js";
import { PartitionStore, PutResult, type SnapshotHook } from "./store.js";

// Local copies: under some loaders (tsx's CommonJS path) imported bindings are read through
// getter calls on every access; hot paths read plain module constants instead.
const { NO_REF } = layout;

/**
 * Fork-less point-in-time snapshot of one partition.
 *
 * The snapshot walks the ordered index in key order, a slice per step, remembering the last key
 * emitted (the cursor). Until the walk passes a key, the key's state as of snapshotBegin() must
 * survive, so the store tells this writer (SnapshotHook) before any item changes or vanishes and
 * when a key is created:
 * - an item with key > cursor about to change is first copied, old value and expiry, into a side
 *   store (its own SAB slabs and hash index: no JavaScript object per preserved key);
 * - a key > cursor created after the start gets a "created later" marker in the side store.
 * When the walk reaches a key with a side entry it emits the preserved version (or skips a
 * created-later key). Preserved keys the walk never meets (deleted since) are emitted at the end.
 * Items are emitted with their absolute expiry; the loader keeps them through WAL replay (which
 * may extend it) and loading's end drops whatever is still expired.
 */
const CREATED_LATER = 1; // expiry sentinel in the side store: never a real expiry (those are > now)
const EMPTY = new Uint8Array(0);

export class SnapshotWriter implements SnapshotHook {
  private readonly side: PartitionStore;
  private cursor: Uint8Array | null = null;
  /** 1 = walking the keyspace, 2 = emitting preserved deleted keys, 3 = done. */
  private phase = 1;
  private sideCursor: Uint8Array | null = null;
  private refs = new Uint32Array(256);
  private refCount = 0;
  private readonly collect = (ref: number): void => {
    if (this.refCount === this.refs.length) {
      const grown = new Uint32Array(this.refs.length * 2);
      grown.set(this.refs);
      this.refs = grown;
    }
    this.refs[this.refCount++] = ref;
  };
  preservedItems = 0;

  constructor(private readonly store: PartitionStore) {
    this.side = new PartitionStore({
      maxMemoryBytes: 0,
      maxValueBytes: store.maxValueBytes,
      growthFactor: 1.25,
      // Same page size as the store, so every key and value that fits there fits here.
      slabPageBytes: store.slabs.pageBytes,
      // The side store never expires anything: its clock stays at 0.
      clock: { nowMs: () => 0 },
    });
    assert(store.snapshotHook === null, "one snapshot at a time");
    store.snapshotHook = this;
  }

  close(): void {
    if (this.store.snapshotHook === this) this.store.snapshotHook = null;
    this.phase = 3;
  }

  // ---- SnapshotHook ----------------------------------------------------------------------

  beforeChange(ref: number): void {
    if (this.phase !== 1) return;
    const store = this.store;
    const key = store.keyOf(ref);
    if (!this.pending(key)) return;
    const side = this.side;
    if (side.lookup(key) !== NO_REF) return; // preserved (or marked) already: keep the oldest
    store.loadValue(ref);
    const r = side.put(key, NO_REF, store.valueBytes, store.valueOffset, store.valueLength, EMPTY, 0, 0, store.expiryOf(ref), false);
    assert(r === PutResult.OK, "snapshot side store accepts the preserved item");
    this.preservedItems++;
  }

  created(key: Uint8Array): void {
    if (this.phase !== 1 || !this.pending(key)) return;
    const side = this.side;
    if (side.lookup(key) !== NO_REF) return; // deleted then re-created: the preserved version stands
    const r = side.put(key, NO_REF, EMPTY, 0, 0, EMPTY, 0, 0, CREATED_LATER, false);
    assert(r === PutResult.OK, "snapshot side store accepts the marker");
  }

  // ---- stepping --------------------------------------------------------------------------

  step(maxItems: number, emit: (key: Uint8Array, value: Uint8Array, expiryMs: number) => void): boolean {
    assert(maxItems > 0, "snapshotStep: maxItems > 0");
    const store = this.store;
    const side = this.side;
    if (this.phase === 1) {
      this.refCount = 0;
      store.ordered.scan(EMPTY, this.cursor, maxItems, this.collect);
      for (let i = 0; i < this.refCount; i++) {
        const ref = this.refs[i]!;
        const key = store.keyOf(ref);
        const sref = side.lookup(key);
        if (sref !== NO_REF) {
          const expiry = side.expiryOf(sref);
          if (expiry !== CREATED_LATER) {
            side.loadValue(sref);
            emit(key, side.valueBytes.subarray(side.valueOffset, side.valueOffset + side.valueLength), expiry);
          }
          side.removeFound(key, sref);
        } else {
          store.loadValue(ref);
          emit(key, store.valueBytes.subarray(store.valueOffset, store.valueOffset + store.valueLength), store.expiryOf(ref));
        }
      }
      if (this.refCount > 0) this.cursor = store.keyOf(this.refs[this.refCount - 1]!).slice();
      if (this.refCount < maxItems) this.phase = 2;
      return false;
    }
    if (this.phase === 2) {
      // Keys that existed at the start and were deleted (or expired) before the walk reached them.
      this.refCount = 0;
      side.ordered.scan(EMPTY, this.sideCursor, maxItems, this.collect);
      for (let i = 0; i < this.refCount; i++) {
        const ref = this.refs[i]!;
        const expiry = side.expiryOf(ref);
        if (expiry === CREATED_LATER) continue;
        side.loadValue(ref);
        emit(side.keyOf(ref), side.valueBytes.subarray(side.valueOffset, side.valueOffset + side.valueLength), expiry);
      }
      if (this.refCount > 0) this.sideCursor = side.keyOf(this.refs[this.refCount - 1]!).slice();
      if (this.refCount < maxItems) {
        this.phase = 3;
        return true;
      }
      return false;
    }
    return true;
  }

  /** True when the walk has not emitted `key` yet. */
  private pending(key: Uint8Array): boolean {
    const c = this.cursor;
    if (c === null) return true;
    const n = key.length < c.length ? key.length : c.length;
    for (let i = 0; i < n; i++) {
      const d = key[i]! - c[i]!;
      if (d !== 0) return d > 0;
    }
    return key.length > c.length;
  }
}
