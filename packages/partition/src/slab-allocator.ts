import { assert } from "./assert.js";
import * as layout from "./item-layout.js";

// Local copies: under some loaders (tsx's CommonJS path) imported bindings are read through
// getter calls on every access; hot paths read plain module constants instead.
const { FLAG_FREE, NO_REF, W_FREE_NEXT, W_FREE_PREV, W_VALUE } = layout;

/**
 * Slab allocator over SharedArrayBuffer.
 *
 * Memory is reserved in SAB chunks (one page at first, doubling up to `maxChunkPages`, never past
 * the memory budget), each carved into fixed-size pages. A page belongs to one size class at a
 * time and holds slots of that class's size; classes grow by `growthFactor`, rounded to 8 bytes.
 * Each class keeps a doubly linked free list threaded through its free slots and carves fresh
 * slots from its current page with a bump pointer (so taking a page is O(1)).
 *
 * Memory moves between classes in two ways, so bytes freed by one value size serve another:
 * - a page whose slots are all free goes back to the global page pool at once;
 * - when a class needs a page, the pool is empty and the budget is spent, `rebalance` evacuates
 *   the emptiest page of the class with the most free bytes: its live items are copied into
 *   free slots of the same class (the owner is told through `RelocationListener`, so indexes
 *   follow) and the page joins the needy class.
 *
 * A ref is `page * (pageBytes / 8) + offset / 8`: an unsigned 32-bit number (32 GiB per partition).
 */
export interface RelocationListener {
  /** The slot at `oldRef` was copied to `newRef` (same class); update every index that holds it. */
  relocated(oldRef: number, newRef: number): void;
}

export interface MemoryBudget {
  /** May the allocator reserve `bytes` more? */
  canReserve(bytes: number): boolean;
}

export interface SlabAllocatorOptions {
  pageBytes: number;
  growthFactor: number;
  /** Smallest slot: fits a small key and value with its header. */
  minSlotBytes: number;
  budget: MemoryBudget;
  listener: RelocationListener | null;
  /** Largest chunk reservation in pages (default 64). */
  maxChunkPages?: number;
}

export interface SlabClassStats {
  slotBytes: number;
  pages: number;
  liveSlots: number;
  freeSlots: number;
}

const NO_PAGE = -1;

export class SlabAllocator {
  readonly pageBytes: number;
  /** ref >>> unitShift = page index; (ref & unitMask) << 3 = byte offset in the page. */
  readonly unitShift: number;
  readonly unitMask: number;
  /** Byte and word views of every page, by page index. */
  readonly u8: Uint8Array[] = [];
  readonly u32: Uint32Array[] = [];

  readonly classSlotBytes: number[] = [];
  /** Largest slot size; bigger items are chained by the caller. */
  readonly maxSlotBytes: number;

  // Per class.
  private readonly classFreeHead: number[] = [];
  private readonly classFreeCount: number[] = [];
  private readonly classLive: number[] = [];
  private readonly classPages: number[] = [];
  private readonly classCarvePage: number[] = [];
  private readonly classCarveOffset: number[] = [];
  /** Size in 8-byte units -> class index. */
  private readonly classByUnits: Uint8Array;

  // Per page (grown by doubling).
  private pageClass = new Int16Array(64).fill(-1);
  private pageLive = new Uint32Array(64);
  /** End of the carved area: slots below it are live or on the free list. */
  private pageCarvedEnd = new Uint32Array(64);
  private pagePool = new Int32Array(64);
  private pagePoolSize = 0;

  private pagesReserved = 0;
  private chunksReserved = 0;
  private readonly maxChunkPages: number;
  private readonly budget: MemoryBudget;
  listener: RelocationListener | null;

  /** Sum of the slot sizes of live slots. */
  usedBytes = 0;
  rebalancedPages = 0;
  relocatedItems = 0;

  constructor(options: SlabAllocatorOptions) {
    const { pageBytes, growthFactor, minSlotBytes } = options;
    assert(Number.isInteger(Math.log2(pageBytes)) && pageBytes >= 1024 && pageBytes <= 2 ** 30, "pageBytes is a power of two in [1 KiB, 1 GiB]");
    assert(growthFactor > 1 && growthFactor <= 4, "growthFactor in (1, 4]");
    assert(minSlotBytes >= 24 && minSlotBytes % 8 === 0, "minSlotBytes >= 24 and a multiple of 8");
    this.pageBytes = pageBytes;
    this.unitShift = Math.log2(pageBytes) - 3;
    this.unitMask = (1 << this.unitShift) - 1;
    this.budget = options.budget;
    this.listener = options.listener;
    this.maxChunkPages = options.maxChunkPages ?? 64;

    // Classes up to half a page (a page always holds at least two slots), like memcached.
    const limit = pageBytes / 2;
    let size = minSlotBytes;
    for (;;) {
      this.classSlotBytes.push(size);
      if (size >= limit) break;
      let next = Math.ceil((size * growthFactor) / 8) * 8;
      if (next <= size) next = size + 8;
      size = Math.min(next, limit);
    }
    assert(this.classSlotBytes.length < 256, "fewer than 256 size classes");
    this.maxSlotBytes = this.classSlotBytes[this.classSlotBytes.length - 1]!;
    this.classByUnits = new Uint8Array(this.maxSlotBytes / 8 + 1);
    let c = 0;
    for (let units = 0; units <= this.maxSlotBytes / 8; units++) {
      while (this.classSlotBytes[c]! < units * 8) c++;
      this.classByUnits[units] = c;
    }
    for (let i = 0; i < this.classSlotBytes.length; i++) {
      this.classFreeHead.push(NO_REF);
      this.classFreeCount.push(0);
      this.classLive.push(0);
      this.classPages.push(0);
      this.classCarvePage.push(NO_PAGE);
      this.classCarveOffset.push(0);
    }
  }

  get classCount(): number {
    return this.classSlotBytes.length;
  }
  get reservedBytes(): number {
    return this.pagesReserved * this.pageBytes;
  }
  get pageCount(): number {
    return this.pagesReserved;
  }
  get freePoolPages(): number {
    return this.pagePoolSize;
  }

  /** The class whose slots hold `bytes`, or -1 when larger than the largest class. */
  classFor(bytes: number): number {
    if (bytes > this.maxSlotBytes) return -1;
    return this.classByUnits[(bytes + 7) >>> 3]!;
  }

  /** Slot size of the slot `ref`. */
  slotBytesOf(ref: number): number {
    return this.classSlotBytes[this.pageClass[ref >>> this.unitShift]!]!;
  }

  /** The class of the page holding `ref`, or -1 for a pooled page. */
  classOfRef(ref: number): number {
    const page = ref >>> this.unitShift;
    return page < this.pagesReserved ? this.pageClass[page]! : -1;
  }

  /** True when `ref` is the start of a carved slot in a page owned by a class (the slot may be free). */
  isSlotStart(ref: number): boolean {
    const page = ref >>> this.unitShift;
    if (page >= this.pagesReserved) return false;
    const cls = this.pageClass[page]!;
    if (cls < 0) return false;
    const offset = (ref & this.unitMask) << 3;
    return offset < this.pageCarvedEnd[page]! && offset % this.classSlotBytes[cls]! === 0;
  }

  /** A slot of class `cls`, or NO_REF when the budget allows no more memory. */
  alloc(cls: number): number {
    const ref = this.allocWithoutGrowing(cls);
    if (ref !== NO_REF) return ref;
    const page = this.takePage(cls);
    if (page === NO_PAGE) return NO_REF;
    this.classCarvePage[cls] = page;
    this.classCarveOffset[cls] = 0;
    return this.allocWithoutGrowing(cls);
  }

  free(ref: number): void {
    const page = ref >>> this.unitShift;
    const offset = (ref & this.unitMask) << 3;
    const cls = this.pageClass[page]!;
    assert(cls >= 0 && offset % this.classSlotBytes[cls]! === 0, "free: ref is a slot start");
    const words = this.u32[page]!;
    const w = offset >>> 2;
    assert((words[w + W_VALUE]! & FLAG_FREE) === 0, "free: slot is not already free");
    this.usedBytes -= this.classSlotBytes[cls]!;
    this.classLive[cls]!--;
    const live = --this.pageLive[page]!;
    words[w + W_VALUE] = FLAG_FREE;
    this.pushFree(cls, ref, words, w);
    if (live === 0 && page !== this.classCarvePage[cls]) {
      // The whole page is free: give it back to the pool so any class can use it.
      this.unlinkPageFreeSlots(cls, page);
      this.releasePage(cls, page);
    }
  }

  classStats(): SlabClassStats[] {
    return this.classSlotBytes.map((slotBytes, i) => ({
      slotBytes,
      pages: this.classPages[i]!,
      liveSlots: this.classLive[i]!,
      freeSlots: this.classFreeCount[i]!,
    }));
  }

  /**
   * Move a page to `needyClass` by evacuating the emptiest page of the class with the most free
   * bytes. Returns false when no class can absorb a page's live items in its other slots.
   * Bounded: moves at most one page's slots.
   */
  rebalance(needyClass: number): boolean {
    const listener = this.listener;
    if (listener === null) return false;
    // The largest class holds chunks of chained values, which have no back links: never evacuated.
    const chunkClass = this.classSlotBytes.length - 1;
    // Donors in order of free bytes (most first); the first that can absorb a page's items wins.
    const tried = new Uint8Array(chunkClass);
    for (;;) {
      let donor = -1;
      let donorFreeBytes = 0;
      for (let c = 0; c < chunkClass; c++) {
        if (c === needyClass || tried[c] === 1 || this.classPages[c] === 0) continue;
        const freeBytes = this.classFreeCount[c]! * this.classSlotBytes[c]!;
        if (freeBytes > donorFreeBytes) {
          donor = c;
          donorFreeBytes = freeBytes;
        }
      }
      if (donor < 0) return false;
      tried[donor] = 1;
      if (this.evacuateEmptiestPage(donor, listener)) {
        this.rebalancedPages++;
        return true;
      }
    }
  }

  /** Moves the live items of `donor`'s emptiest page into its other free slots; frees the page. */
  private evacuateEmptiestPage(donor: number, listener: RelocationListener): boolean {
    let victim = NO_PAGE;
    let victimLive = Infinity;
    for (let p = 0; p < this.pagesReserved; p++) {
      if (this.pageClass[p] === donor && this.pageLive[p]! < victimLive) {
        victim = p;
        victimLive = this.pageLive[p]!;
      }
    }
    if (victim === NO_PAGE) return false;
    const slotBytes = this.classSlotBytes[donor]!;
    const carvedEnd = this.pageCarvedEnd[victim]!;
    const victimFree = carvedEnd / slotBytes - victimLive;
    // Room elsewhere: the free list minus the victim's slots, plus the untouched tail of the carve
    // page unless the carve page is the victim.
    const carvePage = this.classCarvePage[donor]!;
    const carveRoom = carvePage === NO_PAGE || carvePage === victim ? 0 : Math.floor((this.pageBytes - this.classCarveOffset[donor]!) / slotBytes);
    if (this.classFreeCount[donor]! - victimFree + carveRoom < victimLive) return false;
    if (carvePage === victim) this.classCarvePage[donor] = NO_PAGE;

    this.unlinkPageFreeSlots(donor, victim);
    const src = this.u8[victim]!;
    const srcWords = this.u32[victim]!;
    for (let off = 0; off < carvedEnd; off += slotBytes) {
      if ((srcWords[(off >>> 2) + W_VALUE]! & FLAG_FREE) !== 0) continue;
      const newRef = this.allocWithoutGrowing(donor);
      assert(newRef !== NO_REF, "rebalance: room was counted before moving");
      const newPage = newRef >>> this.unitShift;
      const newOff = (newRef & this.unitMask) << 3;
      this.u8[newPage]!.set(src.subarray(off, off + slotBytes), newOff);
      const oldRef = victim * (this.unitMask + 1) + (off >>> 3);
      // The old slot is released with its page below, not through free().
      srcWords[(off >>> 2) + W_VALUE] = FLAG_FREE;
      this.pageLive[victim]!--;
      this.classLive[donor]!--;
      this.usedBytes -= slotBytes;
      this.relocatedItems++;
      listener.relocated(oldRef, newRef);
    }
    assert(this.pageLive[victim] === 0, "rebalance: victim page emptied");
    this.releasePage(donor, victim);
    return true;
  }

  /** Every live (non-free) slot start, for audits, tests and restarts. */
  forEachLiveSlot(fn: (ref: number) => void): void {
    for (let p = 0; p < this.pagesReserved; p++) {
      const cls = this.pageClass[p]!;
      if (cls < 0) continue;
      const size = this.classSlotBytes[cls]!;
      const words = this.u32[p]!;
      for (let off = 0; off < this.pageCarvedEnd[p]!; off += size) {
        if ((words[(off >>> 2) + W_VALUE]! & FLAG_FREE) === 0) fn(p * (this.unitMask + 1) + (off >>> 3));
      }
    }
  }

  /** Checks the bookkeeping against the pages; throws on any mismatch. For tests. */
  audit(): void {
    let used = 0;
    const live = new Array<number>(this.classCount).fill(0);
    const free = new Array<number>(this.classCount).fill(0);
    for (let p = 0; p < this.pagesReserved; p++) {
      const cls = this.pageClass[p]!;
      if (cls < 0) continue;
      const size = this.classSlotBytes[cls]!;
      let pageLive = 0;
      for (let off = 0; off < this.pageCarvedEnd[p]!; off += size) {
        if ((this.u32[p]![(off >>> 2) + W_VALUE]! & FLAG_FREE) === 0) pageLive++;
        else free[cls]!++;
      }
      assert(pageLive === this.pageLive[p], `audit: page ${p} live count`);
      live[cls]! += pageLive;
      used += pageLive * size;
    }
    for (let c = 0; c < this.classCount; c++) {
      assert(live[c] === this.classLive[c], `audit: class ${c} live count`);
      assert(free[c] === this.classFreeCount[c], `audit: class ${c} free count ${free[c]} vs ${this.classFreeCount[c]}`);
      let n = 0;
      for (let r = this.classFreeHead[c]!; r !== NO_REF; r = this.u32[r >>> this.unitShift]![(((r & this.unitMask) << 3) >>> 2) + W_FREE_NEXT]!) n++;
      assert(n === this.classFreeCount[c], `audit: class ${c} free list length`);
    }
    assert(used === this.usedBytes, "audit: used bytes");
  }

  // ---- internals -------------------------------------------------------------------------

  private allocWithoutGrowing(cls: number): number {
    const size = this.classSlotBytes[cls]!;
    let ref = this.classFreeHead[cls]!;
    let page: number;
    if (ref !== NO_REF) {
      page = ref >>> this.unitShift;
      const words = this.u32[page]!;
      const w = ((ref & this.unitMask) << 3) >>> 2;
      const next = words[w + W_FREE_NEXT]!;
      this.classFreeHead[cls] = next;
      if (next !== NO_REF) this.u32[next >>> this.unitShift]![(((next & this.unitMask) << 3) >>> 2) + W_FREE_PREV] = NO_REF;
      this.classFreeCount[cls]!--;
      words[w + W_VALUE] = 0;
    } else {
      page = this.classCarvePage[cls]!;
      if (page === NO_PAGE) return NO_REF;
      const off = this.classCarveOffset[cls]!;
      if (off + size > this.pageBytes) {
        this.classCarvePage[cls] = NO_PAGE;
        // The finished carve page may already be entirely free again.
        if (this.pageLive[page] === 0) {
          this.unlinkPageFreeSlots(cls, page);
          this.releasePage(cls, page);
        }
        return NO_REF;
      }
      this.classCarveOffset[cls] = off + size;
      this.pageCarvedEnd[page] = off + size;
      ref = page * (this.unitMask + 1) + (off >>> 3);
      this.u32[page]![(off >>> 2) + W_VALUE] = 0;
    }
    this.pageLive[page]!++;
    this.classLive[cls]!++;
    this.usedBytes += size;
    return ref;
  }

  private pushFree(cls: number, ref: number, words: Uint32Array, w: number): void {
    const head = this.classFreeHead[cls]!;
    words[w + W_FREE_PREV] = NO_REF;
    words[w + W_FREE_NEXT] = head;
    if (head !== NO_REF) this.u32[head >>> this.unitShift]![(((head & this.unitMask) << 3) >>> 2) + W_FREE_PREV] = ref;
    this.classFreeHead[cls] = ref;
    this.classFreeCount[cls]!++;
  }

  /** Takes every free slot of `page` off its class's free list. */
  private unlinkPageFreeSlots(cls: number, page: number): void {
    const size = this.classSlotBytes[cls]!;
    const words = this.u32[page]!;
    const end = this.pageCarvedEnd[page]!;
    for (let off = 0; off < end; off += size) {
      const w = off >>> 2;
      if ((words[w + W_VALUE]! & FLAG_FREE) === 0) continue;
      const prev = words[w + W_FREE_PREV]!;
      const next = words[w + W_FREE_NEXT]!;
      if (prev === NO_REF) this.classFreeHead[cls] = next;
      else this.u32[prev >>> this.unitShift]![(((prev & this.unitMask) << 3) >>> 2) + W_FREE_NEXT] = next;
      if (next !== NO_REF) this.u32[next >>> this.unitShift]![(((next & this.unitMask) << 3) >>> 2) + W_FREE_PREV] = prev;
      this.classFreeCount[cls]!--;
    }
  }

  private releasePage(cls: number, page: number): void {
    this.pageClass[page] = -1;
    this.pageCarvedEnd[page] = 0;
    this.classPages[cls]!--;
    this.pagePool[this.pagePoolSize++] = page;
  }

  /** A page for `cls`: from the pool, a new chunk, or rebalancing; NO_PAGE when none can be had. */
  private takePage(cls: number): number {
    if (this.pagePoolSize === 0 && !this.reserveChunk() && !this.rebalance(cls)) return NO_PAGE;
    if (this.pagePoolSize === 0) return NO_PAGE;
    const page = this.pagePool[--this.pagePoolSize]!;
    this.pageClass[page] = cls;
    this.pageLive[page] = 0;
    this.pageCarvedEnd[page] = 0;
    this.classPages[cls]!++;
    return page;
  }

  private reserveChunk(): boolean {
    // Chunks grow with the data set (1, 2, 4, ... pages) so small partitions stay small.
    let pages = Math.min(this.maxChunkPages, 2 ** Math.min(this.chunksReserved, 30));
    while (pages > 0 && !this.budget.canReserve(pages * this.pageBytes)) pages >>= 1;
    if (pages === 0) return false;
    assert((this.pagesReserved + pages) * (this.unitMask + 1) <= 2 ** 32, "refs fit in 32 bits");
    const sab = new SharedArrayBuffer(pages * this.pageBytes);
    this.chunksReserved++;
    this.growPageTables(this.pagesReserved + pages);
    const first = this.pagesReserved;
    for (let i = 0; i < pages; i++) {
      this.u8.push(new Uint8Array(sab, i * this.pageBytes, this.pageBytes));
      this.u32.push(new Uint32Array(sab, i * this.pageBytes, this.pageBytes >>> 2));
      this.pageClass[first + i] = -1;
    }
    this.pagesReserved += pages;
    // The pool pops from the end: push in reverse so pages are used in address order.
    for (let p = this.pagesReserved - 1; p >= first; p--) this.pagePool[this.pagePoolSize++] = p;
    return true;
  }

  private growPageTables(pages: number): void {
    if (pages <= this.pageClass.length) return;
    let n = this.pageClass.length;
    while (n < pages) n *= 2;
    const cls = new Int16Array(n).fill(-1);
    cls.set(this.pageClass);
    this.pageClass = cls;
    const live = new Uint32Array(n);
    live.set(this.pageLive);
    this.pageLive = live;
    const carved = new Uint32Array(n);
    carved.set(this.pageCarvedEnd);
    this.pageCarvedEnd = carved;
    const pool = new Int32Array(n);
    pool.set(this.pagePool);
    this.pagePool = pool;
  }
}
