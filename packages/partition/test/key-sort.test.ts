import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sortRefsByKey } from "../src/key-sort.js";

/** Keys in an array, ref = index: the KeyStore calls the sort needs. */
function store(keys: Uint8Array[]) {
  return {
    keyOf: (ref: number) => keys[ref]!,
    compareRefs: (a: number, b: number) => Buffer.compare(keys[a]!, keys[b]!),
  };
}

function sorted(keys: Uint8Array[]): number[] {
  const refs = Uint32Array.from(keys.map((_, i) => i));
  sortRefsByKey(refs, store(keys));
  return Array.from(refs);
}

const byBytes = (keys: Uint8Array[]) => keys.map((_, i) => i).sort((a, b) => Buffer.compare(keys[a]!, keys[b]!) || a - b);

describe("sortRefsByKey", () => {
  it("orders refs as memcmp orders their keys, a proper prefix first", () => {
    const keys = ["key:10", "key:1", "key:", "key:0000000000000002", "key:00000000000000010", "", "key:\u0000", "key:\u0000\u0000", "a", "key:\u00ff"].map((s) => Buffer.from(s, "latin1"));
    const got = sorted(keys).map((i) => keys[i]!.toString("latin1"));
    expect(got).toEqual(byBytes(keys).map((i) => keys[i]!.toString("latin1")));
  });

  it("agrees with a byte-order sort on random key sets (shared prefixes, ties in the 8-byte chunk, zero bytes, lengths 0-40)", () => {
    const byte = fc.constantFrom(0, 1, 0x30, 0x31, 0x7f, 0xff);
    const key = fc.tuple(fc.constantFrom("", "key:", "key:0000", "user:00000000:"), fc.uint8Array({ maxLength: 24 }), fc.array(byte, { maxLength: 6 }));
    fc.assert(
      fc.property(fc.uniqueArray(key.map(([p, a, b]) => Buffer.concat([Buffer.from(p), Buffer.from(a), Buffer.from(b)])), { maxLength: 300, comparator: (x, y) => Buffer.compare(x, y) === 0 }), (keys) => {
        const got = sorted(keys).map((i) => keys[i]!);
        const want = byBytes(keys).map((i) => keys[i]!);
        expect(got).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });

  it("keys past the sampled ones without its common prefix: the prefix is taken again from all", () => {
    const keys: Uint8Array[] = [];
    for (let i = 0; i < 3000; i++) keys.push(Buffer.from(`key:${String((i * 37) % 3000).padStart(6, "0")}`));
    for (let i = 0; i < 500; i++) keys.push(Buffer.from(`a${i}`), Buffer.from(`key:${i}x`));
    const got = sorted(keys).map((i) => keys[i]!);
    expect(got).toEqual(byBytes(keys).map((i) => keys[i]!));
  });

  it("sorts 200,000 numbered keys given in random order", () => {
    const n = 200_000;
    const keys: Uint8Array[] = [];
    for (let i = 0; i < n; i++) keys.push(Buffer.from(`key:${String((i * 7919) % n).padStart(12, "0")}`));
    const order = sorted(keys);
    for (let i = 1; i < n; i++) expect(Buffer.compare(keys[order[i - 1]!]!, keys[order[i]!]!)).toBeLessThan(0);
  });
});
