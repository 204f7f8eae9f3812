import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { Doorbell } from "../src/ring/doorbell.js";
import { RingConsumer, RingProducer, allocateRing, legalRingBytes } from "../src/ring/spsc-ring.js";

function fill(bytes: Uint8Array, at: number, length: number, seed: number): void {
  for (let i = 0; i < length; i++) bytes[at + i] = (seed + i * 31) & 0xff;
}
function check(bytes: Uint8Array, at: number, length: number, seed: number): boolean {
  for (let i = 0; i < length; i++) if (bytes[at + i] !== ((seed + i * 31) & 0xff)) return false;
  return true;
}

describe("spsc ring (one thread)", () => {
  it("rejects illegal sizes and rounds requested sizes to legal ones", () => {
    expect(() => allocateRing(5000)).toThrow(/power of two/);
    expect(() => allocateRing(1024)).toThrow(/within/);
    expect(legalRingBytes(5000)).toBe(8192);
    expect(legalRingBytes(1)).toBe(4096);
  });

  it("delivers nothing until published, then everything in order", () => {
    const sab = allocateRing(4096);
    const p = new RingProducer(sab);
    const c = new RingConsumer(sab);
    for (let i = 0; i < 10; i++) {
      const at = p.tryReserve(i * 3);
      expect(at).toBeGreaterThanOrEqual(0);
      fill(p.bytes, at, i * 3, i);
    }
    expect(c.next()).toBe(-1);
    expect(p.publish()).toBe(true);
    expect(p.publish()).toBe(false);
    for (let i = 0; i < 10; i++) {
      const at = c.next();
      expect(c.recordBytes).toBe(i * 3);
      expect(check(c.bytes, at, i * 3, i)).toBe(true);
    }
    expect(c.next()).toBe(-1);
    expect(p.usedBytes()).toBeGreaterThan(0);
    c.release();
    expect(p.usedBytes()).toBe(0);
    expect(p.isDrained()).toBe(true);
  });

  it("refuses a record when full and accepts it once the consumer releases space", () => {
    const sab = allocateRing(4096);
    const p = new RingProducer(sab);
    const c = new RingConsumer(sab);
    let n = 0;
    while (p.tryReserve(100) >= 0) n++;
    expect(n).toBe(Math.floor(4096 / 104)); // 4 + 100 rounded up to 104
    p.publish();
    expect(c.next()).toBeGreaterThanOrEqual(0);
    expect(p.tryReserve(100)).toBe(-1); // read but not released: still taken
    c.release();
    expect(p.tryReserve(100)).toBeGreaterThanOrEqual(0);
  });

  it("never lets a record straddle the end: it wraps behind a PAD marker", () => {
    const sab = allocateRing(4096);
    const p = new RingProducer(sab);
    const c = new RingConsumer(sab);
    // Advance to near the end.
    for (let i = 0; i < 3; i++) {
      expect(p.tryReserve(1200)).toBeGreaterThanOrEqual(0);
      p.publish();
      c.next();
      c.release();
    }
    // 3 x 1208 = 3624 used; 472 bytes to the end; a 1000-byte record must wrap to 0.
    const at = p.tryReserve(1000);
    expect(at).toBe(4);
    fill(p.bytes, at, 1000, 7);
    p.publish();
    const got = c.next();
    expect(got).toBe(4);
    expect(c.recordBytes).toBe(1000);
    expect(check(c.bytes, got, 1000, 7)).toBe(true);
  });

  it("accepts the largest legal record wherever the head is, and refuses bigger ones", () => {
    const sab = allocateRing(4096);
    const p = new RingProducer(sab);
    const c = new RingConsumer(sab);
    expect(() => p.tryReserve(p.maxPayloadBytes + 1)).toThrow(/exceeds/);
    for (let shift = 0; shift < 2048; shift += 8 * 37) {
      // Move the head by `shift` bytes, drain, then the biggest record must fit in the empty ring.
      if (shift > 0) {
        expect(p.tryReserve(shift - 4 > 0 ? shift - 4 : 0)).toBeGreaterThanOrEqual(0);
        p.publish();
        c.next();
        c.release();
      }
      const at = p.tryReserve(p.maxPayloadBytes);
      expect(at).toBeGreaterThanOrEqual(0);
      p.publish();
      expect(c.next()).toBe(at);
      c.release();
    }
  });

  it("unread() returns the same record again, also right after a PAD", () => {
    const sab = allocateRing(4096);
    const p = new RingProducer(sab);
    const c = new RingConsumer(sab);
    p.tryReserve(1500);
    p.tryReserve(1500);
    p.publish();
    c.next();
    c.next();
    c.release();
    const at = p.tryReserve(2000); // 1088 bytes left to the end: wraps
    expect(at).toBe(4);
    fill(p.bytes, at, 2000, 3);
    p.publish();
    const first = c.next();
    c.unread(first);
    const again = c.next();
    expect(again).toBe(first);
    expect(check(c.bytes, again, 2000, 3)).toBe(true);
    expect(c.next()).toBe(-1);
  });

  it("keeps working when the 32-bit head and tail counters wrap around", () => {
    const sab = allocateRing(4096);
    // Start both counters just below 2^31 and 2^32 (as Int32: near INT32_MAX and -1).
    for (const start of [0x7fffff00 | 0, 0xffffff00 | 0]) {
      const header = new Int32Array(sab, 0, 64);
      header[0] = start;
      header[16] = start;
      const p = new RingProducer(sab);
      const c = new RingConsumer(sab);
      for (let i = 0; i < 200; i++) {
        const len = (i * 13) % 300;
        const at = p.tryReserve(len);
        expect(at).toBeGreaterThanOrEqual(0);
        fill(p.bytes, at, len, i);
        p.publish();
        const got = c.next();
        expect(c.recordBytes).toBe(len);
        expect(check(c.bytes, got, len, i)).toBe(true);
        c.release();
        expect(p.usedBytes()).toBe(0);
      }
    }
  });

  it("property: any sequence of writes, publishes, reads and releases is a FIFO of intact records", () => {
    type Op = { kind: "write"; len: number } | { kind: "publish" } | { kind: "read"; n: number } | { kind: "release" };
    const op = fc.oneof(
      { weight: 6, arbitrary: fc.integer({ min: 0, max: 2100 }).map((len) => ({ kind: "write", len }) as Op) },
      { weight: 2, arbitrary: fc.constant({ kind: "publish" } as Op) },
      { weight: 3, arbitrary: fc.integer({ min: 1, max: 8 }).map((n) => ({ kind: "read", n }) as Op) },
      { weight: 2, arbitrary: fc.constant({ kind: "release" } as Op) },
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const sab = allocateRing(8192);
        const p = new RingProducer(sab);
        const c = new RingConsumer(sab);
        const published: { len: number; seed: number }[] = [];
        const pending: { len: number; seed: number }[] = [];
        let seed = 1;
        for (const o of ops) {
          if (o.kind === "write") {
            const at = p.tryReserve(o.len);
            if (at < 0) {
              // Full is only legal when the record cannot fit in the free space (with padding).
              expect(p.usedBytes() + p.unpublishedBytes).toBeGreaterThan(8192 - 2 * (o.len + 12));
              continue;
            }
            fill(p.bytes, at, o.len, seed);
            pending.push({ len: o.len, seed: seed++ });
          } else if (o.kind === "publish") {
            p.publish();
            published.push(...pending.splice(0));
          } else if (o.kind === "read") {
            for (let i = 0; i < o.n; i++) {
              const at = c.next();
              if (at < 0) {
                expect(published.length).toBe(0);
                break;
              }
              const want = published.shift()!;
              expect(c.recordBytes).toBe(want.len);
              expect(check(c.bytes, at, want.len, want.seed)).toBe(true);
            }
          } else {
            c.release();
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("doorbell (one thread)", () => {
  it("a ring after prepareToSleep makes the wait return at once (no lost wake-up window)", () => {
    const words = new Int32Array(new SharedArrayBuffer(64));
    const bell = new Doorbell(words, 0, 1);
    const seq = bell.prepareToSleep();
    bell.ring(); // lands between the waiter's re-check and its wait
    const r = bell.sleep(seq);
    expect(r).toEqual({ async: false, value: "not-equal" });
    expect(bell.notifies).toBe(1);
  });

  it("does not notify a waiter that is awake, and counts skipped notifies for the test hook", () => {
    const words = new Int32Array(new SharedArrayBuffer(64));
    const bell = new Doorbell(words, 0, 1);
    bell.ring();
    expect(bell.notifies).toBe(0);
    expect(bell.sequence).toBe(1);
    bell.prepareToSleep();
    bell.skipNotifies = 1;
    bell.ring();
    expect(bell.notifies).toBe(0);
    bell.ring();
    expect(bell.notifies).toBe(1);
    bell.awake();
    bell.ring();
    expect(bell.notifies).toBe(1);
  });

  it("a wait sleeps until the bell rings, with no timeout of its own", async () => {
    const words = new Int32Array(new SharedArrayBuffer(64));
    const bell = new Doorbell(words, 0, 1);
    const r = bell.sleep(bell.prepareToSleep());
    expect(r.async).toBe(true);
    if (!r.async) return;
    let settled: string | null = null;
    void r.value.then((v) => (settled = v));
    await new Promise((done) => setTimeout(done, 50));
    expect(settled).toBeNull();
    bell.ring();
    expect(await r.value).toBe("ok");
    expect(bell.notifies).toBe(1);
  });
});
