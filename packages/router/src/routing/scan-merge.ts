/**
 * Merging per-partition SCAN pages into one key-ordered page.
 *
 * Each partition answers `SCAN prefix LIMIT n CURSOR after [MATCH p]` with
 * [next, keys]: keys in byte order, all > after, and `next` = the last key it examined
 * ("" once it has nothing more). Everything a partition holds up to its `next` has been
 * examined, so the merged page may only contain keys up to the smallest `next` among the
 * partitions that still have more (the "horizon"); keys beyond it are dropped and fetched
 * again on the next page. The page is then cut to `limit` keys (one more when it would end on
 * the empty key). The new cursor is the last key returned when the page was cut, else the
 * horizon, else "0" (everything seen).
 */
import type { Reply } from "@tessera/proto";

export interface ScanPage {
  keys: Uint8Array[];
  /** Position to resume after; null when every partition is exhausted. */
  after: Uint8Array | null;
}

/** Throws if a part is not shaped like a partition SCAN reply (a bug in the partition, not user input). */
export function mergeScanPages(parts: readonly Reply[], limit: number): ScanPage {
  let horizon: Uint8Array | null = null;
  const lists: Uint8Array[][] = [];
  for (const part of parts) {
    if (part.kind !== "array" || part.items.length !== 2) throw new Error("partition SCAN reply is not [next, keys]");
    const [next, keys] = part.items;
    if (next!.kind !== "bulk" || keys!.kind !== "array") throw new Error("partition SCAN reply is not [bulk, array]");
    if (next.value.length > 0 && (horizon === null || Buffer.compare(next.value, horizon) < 0)) horizon = next.value;
    const list: Uint8Array[] = [];
    for (const k of keys.items) {
      if (k.kind !== "bulk") throw new Error("partition SCAN key is not a bulk");
      list.push(k.value);
    }
    lists.push(list);
  }
  const merged = mergeSortedKeyLists(lists, horizon);
  if (merged.length > limit) {
    // A page must not end on the empty key (the smallest, so only at limit 1): as a cursor it
    // reads as "done". Take one more key then.
    const cut = merged[limit - 1]!.length === 0 ? limit + 1 : limit;
    merged.length = cut;
    return { keys: merged, after: merged[cut - 1]! };
  }
  return { keys: merged, after: horizon };
}

/**
 * k-way merge of byte-ordered key lists, stopping at `upTo` (inclusive) when given. Partitions
 * hold disjoint keys, so there are no duplicates to remove. k is the partition count (small),
 * so a linear pick of the smallest head beats a heap.
 */
export function mergeSortedKeyLists(lists: readonly Uint8Array[][], upTo: Uint8Array | null): Uint8Array[] {
  const out: Uint8Array[] = [];
  const at = new Int32Array(lists.length);
  for (;;) {
    let best = -1;
    for (let i = 0; i < lists.length; i++) {
      const list = lists[i]!;
      if (at[i]! >= list.length) continue;
      if (best < 0 || Buffer.compare(list[at[i]!]!, lists[best]![at[best]!]!) < 0) best = i;
    }
    if (best < 0) return out;
    const key = lists[best]![at[best]!]!;
    if (upTo !== null && Buffer.compare(key, upTo) > 0) return out;
    out.push(key);
    at[best] += 1;
  }
}
