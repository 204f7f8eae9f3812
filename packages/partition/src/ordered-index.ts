/**
 * OrderedIndex: a B+tree over item references, ordered by the items' key bytes (memcmp order,
 * a key that is a prefix of another sorts first). It serves SCAN/KEYS in key order, O(log n + k)
 * per page.
 *
 * Why this shape:
 * - The GC must not see the dataset, so there is no object per key or per node: leaves and
 *   inner nodes are fixed-stride records in a handful of typed arrays (pools with free lists),
 *   grown by copying into bigger arrays. The keys themselves stay in the slabs; the tree only
 *   holds 32-bit refs and asks the KeyStore to compare the bytes behind them.
 * - Separators in inner nodes are refs too, and a separator is always EXACTLY the ref of the
 *   smallest key of the subtree to its right. So a separator never dangles: when that key is
 *   deleted or its item moves, the one inner node that holds it is the lowest ancestor on the
 *   search path entered through a child index > 0, and it is fixed there (O(1) after descent).
 *   checkInvariants() verifies this identity (not just key order).
 * - Memory per key: a leaf slot is 4 bytes. Before a full leaf splits it first tries to shift
 *   entries into a sibling that has room (B*-tree style), which keeps leaves ~80% full under
 *   random inserts and ~90% under ascending ones; deletes merge or borrow below half. With
 *   64-entry nodes that is 4.4-5 bytes/key in nodes (usedBytes()), 5.4 held with pool slack
 *   (memoryBytes()), measured at 1M keys by bench/_ordered-index.ts.
 * - Cost: a descent is ~log2(n) key comparisons, and at 1M keys the leaf-level ones are CPU
 *   cache misses into the slabs. delete() and replaceRef() accept the item's ref as a hint (the
 *   hash index knows it) and then find the leaf entry by identity, which skips those misses.
 * - Hot paths (insert, delete, replaceRef, scan) allocate nothing: the search path and split
 *   scratch space are preallocated typed arrays.
 *
 * Contract with the item store: every ref in the tree must stay readable through the KeyStore
 * until the tree no longer holds it. So: call delete() BEFORE freeing the item, and call
 * replaceRef() while both the old and the new item are still readable (before freeing the old).
 * The scan callback must not modify the index (collect refs, act after the scan); this is
 * asserted.
 */
import type { KeyStore } from "./key-store.js";

/** The part of the item store the ordered index needs. */
export type OrderedKeys = Pick<KeyStore, "compareRefs" | "compareRefToKey" | "refHasPrefix">;

export interface OrderedIndexOptions {
  /** Entries per leaf and separators per inner node (>= 4). Default 64. */
  nodeCapacity?: number;
}

const NONE = -1;
/** With nodeCapacity >= 4 every non-root inner node has >= 3 children, so 2^32 keys fit in < 32 levels. */
const MAX_DEPTH = 32;
const INITIAL_LEAVES = 4;
const INITIAL_INNERS = 2;

/**
 * Constant messages only: a template literal would be built on every call (hot paths run this
 * per insert). Messages with values go through `if (!cond) fail(...)`, built only on failure.
 */
function assert(condition: boolean, message: string): asserts condition {
  if (!condition) fail(message);
}

function fail(message: string): never {
  throw new Error(`OrderedIndex: ${message}`);
}

/** dst[dstAt ..) = src[from, to): a plain loop, no subarray view allocated (ranges are <= one node). */
function copyRange(dst: Uint32Array | Int32Array, dstAt: number, src: Uint32Array | Int32Array, from: number, to: number): void {
  for (let i = from; i < to; i++) dst[dstAt++] = src[i]!;
}

/** memcmp order; a proper prefix sorts first. */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = a.length < b.length ? a.length : b.length;
  for (let i = 0; i < n; i++) {
    const d = a[i] - b[i];
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/**
 * How many nodes hold `items` items at about `target` each, with every node between `min` and
 * `max` (a lone node, the root, may hold fewer than `min`).
 */
function nodesFor(items: number, target: number, min: number, max: number): number {
  if (items <= max) return 1;
  let nodes = Math.ceil(items / target);
  if (Math.floor(items / nodes) < min) nodes = Math.floor(items / min);
  if (Math.ceil(items / nodes) > max) nodes = Math.ceil(items / max);
  return nodes;
}

/** Pools grow 2x while small, then 1.25x: copying is cheap, and slack is memory per key. */
function grownCapacity(current: number, recordBytes: number): number {
  const small = current * recordBytes < 1 << 20;
  return small ? current * 2 : current + Math.max(1, current >> 2);
}

export class OrderedIndex {
  private readonly keys: OrderedKeys;
  /** Max entries per leaf; also max separators per inner node (children = cap + 1). */
  private readonly cap: number;
  /** Non-root nodes hold at least this many entries (leaves) or separators (inner nodes). */
  private readonly minFill: number;
  /** Bytes of one leaf (refs, count, next link) and of one inner node (separators, children, count). */
  private readonly leafBytes: number;
  private readonly innerBytes: number;

  // Leaf pool: leaf L owns leafRefs[L*cap .. L*cap+cap). leafNext chains leaves in key order
  // (and links the free list).
  private leafRefs: Uint32Array;
  private leafCount: Int32Array;
  private leafNext: Int32Array;
  private leafCapacity: number;
  private leafHighWater = 0;
  private leafFree = NONE;

  // Inner pool: node N owns innerSeps[N*cap ..) and innerKids[N*(cap+1) ..); innerCount is the
  // number of separators. Free list is linked through innerCount (value = next free).
  private innerSeps: Uint32Array;
  private innerKids: Int32Array;
  private innerCount: Int32Array;
  private innerCapacity: number;
  private innerHighWater = 0;
  private innerFree = NONE;

  private root = 0;
  /** The rightmost leaf (leafNext === NONE): target of the ascending-insert fast path. */
  private lastLeaf = 0;
  /** The previous insert went after every key: try that again with one comparison. */
  private appending = false;
  /** The key sortsAfterLast() last said true of, until the next mutation: insert() then skips that comparison. */
  private afterLastKey: Uint8Array | null = null;
  /** Inserts that took the ascending fast path (one comparison), since the index was made. */
  appendedInserts = 0;
  /** 1 = the root is a leaf. */
  private height = 1;
  private count = 0;
  /** Set while a scan callback runs: mutations are a bug then. */
  private scanning = false;

  // Search path of the last descent: inner node and child index taken at each depth < height-1.
  private readonly pathNode = new Int32Array(MAX_DEPTH);
  private readonly pathIdx = new Int32Array(MAX_DEPTH);
  /** Leaf position found by the last descent, and whether the key was there. */
  private foundPos = 0;
  private foundExact = false;
  // Split scratch: a full node plus the entry being added.
  private readonly scratchRefs: Uint32Array;
  private readonly scratchKids: Int32Array;

  constructor(keys: OrderedKeys, options?: OrderedIndexOptions) {
    const cap = options?.nodeCapacity ?? 64;
    if (!(Number.isInteger(cap) && cap >= 4 && cap <= 4096)) fail(`nodeCapacity must be an integer in 4..4096, got ${cap}`);
    this.keys = keys;
    this.cap = cap;
    this.minFill = cap >> 1;
    this.leafBytes = cap * 4 + 8;
    this.innerBytes = cap * 4 + (cap + 1) * 4 + 4;
    this.leafCapacity = INITIAL_LEAVES;
    this.leafRefs = new Uint32Array(INITIAL_LEAVES * cap);
    this.leafCount = new Int32Array(INITIAL_LEAVES);
    this.leafNext = new Int32Array(INITIAL_LEAVES);
    this.innerCapacity = INITIAL_INNERS;
    this.innerSeps = new Uint32Array(INITIAL_INNERS * cap);
    this.innerKids = new Int32Array(INITIAL_INNERS * (cap + 1));
    this.innerCount = new Int32Array(INITIAL_INNERS);
    this.scratchRefs = new Uint32Array(cap + 1);
    this.scratchKids = new Int32Array(cap + 2);
    this.root = this.allocLeaf();
    this.lastLeaf = this.root;
    this.appending = false;
  }

  get size(): number {
    return this.count;
  }

  /**
   * Adds `ref`, whose key is `key` when the caller has it in hand (the engine does; otherwise it
   * is compared through the store); the key must not be in the index already (throws if it is).
   */
  insert(ref: number, key?: Uint8Array): void {
    assert(!this.scanning, "insert during a scan callback");
    if (ref >>> 0 !== ref || ref === 0xffffffff) fail(`ref must be a uint32 other than 0xFFFFFFFF, got ${ref}`);
    const cap = this.cap;
    let leaf: number;
    // sortsAfterLast() just said so for this very key: skip the comparison.
    const knownLast = key !== undefined && this.afterLastKey === key;
    this.afterLastKey = null;
    if (this.count > 0 && (knownLast || (this.appending && this.keys.compareRefs(this.leafRefs[this.lastLeaf * cap + this.leafCount[this.lastLeaf] - 1], ref) < 0))) {
      // Ascending load (snapshot recovery writes keys in order, counters, timestamps): one
      // comparison with the largest key, a comparison-free walk down the right edge.
      leaf = this.rightEdgePath();
      this.foundPos = this.leafCount[leaf];
      this.appendedInserts++;
    } else {
      leaf = key === undefined ? this.descendRef(ref) : this.descendKey(key, -1);
      if (this.foundExact) fail(`insert: key of ref ${ref} is already present`);
    }
    const pos = this.foundPos;
    const n = this.leafCount[leaf];
    this.appending = leaf === this.lastLeaf && pos === n;
    if (n < cap) {
      const base = leaf * cap;
      this.leafRefs.copyWithin(base + pos + 1, base + pos, base + n);
      this.leafRefs[base + pos] = ref;
      this.leafCount[leaf] = n + 1;
    } else {
      this.insertIntoFullLeaf(leaf, pos, ref);
    }
    this.count++;
  }

  /**
   * Removes the entry whose key is `key`; returns its ref, or -1 when absent.
   * refHint: the item's ref when the caller knows it (the hash index does). The leaf is then
   * searched by ref identity, not by comparing keys: the leaf-level comparisons are the ones that
   * miss the CPU cache (random items in slabs), so this roughly halves the cost at 1M keys.
   */
  delete(key: Uint8Array, refHint = -1): number {
    assert(!this.scanning, "delete during a scan callback");
    this.afterLastKey = null;
    const leaf = this.descendKey(key, refHint);
    if (!this.foundExact) return -1;
    const pos = this.foundPos;
    const cap = this.cap;
    const base = leaf * cap;
    const n = this.leafCount[leaf];
    const ref = this.leafRefs[base + pos];
    this.leafRefs.copyWithin(base + pos, base + pos + 1, base + n);
    this.leafCount[leaf] = n - 1;
    this.count--;
    if (this.height === 1) return ref;
    // A non-root leaf held >= minFill >= 2 entries, so it is not empty now: its new first entry
    // replaces the deleted key as separator, if the deleted key was one.
    if (pos === 0) this.replaceSeparator(ref, this.leafRefs[base]);
    if (n - 1 < this.minFill) this.rebalanceLeaf(leaf);
    return ref;
  }

  /**
   * The item with key `key` moved to `newRef`. Returns false when the key is absent.
   * oldRefHint: the item's old ref when known (see delete()). Both items must be readable.
   */
  replaceRef(key: Uint8Array, newRef: number, oldRefHint = -1): boolean {
    assert(!this.scanning, "replaceRef during a scan callback");
    this.afterLastKey = null;
    if (newRef >>> 0 !== newRef || newRef === 0xffffffff) fail(`ref must be a uint32 other than 0xFFFFFFFF, got ${newRef}`);
    const leaf = this.descendKey(key, oldRefHint);
    if (!this.foundExact) return false;
    const at = leaf * this.cap + this.foundPos;
    const oldRef = this.leafRefs[at];
    this.leafRefs[at] = newRef;
    if (this.foundPos === 0 && this.height > 1) this.replaceSeparator(oldRef, newRef);
    return true;
  }

  /**
   * True when `key` sorts after every key in the index (or the index is empty), so it is
   * certainly absent: one comparison with the largest key. Recovery loads snapshots in key order
   * and uses this to skip the hash lookup of each new key.
   */
  sortsAfterLast(key: Uint8Array): boolean {
    if (this.count === 0) return true;
    const leaf = this.lastLeaf;
    const after = this.keys.compareRefToKey(this.leafRefs[leaf * this.cap + this.leafCount[leaf] - 1], key) < 0;
    this.afterLastKey = after ? key : null;
    return after;
  }

  /** Records the path along the right edge (last child at every level); returns the last leaf. */
  private rightEdgePath(): number {
    const cap = this.cap;
    let node = this.root;
    for (let d = 0; d < this.height - 1; d++) {
      const idx = this.innerCount[node];
      this.pathNode[d] = node;
      this.pathIdx[d] = idx;
      node = this.innerKids[node * (cap + 1) + idx];
    }
    assert(node === this.lastLeaf, "right edge does not end at the last leaf");
    return node;
  }

  /** The ref of the entry with key `key`, or -1. */
  find(key: Uint8Array): number {
    const leaf = this.descendKey(key, -1);
    return this.foundExact ? this.leafRefs[leaf * this.cap + this.foundPos] : -1;
  }

  /**
   * Calls cb(ref) for up to `limit` entries whose key starts with `prefix` and sorts strictly
   * after `afterKey` (null: from the first key with the prefix), in key order. Returns how many
   * cb calls were made (a call that returned false counts). An empty prefix walks everything,
   * which is also the snapshot iterator: resume with the last key seen as afterKey.
   * Because resumption is by key, not by position, a key present for the whole of a paged scan
   * is returned exactly once whatever is inserted or deleted between pages.
   */
  scan(prefix: Uint8Array, afterKey: Uint8Array | null, limit: number, cb: (ref: number) => boolean | void): number {
    if (limit <= 0 || this.count === 0) return 0;
    let start = prefix;
    let exclusive = false;
    if (afterKey !== null && compareBytes(afterKey, prefix) >= 0) {
      start = afterKey;
      exclusive = true;
    }
    let leaf = this.descendKey(start, -1);
    let pos = this.foundPos;
    if (exclusive && this.foundExact) pos++;
    const checkPrefix = prefix.length > 0;
    const cap = this.cap;
    let visited = 0;
    this.scanning = true;
    try {
      while (leaf !== NONE) {
        const n = this.leafCount[leaf];
        const base = leaf * cap;
        for (; pos < n; pos++) {
          const ref = this.leafRefs[base + pos];
          if (checkPrefix && !this.keys.refHasPrefix(ref, prefix)) return visited;
          visited++;
          if (cb(ref) === false || visited >= limit) return visited;
        }
        leaf = this.leafNext[leaf];
        pos = 0;
      }
      return visited;
    } finally {
      this.scanning = false;
    }
  }

  /** Drops every entry and gives back the pools' memory. */
  clear(): void {
    assert(!this.scanning, "clear during a scan callback");
    this.afterLastKey = null;
    const cap = this.cap;
    this.leafCapacity = INITIAL_LEAVES;
    this.leafRefs = new Uint32Array(INITIAL_LEAVES * cap);
    this.leafCount = new Int32Array(INITIAL_LEAVES);
    this.leafNext = new Int32Array(INITIAL_LEAVES);
    this.leafHighWater = 0;
    this.leafFree = NONE;
    this.innerCapacity = INITIAL_INNERS;
    this.innerSeps = new Uint32Array(INITIAL_INNERS * cap);
    this.innerKids = new Int32Array(INITIAL_INNERS * (cap + 1));
    this.innerCount = new Int32Array(INITIAL_INNERS);
    this.innerHighWater = 0;
    this.innerFree = NONE;
    this.count = 0;
    this.height = 1;
    this.root = this.allocLeaf();
    this.lastLeaf = this.root;
    this.appending = false;
  }

  /**
   * Replaces the contents with `refs`, which the caller has sorted by key (no two equal keys),
   * without reading a single key: leaves filled to ~90% (as ascending inserts leave them),
   * chained in order, inner levels built bottom-up with each separator the first ref of the
   * subtree to its right. For rebuilding the index after a long WAL replay (PartitionStore.
   * rebuildOrderedIndex); checkInvariants() verifies the order in tests.
   */
  bulkLoad(refs: Uint32Array): void {
    assert(!this.scanning, "bulkLoad during a scan callback");
    const n = refs.length;
    const cap = this.cap;
    const leaves = nodesFor(n, Math.floor(cap * 0.9), this.minFill, cap);
    // Inner nodes needed, level by level (children per node between minFill + 1 and cap + 1).
    let inners = 0;
    for (let level = leaves; level > 1; ) {
      level = nodesFor(level, Math.floor((cap + 1) * 0.9), this.minFill + 1, cap + 1);
      inners += level;
    }
    this.clear();
    if (n === 0) return;
    // Pools sized once (clear() left them at their initial size, with the root leaf taken).
    this.leafCapacity = Math.max(INITIAL_LEAVES, leaves);
    this.leafRefs = new Uint32Array(this.leafCapacity * cap);
    this.leafCount = new Int32Array(this.leafCapacity);
    this.leafNext = new Int32Array(this.leafCapacity);
    this.leafHighWater = 0;
    this.innerCapacity = Math.max(INITIAL_INNERS, inners);
    this.innerSeps = new Uint32Array(this.innerCapacity * cap);
    this.innerKids = new Int32Array(this.innerCapacity * (cap + 1));
    this.innerCount = new Int32Array(this.innerCapacity);
    this.innerHighWater = 0;

    // Leaves: n entries spread evenly over `leaves` nodes.
    let level = new Int32Array(leaves);
    let levelMin = new Uint32Array(leaves);
    let at = 0;
    let prev = NONE;
    for (let i = 0; i < leaves; i++) {
      const take = Math.floor((n - at) / (leaves - i));
      const leaf = this.allocLeaf();
      copyRange(this.leafRefs, leaf * cap, refs, at, at + take);
      this.leafCount[leaf] = take;
      if (prev !== NONE) this.leafNext[prev] = leaf;
      prev = leaf;
      level[i] = leaf;
      levelMin[i] = refs[at]!;
      at += take;
    }
    this.lastLeaf = prev;
    // Inner levels until one node is left: the root.
    let height = 1;
    while (level.length > 1) {
      const parents = nodesFor(level.length, Math.floor((cap + 1) * 0.9), this.minFill + 1, cap + 1);
      const up = new Int32Array(parents);
      const upMin = new Uint32Array(parents);
      let child = 0;
      for (let i = 0; i < parents; i++) {
        const take = Math.floor((level.length - child) / (parents - i));
        const node = this.allocInner();
        const kids = node * (cap + 1);
        const seps = node * cap;
        for (let k = 0; k < take; k++) {
          this.innerKids[kids + k] = level[child + k]!;
          if (k > 0) this.innerSeps[seps + k - 1] = levelMin[child + k]!;
        }
        this.innerCount[node] = take - 1;
        up[i] = node;
        upMin[i] = levelMin[child]!;
        child += take;
      }
      level = up;
      levelMin = upMin;
      height++;
    }
    this.root = level[0]!;
    this.height = height;
    this.count = n;
    this.appending = false;
  }

  /** Bytes of typed-array memory held, including free pool slack. */
  memoryBytes(): number {
    return (
      this.leafRefs.byteLength +
      this.leafCount.byteLength +
      this.leafNext.byteLength +
      this.innerSeps.byteLength +
      this.innerKids.byteLength +
      this.innerCount.byteLength +
      this.pathNode.byteLength +
      this.pathIdx.byteLength +
      this.scratchRefs.byteLength +
      this.scratchKids.byteLength
    );
  }

  /**
   * Grows the node pools once for `keys` more keys (a load is coming: recovery), instead of in
   * ~20 steps that each copy the pools. Sized for ascending inserts (leaves ~90% full).
   */
  reserve(keys: number): void {
    const leaves = this.leafHighWater + Math.ceil(keys / Math.floor(this.cap * 0.9));
    if (leaves > this.leafCapacity) this.growLeaves(leaves);
    const inners = this.innerHighWater + Math.ceil(leaves / Math.floor((this.cap + 1) * 0.85)) + MAX_DEPTH;
    if (inners > this.innerCapacity) this.growInners(inners);
  }

  /**
   * Bytes the next growth of both node pools would add. A memory cap keeps this much free
   * (PartitionStore.canReserve): the tree grows while keys are added into slab space already
   * granted, and cannot refuse a split halfway.
   */
  growthReserveBytes(): number {
    const leaves = grownCapacity(this.leafCapacity, this.leafBytes) - this.leafCapacity;
    const inners = grownCapacity(this.innerCapacity, this.innerBytes) - this.innerCapacity;
    return leaves * this.leafBytes + inners * this.innerBytes;
  }

  /** Bytes of nodes in use (excludes pool slack): the tree's intrinsic cost. */
  usedBytes(): number {
    const leaves = this.leafHighWater - this.freeListLength(this.leafFree, true);
    const inners = this.innerHighWater - this.freeListLength(this.innerFree, false);
    return leaves * this.leafBytes + inners * this.innerBytes;
  }

  /** Tree height (1 = a single leaf). For stats and tests. */
  get depth(): number {
    return this.height;
  }

  /**
   * Checks every invariant: key order inside and across nodes, separator == ref of the smallest
   * key of its right subtree, fill bounds, uniform leaf depth, the leaf chain, the entry count
   * and the pools' free lists. Throws on the first violation. O(n); for tests.
   */
  checkInvariants(): void {
    const visitedLeaves: number[] = [];
    const total = this.checkNode(this.root, 0, true, visitedLeaves);
    if (!(total === this.count)) fail(`size ${this.count} but the tree holds ${total} entries`);
    // The leaf chain visits exactly the leaves of the tree, left to right, and the keys across
    // adjacent leaves ascend.
    let leaf = visitedLeaves[0];
    for (let i = 0; i < visitedLeaves.length; i++) {
      if (!(leaf === visitedLeaves[i])) fail(`leaf chain: expected leaf ${visitedLeaves[i]} at ${i}, found ${leaf}`);
      const next = this.leafNext[leaf];
      if (next !== NONE) {
        const last = this.leafRefs[leaf * this.cap + this.leafCount[leaf] - 1];
        const first = this.leafRefs[next * this.cap];
        if (!(this.keys.compareRefs(last, first) < 0)) fail(`leaf chain: leaf ${leaf} does not sort before leaf ${next}`);
      }
      leaf = next;
    }
    assert(leaf === NONE, "leaf chain continues past the last leaf");
    assert(visitedLeaves[visitedLeaves.length - 1] === this.lastLeaf, "lastLeaf is not the rightmost leaf");
    const leafFree = this.freeListLength(this.leafFree, true);
    assert(visitedLeaves.length + leafFree === this.leafHighWater, "leaf pool: live + free != allocated");
    const innerFree = this.freeListLength(this.innerFree, false);
    assert(this.countInner(this.root, 0) + innerFree === this.innerHighWater, "inner pool: live + free != allocated");
  }

  // ---------------------------------------------------------------------------------------------
  // Descent. Both record the path (pathNode/pathIdx) and set foundPos/foundExact.

  /** Descends towards the key of `ref`; returns the leaf. */
  private descendRef(ref: number): number {
    const keys = this.keys;
    const cap = this.cap;
    let node = this.root;
    let exact = false;
    for (let d = 0; d < this.height - 1; d++) {
      let idx = 0;
      if (!exact) {
        // Upper bound: the first separator greater than the key; equal means "right subtree,
        // and the key is that subtree's minimum", so further levels need no comparisons.
        const base = node * cap;
        let lo = 0;
        let hi = this.innerCount[node];
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          const c = keys.compareRefs(this.innerSeps[base + mid], ref);
          if (c < 0) lo = mid + 1;
          else if (c > 0) hi = mid;
          else {
            lo = mid + 1;
            exact = true;
            break;
          }
        }
        idx = lo;
      }
      this.pathNode[d] = node;
      this.pathIdx[d] = idx;
      node = this.innerKids[node * (cap + 1) + idx];
    }
    if (exact) {
      this.foundPos = 0;
      this.foundExact = true;
      return node;
    }
    const base = node * cap;
    let lo = 0;
    let hi = this.leafCount[node];
    let found = false;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = keys.compareRefs(this.leafRefs[base + mid], ref);
      if (c < 0) lo = mid + 1;
      else if (c > 0) hi = mid;
      else {
        lo = mid;
        found = true;
        break;
      }
    }
    this.foundPos = lo;
    this.foundExact = found;
    return node;
  }

  /**
   * Descends towards `key`; returns the leaf; foundPos = first entry >= key. With refHint (not
   * -1) the leaf is first searched for that ref by identity (no key reads).
   */
  private descendKey(key: Uint8Array, refHint: number): number {
    const keys = this.keys;
    const cap = this.cap;
    let node = this.root;
    let exact = false;
    for (let d = 0; d < this.height - 1; d++) {
      let idx = 0;
      if (!exact) {
        const base = node * cap;
        let lo = 0;
        let hi = this.innerCount[node];
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          const c = keys.compareRefToKey(this.innerSeps[base + mid], key);
          if (c < 0) lo = mid + 1;
          else if (c > 0) hi = mid;
          else {
            lo = mid + 1;
            exact = true;
            break;
          }
        }
        idx = lo;
      }
      this.pathNode[d] = node;
      this.pathIdx[d] = idx;
      node = this.innerKids[node * (cap + 1) + idx];
    }
    if (exact) {
      if (!(refHint === -1 || this.leafRefs[node * cap] === refHint)) fail(`ref hint ${refHint} is not the key's ref`);
      this.foundPos = 0;
      this.foundExact = true;
      return node;
    }
    const base = node * cap;
    let lo = 0;
    let hi = this.leafCount[node];
    if (refHint !== -1) {
      const refs = this.leafRefs;
      for (let i = base, end = base + hi; i < end; i++) {
        if (refs[i] === refHint) {
          // One read of the hinted item itself (just touched by the caller, so cached).
          if (!(keys.compareRefToKey(refHint, key) === 0)) fail(`ref hint ${refHint} does not hold the key`);
          this.foundPos = i - base;
          this.foundExact = true;
          return node;
        }
      }
    }
    let found = false;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = keys.compareRefToKey(this.leafRefs[base + mid], key);
      if (c < 0) lo = mid + 1;
      else if (c > 0) hi = mid;
      else {
        lo = mid;
        found = true;
        break;
      }
    }
    // A correct hint is always in the key's leaf: reaching here with the key present means it was wrong.
    if (!(refHint === -1 || !found)) fail(`ref hint ${refHint} is not the key's ref`);
    this.foundPos = lo;
    this.foundExact = found;
    return node;
  }

  /**
   * The first entry of the current path's leaf changed from oldRef to newRef. If oldRef is a
   * separator, it is in the lowest ancestor entered through a child index > 0.
   */
  private replaceSeparator(oldRef: number, newRef: number): void {
    for (let d = this.height - 2; d >= 0; d--) {
      const idx = this.pathIdx[d];
      if (idx > 0) {
        const at = this.pathNode[d] * this.cap + idx - 1;
        assert(this.innerSeps[at] === oldRef, "separator is not the minimum of its right subtree");
        this.innerSeps[at] = newRef;
        return;
      }
    }
    // Leftmost leaf of the whole tree: its minimum is no separator.
  }

  // ---------------------------------------------------------------------------------------------
  // Insertion into full nodes.

  private insertIntoFullLeaf(leaf: number, pos: number, ref: number): void {
    const cap = this.cap;
    const scratch = this.scratchRefs;
    const base = leaf * cap;
    // scratch = the leaf's entries with ref inserted at pos (cap + 1 entries).
    copyRange(scratch, 0, this.leafRefs, base, base + pos);
    scratch[pos] = ref;
    copyRange(scratch, pos + 1, this.leafRefs, base + pos, base + cap);
    const total = cap + 1;

    if (this.height > 1) {
      // Shift into the sibling with more room rather than split: higher fill, fewer nodes.
      const depth = this.height - 2;
      const parent = this.pathNode[depth];
      const idx = this.pathIdx[depth];
      const kidsBase = parent * (cap + 1);
      const left = idx > 0 ? this.innerKids[kidsBase + idx - 1] : NONE;
      const right = idx < this.innerCount[parent] ? this.innerKids[kidsBase + idx + 1] : NONE;
      const leftRoom = left === NONE ? 0 : cap - this.leafCount[left];
      const rightRoom = right === NONE ? 0 : cap - this.leafCount[right];
      if (leftRoom > 0 && leftRoom >= rightRoom) {
        // Even out: the left sibling takes the first k of scratch.
        const leftCount = this.leafCount[left];
        const k = Math.max(1, ((leftCount + total) >> 1) - leftCount);
        copyRange(this.leafRefs, left * cap + leftCount, scratch, 0, k);
        this.leafCount[left] = leftCount + k;
        copyRange(this.leafRefs, base, scratch, k, total);
        this.leafCount[leaf] = total - k;
        this.innerSeps[parent * cap + idx - 1] = this.leafRefs[base];
        return;
      }
      if (rightRoom > 0) {
        // The right sibling takes the last k of scratch in front of its own entries.
        const rightCount = this.leafCount[right];
        const k = Math.max(1, ((rightCount + total) >> 1) - rightCount);
        const rightBase = right * cap;
        this.leafRefs.copyWithin(rightBase + k, rightBase, rightBase + rightCount);
        copyRange(this.leafRefs, rightBase, scratch, total - k, total);
        this.leafCount[right] = rightCount + k;
        copyRange(this.leafRefs, base, scratch, 0, total - k);
        this.leafCount[leaf] = total - k;
        this.innerSeps[parent * cap + idx] = this.leafRefs[rightBase];
        return;
      }
    }

    // Split: the left half stays, the right half goes to a new leaf linked after it.
    const newLeaf = this.allocLeaf(); // may grow the pool: re-read arrays below
    const keep = (total + 1) >> 1;
    const newBase = newLeaf * cap;
    copyRange(this.leafRefs, base, scratch, 0, keep);
    this.leafCount[leaf] = keep;
    copyRange(this.leafRefs, newBase, scratch, keep, total);
    this.leafCount[newLeaf] = total - keep;
    this.leafNext[newLeaf] = this.leafNext[leaf];
    this.leafNext[leaf] = newLeaf;
    if (leaf === this.lastLeaf) this.lastLeaf = newLeaf;
    this.insertIntoParent(this.height - 2, leaf, this.leafRefs[newBase], newLeaf);
  }

  /**
   * Adds separator `sep` with right child `child` next to `leftChild`, in the inner node at
   * `depth` on the recorded path (depth -1: leftChild is the root, grow a new root).
   */
  private insertIntoParent(depth: number, leftChild: number, sep: number, child: number): void {
    const cap = this.cap;
    if (depth < 0) {
      const newRoot = this.allocInner();
      this.innerSeps[newRoot * cap] = sep;
      this.innerKids[newRoot * (cap + 1)] = leftChild;
      this.innerKids[newRoot * (cap + 1) + 1] = child;
      this.innerCount[newRoot] = 1;
      this.root = newRoot;
      this.height++;
      assert(this.height <= MAX_DEPTH, "tree too deep");
      return;
    }
    const node = this.pathNode[depth];
    const idx = this.pathIdx[depth]; // leftChild is innerKids[idx]
    const n = this.innerCount[node];
    const sepBase = node * cap;
    const kidsBase = node * (cap + 1);
    if (n < cap) {
      this.innerSeps.copyWithin(sepBase + idx + 1, sepBase + idx, sepBase + n);
      this.innerSeps[sepBase + idx] = sep;
      this.innerKids.copyWithin(kidsBase + idx + 2, kidsBase + idx + 1, kidsBase + n + 1);
      this.innerKids[kidsBase + idx + 1] = child;
      this.innerCount[node] = n + 1;
      return;
    }
    // Split a full inner node: cap + 1 separators, cap + 2 children. The middle separator moves
    // up; it is the minimum of the new right node's subtree, so the invariant carries over.
    const seps = this.scratchRefs;
    const kids = this.scratchKids;
    copyRange(seps, 0, this.innerSeps, sepBase, sepBase + idx);
    seps[idx] = sep;
    copyRange(seps, idx + 1, this.innerSeps, sepBase + idx, sepBase + cap);
    copyRange(kids, 0, this.innerKids, kidsBase, kidsBase + idx + 1);
    kids[idx + 1] = child;
    copyRange(kids, idx + 2, this.innerKids, kidsBase + idx + 1, kidsBase + cap + 1);
    const newNode = this.allocInner();
    const keep = cap >> 1; // separators left; cap - keep go right (both >= minFill)
    const up = seps[keep];
    const newSepBase = newNode * cap;
    const newKidsBase = newNode * (cap + 1);
    copyRange(this.innerSeps, sepBase, seps, 0, keep);
    copyRange(this.innerKids, kidsBase, kids, 0, keep + 1);
    this.innerCount[node] = keep;
    copyRange(this.innerSeps, newSepBase, seps, keep + 1, cap + 1);
    copyRange(this.innerKids, newKidsBase, kids, keep + 1, cap + 2);
    this.innerCount[newNode] = cap - keep;
    this.insertIntoParent(depth - 1, node, up, newNode);
  }

  // ---------------------------------------------------------------------------------------------
  // Rebalancing after delete.

  /** The leaf at the end of the recorded path has fewer than minFill entries. */
  private rebalanceLeaf(leaf: number): void {
    const cap = this.cap;
    const depth = this.height - 2;
    const parent = this.pathNode[depth];
    const idx = this.pathIdx[depth];
    const kidsBase = parent * (cap + 1);
    // Pair the leaf with its left sibling when it has one, else its right one.
    const sepIdx = idx > 0 ? idx - 1 : 0;
    const left = this.innerKids[kidsBase + sepIdx];
    const right = this.innerKids[kidsBase + sepIdx + 1];
    assert(left === leaf || right === leaf, "rebalance: leaf is not a child of its parent");
    const lc = this.leafCount[left];
    const rc = this.leafCount[right];
    const lb = left * cap;
    const rb = right * cap;
    if (lc + rc <= cap) {
      // Merge right into left; the separator (right's minimum) leaves the parent.
      this.leafRefs.copyWithin(lb + lc, rb, rb + rc);
      this.leafCount[left] = lc + rc;
      this.leafNext[left] = this.leafNext[right];
      if (right === this.lastLeaf) this.lastLeaf = left;
      this.freeLeaf(right);
      this.removeFromInner(parent, sepIdx);
      this.rebalanceInner(depth);
      return;
    }
    // Borrow: even the two out; the separator becomes right's new minimum.
    const newLc = (lc + rc) >> 1;
    if (newLc > lc) {
      const k = newLc - lc;
      this.leafRefs.copyWithin(lb + lc, rb, rb + k);
      this.leafRefs.copyWithin(rb, rb + k, rb + rc);
    } else {
      const k = lc - newLc;
      this.leafRefs.copyWithin(rb + k, rb, rb + rc);
      this.leafRefs.copyWithin(rb, lb + newLc, lb + lc);
    }
    this.leafCount[left] = newLc;
    this.leafCount[right] = lc + rc - newLc;
    this.innerSeps[parent * cap + sepIdx] = this.leafRefs[rb];
  }

  /** Removes separator sepIdx and child sepIdx + 1 from an inner node. */
  private removeFromInner(node: number, sepIdx: number): void {
    const cap = this.cap;
    const n = this.innerCount[node];
    const sepBase = node * cap;
    const kidsBase = node * (cap + 1);
    this.innerSeps.copyWithin(sepBase + sepIdx, sepBase + sepIdx + 1, sepBase + n);
    this.innerKids.copyWithin(kidsBase + sepIdx + 1, kidsBase + sepIdx + 2, kidsBase + n + 1);
    this.innerCount[node] = n - 1;
  }

  /** The inner node at `depth` on the recorded path lost a separator. */
  private rebalanceInner(depth: number): void {
    const cap = this.cap;
    const node = this.pathNode[depth];
    if (depth === 0) {
      // The root may run down to one child; then that child becomes the root.
      if (this.innerCount[node] === 0) {
        this.root = this.innerKids[node * (cap + 1)];
        this.height--;
        this.freeInner(node);
      }
      return;
    }
    if (this.innerCount[node] >= this.minFill) return;
    const parent = this.pathNode[depth - 1];
    const idx = this.pathIdx[depth - 1];
    const sepIdx = idx > 0 ? idx - 1 : 0;
    const parentSepAt = parent * cap + sepIdx;
    const left = this.innerKids[parent * (cap + 1) + sepIdx];
    const right = this.innerKids[parent * (cap + 1) + sepIdx + 1];
    const lc = this.innerCount[left];
    const rc = this.innerCount[right];
    const ls = left * cap;
    const rs = right * cap;
    const lk = left * (cap + 1);
    const rk = right * (cap + 1);
    const seps = this.innerSeps;
    const kids = this.innerKids;
    if (lc + 1 + rc <= cap) {
      // Merge: left seps, the parent's separator (min of right's first child), right seps.
      seps[ls + lc] = seps[parentSepAt];
      seps.copyWithin(ls + lc + 1, rs, rs + rc);
      kids.copyWithin(lk + lc + 1, rk, rk + rc + 1);
      this.innerCount[left] = lc + 1 + rc;
      this.freeInner(right);
      this.removeFromInner(parent, sepIdx);
      this.rebalanceInner(depth - 1);
      return;
    }
    // Borrow by rotating through the parent's separator until both hold about half.
    const newLc = (lc + rc) >> 1;
    if (newLc > lc) {
      const k = newLc - lc; // move k children from right's front to left's end
      seps[ls + lc] = seps[parentSepAt];
      seps.copyWithin(ls + lc + 1, rs, rs + k - 1);
      kids.copyWithin(lk + lc + 1, rk, rk + k);
      seps[parentSepAt] = seps[rs + k - 1];
      seps.copyWithin(rs, rs + k, rs + rc);
      kids.copyWithin(rk, rk + k, rk + rc + 1);
    } else {
      const k = lc - newLc; // move k children from left's end to right's front
      seps.copyWithin(rs + k, rs, rs + rc);
      kids.copyWithin(rk + k, rk, rk + rc + 1);
      seps[rs + k - 1] = seps[parentSepAt];
      seps.copyWithin(rs, ls + newLc + 1, ls + lc);
      kids.copyWithin(rk, lk + newLc + 1, lk + lc + 1);
      seps[parentSepAt] = seps[ls + newLc];
    }
    this.innerCount[left] = newLc;
    this.innerCount[right] = lc + rc - newLc;
  }

  // ---------------------------------------------------------------------------------------------
  // Pools.

  private allocLeaf(): number {
    let leaf = this.leafFree;
    if (leaf !== NONE) {
      this.leafFree = this.leafNext[leaf];
    } else {
      if (this.leafHighWater === this.leafCapacity) this.growLeaves();
      leaf = this.leafHighWater++;
    }
    this.leafCount[leaf] = 0;
    this.leafNext[leaf] = NONE;
    return leaf;
  }

  private freeLeaf(leaf: number): void {
    this.leafCount[leaf] = 0;
    this.leafNext[leaf] = this.leafFree;
    this.leafFree = leaf;
  }

  private growLeaves(next = grownCapacity(this.leafCapacity, this.leafBytes)): void {
    const cap = this.cap;
    const refs = new Uint32Array(next * cap);
    refs.set(this.leafRefs);
    const counts = new Int32Array(next);
    counts.set(this.leafCount);
    const links = new Int32Array(next);
    links.set(this.leafNext);
    this.leafRefs = refs;
    this.leafCount = counts;
    this.leafNext = links;
    this.leafCapacity = next;
  }

  private allocInner(): number {
    let node = this.innerFree;
    if (node !== NONE) {
      this.innerFree = this.innerCount[node];
    } else {
      if (this.innerHighWater === this.innerCapacity) this.growInners();
      node = this.innerHighWater++;
    }
    this.innerCount[node] = 0;
    return node;
  }

  private freeInner(node: number): void {
    this.innerCount[node] = this.innerFree;
    this.innerFree = node;
  }

  private growInners(next = grownCapacity(this.innerCapacity, this.innerBytes)): void {
    const cap = this.cap;
    const seps = new Uint32Array(next * cap);
    seps.set(this.innerSeps);
    const kids = new Int32Array(next * (cap + 1));
    kids.set(this.innerKids);
    const counts = new Int32Array(next);
    counts.set(this.innerCount);
    this.innerSeps = seps;
    this.innerKids = kids;
    this.innerCount = counts;
    this.innerCapacity = next;
  }

  private freeListLength(head: number, leaves: boolean): number {
    let n = 0;
    const limit = leaves ? this.leafHighWater : this.innerHighWater;
    for (let node = head; node !== NONE; node = leaves ? this.leafNext[node] : this.innerCount[node]) {
      if (!(node >= 0 && node < limit)) fail(`free list holds node ${node} outside the pool`);
      assert(++n <= limit, "free list has a cycle");
    }
    return n;
  }

  // ---------------------------------------------------------------------------------------------
  // Invariant checks (tests).

  /** Checks the subtree; returns its entry count and appends its leaves in order. */
  private checkNode(node: number, depth: number, isRoot: boolean, leaves: number[]): number {
    const cap = this.cap;
    const keys = this.keys;
    if (depth === this.height - 1) {
      if (!(node >= 0 && node < this.leafHighWater)) fail(`leaf ${node} outside the pool`);
      const n = this.leafCount[node];
      if (!(n <= cap)) fail(`leaf ${node} holds ${n} > ${cap}`);
      if (!isRoot && n < this.minFill) fail(`leaf ${node} holds ${n} < minFill ${this.minFill}`);
      const base = node * cap;
      for (let i = 1; i < n; i++) {
        if (!(keys.compareRefs(this.leafRefs[base + i - 1], this.leafRefs[base + i]) < 0)) fail(`leaf ${node} out of order at ${i}`);
      }
      leaves.push(node);
      return n;
    }
    if (!(node >= 0 && node < this.innerHighWater)) fail(`inner node ${node} outside the pool`);
    const n = this.innerCount[node];
    if (!(n <= cap)) fail(`inner node ${node} holds ${n} > ${cap} separators`);
    if (!(n >= (isRoot ? 1 : this.minFill))) fail(`inner node ${node} holds ${n} separators, too few`);
    let total = 0;
    for (let i = 0; i <= n; i++) {
      const child = this.innerKids[node * (cap + 1) + i];
      total += this.checkNode(child, depth + 1, false, leaves);
      const min = this.minRef(child, depth + 1);
      const max = this.maxRef(child, depth + 1);
      if (i > 0) {
        const sep = this.innerSeps[node * cap + i - 1];
        if (!(sep === min)) fail(`inner node ${node}: separator ${i - 1} (ref ${sep}) is not its right subtree's minimum (ref ${min})`);
      }
      if (i < n) {
        const sep = this.innerSeps[node * cap + i];
        if (!(keys.compareRefs(max, sep) < 0)) fail(`inner node ${node}: child ${i} holds a key >= separator ${i}`);
      }
    }
    return total;
  }

  private minRef(node: number, depth: number): number {
    for (; depth < this.height - 1; depth++) node = this.innerKids[node * (this.cap + 1)];
    return this.leafRefs[node * this.cap];
  }

  private maxRef(node: number, depth: number): number {
    for (; depth < this.height - 1; depth++) node = this.innerKids[node * (this.cap + 1) + this.innerCount[node]];
    return this.leafRefs[node * this.cap + this.leafCount[node] - 1];
  }

  private countInner(node: number, depth: number): number {
    if (depth === this.height - 1) return 0;
    let n = 1;
    for (let i = 0; i <= this.innerCount[node]; i++) n += this.countInner(this.innerKids[node * (this.cap + 1) + i], depth + 1);
    return n;
  }
}
