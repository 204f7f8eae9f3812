import { existsSync, readdirSync, readFileSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { estimateReplayKeys, nodeFs, replayWal, WalGapError, WalWriter } from "../src/index.js";
import { argv, tempDir } from "./helpers.js";

const dec = new TextDecoder();
let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
});

/** n records, one per batch, in segments of segmentBytes. */
function writeWal(n: number, segmentBytes = 1 << 20): string {
  const t = tempDir();
  cleanup = t.cleanup;
  const w = new WalWriter({ dir: t.dir, fs: nodeFs, fsync: "no", segmentBytes, nextLsn: 1 });
  for (let i = 1; i <= n; i++) {
    w.append(argv("SET", key(i), `v${i % 10}`));
    w.commit(0);
  }
  w.close(0);
  return t.dir;
}

/** Fixed-width keys, so every record has the same size. */
function key(i: number): string {
  return `k${String(i).padStart(4, "0")}`;
}

function keys(dir: string, from = 1): { keys: string[]; r: ReturnType<typeof replayWal> } {
  const out: string[] = [];
  const r = replayWal(dir, from, (a) => out.push(dec.decode(a[1]!)));
  return { keys: out, r };
}

function segments(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith(".wal"))
    .sort()
    .map((n) => join(dir, n));
}

describe("WAL replay", () => {
  it("replays from a start LSN, skipping whole segments before it", () => {
    const dir = writeWal(200, 4096);
    const { keys: k, r } = keys(dir, 150);
    expect(k[0]).toBe(key(150));
    expect(k.length).toBe(51);
    expect(r.nextLsn).toBe(201);
    expect(r.segments).toBeLessThan(segments(dir).length);
  });

  it("truncates a torn tail, reports the bytes, and a second replay finds a clean log", () => {
    const dir = writeWal(10);
    const seg = segments(dir)[0]!;
    const size = statSync(seg).size;
    truncateSync(seg, size - 7); // the last record loses its last 7 bytes
    const { keys: k, r } = keys(dir);
    expect(k.length).toBe(9);
    const lastRecordBytes = size - (size / 10) * 9; // all records have the same size here
    expect(r.truncatedBytes).toBe(lastRecordBytes - 7);
    expect(r.truncations[0]!.reason).toMatch(/torn/);
    expect(statSync(seg).size).toBe((size / 10) * 9);
    const again = keys(dir);
    expect(again.keys.length).toBe(9);
    expect(again.r.truncatedBytes).toBe(0);
  });

  it("stops at a flipped bit in the middle: earlier records replay, the rest is cut and reported", () => {
    const dir = writeWal(10);
    const seg = segments(dir)[0]!;
    const buf = readFileSync(seg);
    const recBytes = buf.length / 10;
    buf[recBytes * 4 + 30]! ^= 0x10; // inside record 5's payload
    writeFileSync(seg, buf);
    const { keys: k, r } = keys(dir);
    expect(k).toEqual([1, 2, 3, 4].map(key));
    expect(r.truncatedBytes).toBe(recBytes * 6);
    expect(r.truncations[0]!.reason).toMatch(/corrupt/);
    expect(r.nextLsn).toBe(5);
  });

  it("after a cut in one segment, later segments that no longer follow on are set aside, not replayed", () => {
    const dir = writeWal(300, 4096);
    const segs = segments(dir);
    expect(segs.length).toBeGreaterThan(2);
    truncateSync(segs[0]!, statSync(segs[0]!).size - 3);
    const { keys: k, r } = keys(dir);
    const firstSegRecords = k.length;
    expect(firstSegRecords).toBeGreaterThan(0);
    expect(k.every((x, i) => x === key(i + 1))).toBe(true);
    expect(r.discarded.length).toBe(segs.length - 1);
    for (const s of segs.slice(1)) {
      expect(existsSync(s)).toBe(false);
      expect(existsSync(`${s}.discarded`)).toBe(true);
    }
  });

  it("refuses to start from a WAL that begins after the recovered state (missing snapshot)", () => {
    const dir = writeWal(100, 4096);
    nodeFs.unlinkSync(segments(dir)[0]!);
    expect(() => keys(dir, 1)).toThrow(WalGapError);
  });

  it("a zero-filled tail (preallocated or zeroed pages) counts as torn", () => {
    const dir = writeWal(5);
    const seg = segments(dir)[0]!;
    writeFileSync(seg, Buffer.concat([readFileSync(seg), Buffer.alloc(4096)]));
    const { keys: k, r } = keys(dir);
    expect(k.length).toBe(5);
    expect(r.truncatedBytes).toBe(4096);
  });

  it("reads through a small buffer with records across its edges exactly as through a large one", () => {
    // Mixed record sizes, one larger than the buffer (it must grow for that record).
    const t = tempDir();
    cleanup = t.cleanup;
    const w = new WalWriter({ dir: t.dir, fs: nodeFs, fsync: "no", segmentBytes: 8192, nextLsn: 1 });
    for (let i = 1; i <= 120; i++) {
      w.append(argv("SET", key(i), "x".repeat(i === 60 ? 700 : (i * 37) % 90)));
      w.commit(0);
    }
    w.close(0);
    const whole = replayAll(t.dir, 1 << 20);
    expect(whole.length).toBe(120);
    for (const chunk of [24, 25, 61, 100, 257, 4096]) expect(replayAll(t.dir, chunk)).toEqual(whole);
  });

  it("cuts a torn or corrupt record at the same offset whatever the buffer size", () => {
    for (const chunk of [30, 97, 1 << 20]) {
      const dir = writeWal(10);
      const seg = segments(dir)[0]!;
      const buf = readFileSync(seg);
      const recBytes = buf.length / 10;
      buf[recBytes * 6 + 30]! ^= 0x10; // inside record 7's payload
      writeFileSync(seg, buf.subarray(0, buf.length - 5)); // and the last record torn
      const out: string[] = [];
      const r = replayWal(dir, 1, (a) => out.push(dec.decode(a[1]!)), chunk);
      expect(out).toEqual([1, 2, 3, 4, 5, 6].map(key));
      expect(r.truncations).toEqual([expect.objectContaining({ offset: recBytes * 6, bytes: recBytes * 4 - 5 })]);
      expect(statSync(seg).size).toBe(recBytes * 6);
      cleanup?.();
      cleanup = null;
    }
  });

  it("estimates the keys a replay writes (for presizing) from segment LSNs, sizes and a sample", () => {
    const dir = writeWal(300, 4096);
    expect(segments(dir).length).toBeGreaterThan(2);
    // Every record has the same size and its own key here, so the estimate is exact.
    expect(estimateReplayKeys(dir, 1)).toBe(300);
    const from150 = estimateReplayKeys(dir, 150);
    // Whole segments after the start are exact; the one holding LSN 150 may count from its start.
    expect(from150).toBeGreaterThanOrEqual(151);
    expect(from150).toBeLessThan(300);
    expect(estimateReplayKeys(join(dir, "missing"), 1)).toBe(0);
  });

  it("estimates few keys for many updates of the same keys", () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const w = new WalWriter({ dir: t.dir, fs: nodeFs, fsync: "no", segmentBytes: 1 << 20, nextLsn: 1 });
    for (let i = 0; i < 3000; i++) w.append(argv("INCR", `counter${i % 3}`));
    w.commit(0);
    w.close(0);
    expect(estimateReplayKeys(t.dir, 1)).toBe(3);
  });
});

/** Every record's LSN, txid and arguments, read with a buffer of `chunk` bytes. */
function replayAll(dir: string, chunk: number): string[] {
  const out: string[] = [];
  const r = replayWal(dir, 1, (a, lsn, txid) => out.push(`${lsn}/${txid}/${a.map((x) => dec.decode(x)).join(" ")}`), chunk);
  expect(r.truncatedBytes).toBe(0);
  return out;
}
