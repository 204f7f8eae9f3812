import { describe, expect, it } from "vitest";
import { FLAG_FREE, NO_REF, SlabAllocator, W_VALUE, type MemoryBudget, type RelocationListener } from "../src/index.js";

const unlimited: MemoryBudget = { canReserve: () => true };

function pagesBudget(alloc: () => SlabAllocator, pages: number): MemoryBudget {
  return { canReserve: (bytes) => alloc().reservedBytes + bytes <= pages * alloc().pageBytes };
}

/** Writes a recognisable pattern (its own ref) into a slot, and reads it back. */
function stamp(a: SlabAllocator, ref: number, tag: number): void {
  const page = ref >>> a.unitShift;
  const off = (ref & a.unitMask) << 3;
  const w = a.u32[page]!;
  w[(off >>> 2) + W_VALUE] = 7; // any non-FREE header
  w[(off >>> 2) + 2] = tag;
}
function tagOf(a: SlabAllocator, ref: number): number {
  const page = ref >>> a.unitShift;
  const off = (ref & a.unitMask) << 3;
  return a.u32[page]![(off >>> 2) + 2]!;
}

describe("SlabAllocator", () => {
  it("builds size classes: 8-byte rounding, ~1.25 growth, up to half a page", () => {
    const a = new SlabAllocator({ pageBytes: 1 << 20, growthFactor: 1.25, minSlotBytes: 40, budget: unlimited, listener: null });
    const sizes = a.classSlotBytes;
    expect(sizes[0]).toBe(40);
    expect(sizes.slice(0, 10)).toEqual([40, 56, 72, 96, 120, 152, 192, 240, 304, 384]);
    for (let i = 1; i < sizes.length; i++) {
      expect(sizes[i]! % 8).toBe(0);
      expect(sizes[i]!).toBeGreaterThan(sizes[i - 1]!);
      if (i < sizes.length - 1) expect(sizes[i]! / sizes[i - 1]!).toBeLessThanOrEqual(1.25 + 8 / sizes[i - 1]!);
    }
    expect(a.maxSlotBytes).toBe(512 * 1024);
    // A 16-byte key + 200-byte value item is 232 bytes with the 16-byte header: class 240 (8 wasted).
    expect(a.classSlotBytes[a.classFor(16 + 16 + 200)]).toBe(240);
    expect(a.classFor(a.maxSlotBytes + 1)).toBe(-1);
  });

  it("reuses freed slots (free lists) and counts used bytes exactly", () => {
    const a = new SlabAllocator({ pageBytes: 4096, growthFactor: 1.25, minSlotBytes: 40, budget: unlimited, listener: null });
    const cls = a.classFor(100);
    const size = a.classSlotBytes[cls]!;
    const refs: number[] = [];
    for (let i = 0; i < 200; i++) {
      const r = a.alloc(cls);
      expect(r).not.toBe(NO_REF);
      stamp(a, r, i);
      refs.push(r);
    }
    expect(new Set(refs).size).toBe(200);
    expect(a.usedBytes).toBe(200 * size);
    const freed = refs.filter((_, i) => i % 3 === 0);
    for (const r of freed) a.free(r);
    a.audit();
    expect(a.usedBytes).toBe((200 - freed.length) * size);
    const again = new Set<number>();
    for (let i = 0; i < freed.length; i++) again.add(a.alloc(cls));
    expect([...again].sort()).toEqual([...freed].sort());
    a.audit();
    expect(() => a.free(refs[1]!)).not.toThrow();
    expect(() => a.free(refs[1]!)).toThrow(/already free/);
  });

  it("returns a fully free page to the pool, where another class takes it", () => {
    let alloc!: SlabAllocator;
    alloc = new SlabAllocator({ pageBytes: 4096, growthFactor: 1.25, minSlotBytes: 40, budget: pagesBudget(() => alloc, 2), listener: null });
    const small = alloc.classFor(40);
    const big = alloc.classFor(1000);
    const refs: number[] = [];
    // Fill both pages with small slots.
    for (;;) {
      const r = alloc.alloc(small);
      if (r === NO_REF) break;
      stamp(alloc, r, 1);
      refs.push(r);
    }
    expect(refs.length).toBe(2 * Math.floor(4096 / 40));
    expect(alloc.alloc(big)).toBe(NO_REF); // budget spent, nothing free
    // Free every slot of the first page: it goes back to the pool.
    const firstPage = refs[0]! >>> alloc.unitShift;
    for (const r of refs) if (r >>> alloc.unitShift === firstPage) alloc.free(r);
    expect(alloc.freePoolPages).toBe(1);
    const r = alloc.alloc(big);
    expect(r).not.toBe(NO_REF);
    expect(r >>> alloc.unitShift).toBe(firstPage);
    alloc.audit();
  });

  it("never reserves past the budget", () => {
    let alloc!: SlabAllocator;
    alloc = new SlabAllocator({ pageBytes: 4096, growthFactor: 1.25, minSlotBytes: 40, budget: pagesBudget(() => alloc, 5), listener: null });
    let n = 0;
    while (alloc.alloc(alloc.classFor(300)) !== NO_REF) n++;
    expect(alloc.reservedBytes).toBe(5 * 4096);
    expect(n).toBe(5 * Math.floor(4096 / alloc.classSlotBytes[alloc.classFor(300)]!));
  });

  it("rebalances: evacuates a sparse page of one class (relocating live items) for another class", () => {
    let alloc!: SlabAllocator;
    const moves = new Map<number, number>();
    const listener: RelocationListener = {
      relocated(oldRef, newRef) {
        moves.set(oldRef, newRef);
      },
    };
    alloc = new SlabAllocator({ pageBytes: 4096, growthFactor: 1.25, minSlotBytes: 40, budget: pagesBudget(() => alloc, 8), listener });
    const small = alloc.classFor(40);
    const big = alloc.classFor(1500);
    let live: number[] = [];
    for (;;) {
      const r = alloc.alloc(small);
      if (r === NO_REF) break;
      live.push(r);
    }
    live.forEach((r, i) => stamp(alloc, r, i + 1));
    // Free 70% spread over all pages: no page becomes entirely free.
    const kept: number[] = [];
    live.forEach((r, i) => (i % 10 < 7 ? alloc.free(r) : kept.push(r)));
    live = kept;
    expect(alloc.freePoolPages).toBe(0);
    // The big class gets pages by evacuating small-class pages.
    const bigRefs: number[] = [];
    for (let i = 0; i < 8; i++) {
      const r = alloc.alloc(big);
      if (r === NO_REF) break;
      bigRefs.push(r);
    }
    expect(bigRefs.length).toBeGreaterThanOrEqual(4);
    expect(alloc.rebalancedPages).toBeGreaterThan(0);
    expect(moves.size).toBeGreaterThan(0);
    // Every live small item survived, at its old or new place, with its content.
    for (const r0 of live) {
      let r = r0;
      while (moves.has(r)) r = moves.get(r)!;
      expect(tagOf(alloc, r)).toBe(tagOf(alloc, r));
      expect(alloc.isSlotStart(r)).toBe(true);
      const w = alloc.u32[r >>> alloc.unitShift]![(((r & alloc.unitMask) << 3) >>> 2) + W_VALUE]!;
      expect(w & FLAG_FREE).toBe(0);
    }
    const tags = live.map((r0) => {
      let r = r0;
      while (moves.has(r)) r = moves.get(r)!;
      return tagOf(alloc, r);
    });
    expect(new Set(tags).size).toBe(live.length);
    alloc.audit();
  });
});
