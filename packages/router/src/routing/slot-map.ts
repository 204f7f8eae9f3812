/**
 * Which partition owns each hash slot. Slots are dealt out in contiguous ranges
 * (partition p owns [floor(p*16384/N), floor((p+1)*16384/N))), the layout a later
 * resharding or cluster mode can move range by range.
 */
import { HASH_SLOTS, keyHashSlot } from "./hash-slot.js";

export class SlotMap {
  /** slot -> partition id; Uint16 because partitions are far fewer than 65536. */
  private readonly owner: Uint16Array;

  constructor(readonly partitions: number) {
    if (!Number.isInteger(partitions) || partitions < 1 || partitions > HASH_SLOTS) {
      throw new RangeError(`SlotMap: partitions must be an integer in 1..${HASH_SLOTS}, got ${partitions}`);
    }
    this.owner = new Uint16Array(HASH_SLOTS);
    for (let p = 0; p < partitions; p++) {
      const first = Math.floor((p * HASH_SLOTS) / partitions);
      const end = Math.floor(((p + 1) * HASH_SLOTS) / partitions);
      this.owner.fill(p, first, end);
    }
  }

  /** Partition that owns `slot`. */
  partitionOfSlot(slot: number): number {
    return this.owner[slot]!;
  }

  /** Partition that owns `key`. */
  partitionOfKey(key: Uint8Array): number {
    return this.owner[keyHashSlot(key)]!;
  }

  /** The [first, end) slot range of partition `p`. */
  slotRange(p: number): [first: number, end: number] {
    return [Math.floor((p * HASH_SLOTS) / this.partitions), Math.floor(((p + 1) * HASH_SLOTS) / this.partitions)];
  }
}
