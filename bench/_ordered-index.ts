/**
 * Micro-benchmark of the partition's OrderedIndex and TimingWheel (not listed by `pnpm bench`:
 * run `node --import tsx bench/_ordered-index.ts [keys]`, default 1M).
 *
 * Keys live in one arena Uint8Array, [u16 length][bytes], and a ref is the record's offset, as
 * with slab items: comparisons read bytes behind refs, like the engine's KeyStore will.
 * Prints a table and, last, one JSON line with the figures.
 */
import { OrderedIndex, type OrderedKeys } from "../packages/partition/src/ordered-index.js";
import { TimingWheel } from "../packages/partition/src/timing-wheel.js";

const n = Number(process.argv[2] ?? 1_000_000);

class ArenaKeys implements OrderedKeys {
  arena = new Uint8Array(n * 24 + 1024);
  used = 0;
  add(text: string): number {
    const ref = this.used;
    const len = Buffer.byteLength(text);
    this.arena[ref] = len >> 8;
    this.arena[ref + 1] = len & 0xff;
    Buffer.from(this.arena.buffer, this.arena.byteOffset + ref + 2, len).write(text, "latin1");
    this.used += 2 + len;
    return ref;
  }
  keyOf(ref: number): Uint8Array {
    const len = (this.arena[ref] << 8) | this.arena[ref + 1];
    return this.arena.subarray(ref + 2, ref + 2 + len);
  }
  compareRefs(a: number, b: number): number {
    const arena = this.arena;
    const la = (arena[a] << 8) | arena[a + 1];
    const lb = (arena[b] << 8) | arena[b + 1];
    const m = la < lb ? la : lb;
    for (let i = 0; i < m; i++) {
      const d = arena[a + 2 + i] - arena[b + 2 + i];
      if (d !== 0) return d;
    }
    return la - lb;
  }
  compareRefToKey(ref: number, key: Uint8Array): number {
    const arena = this.arena;
    const la = (arena[ref] << 8) | arena[ref + 1];
    const lb = key.length;
    const m = la < lb ? la : lb;
    for (let i = 0; i < m; i++) {
      const d = arena[ref + 2 + i] - key[i];
      if (d !== 0) return d;
    }
    return la - lb;
  }
  refHasPrefix(ref: number, prefix: Uint8Array): boolean {
    const arena = this.arena;
    const la = (arena[ref] << 8) | arena[ref + 1];
    if (la < prefix.length) return false;
    for (let i = 0; i < prefix.length; i++) if (arena[ref + 2 + i] !== prefix[i]) return false;
    return true;
  }
}

function opsPerSec(count: number, t0: bigint): number {
  return count / (Number(process.hrtime.bigint() - t0) / 1e9);
}

const rows: [string, string][] = [];
const figures: Record<string, number> = { keys: n };

for (const order of ["random", "ascending"] as const) {
  const keys = new ArenaKeys();
  const refs = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    // "user:<random>" keys as a typical workload; ascending = zero-padded counter.
    const text = order === "random" ? `user:${((i * 2654435761) >>> 0).toString(16)}:${i}` : `user:${String(i).padStart(10, "0")}`;
    refs[i] = keys.add(text);
  }
  const index = new OrderedIndex(keys);
  const heapBefore = process.memoryUsage().heapUsed;
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) index.insert(refs[i]);
  const insertRate = opsPerSec(n, t0);
  const held = index.memoryBytes() / n;
  const used = index.usedBytes() / n;
  t0 = process.hrtime.bigint();
  let found = 0;
  for (let i = 0; i < n; i++) if (index.find(keys.keyOf(refs[(i * 7919) % n])) !== -1) found++;
  const findRate = opsPerSec(n, t0);
  if (found !== n) throw new Error(`found ${found} of ${n}`);
  // replaceRef to the same ref (as an item move would), by key only and with the old ref as hint.
  t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const ref = refs[(i * 7919) % n];
    index.replaceRef(keys.keyOf(ref), ref);
  }
  const replaceRate = opsPerSec(n, t0);
  t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) {
    const ref = refs[(i * 7919) % n];
    index.replaceRef(keys.keyOf(ref), ref, ref);
  }
  const replaceHintRate = opsPerSec(n, t0);
  // Paged scans of 100 keys from random cursors.
  const pages = 20_000;
  let visited = 0;
  const prefix = Buffer.from("user:");
  const count = () => {
    visited++;
  };
  t0 = process.hrtime.bigint();
  for (let i = 0; i < pages; i++) index.scan(prefix, keys.keyOf(refs[(i * 104729) % n]), 100, count);
  const scanKeysRate = opsPerSec(visited, t0);
  // Delete half, then re-insert: churn.
  t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i += 2) index.delete(keys.keyOf(refs[i]), refs[i]);
  const deleteRate = opsPerSec(n / 2, t0);
  const heldAfterDelete = index.memoryBytes() / index.size;
  const usedAfterDelete = index.usedBytes() / index.size;
  t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i += 2) index.insert(refs[i]);
  const reinsertRate = opsPerSec(n / 2, t0);
  const heapDelta = (process.memoryUsage().heapUsed - heapBefore) / n;
  rows.push(
    [`${order}: insert`, `${(insertRate / 1e6).toFixed(2)} M/s`],
    [`${order}: find`, `${(findRate / 1e6).toFixed(2)} M/s`],
    [`${order}: replaceRef / with old-ref hint`, `${(replaceRate / 1e6).toFixed(2)} / ${(replaceHintRate / 1e6).toFixed(2)} M/s`],
    [`${order}: scan (100-key pages)`, `${(scanKeysRate / 1e6).toFixed(2)} M keys/s`],
    [`${order}: delete half (hinted)`, `${(deleteRate / 1e6).toFixed(2)} M/s`],
    [`${order}: re-insert half`, `${(reinsertRate / 1e6).toFixed(2)} M/s`],
    [`${order}: memory held / in nodes`, `${held.toFixed(2)} / ${used.toFixed(2)} B/key (depth ${index.depth})`],
    [`${order}: after deleting half`, `${heldAfterDelete.toFixed(2)} / ${usedAfterDelete.toFixed(2)} B/key`],
    [`${order}: JS heap growth`, `${heapDelta.toFixed(3)} B/key`],
  );
  Object.assign(figures, {
    [`${order}InsertPerSec`]: Math.round(insertRate),
    [`${order}FindPerSec`]: Math.round(findRate),
    [`${order}ReplaceRefPerSec`]: Math.round(replaceRate),
    [`${order}ReplaceRefHintedPerSec`]: Math.round(replaceHintRate),
    [`${order}ScanKeysPerSec`]: Math.round(scanKeysRate),
    [`${order}DeletePerSec`]: Math.round(deleteRate),
    [`${order}BytesPerKeyHeld`]: Number(held.toFixed(3)),
    [`${order}BytesPerKeyUsed`]: Number(used.toFixed(3)),
  });
}

{
  const wheel = new TimingWheel(0);
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) wheel.schedule(i, 1 + ((i * 2654435761) >>> 0) % 3_600_000);
  const scheduleRate = opsPerSec(n, t0);
  const bytes = wheel.memoryBytes() / n;
  let fired = 0;
  const onDue = () => {
    fired++;
  };
  t0 = process.hrtime.bigint();
  let now = 0;
  while (fired < n) {
    now += 100; // 100 ms ticks over an hour of virtual time
    wheel.advance(now, 1_000_000, onDue);
  }
  const fireRate = opsPerSec(n, t0);
  rows.push(
    ["wheel: schedule (TTL < 1 h)", `${(scheduleRate / 1e6).toFixed(2)} M/s`],
    ["wheel: advance + fire", `${(fireRate / 1e6).toFixed(2)} M/s`],
    ["wheel: memory held", `${bytes.toFixed(2)} B/entry`],
  );
  Object.assign(figures, { wheelSchedulePerSec: Math.round(scheduleRate), wheelFirePerSec: Math.round(fireRate), wheelBytesPerEntry: Number(bytes.toFixed(3)) });
}

const width = Math.max(...rows.map((r) => r[0].length));
console.log(`OrderedIndex / TimingWheel, ${n} keys`);
for (const [k, v] of rows) console.log(`  ${k.padEnd(width)}  ${v}`);
console.log(JSON.stringify(figures));
