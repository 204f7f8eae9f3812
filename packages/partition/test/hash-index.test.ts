import { describe, expect, it } from "vitest";
import { HashIndex, hashBytes, NO_REF, type HashKeySource } from "../src/index.js";

/** Keys live in a JS array here (the real store keeps them in slabs): ref = index. */
class ArrayKeys implements HashKeySource {
  keys: Uint8Array[] = [];
  hashOverride: ((k: Uint8Array) => number) | null = null;
  add(key: Uint8Array): number {
    this.keys.push(key);
    return this.keys.length - 1;
  }
  keyEquals(ref: number, key: Uint8Array): boolean {
    const k = this.keys[ref]!;
    if (k.length !== key.length) return false;
    for (let i = 0; i < k.length; i++) if (k[i] !== key[i]) return false;
    return true;
  }
  hashOfRef(ref: number): number {
    return this.hash(this.keys[ref]!);
  }
  hash(k: Uint8Array): number {
    return this.hashOverride !== null ? this.hashOverride(k) : hashBytes(k, 0, k.length);
  }
}

const enc = new TextEncoder();

/** A cheap assertion for hot test loops (expect() costs tens of microseconds per call). */
function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`check failed: ${what}`);
}

describe("HashIndex", () => {
  it("grows incrementally: every key stays findable during and after migrations", () => {
    const src = new ArrayKeys();
    const h = new HashIndex(src, 16);
    let sawMigration = false;
    for (let i = 0; i < 50_000; i++) {
      const key = enc.encode(`key:${i}`);
      check(h.find(key, src.hash(key)) === NO_REF, "absent before insert");
      check(h.insert(src.hash(key), src.add(key)), "insert");
      if (h.migrating) {
        sawMigration = true;
        // During migration lookups consult both tables.
        if (i % 97 === 0) for (let j = 0; j <= i; j += 501) check(h.find(src.keys[j]!, src.hash(src.keys[j]!)) === j, `key ${j} during migration`);
      }
    }
    expect(sawMigration).toBe(true);
    expect(h.count).toBe(50_000);
    for (let i = 0; i < 50_000; i++) check(h.find(src.keys[i]!, src.hash(src.keys[i]!)) === i, `key ${i}`);
    expect(h.capacity * 0.8).toBeGreaterThanOrEqual(50_000);
    // ~5 bytes per slot, load between ~0.5 and 0.8.
    expect(h.bytes / h.count).toBeLessThan(11);
  });

  it("randomRef() returns live refs only, from both tables during a migration, and reaches every key", () => {
    const src = new ArrayKeys();
    const h = new HashIndex(src, 16);
    expect(h.randomRef(0.5)).toBe(NO_REF);
    let i = 0;
    while (!h.migrating) {
      const key = enc.encode(`key:${i++}`);
      h.insert(src.hash(key), src.add(key));
    }
    // Delete half, so tombstones sit in the tables too.
    for (let j = 0; j < i; j += 2) {
      h.find(src.keys[j]!, src.hash(src.keys[j]!));
      h.deleteFound();
    }
    const seen = new Set<number>();
    for (let n = 0; n < 2000; n++) {
      const ref = h.randomRef(n / 2000);
      check(ref !== NO_REF && ref % 2 === 1, `live ref, got ${ref}`);
      seen.add(ref);
    }
    expect(seen.size).toBe(h.count); // every live key was picked at some position
  });

  it("reserve() presizes: existing keys move over (even mid-migration) and the reserved count fits without a rebuild", () => {
    const src = new ArrayKeys();
    const h = new HashIndex(src, 16);
    let i = 0;
    for (; !h.migrating; i++) {
      const key = enc.encode(`key:${i}`);
      check(h.insert(src.hash(key), src.add(key)), "insert");
    }
    h.reserve(20_000);
    expect(h.migrating).toBe(false);
    const migrations = h.migrations;
    for (; i < 20_000; i++) {
      const key = enc.encode(`key:${i}`);
      check(h.find(key, src.hash(key)) === NO_REF, "absent before insert");
      check(h.insert(src.hash(key), src.add(key)), "insert");
    }
    expect(h.migrations).toBe(migrations);
    expect(h.count).toBe(20_000);
    for (let j = 0; j < 20_000; j++) check(h.find(src.keys[j]!, src.hash(src.keys[j]!)) === j, `key ${j}`);
  });

  it("deletes do not degrade lookups: churn keeps the table bounded and correct", () => {
    const src = new ArrayKeys();
    const h = new HashIndex(src, 1024);
    const live = new Map<string, number>();
    const order: string[] = [];
    let oldest = 0;
    let next = 0;
    for (let round = 0; round < 200_000; round++) {
      const name = `k${next++}`;
      const key = enc.encode(name);
      const hash = src.hash(key);
      check(h.find(key, hash) === NO_REF, "absent");
      const ref = src.add(key);
      h.insert(hash, ref);
      live.set(name, ref);
      order.push(name);
      if (live.size > 500) {
        // Delete the oldest.
        const oldName = order[oldest++]!;
        const oldRef = live.get(oldName)!;
        const oldKey = enc.encode(oldName);
        check(h.find(oldKey, src.hash(oldKey)) === oldRef, "present before delete");
        h.deleteFound();
        live.delete(oldName);
        check(h.find(oldKey, src.hash(oldKey)) === NO_REF, "absent after delete");
      }
    }
    expect(h.count).toBe(live.size);
    // 200k inserts and deletes over a 500-key working set: tombstones were swept, no growth.
    expect(h.capacity).toBeLessThanOrEqual(1024);
    for (const [name, ref] of live) {
      const key = enc.encode(name);
      expect(h.find(key, src.hash(key))).toBe(ref);
    }
  });

  it("resolves collisions (identical hashes) by key; deleting from the middle of a chain keeps the rest", () => {
    const src = new ArrayKeys();
    src.hashOverride = () => 0x12345678; // every key collides
    const h = new HashIndex(src, 64);
    const names = Array.from({ length: 40 }, (_, i) => `c${i}`);
    for (const n of names) {
      const k = enc.encode(n);
      h.insert(src.hash(k), src.add(k));
    }
    for (let i = 0; i < names.length; i++) expect(h.find(enc.encode(names[i]!), 0x12345678)).toBe(i);
    for (let i = 10; i < 20; i++) {
      expect(h.find(enc.encode(names[i]!), 0x12345678)).toBe(i);
      h.deleteFound();
    }
    for (let i = 0; i < names.length; i++) expect(h.find(enc.encode(names[i]!), 0x12345678)).toBe(i >= 10 && i < 20 ? NO_REF : i);
    // Re-inserting reuses tombstones and stays findable.
    for (let i = 10; i < 20; i++) {
      const k = enc.encode(`again${i}`);
      h.insert(0x12345678, src.add(k));
      expect(h.find(k, 0x12345678)).toBe(src.keys.length - 1);
    }
    h.finishMigration();
    expect(h.count).toBe(40);
  });

  it("updates refs in place (item moves) in either table", () => {
    const src = new ArrayKeys();
    // One old slot migrated per operation, so the migration stays open for a while.
    const h = new HashIndex(src, 64, 0.8, 1);
    for (let i = 0; i < 52; i++) {
      const k = enc.encode(`m${i}`);
      h.insert(src.hash(k), src.add(k));
    }
    expect(h.migrating).toBe(true);
    const k0 = enc.encode("m0");
    expect(h.find(k0, src.hash(k0))).toBe(0);
    src.keys.push(k0); // the "moved" item, same key at a new ref
    h.setFoundRef(src.keys.length - 1);
    h.finishMigration();
    expect(h.find(k0, src.hash(k0))).toBe(src.keys.length - 1);
  });
});
