import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { TimingWheel } from "../src/timing-wheel.js";

const T0 = 1_700_000_000_000; // a realistic epoch-ms origin: ticks are far above 2^32 ms
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const YEAR = 365 * DAY;

type Fired = { ref: number; expiryMs: number; nowMs: number };

/** Advances until caught up (bounded), checking that nothing fires early. */
function drain(wheel: TimingWheel, nowMs: number, maxWork: number, fired: Fired[], maxCalls = 1_000_000): number {
  let calls = 0;
  do {
    wheel.advance(nowMs, maxWork, (ref, expiryMs) => {
      expect(expiryMs).toBeLessThanOrEqual(nowMs);
      fired.push({ ref, expiryMs, nowMs });
    });
    calls++;
    if (calls > maxCalls) throw new Error(`not caught up after ${maxCalls} calls`);
  } while (!wheel.caughtUp);
  return calls;
}

function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("TimingWheel", () => {
  it("fires an entry once its expiry has passed, never before", () => {
    const wheel = new TimingWheel(T0);
    wheel.schedule(7, T0 + 100);
    const fired: Fired[] = [];
    drain(wheel, T0 + 99, 100, fired);
    expect(fired).toEqual([]);
    drain(wheel, T0 + 100, 100, fired);
    expect(fired).toEqual([{ ref: 7, expiryMs: T0 + 100, nowMs: T0 + 100 }]);
    expect(wheel.size).toBe(0);
  });

  it("fires entries scheduled in the past or at now on the next advance", () => {
    const wheel = new TimingWheel(T0);
    wheel.schedule(1, T0 - 5000);
    wheel.schedule(2, T0);
    const fired: Fired[] = [];
    drain(wheel, T0, 100, fired);
    expect(fired.map((f) => f.ref).sort()).toEqual([1, 2]);
  });

  it("every entry fires exactly once, at or after expiry, with bounded work per call", () => {
    for (const resolutionMs of [1, 10, 7.5]) {
      const rand = prng(resolutionMs * 1000);
      const wheel = new TimingWheel(T0, { resolutionMs });
      const expiries = new Map<number, number>();
      for (let ref = 0; ref < 20_000; ref++) {
        // Mix of near (ms), medium (minutes) and far (days) expiries.
        const r = rand();
        const delta = r < 0.5 ? rand() * 1000 : r < 0.9 ? rand() * HOUR : rand() * 30 * DAY;
        const expiryMs = Math.floor(T0 + delta);
        expiries.set(ref, expiryMs);
        wheel.schedule(ref, expiryMs);
      }
      expect(wheel.size).toBe(20_000);
      const fired: Fired[] = [];
      let now = T0;
      const maxWork = 64;
      while (now < T0 + 31 * DAY) {
        now += rand() < 0.8 ? Math.floor(rand() * 50) : Math.floor(rand() * 6 * HOUR);
        let calls = 0;
        do {
          const n = wheel.advance(now, maxWork, (ref, expiryMs) => {
            expect(expiryMs).toBeLessThanOrEqual(now);
            fired.push({ ref, expiryMs, nowMs: now });
          });
          expect(n).toBeLessThanOrEqual(maxWork);
          calls++;
        } while (!wheel.caughtUp && calls < 100_000);
        expect(wheel.caughtUp).toBe(true);
      }
      expect(fired.length).toBe(20_000);
      const refs = new Set(fired.map((f) => f.ref));
      expect(refs.size).toBe(20_000);
      for (const f of fired) expect(f.expiryMs).toBe(expiries.get(f.ref));
      expect(wheel.size).toBe(0);
    }
  });

  it("work not done is resumed, not lost: maxWork 1 still delivers everything", () => {
    const wheel = new TimingWheel(T0);
    for (let ref = 0; ref < 500; ref++) wheel.schedule(ref, T0 + 1 + (ref % 37) * 1000);
    const fired: Fired[] = [];
    const calls = drain(wheel, T0 + HOUR, 1, fired);
    expect(fired.length).toBe(500);
    // One unit per entry examined (each may cascade a few times) and per slot looked up.
    expect(calls).toBeLessThan(500 * 6 + 200);
  });

  it("a big jump costs work per occupied slot, not per elapsed tick", () => {
    const wheel = new TimingWheel(T0);
    wheel.schedule(1, T0 + 10);
    wheel.schedule(2, T0 + HOUR - 1);
    wheel.schedule(3, T0 + 20 * YEAR);
    const fired: Fired[] = [];
    // An hour at 1 ms ticks is 3.6M ticks; with maxWork 10 this must finish in a handful of calls.
    const calls = drain(wheel, T0 + HOUR, 10, fired);
    expect(calls).toBeLessThanOrEqual(5);
    expect(fired.map((f) => f.ref).sort()).toEqual([1, 2]);
    // Years later, in one go.
    const calls2 = drain(wheel, T0 + 30 * YEAR, 10, fired);
    expect(calls2).toBeLessThanOrEqual(5);
    expect(fired.map((f) => f.ref).sort()).toEqual([1, 2, 3]);
  });

  it("far-future entries (days, years, centuries) fire at the right time", () => {
    const wheel = new TimingWheel(T0);
    const targets = [13 * DAY, 13 * DAY + 1, 40 * DAY, YEAR, 5 * YEAR + 17, 100 * YEAR];
    targets.forEach((d, ref) => wheel.schedule(ref, T0 + d));
    const fired: Fired[] = [];
    for (const [ref, d] of targets.entries()) {
      drain(wheel, T0 + d - 1, 8, fired);
      expect(fired.map((f) => f.ref)).toEqual(targets.slice(0, ref).map((_, i) => i));
      drain(wheel, T0 + d, 8, fired);
      expect(fired[fired.length - 1]).toEqual({ ref, expiryMs: T0 + d, nowMs: T0 + d });
    }
  });

  it("onDue may schedule new entries (a TTL extended meanwhile)", () => {
    const wheel = new TimingWheel(T0);
    wheel.schedule(1, T0 + 10);
    const fired: Fired[] = [];
    let rescheduled = false;
    wheel.advance(T0 + 20, 100, (ref, expiryMs) => {
      fired.push({ ref, expiryMs, nowMs: T0 + 20 });
      if (!rescheduled) {
        rescheduled = true;
        wheel.schedule(ref, T0 + 500);
        wheel.schedule(9, T0 + 15); // already due: fires in this same advance or the next
      }
    });
    drain(wheel, T0 + 499, 100, fired);
    expect(fired.map((f) => f.ref)).toEqual([1, 9]);
    drain(wheel, T0 + 500, 100, fired);
    expect(fired.map((f) => f.ref)).toEqual([1, 9, 1]);
  });

  it("treats time as monotonic: a clock going backwards acts as the highest now seen", () => {
    const wheel = new TimingWheel(T0);
    wheel.schedule(1, T0 + 1000);
    const fired: number[] = [];
    const onDue = (ref: number) => void fired.push(ref);
    wheel.advance(T0 + 500, 10, onDue);
    wheel.advance(T0 + 100, 10, onDue);
    expect(fired).toEqual([]);
    wheel.schedule(2, T0 + 300); // before the highest now seen (500): due at once
    wheel.schedule(3, T0 + 501);
    wheel.advance(T0 + 200, 10, onDue);
    expect(fired).toEqual([2]);
    wheel.advance(T0 + 999, 10, onDue);
    expect(fired).toEqual([2, 3]);
    wheel.advance(T0 + 1000, 10, onDue);
    expect(fired).toEqual([2, 3, 1]);
  });

  it("compact drops stale entries in bounded slices and keeps live ones in place", () => {
    const wheel = new TimingWheel(T0);
    const liveExpiry = new Map<number, number>();
    const rand = prng(5);
    // Each ref rescheduled several times: only its last expiry is live.
    for (let round = 0; round < 4; round++) {
      for (let ref = 0; ref < 5000; ref++) {
        const expiryMs = T0 + 1 + Math.floor(rand() * 20 * DAY);
        liveExpiry.set(ref, expiryMs);
        wheel.schedule(ref, expiryMs);
      }
    }
    expect(wheel.size).toBe(20_000);
    const isLive = (ref: number, expiryMs: number) => liveExpiry.get(ref) === expiryMs;
    // Interleave compaction slices with time passing: both must stay correct.
    const fired: Fired[] = [];
    let now = T0;
    const startPasses = wheel.compactPasses;
    let dropped = 0;
    while (wheel.compactPasses < startPasses + 2) {
      const n = wheel.compact(isLive, 100);
      expect(n).toBeLessThanOrEqual(100);
      dropped += n;
      now += 1000;
      wheel.advance(now, 1000, (ref, expiryMs) => fired.push({ ref, expiryMs, nowMs: now }));
    }
    expect(dropped).toBeGreaterThan(14_000);
    const firedLive = fired.filter((f) => isLive(f.ref, f.expiryMs)).length;
    // After a full pass, every stale entry is gone (fired ones left the wheel anyway).
    expect(wheel.size).toBe(5000 - firedLive);
    // And the live ones still fire, on time.
    drain(wheel, T0 + 21 * DAY, 1000, fired);
    for (const f of fired) expect(f.expiryMs).toBeLessThanOrEqual(f.nowMs);
    const liveFired = new Set(fired.filter((f) => isLive(f.ref, f.expiryMs)).map((f) => f.ref));
    expect(liveFired.size).toBe(5000);
    expect(wheel.size).toBe(0);
  });

  it("with the documented compaction budget, overwrite-heavy TTL writes keep the wheel near 2x live", () => {
    // 2000 live keys with hour-long TTLs, overwritten (new expiry each time) 200k times while
    // 100 ms ticks pass: an engine-like loop with the recipe from the module comment.
    const wheel = new TimingWheel(T0);
    const live = 2000;
    const expiry = new Float64Array(live);
    const isLive = (ref: number, expiryMs: number) => expiry[ref] === expiryMs;
    let now = T0;
    for (let ref = 0; ref < live; ref++) {
      expiry[ref] = now + HOUR + ref;
      wheel.schedule(ref, expiry[ref]);
    }
    const rand = prng(9);
    let scheduledAtLastTick = wheel.scheduleCount;
    let maxSize = 0;
    for (let write = 0; write < 200_000; write++) {
      const ref = Math.floor(rand() * live);
      expiry[ref] = now + HOUR + Math.floor(rand() * 1000);
      wheel.schedule(ref, expiry[ref]);
      if (write % 5000 === 4999) {
        now += 100;
        wheel.advance(now, 100, () => {
          throw new Error("nothing is due within the hour");
        });
        if (wheel.size > 2 * live + 1024) wheel.compact(isLive, 100 + 2 * (wheel.scheduleCount - scheduledAtLastTick));
        scheduledAtLastTick = wheel.scheduleCount;
        maxSize = Math.max(maxSize, wheel.size);
      }
    }
    // Bounded by the live count and one tick's writes, not by the 200k writes.
    expect(maxSize).toBeLessThan(2 * live + 1024 + 2 * 5000);
  });

  it("clear empties the wheel and frees its pool", () => {
    const wheel = new TimingWheel(T0);
    for (let ref = 0; ref < 10_000; ref++) wheel.schedule(ref, T0 + ref);
    const big = wheel.memoryBytes();
    wheel.clear();
    expect(wheel.size).toBe(0);
    expect(wheel.memoryBytes()).toBeLessThan(big);
    const fired: Fired[] = [];
    drain(wheel, T0 + 20_000, 100, fired);
    expect(fired).toEqual([]);
    wheel.schedule(1, T0 + 20_001);
    drain(wheel, T0 + 20_001, 100, fired);
    expect(fired.map((f) => f.ref)).toEqual([1]);
  });

  it("memory is about 16 bytes per entry", () => {
    const wheel = new TimingWheel(T0);
    for (let ref = 0; ref < 100_000; ref++) wheel.schedule(ref, T0 + ref * 13);
    const perEntry = wheel.memoryBytes() / wheel.size;
    expect(perEntry).toBeGreaterThanOrEqual(16);
    expect(perEntry).toBeLessThan(16 * 1.3);
  });

  it("matches a model under random schedule/advance/compact streams (property)", () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant("schedule" as const), ref: fc.integer({ min: 0, max: 30 }), delta: fc.oneof(fc.integer({ min: -50, max: 300 }), fc.integer({ min: 0, max: 40 * DAY }), fc.integer({ min: 0, max: 3 * YEAR })) }),
      fc.record({ kind: fc.constant("advance" as const), step: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 20 * DAY })), work: fc.integer({ min: 1, max: 20 }) }),
      fc.record({ kind: fc.constant("compact" as const), work: fc.integer({ min: 1, max: 50 }) }),
      fc.record({ kind: fc.constant("overwrite" as const), ref: fc.integer({ min: 0, max: 30 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 120 }), fc.constantFrom(1, 10, 3.3), (ops, resolutionMs) => {
        const wheel = new TimingWheel(T0, { resolutionMs });
        // Model: multiset of scheduled (ref, expiry) not yet delivered or dropped.
        const pending = new Map<string, number>();
        const keyOf = (ref: number, e: number) => `${ref}@${e}`;
        const add = (k: string, d: number) => {
          const n = (pending.get(k) ?? 0) + d;
          if (n < 0) throw new Error(`delivered or dropped ${k} more often than scheduled`);
          if (n === 0) pending.delete(k);
          else pending.set(k, n);
        };
        const current = new Map<number, number>(); // ref -> live expiry (for isLive)
        let now = T0;
        const onDue = (ref: number, expiryMs: number) => {
          expect(expiryMs).toBeLessThanOrEqual(now);
          add(keyOf(ref, expiryMs), -1);
        };
        for (const o of ops) {
          if (o.kind === "schedule") {
            const e = now + o.delta;
            wheel.schedule(o.ref, e);
            add(keyOf(o.ref, e), 1);
            current.set(o.ref, e);
          } else if (o.kind === "overwrite") {
            current.delete(o.ref); // its entries are now stale
          } else if (o.kind === "advance") {
            now += o.step;
            wheel.advance(now, o.work, onDue);
          } else {
            wheel.compact((ref, e) => {
              const live = current.get(ref) === e;
              if (!live) add(keyOf(ref, e), -1);
              return live;
            }, o.work);
          }
          expect(wheel.size).toBe([...pending.values()].reduce((a, b) => a + b, 0));
        }
        // Catch up: everything due by now is delivered; the rest is still held.
        let guard = 0;
        do wheel.advance(now, 7, onDue);
        while (!wheel.caughtUp && ++guard < 100_000);
        // (An entry may wait up to one tick: expiries in the current, unfinished tick.)
        for (const k of pending.keys()) {
          const e = Number(k.slice(k.indexOf("@") + 1));
          expect(e).toBeGreaterThan(now - resolutionMs);
        }
        // And far later, everything.
        now += 10 * YEAR;
        guard = 0;
        do wheel.advance(now, 7, onDue);
        while (!wheel.caughtUp && ++guard < 100_000);
        expect(pending.size).toBe(0);
        expect(wheel.size).toBe(0);
      }),
      { numRuns: 300 },
    );
  });
});
