/**
 * Sorts item refs by their keys' byte order, for rebuilding the ordered index in one go after a
 * WAL replay of keys that came in random order (see PartitionStore.deferOrderedIndex).
 *
 * Why not a comparison sort: every comparison reads two keys from slab memory, and at a million
 * keys each read misses the CPU cache; inserting the keys one by one into the B+tree pays the
 * same misses ~20 times per key. Here each key is read twice (the common prefix, then an 8-byte
 * chunk of it), the chunks are sorted by an LSD radix sort over plain typed arrays (streaming
 * passes, no key reads), and only runs of keys whose chunks tie are sorted by full comparisons.
 *
 * The chunk: the 8 bytes after the prefix every key shares, big-endian, zero-padded past a
 * key's end. A smaller chunk means a smaller key (a key that ends inside the chunk is a prefix
 * of any longer key with the same bytes, and sorts first); equal chunks prove nothing, so ties
 * fall back to `compareRefs`.
 */
import type { KeyStore } from "./key-store.js";

type SortKeys = Pick<KeyStore, "keyOf" | "compareRefs">;

const DIGIT_BITS = 16;
const BUCKETS = 1 << DIGIT_BITS;

/** Sorts `refs` in place by key. */
export function sortRefsByKey(refs: Uint32Array, keys: SortKeys): void {
  const n = refs.length;
  if (n < 2) return;
  const prefix = commonPrefixLength(refs, keys);
  let hi = new Uint32Array(n);
  let lo = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const k = keys.keyOf(refs[i]!);
    hi[i] = chunkWord(k, prefix);
    lo[i] = chunkWord(k, prefix + 4);
  }
  // LSD radix sort of (hi, lo) with refs carried along: 16-bit digits, least significant first.
  let r: Uint32Array = refs;
  let r2: Uint32Array = new Uint32Array(n);
  let hi2 = new Uint32Array(n);
  let lo2 = new Uint32Array(n);
  const counts = new Uint32Array(BUCKETS);
  for (let pass = 0; pass < 4; pass++) {
    const word = pass < 2 ? lo : hi;
    const shift = (pass & 1) * DIGIT_BITS;
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[(word[i]! >>> shift) & (BUCKETS - 1)]!++;
    if (counts[(word[0]! >>> shift) & (BUCKETS - 1)] === n) continue; // one digit value: already in order
    let sum = 0;
    for (let b = 0; b < BUCKETS; b++) {
      const c = counts[b]!;
      counts[b] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const at = counts[(word[i]! >>> shift) & (BUCKETS - 1)]!++;
      r2[at] = r[i]!;
      hi2[at] = hi[i]!;
      lo2[at] = lo[i]!;
    }
    [r, r2] = [r2, r];
    [hi, hi2] = [hi2, hi];
    [lo, lo2] = [lo2, lo];
  }
  if (r !== refs) refs.set(r);
  // Runs of equal chunks: order them by the whole key.
  const cmp = (a: number, b: number) => keys.compareRefs(a, b);
  for (let start = 0; start < n; ) {
    let end = start + 1;
    while (end < n && hi[end] === hi[start] && lo[end] === lo[start]) end++;
    if (end - start > 1) refs.set(Array.from(refs.subarray(start, end)).sort(cmp), start);
    start = end;
  }
}

/** Length of the prefix every key shares. */
function commonPrefixLength(refs: Uint32Array, keys: SortKeys): number {
  const first = keys.keyOf(refs[0]!).slice();
  let lcp = first.length;
  for (let i = 1; i < refs.length && lcp > 0; i++) {
    const k = keys.keyOf(refs[i]!);
    const m = k.length < lcp ? k.length : lcp;
    let j = 0;
    while (j < m && k[j] === first[j]) j++;
    lcp = j;
  }
  return lcp;
}

/** Big-endian bytes [at, at + 4) of `k`, zero past its end. */
function chunkWord(k: Uint8Array, at: number): number {
  const len = k.length;
  const b0 = at < len ? k[at]! : 0;
  const b1 = at + 1 < len ? k[at + 1]! : 0;
  const b2 = at + 2 < len ? k[at + 2]! : 0;
  const b3 = at + 3 < len ? k[at + 3]! : 0;
  return ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0;
}
