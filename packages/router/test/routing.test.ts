import { CollectingSink } from "@tessera/proto";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { crc16 } from "../src/routing/crc16.js";
import { HASH_SLOTS, keyHashSlot } from "../src/routing/hash-slot.js";
import { ReplyBuffer } from "../src/routing/reply-buffer.js";
import { decodeScanCursor, encodeScanCursor } from "../src/routing/scan-cursor.js";
import { mergeScanPages, mergeSortedKeyLists } from "../src/routing/scan-merge.js";
import { SlotMap } from "../src/routing/slot-map.js";

const b = (s: string) => new Uint8Array(Buffer.from(s));

describe("crc16 (XMODEM, as Redis Cluster)", () => {
  it("matches the reference check value from the Redis cluster spec", () => {
    expect(crc16(b("123456789"))).toBe(0x31c3);
  });
  it("hashes a sub-range", () => {
    expect(crc16(b("xx123456789yy"), 2, 9)).toBe(0x31c3);
    expect(crc16(new Uint8Array(0))).toBe(0);
  });
});

describe("key hash slot", () => {
  it("gives Redis's slots for known keys", () => {
    // Values as `CLUSTER KEYSLOT` reports them.
    expect(keyHashSlot(b("foo"))).toBe(12182);
    expect(keyHashSlot(b("bar"))).toBe(5061);
    expect(keyHashSlot(b("hello"))).toBe(866);
    expect(keyHashSlot(b("123456789"))).toBe(0x31c3 % HASH_SLOTS);
  });
  it("hashes only the hash tag, by Redis's rules", () => {
    const tag = keyHashSlot(b("user1000"));
    expect(keyHashSlot(b("{user1000}.following"))).toBe(tag);
    expect(keyHashSlot(b("{user1000}.followers"))).toBe(tag);
    // First '{' and the next '}' after it.
    expect(keyHashSlot(b("foo{bar}{zap}"))).toBe(keyHashSlot(b("bar")));
    expect(keyHashSlot(b("foo{{bar}}zap"))).toBe(keyHashSlot(b("{bar")));
    // Empty tag or no closing brace: the whole key.
    expect(keyHashSlot(b("foo{}{bar}"))).toBe(crc16(b("foo{}{bar}")) % HASH_SLOTS);
    expect(keyHashSlot(b("foo{bar"))).toBe(crc16(b("foo{bar")) % HASH_SLOTS);
  });
  it("is always within 0..16383", () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 64 }), (k) => {
      const s = keyHashSlot(k);
      return s >= 0 && s < HASH_SLOTS;
    }));
  });
});

describe("slot map", () => {
  it("deals slots in contiguous ranges covering all 16384", () => {
    for (const n of [1, 2, 3, 4, 7, 16]) {
      const m = new SlotMap(n);
      let expected = 0;
      for (let p = 0; p < n; p++) {
        const [first, end] = m.slotRange(p);
        expect(first).toBe(expected);
        let wrong = 0;
        for (let s = first; s < end; s++) if (m.partitionOfSlot(s) !== p) wrong++;
        expect(wrong).toBe(0);
        expected = end;
      }
      expect(expected).toBe(HASH_SLOTS);
    }
  });
  it("refuses nonsense partition counts", () => {
    expect(() => new SlotMap(0)).toThrow(RangeError);
    expect(() => new SlotMap(1.5)).toThrow(RangeError);
  });
});

describe("ReplyBuffer", () => {
  it("replays exactly what was recorded", () => {
    const buf = new ReplyBuffer();
    const big = new Uint8Array(100_000).fill(7);
    buf.array(3);
    buf.bulk(b("xhellox"), 1, 5);
    buf.nil();
    buf.array(2);
    buf.integer(-42);
    buf.integer(2n ** 62n);
    buf.status("PONG");
    buf.error("WRONGTYPE", "Operation against a key holding the wrong kind of value ✓");
    buf.bulk(big, 0, big.length);
    buf.ok();
    buf.array(0);
    expect(buf.replies).toBe(6);
    const sink = new CollectingSink();
    buf.replay(sink);
    expect(sink.take()).toEqual([
      { kind: "array", items: [{ kind: "bulk", value: b("hello") }, { kind: "nil" }, { kind: "array", items: [{ kind: "integer", value: -42n }, { kind: "integer", value: 2n ** 62n }] }] },
      { kind: "status", text: "PONG" },
      { kind: "error", code: "WRONGTYPE", message: "Operation against a key holding the wrong kind of value ✓" },
      { kind: "bulk", value: big },
      { kind: "ok" },
      { kind: "array", items: [] },
    ]);
    buf.reset();
    expect(buf.byteLength).toBe(0);
  });
});

describe("SCAN cursor", () => {
  it("round-trips any non-empty key and never collides with '0'", () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 100 }), (k) => {
      const c = encodeScanCursor(k);
      expect(c).not.toBe("0");
      expect(Buffer.from(decodeScanCursor(c)!).equals(Buffer.from(k))).toBe(true);
    }));
  });
  it("treats '0' and '' as the start and rejects what it did not issue", () => {
    expect(decodeScanCursor("0")).toEqual(new Uint8Array(0));
    expect(decodeScanCursor("")).toEqual(new Uint8Array(0));
    for (const bad of ["!!", "a", "abcde", "YQ=", "YR"]) expect(decodeScanCursor(bad)).toBeNull();
  });
});

describe("SCAN merge", () => {
  const page = (next: string, keys: string[]) => ({
    kind: "array" as const,
    items: [{ kind: "bulk" as const, value: b(next) }, { kind: "array" as const, items: keys.map((k) => ({ kind: "bulk" as const, value: b(k) })) }],
  });
  const str = (ks: Uint8Array[]) => ks.map((k) => Buffer.from(k).toString());

  it("merges in byte order and cuts at the limit", () => {
    const r = mergeScanPages([page("c", ["a", "c"]), page("d", ["b", "d"])], 3);
    expect(str(r.keys)).toEqual(["a", "b", "c"]);
    expect(Buffer.from(r.after!).toString()).toBe("c");
  });
  it("stops at the smallest position a partition with more has examined", () => {
    // Partition 0 examined up to "b" (MATCH filtered everything); partition 1 is done.
    const r = mergeScanPages([page("b", []), page("", ["a", "c", "e"])], 10);
    expect(str(r.keys)).toEqual(["a"]);
    expect(Buffer.from(r.after!).toString()).toBe("b");
  });
  it("never ends a cut page on the empty key, whose cursor would read as done", () => {
    const r = mergeScanPages([page("", ["", "c"]), page("", ["b"])], 1);
    expect(str(r.keys)).toEqual(["", "b"]);
    expect(Buffer.from(r.after!).toString()).toBe("b");
  });
  it("says done when every partition is exhausted and nothing was cut", () => {
    const r = mergeScanPages([page("", ["a"]), page("", ["b"])], 2);
    expect(str(r.keys)).toEqual(["a", "b"]);
    expect(r.after).toBeNull();
  });
  it("k-way merge equals sorting", () => {
    fc.assert(fc.property(fc.array(fc.uniqueArray(fc.string(), { maxLength: 20 }), { maxLength: 5 }), (lists) => {
      // Make the lists disjoint, as partitions are.
      const seen = new Set<string>();
      const disjoint = lists.map((l) => l.filter((k) => !seen.has(k) && (seen.add(k), true)).map(b).sort(Buffer.compare));
      const merged = mergeSortedKeyLists(disjoint, null);
      const all = disjoint.flat().sort(Buffer.compare);
      expect(merged).toEqual(all);
    }));
  });
});
