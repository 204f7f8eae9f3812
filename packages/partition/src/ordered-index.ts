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
 * - Memory per key: a leaf slot is 8 bytes (ref + chunk, below). Before a full leaf splits it
 *   first tries to shift entries into a sibling that has room (B*-tree style), which keeps
 *   leaves ~80% full under random inserts and ~90% under ascending ones; deletes merge or borrow
 *   below half. With 64-entry nodes that is 9.0-10.2 bytes/key in nodes (usedBytes()), 11.0 held
 *   with pool slack (memoryBytes()), measured at 1M keys by bench/_ordered-index.ts (4.4-5.4
 *   without the chunk cache).
 * - Cost: a binary search that compared keys would read ~log2(n) items, and at 1M keys the
 *   lower levels' reads are CPU cache misses into the slabs (measured: ~1.5 us of a 3.3 us SET
 *   of a new key). So every node also keeps a prefix its keys share (up to PREFIX_MAX bytes,
 *   and its length, the node's offset) and, per entry, the 4 key bytes after that offset as a
 *   big-endian u32 (the entry's chunk, zero past the key's end). A search compares the key with
 *   the node's prefix, then binary-searches the chunks in the node's own memory, and reads items
 *   only for entries whose chunk equals the key's: a smaller chunk proves a smaller key, equal
 *   chunks prove nothing. The cache costs 4 bytes an entry and 33 a node; it is kept exact
 *   (checkInvariants() recomputes it): moving entries between nodes first brings the nodes to a
 *   common offset (chunks shift left by the prefix bytes given up, no key read), and a node
 *   whose offset fell too far behind its keys' real common prefix (many equal chunks met in a
 *   search) is recomputed from its keys. delete() and replaceRef() also accept the item's ref
 *   as a hint (the hash index knows it) and then find the leaf entry by identity.
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
export type OrderedKeys = Pick<KeyStore, "keyOf" | "compareRefs" | "compareRefToKey" | "refHasPrefix">;

/** For bulkLoad(): what the sort already read of every key (key-sort.ts). */
export interface BulkLoadChunks {
  /** Bytes every key starts with. */
  prefix: Uint8Array;
  /** chunks[i]: big-endian bytes [prefix.length, prefix.length + 4) of refs[i]'s key, zero past its end. */
  chunks: Uint32Array;
}

export interface OrderedIndexOptions {
  /** Entries per leaf and separators per inner node (>= 4). Default 64. */
  nodeCapacity?: number;
}

const NONE = -1;
/** With nodeCapacity >= 4 every non-root inner node has >= 3 children, so 2^32 keys fit in < 32 levels. */
const MAX_DEPTH = 32;
const INITIAL_LEAVES = 4;
const INITIAL_INNERS = 2;
/** Bytes of shared key prefix a node stores: its offset is at most this. */
const PREFIX_MAX = 32;
/** Equal chunks met in one node search from which the node's cache is recomputed, if that helps. */
const REFRESH_TIES = 4;
// Typed-array bytes per node slot (entry or separator) and per node, beyond the slots.
// Leaf: ref + chunk; count + next link + offset + prefix.
const LEAF_BYTES_PER_SLOT = 8;
const LEAF_BYTES_PER_NODE = 9 + PREFIX_MAX;
// Inner: separator + chunk + child (one child more than separators); count + offset + prefix.
const INNER_BYTES_PER_SLOT = 12;
const INNER_BYTES_PER_NODE = 9 + PREFIX_MAX;

/** Big-endian bytes [at, at + 4) of `key`, zero past its end. */
function chunkAt(key: Uint8Array, at: number): number {
  const len = key.length;
  if (at + 4 <= len) return ((key[at]! << 24) | (key[at + 1]! << 16) | (key[at + 2]! << 8) | key[at + 3]!) >>> 0;
  const b0 = at < len ? key[at]! : 0;
  const b1 = at + 1 < len ? key[at + 1]! : 0;
  const b2 = at + 2 < len ? key[at + 2]! : 0;
  return ((b0 << 24) | (b1 << 16) | (b2 << 8)) >>> 0;
}

/**
 * The chunk at offset `to` of a key whose chunk at offset `from` (> to) is `chunk` and whose
 * bytes [to, from) are prefix[pb + to, pb + from): no key read needed.
 */
function shiftChunk(chunk: number, prefix: Uint8Array, pb: number, to: number, from: number): number {
  const d = from - to;
  if (d >= 4) return ((prefix[pb + to]! << 24) | (prefix[pb + to + 1]! << 16) | (prefix[pb + to + 2]! << 8) | prefix[pb + to + 3]!) >>> 0;
  let high = 0;
  for (let i = 0; i < d; i++) high = (high << 8) | prefix[pb + to + i]!;
  return ((high << (8 * (4 - d))) | (chunk >>> (8 * d))) >>> 0;
}

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

  // Leaf pool: leaf L owns leafRefs[L*cap .. L*cap+cap). leafNext chains leaves in key order
  // (and links the free list).
  private leafRefs: Uint32Array;
  private leafCount: Int32Array;
  private leafNext: Int32Array;
  private leafCapacity: number;
  private leafHighWater = 0;
  private leafFree = NONE;
  // Per leaf: chunks parallel to leafRefs, the offset, and the prefix bytes (PREFIX_MAX each).
  private leafChunks: Uint32Array;
  private leafOff: Uint8Array;
  private leafPfx: Uint8Array;

  // Inner pool: node N owns innerSeps[N*cap ..) and innerKids[N*(cap+1) ..); innerCount is the
  // number of separators. Free list is linked through innerCount (value = next free).
  private innerSeps: Uint32Array;
  private innerKids: Int32Array;
  private innerCount: Int32Array;
  private innerCapacity: number;
  private innerHighWater = 0;
  private innerFree = NONE;
  // Per inner node: chunks parallel to innerSeps, the offset, and the prefix bytes.
  private innerChunks: Uint32Array;
  private innerOff: Uint8Array;
  private innerPfx: Uint8Array;

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
  /** Set by searchNode(): the entry at the returned position holds the key. */
  private hit = false;
  /** Node caches recomputed from their keys (see REFRESH_TIES), since the index was made. */
  chunkRefreshes = 0;
  // Split scratch: a full node plus the entry being added.
  private readonly scratchRefs: Uint32Array;
  private readonly scratchKids: Int32Array;
  private readonly scratchChunks: Uint32Array;

  constructor(keys: OrderedKeys, options?: OrderedIndexOptions) {
    const cap = options?.nodeCapacity ?? 64;
    if (!(Number.isInteger(cap) && cap >= 4 && cap <= 4096)) fail(`nodeCapacity must be an integer in 4..4096, got ${cap}`);
    this.keys = keys;
    this.cap = cap;
    this.minFill = cap >> 1;
    this.leafCapacity = INITIAL_LEAVES;
    this.leafRefs = new Uint32Array(INITIAL_LEAVES * cap);
    this.leafCount = new Int32Array(INITIAL_LEAVES);
    this.leafNext = new Int32Array(INITIAL_LEAVES);
    this.leafChunks = new Uint32Array(INITIAL_LEAVES * cap);
    this.leafOff = new Uint8Array(INITIAL_LEAVES);
    this.leafPfx = new Uint8Array(INITIAL_LEAVES * PREFIX_MAX);
    this.innerCapacity = INITIAL_INNERS;
    this.innerSeps = new Uint32Array(INITIAL_INNERS * cap);
    this.innerKids = new Int32Array(INITIAL_INNERS * (cap + 1));
    this.innerCount = new Int32Array(INITIAL_INNERS);
    this.innerChunks = new Uint32Array(INITIAL_INNERS * cap);
    this.innerOff = new Uint8Array(INITIAL_INNERS);
    this.innerPfx = new Uint8Array(INITIAL_INNERS * PREFIX_MAX);
    this.scratchRefs = new Uint32Array(cap + 1);
    this.scratchKids = new Int32Array(cap + 2);
    this.scratchChunks = new Uint32Array(cap + 1);
    this.root = this.allocLeaf();
    this.lastLeaf = this.root;
    this.appending = false;
  }

  get size(): number {
    return this.count;
  }

  /**
   * Adds `ref`, whose key is `key` (the caller has it in hand; read from the store when
   * omitted); the key must not be in the index already (throws if it is).
   */
  insert(ref: number, key: Uint8Array = this.keys.keyOf(ref)): void {
    assert(!this.scanning, "insert during a scan callback");
    if (ref >>> 0 !== ref || ref === 0xffffffff) fail(`ref must be a uint32 other than 0xFFFFFFFF, got ${ref}`);
    const cap = this.cap;
    let leaf: number;
    const knownLast = this.afterLastKey === key;
    this.afterLastKey = null;
    if (this.count > 0 && (knownLast || (this.appending && this.keys.compareRefToKey(this.leafRefs[this.lastLeaf * cap + this.leafCount[this.lastLeaf] - 1], key) < 0))) {
      // Ascending load (snapshot recovery writes keys in order, counters, timestamps): one
      // comparison with the largest key, a comparison-free walk down the right edge.
      leaf = this.rightEdgePath();
      this.foundPos = this.leafCount[leaf];
      this.appendedInserts++;
    } else {
      leaf = this.descendKey(key, -1);
      if (this.foundExact) fail(`insert: key of ref ${ref} is already present`);
    }
    const pos = this.foundPos;
    const n = this.leafCount[leaf];
    this.appending = leaf === this.lastLeaf && pos === n;
    if (n < cap) {
      this.admitKey(true, leaf, key, n);
      const base = leaf * cap;
      if (pos < n) {
        this.leafRefs.copyWithin(base + pos + 1, base + pos, base + n);
        this.leafChunks.copyWithin(base + pos + 1, base + pos, base + n);
      }
      this.leafRefs[base + pos] = ref;
      this.leafChunks[base + pos] = chunkAt(key, this.leafOff[leaf]);
      this.leafCount[leaf] = n + 1;
    } else {
      this.insertIntoFullLeaf(leaf, pos, ref, key);
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
    this.leafChunks.copyWithin(base + pos, base + pos + 1, base + n);
    this.leafCount[leaf] = n - 1;
    this.count--;
    if (this.height === 1) return ref;
    // A non-root leaf held >= minFill >= 2 entries, so it is not empty now: its new first entry
    // replaces the deleted key as separator, if the deleted key was one.
    if (pos === 0) this.replaceSeparator(ref, this.leafRefs[base], false);
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
    if (this.foundPos === 0 && this.height > 1) this.replaceSeparator(oldRef, newRef, true);
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
    this.leafChunks = new Uint32Array(INITIAL_LEAVES * cap);
    this.leafOff = new Uint8Array(INITIAL_LEAVES);
    this.leafPfx = new Uint8Array(INITIAL_LEAVES * PREFIX_MAX);
    this.leafHighWater = 0;
    this.leafFree = NONE;
    this.innerCapacity = INITIAL_INNERS;
    this.innerSeps = new Uint32Array(INITIAL_INNERS * cap);
    this.innerKids = new Int32Array(INITIAL_INNERS * (cap + 1));
    this.innerCount = new Int32Array(INITIAL_INNERS);
    this.innerChunks = new Uint32Array(INITIAL_INNERS * cap);
    this.innerOff = new Uint8Array(INITIAL_INNERS);
    this.innerPfx = new Uint8Array(INITIAL_INNERS * PREFIX_MAX);
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
   * `sorted`: the chunks the sort took of every key (key-sort.ts); every node then starts at the
   * shared prefix, and nodes that need a longer offset get it when a search meets their equal
   * chunks. Without it, each node's cache is computed from its keys (one read of each).
   */
  bulkLoad(refs: Uint32Array, sorted?: BulkLoadChunks): void {
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
    this.leafChunks = new Uint32Array(this.leafCapacity * cap);
    this.leafOff = new Uint8Array(this.leafCapacity);
    this.leafPfx = new Uint8Array(this.leafCapacity * PREFIX_MAX);
    this.leafHighWater = 0;
    this.innerCapacity = Math.max(INITIAL_INNERS, inners);
    this.innerSeps = new Uint32Array(this.innerCapacity * cap);
    this.innerKids = new Int32Array(this.innerCapacity * (cap + 1));
    this.innerCount = new Int32Array(this.innerCapacity);
    this.innerChunks = new Uint32Array(this.innerCapacity * cap);
    this.innerOff = new Uint8Array(this.innerCapacity);
    this.innerPfx = new Uint8Array(this.innerCapacity * PREFIX_MAX);
    this.innerHighWater = 0;

    // The chunk every key gets at the shared prefix (capped at PREFIX_MAX), when the sort gave them.
    let chunkOf: ((i: number) => number) | null = null;
    let off = 0;
    if (sorted !== undefined) {
      const p = sorted.prefix;
      off = p.length < PREFIX_MAX ? p.length : PREFIX_MAX;
      const given = sorted.chunks;
      chunkOf = off === p.length ? (i) => given[i]! : (i) => shiftChunk(given[i]!, p, 0, off, p.length);
      for (let i = 0; i < off; i++) this.leafPfx[i] = p[i]!; // node 0's copy; the others copy it
    }
    const setHeader = (leaf: boolean, node: number): void => {
      const pfx = leaf ? this.leafPfx : this.innerPfx;
      if (node !== 0 || !leaf) pfx.set(this.leafPfx.subarray(0, off), node * PREFIX_MAX);
      (leaf ? this.leafOff : this.innerOff)[node] = off;
    };

    // Leaves: n entries spread evenly over `leaves` nodes.
    let level = new Int32Array(leaves);
    let levelMin = new Uint32Array(leaves);
    let levelMinChunk = new Uint32Array(leaves);
    let at = 0;
    let prev = NONE;
    for (let i = 0; i < leaves; i++) {
      const take = Math.floor((n - at) / (leaves - i));
      const leaf = this.allocLeaf();
      copyRange(this.leafRefs, leaf * cap, refs, at, at + take);
      this.leafCount[leaf] = take;
      if (chunkOf !== null) {
        setHeader(true, leaf);
        for (let k = 0; k < take; k++) this.leafChunks[leaf * cap + k] = chunkOf(at + k);
        levelMinChunk[i] = this.leafChunks[leaf * cap];
      } else {
        this.refreshNode(true, leaf, take);
      }
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
      const upMinChunk = new Uint32Array(parents);
      let child = 0;
      for (let i = 0; i < parents; i++) {
        const take = Math.floor((level.length - child) / (parents - i));
        const node = this.allocInner();
        const kids = node * (cap + 1);
        const seps = node * cap;
        for (let k = 0; k < take; k++) {
          this.innerKids[kids + k] = level[child + k]!;
          if (k > 0) {
            this.innerSeps[seps + k - 1] = levelMin[child + k]!;
            this.innerChunks[seps + k - 1] = levelMinChunk[child + k]!;
          }
        }
        this.innerCount[node] = take - 1;
        if (chunkOf !== null) setHeader(false, node);
        else this.refreshNode(false, node, take - 1);
        up[i] = node;
        upMin[i] = levelMin[child]!;
        upMinChunk[i] = levelMinChunk[child]!;
        child += take;
      }
      level = up;
      levelMin = upMin;
      levelMinChunk = upMinChunk;
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
      this.leafChunks.byteLength +
      this.leafOff.byteLength +
      this.leafPfx.byteLength +
      this.innerChunks.byteLength +
      this.innerOff.byteLength +
      this.innerPfx.byteLength +
      this.pathNode.byteLength +
      this.pathIdx.byteLength +
      this.scratchRefs.byteLength +
      this.scratchKids.byteLength +
      this.scratchChunks.byteLength
    );
  }

  /**
   * Grows the node pools once for `keys` more keys (a load is coming: recovery), instead of in
   * steps that each copy the pools. Sized for ascending inserts (leaves ~90% full).
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
    const cap = this.cap;
    const leafBytes = LEAF_BYTES_PER_SLOT * cap + LEAF_BYTES_PER_NODE;
    const innerBytes = INNER_BYTES_PER_SLOT * cap + INNER_BYTES_PER_NODE;
    const leaves = grownCapacity(this.leafCapacity, leafBytes) - this.leafCapacity;
    const inners = grownCapacity(this.innerCapacity, innerBytes) - this.innerCapacity;
    return leaves * leafBytes + inners * innerBytes;
  }

  /** Bytes of nodes in use (excludes pool slack): the tree's intrinsic cost. */
  usedBytes(): number {
    const leaves = this.leafHighWater - this.freeListLength(this.leafFree, true);
    const inners = this.innerHighWater - this.freeListLength(this.innerFree, false);
    return leaves * (this.cap * LEAF_BYTES_PER_SLOT + LEAF_BYTES_PER_NODE) + inners * (this.cap * INNER_BYTES_PER_SLOT + INNER_BYTES_PER_NODE);
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

  /**
   * Descends towards `key`; returns the leaf; foundPos = first entry >= key. With refHint (not
   * -1) the leaf is first searched for that ref by identity (no key reads).
   */
  private descendKey(key: Uint8Array, refHint: number): number {
    const cap = this.cap;
    let node = this.root;
    let exact = false;
    for (let d = 0; d < this.height - 1; d++) {
      let idx = 0;
      if (!exact) {
        // Upper bound: the first separator greater than the key; equal means "right subtree,
        // and the key is that subtree's minimum", so further levels need no comparisons.
        idx = this.searchNode(false, node, this.innerCount[node], key);
        if (this.hit) {
          idx++;
          exact = true;
        }
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
    const n = this.leafCount[node];
    if (refHint !== -1) {
      const base = node * cap;
      const refs = this.leafRefs;
      for (let i = base, end = base + n; i < end; i++) {
        if (refs[i] === refHint) {
          // One read of the hinted item itself (just touched by the caller, so cached).
          if (!(this.keys.compareRefToKey(refHint, key) === 0)) fail(`ref hint ${refHint} does not hold the key`);
          this.foundPos = i - base;
          this.foundExact = true;
          return node;
        }
      }
    }
    const pos = this.searchNode(true, node, n, key);
    // A correct hint is always in the key's leaf: reaching here with the key present means it was wrong.
    if (!(refHint === -1 || !this.hit)) fail(`ref hint ${refHint} is not the key's ref`);
    this.foundPos = pos;
    this.foundExact = this.hit;
    return node;
  }

  /**
   * How many of the node's n entries sort before `key`; this.hit tells whether the entry at that
   * position holds `key`. The node's prefix and the entries' chunks decide without reading an
   * item, except among entries whose chunk equals the key's.
   */
  private searchNode(leaf: boolean, node: number, n: number, key: Uint8Array): number {
    this.hit = false;
    if (n === 0) return 0;
    const pfx = leaf ? this.leafPfx : this.innerPfx;
    const off = leaf ? this.leafOff[node] : this.innerOff[node];
    const pb = node * PREFIX_MAX;
    const kl = key.length;
    const m = kl < off ? kl : off;
    for (let i = 0; i < m; i++) {
      const d = key[i] - pfx[pb + i];
      if (d !== 0) return d < 0 ? 0 : n;
    }
    // A proper prefix of the node's shared prefix sorts before every entry.
    if (kl < off) return 0;
    const chunks = leaf ? this.leafChunks : this.innerChunks;
    const base = node * this.cap;
    const kc = chunkAt(key, off);
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (chunks[base + mid] < kc) lo = mid + 1;
      else hi = mid;
    }
    let end = lo;
    while (end < n && chunks[base + end] === kc) end++;
    if (end - lo >= REFRESH_TIES && off < PREFIX_MAX && this.refreshIfNarrower(leaf, node, n)) return this.searchNode(leaf, node, n, key);
    const refs = leaf ? this.leafRefs : this.innerSeps;
    const keys = this.keys;
    hi = end;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const c = keys.compareRefToKey(refs[base + mid], key);
      if (c < 0) lo = mid + 1;
      else if (c > 0) hi = mid;
      else {
        this.hit = true;
        return mid;
      }
    }
    return lo;
  }

  // ---------------------------------------------------------------------------------------------
  // The chunk cache: every node's prefix, offset and chunks (see the file comment).

  /**
   * Before `key` joins the node's n entries: shrinks the node's offset to the prefix `key`
   * shares with them (an empty node takes its prefix from `key`).
   */
  private admitKey(leaf: boolean, node: number, key: Uint8Array, n: number): void {
    const pfx = leaf ? this.leafPfx : this.innerPfx;
    const offs = leaf ? this.leafOff : this.innerOff;
    const pb = node * PREFIX_MAX;
    if (n === 0) {
      const off = key.length < PREFIX_MAX ? key.length : PREFIX_MAX;
      for (let i = 0; i < off; i++) pfx[pb + i] = key[i];
      offs[node] = off;
      return;
    }
    const off = offs[node];
    const m = key.length < off ? key.length : off;
    let l = 0;
    while (l < m && key[l] === pfx[pb + l]) l++;
    if (l < off) this.shrinkNode(leaf, node, n, l);
  }

  /** Lowers the node's offset to `to`, re-deriving its n chunks from the prefix bytes given up. */
  private shrinkNode(leaf: boolean, node: number, n: number, to: number): void {
    const offs = leaf ? this.leafOff : this.innerOff;
    const from = offs[node];
    if (to >= from) return;
    const chunks = leaf ? this.leafChunks : this.innerChunks;
    const pfx = leaf ? this.leafPfx : this.innerPfx;
    const pb = node * PREFIX_MAX;
    const base = node * this.cap;
    for (let i = base, end = base + n; i < end; i++) chunks[i] = shiftChunk(chunks[i], pfx, pb, to, from);
    offs[node] = to;
  }

  /** Brings two nodes of the same kind to one offset and prefix, so entries can move between them as they are. */
  private reconcile(leaf: boolean, a: number, na: number, b: number, nb: number): void {
    const pfx = leaf ? this.leafPfx : this.innerPfx;
    const offs = leaf ? this.leafOff : this.innerOff;
    if (na === 0) return this.copyCacheHeader(leaf, b, a);
    if (nb === 0) return this.copyCacheHeader(leaf, a, b);
    const oa = offs[a];
    const ob = offs[b];
    const m = oa < ob ? oa : ob;
    const pa = a * PREFIX_MAX;
    const pb = b * PREFIX_MAX;
    let l = 0;
    while (l < m && pfx[pa + l] === pfx[pb + l]) l++;
    this.shrinkNode(leaf, a, na, l);
    this.shrinkNode(leaf, b, nb, l);
  }

  /** dst takes src's offset and prefix (dst's own entries, if any, are re-derived by the caller). */
  private copyCacheHeader(leaf: boolean, src: number, dst: number): void {
    const pfx = leaf ? this.leafPfx : this.innerPfx;
    const offs = leaf ? this.leafOff : this.innerOff;
    pfx.copyWithin(dst * PREFIX_MAX, src * PREFIX_MAX, src * PREFIX_MAX + offs[src]);
    offs[dst] = offs[src];
  }

  /** Separator i of inner node `node` becomes `ref` (a different key: its chunk is read). */
  private setSeparator(node: number, i: number, ref: number): void {
    const key = this.keys.keyOf(ref);
    this.admitKey(false, node, key, this.innerCount[node]);
    this.innerSeps[node * this.cap + i] = ref;
    this.innerChunks[node * this.cap + i] = chunkAt(key, this.innerOff[node]);
  }

  /** Recomputes the node's cache from its keys: its offset becomes their whole common prefix. */
  private refreshNode(leaf: boolean, node: number, n: number): void {
    if (n === 0) return;
    const refs = leaf ? this.leafRefs : this.innerSeps;
    const chunks = leaf ? this.leafChunks : this.innerChunks;
    const pfx = leaf ? this.leafPfx : this.innerPfx;
    const base = node * this.cap;
    const pb = node * PREFIX_MAX;
    const first = this.keys.keyOf(refs[base]);
    const off = this.commonPrefix(first, refs[base + n - 1]);
    for (let i = 0; i < off; i++) pfx[pb + i] = first[i];
    (leaf ? this.leafOff : this.innerOff)[node] = off;
    for (let i = base, end = base + n; i < end; i++) chunks[i] = chunkAt(this.keys.keyOf(refs[i]), off);
    this.chunkRefreshes++;
  }

  /**
   * Many equal chunks were met in the node: recomputes its cache if its keys share a longer
   * prefix than its offset (entries moved in and out since it was computed). Two key reads when
   * that does not help.
   */
  private refreshIfNarrower(leaf: boolean, node: number, n: number): boolean {
    const refs = leaf ? this.leafRefs : this.innerSeps;
    const base = node * this.cap;
    const lcp = this.commonPrefix(this.keys.keyOf(refs[base]), refs[base + n - 1]);
    if (lcp <= (leaf ? this.leafOff[node] : this.innerOff[node])) return false;
    this.refreshNode(leaf, node, n);
    return true;
  }

  /** Common prefix length of `first` and the key of `ref`, at most PREFIX_MAX. */
  private commonPrefix(first: Uint8Array, ref: number): number {
    const last = this.keys.keyOf(ref);
    let m = first.length < last.length ? first.length : last.length;
    if (m > PREFIX_MAX) m = PREFIX_MAX;
    let l = 0;
    while (l < m && first[l] === last[l]) l++;
    return l;
  }

  /**
   * The first entry of the current path's leaf changed from oldRef to newRef. If oldRef is a
   * separator, it is in the lowest ancestor entered through a child index > 0.
   */
  private replaceSeparator(oldRef: number, newRef: number, sameKey: boolean): void {
    for (let d = this.height - 2; d >= 0; d--) {
      const idx = this.pathIdx[d];
      if (idx > 0) {
        const node = this.pathNode[d];
        const at = node * this.cap + idx - 1;
        assert(this.innerSeps[at] === oldRef, "separator is not the minimum of its right subtree");
        // The same key in a moved item keeps its chunk.
        if (sameKey) this.innerSeps[at] = newRef;
        else this.setSeparator(node, idx - 1, newRef);
        return;
      }
    }
    // Leftmost leaf of the whole tree: its minimum is no separator.
  }

  // ---------------------------------------------------------------------------------------------
  // Insertion into full nodes.

  private insertIntoFullLeaf(leaf: number, pos: number, ref: number, key: Uint8Array): void {
    const cap = this.cap;
    const base = leaf * cap;
    const total = cap + 1;
    // Shift into the sibling with more room rather than split: higher fill, fewer nodes.
    let parent = NONE;
    let idx = 0;
    let left = NONE;
    let right = NONE;
    let into = NONE; // the sibling that takes entries, if any
    if (this.height > 1) {
      const depth = this.height - 2;
      parent = this.pathNode[depth];
      idx = this.pathIdx[depth];
      const kidsBase = parent * (cap + 1);
      left = idx > 0 ? this.innerKids[kidsBase + idx - 1] : NONE;
      right = idx < this.innerCount[parent] ? this.innerKids[kidsBase + idx + 1] : NONE;
      const leftRoom = left === NONE ? 0 : cap - this.leafCount[left];
      const rightRoom = right === NONE ? 0 : cap - this.leafCount[right];
      if (leftRoom > 0 && leftRoom >= rightRoom) into = left;
      else if (rightRoom > 0) into = right;
    }
    // Chunk cache: the leaf admits the key; a sibling taking entries comes to the same offset.
    this.admitKey(true, leaf, key, cap);
    if (into !== NONE) this.reconcile(true, leaf, cap, into, this.leafCount[into]);
    // scratch = the leaf's entries with ref inserted at pos (cap + 1 entries), chunks alongside.
    const scratch = this.scratchRefs;
    const chunks = this.scratchChunks;
    copyRange(scratch, 0, this.leafRefs, base, base + pos);
    scratch[pos] = ref;
    copyRange(scratch, pos + 1, this.leafRefs, base + pos, base + cap);
    copyRange(chunks, 0, this.leafChunks, base, base + pos);
    chunks[pos] = chunkAt(key, this.leafOff[leaf]);
    copyRange(chunks, pos + 1, this.leafChunks, base + pos, base + cap);

    if (into !== NONE && into === left) {
      // Even out: the left sibling takes the first k of scratch.
      const leftCount = this.leafCount[left];
      const k = Math.max(1, ((leftCount + total) >> 1) - leftCount);
      copyRange(this.leafRefs, left * cap + leftCount, scratch, 0, k);
      copyRange(this.leafChunks, left * cap + leftCount, chunks, 0, k);
      this.leafCount[left] = leftCount + k;
      copyRange(this.leafRefs, base, scratch, k, total);
      copyRange(this.leafChunks, base, chunks, k, total);
      this.leafCount[leaf] = total - k;
      this.setSeparator(parent, idx - 1, this.leafRefs[base]);
      return;
    }
    if (into !== NONE) {
      // The right sibling takes the last k of scratch in front of its own entries.
      const rightCount = this.leafCount[right];
      const k = Math.max(1, ((rightCount + total) >> 1) - rightCount);
      const rightBase = right * cap;
      this.leafRefs.copyWithin(rightBase + k, rightBase, rightBase + rightCount);
      this.leafChunks.copyWithin(rightBase + k, rightBase, rightBase + rightCount);
      copyRange(this.leafRefs, rightBase, scratch, total - k, total);
      copyRange(this.leafChunks, rightBase, chunks, total - k, total);
      this.leafCount[right] = rightCount + k;
      copyRange(this.leafRefs, base, scratch, 0, total - k);
      copyRange(this.leafChunks, base, chunks, 0, total - k);
      this.leafCount[leaf] = total - k;
      this.setSeparator(parent, idx, this.leafRefs[rightBase]);
      return;
    }

    // Split: the left half stays, the right half goes to a new leaf linked after it, with the
    // same prefix and offset (a subset of keys shares at least that much).
    const newLeaf = this.allocLeaf(); // may grow the pool: re-read arrays below
    const keep = (total + 1) >> 1;
    const newBase = newLeaf * cap;
    copyRange(this.leafRefs, base, scratch, 0, keep);
    copyRange(this.leafChunks, base, chunks, 0, keep);
    this.leafCount[leaf] = keep;
    copyRange(this.leafRefs, newBase, scratch, keep, total);
    copyRange(this.leafChunks, newBase, chunks, keep, total);
    this.leafCount[newLeaf] = total - keep;
    this.copyCacheHeader(true, leaf, newLeaf);
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
    const sepKey = this.keys.keyOf(sep);
    if (depth < 0) {
      const newRoot = this.allocInner();
      this.admitKey(false, newRoot, sepKey, 0);
      this.innerSeps[newRoot * cap] = sep;
      this.innerChunks[newRoot * cap] = chunkAt(sepKey, this.innerOff[newRoot]);
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
    this.admitKey(false, node, sepKey, n);
    const sepChunk = chunkAt(sepKey, this.innerOff[node]);
    if (n < cap) {
      this.innerSeps.copyWithin(sepBase + idx + 1, sepBase + idx, sepBase + n);
      this.innerChunks.copyWithin(sepBase + idx + 1, sepBase + idx, sepBase + n);
      this.innerSeps[sepBase + idx] = sep;
      this.innerChunks[sepBase + idx] = sepChunk;
      this.innerKids.copyWithin(kidsBase + idx + 2, kidsBase + idx + 1, kidsBase + n + 1);
      this.innerKids[kidsBase + idx + 1] = child;
      this.innerCount[node] = n + 1;
      return;
    }
    // Split a full inner node: cap + 1 separators, cap + 2 children. The middle separator moves
    // up; it is the minimum of the new right node's subtree, so the invariant carries over.
    const seps = this.scratchRefs;
    const chunks = this.scratchChunks;
    const kids = this.scratchKids;
    copyRange(seps, 0, this.innerSeps, sepBase, sepBase + idx);
    seps[idx] = sep;
    copyRange(seps, idx + 1, this.innerSeps, sepBase + idx, sepBase + cap);
    copyRange(chunks, 0, this.innerChunks, sepBase, sepBase + idx);
    chunks[idx] = sepChunk;
    copyRange(chunks, idx + 1, this.innerChunks, sepBase + idx, sepBase + cap);
    copyRange(kids, 0, this.innerKids, kidsBase, kidsBase + idx + 1);
    kids[idx + 1] = child;
    copyRange(kids, idx + 2, this.innerKids, kidsBase + idx + 1, kidsBase + cap + 1);
    const newNode = this.allocInner(); // may grow the pool: re-read arrays below
    const keep = cap >> 1; // separators left; cap - keep go right (both >= minFill)
    const up = seps[keep];
    const newSepBase = newNode * cap;
    const newKidsBase = newNode * (cap + 1);
    copyRange(this.innerSeps, sepBase, seps, 0, keep);
    copyRange(this.innerChunks, sepBase, chunks, 0, keep);
    copyRange(this.innerKids, kidsBase, kids, 0, keep + 1);
    this.innerCount[node] = keep;
    copyRange(this.innerSeps, newSepBase, seps, keep + 1, cap + 1);
    copyRange(this.innerChunks, newSepBase, chunks, keep + 1, cap + 1);
    copyRange(this.innerKids, newKidsBase, kids, keep + 1, cap + 2);
    this.innerCount[newNode] = cap - keep;
    this.copyCacheHeader(false, node, newNode);
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
    // Entries move between the two: one offset for both.
    this.reconcile(true, left, lc, right, rc);
    if (lc + rc <= cap) {
      // Merge right into left; the separator (right's minimum) leaves the parent.
      this.leafRefs.copyWithin(lb + lc, rb, rb + rc);
      this.leafChunks.copyWithin(lb + lc, rb, rb + rc);
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
    for (const a of [this.leafRefs, this.leafChunks]) {
      if (newLc > lc) {
        const k = newLc - lc;
        a.copyWithin(lb + lc, rb, rb + k);
        a.copyWithin(rb, rb + k, rb + rc);
      } else {
        const k = lc - newLc;
        a.copyWithin(rb + k, rb, rb + rc);
        a.copyWithin(rb, lb + newLc, lb + lc);
      }
    }
    this.leafCount[left] = newLc;
    this.leafCount[right] = lc + rc - newLc;
    this.setSeparator(parent, sepIdx, this.leafRefs[rb]);
  }

  /** Removes separator sepIdx and child sepIdx + 1 from an inner node. */
  private removeFromInner(node: number, sepIdx: number): void {
    const cap = this.cap;
    const n = this.innerCount[node];
    const sepBase = node * cap;
    const kidsBase = node * (cap + 1);
    this.innerSeps.copyWithin(sepBase + sepIdx, sepBase + sepIdx + 1, sepBase + n);
    this.innerChunks.copyWithin(sepBase + sepIdx, sepBase + sepIdx + 1, sepBase + n);
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
      // Rare (a merge of inner nodes): the cache is recomputed from the keys.
      this.refreshNode(false, left, lc + 1 + rc);
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
    // Rare (a rotation through the parent): the caches are recomputed from the keys.
    this.refreshNode(false, left, newLc);
    this.refreshNode(false, right, lc + rc - newLc);
    this.setSeparator(parent, sepIdx, seps[parentSepAt]);
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

  private growLeaves(next = grownCapacity(this.leafCapacity, LEAF_BYTES_PER_SLOT * this.cap + LEAF_BYTES_PER_NODE)): void {
    const cap = this.cap;
    const refs = new Uint32Array(next * cap);
    refs.set(this.leafRefs);
    const counts = new Int32Array(next);
    counts.set(this.leafCount);
    const links = new Int32Array(next);
    links.set(this.leafNext);
    const chunks = new Uint32Array(next * cap);
    chunks.set(this.leafChunks);
    const offs = new Uint8Array(next);
    offs.set(this.leafOff);
    const pfx = new Uint8Array(next * PREFIX_MAX);
    pfx.set(this.leafPfx);
    this.leafRefs = refs;
    this.leafCount = counts;
    this.leafNext = links;
    this.leafChunks = chunks;
    this.leafOff = offs;
    this.leafPfx = pfx;
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

  private growInners(next = grownCapacity(this.innerCapacity, INNER_BYTES_PER_SLOT * this.cap + INNER_BYTES_PER_NODE)): void {
    const cap = this.cap;
    const seps = new Uint32Array(next * cap);
    seps.set(this.innerSeps);
    const kids = new Int32Array(next * (cap + 1));
    kids.set(this.innerKids);
    const counts = new Int32Array(next);
    counts.set(this.innerCount);
    const chunks = new Uint32Array(next * cap);
    chunks.set(this.innerChunks);
    const offs = new Uint8Array(next);
    offs.set(this.innerOff);
    const pfx = new Uint8Array(next * PREFIX_MAX);
    pfx.set(this.innerPfx);
    this.innerSeps = seps;
    this.innerKids = kids;
    this.innerCount = counts;
    this.innerChunks = chunks;
    this.innerOff = offs;
    this.innerPfx = pfx;
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
      this.checkCache(true, node, n);
      leaves.push(node);
      return n;
    }
    if (!(node >= 0 && node < this.innerHighWater)) fail(`inner node ${node} outside the pool`);
    const n = this.innerCount[node];
    if (!(n <= cap)) fail(`inner node ${node} holds ${n} > ${cap} separators`);
    if (!(n >= (isRoot ? 1 : this.minFill))) fail(`inner node ${node} holds ${n} separators, too few`);
    this.checkCache(false, node, n);
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

  /** The node's chunk cache is exact: every key starts with its prefix, every chunk is the key's. */
  private checkCache(leaf: boolean, node: number, n: number): void {
    const kind = leaf ? "leaf" : "inner node";
    const refs = leaf ? this.leafRefs : this.innerSeps;
    const chunks = leaf ? this.leafChunks : this.innerChunks;
    const pfx = leaf ? this.leafPfx : this.innerPfx;
    const off = leaf ? this.leafOff[node] : this.innerOff[node];
    if (!(off <= PREFIX_MAX)) fail(`${kind} ${node}: offset ${off} > ${PREFIX_MAX}`);
    const base = node * this.cap;
    const pb = node * PREFIX_MAX;
    for (let i = 0; i < n; i++) {
      const key = this.keys.keyOf(refs[base + i]);
      if (!(key.length >= off)) fail(`${kind} ${node}: key ${i} is shorter than the offset ${off}`);
      for (let j = 0; j < off; j++) if (!(key[j] === pfx[pb + j])) fail(`${kind} ${node}: key ${i} lacks the node's prefix at byte ${j}`);
      const expected = chunkAt(key, off);
      if (!(chunks[base + i] === expected)) fail(`${kind} ${node}: chunk ${i} is ${chunks[base + i]}, its key's is ${expected}`);
    }
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
