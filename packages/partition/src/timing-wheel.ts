/**
 * TimingWheel: active expiry with bounded work per tick.
 *
 * A hierarchical wheel in the style of the Linux and tokio timer wheels: 6 levels of 32 slots;
 * a level-k slot spans 32^k ticks (tick = resolutionMs, default 1 ms), so the levels together
 * cover 2^30 ticks (12.4 days at 1 ms). Entries further out than the current 2^30-tick range
 * wait in one "far" list that is examined when time reaches the range holding its earliest
 * entry, so expiries years ahead work and cost nothing until then.
 *
 * Why this shape:
 * - No object per entry: an entry is an index into a pool of typed arrays (ref, expiry, next),
 *   16 bytes each, chained in per-slot singly linked lists, with a free list.
 * - Time may jump (virtual clocks, a stalled event loop): each level keeps a 32-bit occupancy
 *   bitmap, so finding the next slot that holds anything is O(levels) whatever the gap. Empty
 *   slots are never stepped through; an hour's jump costs one unit per occupied slot.
 * - Bounded work: advance() counts one unit per entry examined and per slot looked up, stops at
 *   maxWork, and keeps what is left (a "pending" list of entries being examined plus the wheel
 *   position) for the next call. Nothing is lost or fired early.
 * - Entries are never cancelled: when a key is overwritten, deleted, moved or given a new TTL
 *   the old entry stays and goes stale. The engine checks each due entry against the item
 *   (deletes only if the item's current expiry <= now), and compact() drops stale entries in
 *   bounded slices. Cancel-on-write would need a handle in every item header and a doubly
 *   linked list; stale entries cost 16 bytes each until compaction.
 *
 * When to compact (engine): keep a count of live keys that have a TTL, and in each activeExpire
 * tick, while wheel.size > 2 * liveTtlKeys + 1024, call
 *   wheel.compact(isLive, maxWork + 2 * (wheel.scheduleCount - scheduleCountAtLastTick))
 * with isLive(ref, expiryMs) = "the item at ref is a live key whose expiry is exactly expiryMs".
 * The budget must grow with the write rate: every SET ... EX on an existing key leaves one stale
 * entry that would otherwise live until its old expiry (an hour-long TTL at 100k writes/s is
 * 360M entries). Two units per schedule() keep the wheel near 2x the live entries: a pass visits
 * each entry once (plus 193 slot lookups) and during it at most half as many new ones arrive.
 * That is amortized O(1) work per write, spread over ticks.
 *
 * Time is monotonic here: advance() with a nowMs below an earlier one acts as the earlier one.
 * An entry is delivered to onDue only when expiryMs <= nowMs (never early); it may be late by
 * up to resolutionMs plus however long advance() is not called or is starved of maxWork (check
 * `caughtUp` to know whether to tick again soon). If the engine's wall clock can step back, an
 * entry may arrive while the item's expiry is still ahead of the engine's now: the engine should
 * then schedule it again (when the item's expiry === expiryMs), or the key only expires lazily.
 */

const NONE = -1;
const LEVELS = 6;
const SLOT_BITS = 5;
const SLOTS = 1 << SLOT_BITS; // 32: one Uint32 occupancy bitmap per level
/** Ticks covered by all levels together: 2^(LEVELS * SLOT_BITS). */
const RANGE_TICKS = 2 ** (LEVELS * SLOT_BITS);
/** heads[] index of the far list (after LEVELS * SLOTS slot heads). */
const FAR = LEVELS * SLOTS;
const INITIAL_ENTRIES = 64;

export interface TimingWheelOptions {
  /** Tick length in ms (> 0). Default 1. Coarser ticks mean fewer cascades, later delivery. */
  resolutionMs?: number;
}

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`TimingWheel: ${message}`);
}

export class TimingWheel {
  private readonly originMs: number;
  private readonly resolutionMs: number;
  /** Every slot whose deadline is <= elapsedTick has been taken; entries are placed relative to it. */
  private elapsedTick = 0;
  /** Highest nowMs seen (time is monotonic). */
  private nowMs: number;

  /** Slot list heads: level * SLOTS + slot, then FAR. */
  private readonly heads = new Int32Array(FAR + 1).fill(NONE);
  /** Bit s of occupied[level] is set iff heads[level * SLOTS + s] !== NONE. */
  private readonly occupied = new Uint32Array(LEVELS);
  /** Smallest tick in the far list (Infinity when empty). */
  private farMinTick = Infinity;
  /** Entries taken from a due slot (or scheduled already due), to examine one by one. */
  private pendingHead = NONE;
  /** heads[] index compact() is walking, and the last entry it kept there (NONE: at the head). */
  private compactCursor = 0;
  private compactPrev = NONE;
  private compactPassCount = 0;
  /** Heads index chosen by the last nextDeadline(). */
  private foundHead = 0;
  private advancing = false;
  private scheduleTotal = 0;

  // Entry pool.
  private entryRef: Uint32Array;
  private entryExpiry: Float64Array;
  private entryNext: Int32Array;
  private entryCapacity = INITIAL_ENTRIES;
  private entryHighWater = 0;
  private entryFree = NONE;
  private count = 0;

  constructor(nowMs: number, options?: TimingWheelOptions) {
    const resolutionMs = options?.resolutionMs ?? 1;
    assert(Number.isFinite(nowMs), `nowMs must be finite, got ${nowMs}`);
    assert(Number.isFinite(resolutionMs) && resolutionMs > 0, `resolutionMs must be > 0, got ${resolutionMs}`);
    this.originMs = nowMs;
    this.nowMs = nowMs;
    this.resolutionMs = resolutionMs;
    this.entryRef = new Uint32Array(INITIAL_ENTRIES);
    this.entryExpiry = new Float64Array(INITIAL_ENTRIES);
    this.entryNext = new Int32Array(INITIAL_ENTRIES);
  }

  /** Entries held, stale ones included. */
  get size(): number {
    return this.count;
  }

  /** schedule() calls since construction: the engine sizes compaction budgets from its growth. */
  get scheduleCount(): number {
    return this.scheduleTotal;
  }

  /** Completed compaction passes (a pass = every slot list walked once). */
  get compactPasses(): number {
    return this.compactPassCount;
  }

  /** True when the last advance() got through everything due at its nowMs. */
  get caughtUp(): boolean {
    return this.pendingHead === NONE && this.elapsedTick >= this.tickAtOrBefore(this.nowMs);
  }

  /** Remembers that item `ref` expires at `expiryMs` (absolute ms, same clock as advance). */
  schedule(ref: number, expiryMs: number): void {
    assert(ref >>> 0 === ref, `ref must be a uint32, got ${ref}`);
    assert(Number.isFinite(expiryMs), `expiryMs must be finite, got ${expiryMs}`);
    const e = this.allocEntry();
    this.scheduleTotal++;
    this.entryRef[e] = ref;
    this.entryExpiry[e] = expiryMs;
    this.place(e, this.tickAtOrAfter(expiryMs));
  }

  /**
   * Moves time to nowMs and calls onDue(ref, expiryMs) for entries with expiryMs <= nowMs, doing
   * at most maxWork units (entries examined + slots looked up). Returns the number of onDue
   * calls. What is left is resumed by the next call; `caughtUp` tells whether anything is.
   * onDue may call schedule(); it must not call advance() or compact().
   */
  advance(nowMs: number, maxWork: number, onDue: (ref: number, expiryMs: number) => void): number {
    assert(!this.advancing, "advance() re-entered from onDue");
    if (nowMs > this.nowMs) this.nowMs = nowMs;
    const now = this.nowMs;
    let nowTick = this.tickAtOrBefore(now);
    if (nowTick < this.elapsedTick) nowTick = this.elapsedTick;
    let work = 0;
    let fired = 0;
    this.advancing = true;
    try {
      while (work < maxWork) {
        const e = this.pendingHead;
        if (e !== NONE) {
          this.pendingHead = this.entryNext[e];
          work++;
          const expiryMs = this.entryExpiry[e];
          const tick = this.tickAtOrAfter(expiryMs);
          if (tick <= nowTick && expiryMs <= now) {
            const ref = this.entryRef[e];
            this.freeEntry(e); // before onDue, which may schedule and reuse it
            fired++;
            onDue(ref, expiryMs);
          } else {
            // Not due yet: goes to a lower level (cascade), or back where it belongs.
            this.place(e, tick <= this.elapsedTick ? this.elapsedTick + 1 : tick);
          }
          continue;
        }
        work++;
        const deadline = this.nextDeadline();
        if (deadline > nowTick) {
          // Nothing else is due: jump. Placement relative to the new position stays valid
          // because no occupied slot lies in between (see nextDeadline).
          this.elapsedTick = nowTick;
          break;
        }
        this.elapsedTick = deadline;
        this.pendingHead = this.takeList(this.foundHead);
      }
    } finally {
      this.advancing = false;
    }
    return fired;
  }

  /**
   * Drops entries for which isLive(ref, expiryMs) is false, walking the slot lists in place
   * (live entries do not move). At most maxWork units (entries examined + slots visited);
   * resumes where it stopped, cycling over the wheel forever (see compactPasses). Entries in the
   * pending list (due, being delivered) are left to advance(). isLive must not modify the wheel.
   * Returns the number of entries dropped.
   */
  compact(isLive: (ref: number, expiryMs: number) => boolean, maxWork: number): number {
    assert(!this.advancing, "compact() called from onDue");
    let work = 0;
    let dropped = 0;
    while (work < maxWork) {
      work++;
      const index = this.compactCursor;
      const prev = this.compactPrev;
      // The resume point stays valid between calls: schedule() only prepends (entries ahead of
      // the cursor wait for the next pass), and advance() taking this slot resets the cursor.
      const e = prev === NONE ? this.heads[index] : this.entryNext[prev];
      if (e === NONE) {
        this.compactCursor = index === FAR ? 0 : index + 1;
        this.compactPrev = NONE;
        if (index === FAR) this.compactPassCount++;
        continue;
      }
      if (isLive(this.entryRef[e], this.entryExpiry[e])) {
        this.compactPrev = e;
        continue;
      }
      const next = this.entryNext[e];
      if (prev === NONE) this.heads[index] = next;
      else this.entryNext[prev] = next;
      this.freeEntry(e);
      dropped++;
      if (this.heads[index] === NONE) {
        // farMinTick may now be too early when entries remain: harmless, the far list is then
        // examined early and re-placed.
        if (index === FAR) this.farMinTick = Infinity;
        else this.occupied[(index / SLOTS) | 0] &= ~(1 << (index & (SLOTS - 1)));
      }
    }
    return dropped;
  }

  /** Drops every entry and gives back the pool's memory. Time keeps its position. */
  clear(): void {
    assert(!this.advancing, "clear() called from onDue");
    this.heads.fill(NONE);
    this.occupied.fill(0);
    this.farMinTick = Infinity;
    this.pendingHead = NONE;
    this.compactCursor = 0;
    this.compactPrev = NONE;
    this.entryCapacity = INITIAL_ENTRIES;
    this.entryRef = new Uint32Array(INITIAL_ENTRIES);
    this.entryExpiry = new Float64Array(INITIAL_ENTRIES);
    this.entryNext = new Int32Array(INITIAL_ENTRIES);
    this.entryHighWater = 0;
    this.entryFree = NONE;
    this.count = 0;
  }

  /** Bytes of typed-array memory held (pool slack included). */
  memoryBytes(): number {
    return (
      this.entryRef.byteLength +
      this.entryExpiry.byteLength +
      this.entryNext.byteLength +
      this.heads.byteLength +
      this.occupied.byteLength
    );
  }

  // ---------------------------------------------------------------------------------------------

  /** The first tick whose end is >= expiryMs: slot processing at that tick is never early. */
  private tickAtOrAfter(expiryMs: number): number {
    const r = this.resolutionMs;
    let tick = Math.ceil((expiryMs - this.originMs) / r);
    if (this.originMs + tick * r < expiryMs) tick++; // guard against float rounding
    return tick;
  }

  /** The last tick whose end is <= nowMs. */
  private tickAtOrBefore(nowMs: number): number {
    const r = this.resolutionMs;
    let tick = Math.floor((nowMs - this.originMs) / r);
    if (this.originMs + tick * r > nowMs) tick--;
    return tick;
  }

  /**
   * Puts entry e (due at `tick`) where it belongs relative to elapsedTick: the pending list when
   * already due, else the level given by the highest bit in which tick and elapsedTick differ
   * (so its slot lies strictly ahead of the wheel's position at that level), else the far list.
   */
  private place(e: number, tick: number): void {
    const elapsed = this.elapsedTick;
    if (tick <= elapsed) {
      this.entryNext[e] = this.pendingHead;
      this.pendingHead = e;
      return;
    }
    const elapsedLow = elapsed % RANGE_TICKS;
    const rangeStart = elapsed - elapsedLow;
    const tickLow = tick - rangeStart;
    if (tickLow >= RANGE_TICKS) {
      this.entryNext[e] = this.heads[FAR];
      this.heads[FAR] = e;
      if (tick < this.farMinTick) this.farMinTick = tick;
      return;
    }
    // Both below 2^30: 32-bit integer ops are exact.
    const highestDiffBit = 31 - Math.clz32(tickLow ^ elapsedLow);
    const level = (highestDiffBit / SLOT_BITS) | 0;
    const slot = (tickLow >>> (level * SLOT_BITS)) & (SLOTS - 1);
    const index = level * SLOTS + slot;
    this.entryNext[e] = this.heads[index];
    this.heads[index] = e;
    this.occupied[level] |= 1 << slot;
  }

  /**
   * The earliest tick at which some slot becomes due, and that slot in foundHead; Infinity if the
   * wheel is empty. Occupied slots at level k lie strictly ahead of the position at level k and
   * inside the current level-(k+1) span, so the lowest non-empty level holds the earliest one.
   */
  private nextDeadline(): number {
    const elapsed = this.elapsedTick;
    const elapsedLow = elapsed % RANGE_TICKS;
    for (let level = 0; level < LEVELS; level++) {
      const occupied = this.occupied[level];
      if (occupied === 0) continue;
      const shift = level * SLOT_BITS;
      const position = (elapsedLow >>> shift) & (SLOTS - 1);
      const ahead = occupied & ~((2 << position) - 1); // 2 << 31 === 0: nothing ahead of slot 31
      assert(ahead !== 0, `level ${level} has an occupied slot behind its position`);
      const slot = 31 - Math.clz32(ahead & -ahead);
      this.foundHead = level * SLOTS + slot;
      const span = 2 ** (shift + SLOT_BITS);
      return elapsed - (elapsedLow % span) + slot * 2 ** shift;
    }
    if (this.heads[FAR] !== NONE) {
      this.foundHead = FAR;
      return this.farMinTick - (this.farMinTick % RANGE_TICKS);
    }
    return Infinity;
  }

  /** Detaches a slot's (or the far) list and returns its head. */
  private takeList(index: number): number {
    const head = this.heads[index];
    this.heads[index] = NONE;
    if (index === this.compactCursor) this.compactPrev = NONE; // its entries left the slot
    if (index === FAR) {
      this.farMinTick = Infinity;
    } else {
      this.occupied[(index / SLOTS) | 0] &= ~(1 << (index & (SLOTS - 1)));
    }
    return head;
  }

  private allocEntry(): number {
    let e = this.entryFree;
    if (e !== NONE) {
      this.entryFree = this.entryNext[e];
    } else {
      if (this.entryHighWater === this.entryCapacity) this.grow();
      e = this.entryHighWater++;
    }
    this.count++;
    return e;
  }

  private freeEntry(e: number): void {
    this.entryNext[e] = this.entryFree;
    this.entryFree = e;
    this.count--;
  }

  private grow(): void {
    // 2x while small, then 1.25x: slack is memory per key, and the copy is a memcpy.
    const current = this.entryCapacity;
    const next = current * 16 < 1 << 20 ? current * 2 : current + (current >> 2);
    const refs = new Uint32Array(next);
    refs.set(this.entryRef);
    const expiries = new Float64Array(next);
    expiries.set(this.entryExpiry);
    const links = new Int32Array(next);
    links.set(this.entryNext);
    this.entryRef = refs;
    this.entryExpiry = expiries;
    this.entryNext = links;
    this.entryCapacity = next;
  }
}
