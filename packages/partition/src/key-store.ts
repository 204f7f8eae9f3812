/**
 * The seam between the item store (slabs) and the indexes that hold item references
 * (ordered index, timing wheel). An item reference (`ref`) is an unsigned 32-bit number that
 * names an item's first byte inside the partition's slab pages; indexes store refs in typed
 * arrays and ask the store to read or compare the key bytes behind them, so no index ever
 * holds a JavaScript object per key.
 *
 * A ref stays valid until the item is freed or moved; every move (a value outgrowing its
 * size class, slab rebalancing) is announced to the indexes (`OrderedIndex.replaceRef`).
 */
export interface KeyStore {
  /** The key bytes of the item `ref` (a view into slab memory: valid until the next write; copy to keep). */
  keyOf(ref: number): Uint8Array;
  /** Byte order of the keys of two items: negative, zero or positive. */
  compareRefs(a: number, b: number): number;
  /** Byte order of the item's key against `key`: negative when the item's key sorts first. */
  compareRefToKey(ref: number, key: Uint8Array): number;
  /** True when the item's key starts with `prefix`. */
  refHasPrefix(ref: number, prefix: Uint8Array): boolean;
}
