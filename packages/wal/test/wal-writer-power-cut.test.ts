/**
 * Directed power-cut cases (found by the crash model in wal-writer-model.test.ts): each test makes a power cut (ModelFs keeps only what was fsynced: file data
 * by fdatasync/fsync, names by a directory fsync) right after a record was acknowledged under
 * `always`, and replays what is left.
 */
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { replayWal, WalWriter, type FsyncPolicy } from "../src/index.js";
import { CrashModelFs as ModelFs } from "./crash-model-fs.js";
import { argv } from "./helpers.js";

const dec = new TextDecoder();
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), "wal-power-cut-"));
  dirs.push(d);
  return d;
}

function setup(fsync: FsyncPolicy) {
  const dir = tmp();
  const fs = new ModelFs(dir, Math.random);
  const w = new WalWriter({ dir, fs, fsync, segmentBytes: 4096, nextLsn: 1 });
  return { dir, fs, w };
}

/** Replays what a power cut right now leaves (only fsynced data and names). */
function afterPowerCut(fs: ModelFs, keepCachedTail?: (name: string) => boolean): string[] {
  const img = tmp();
  fs.crashImage(img, true, keepCachedTail);
  const out: string[] = [];
  try {
    replayWal(img, 1, (a, lsn) => out.push(`${lsn}:${dec.decode(a[1])}`));
  } catch (e) {
    out.push(`replay threw: ${(e as Error).message.slice(0, 60)}`);
  }
  return out;
}

describe("WalWriter power cuts after leaving `no`", () => {
  it("the first segment opened under `no` gets its name fsynced when the policy tightens", () => {
    const { fs, w } = setup("no");
    w.append(argv("SET", "a", "1"));
    expect(w.commit(0)).toBeNull();
    w.setPolicy("always", 1);
    w.append(argv("SET", "b", "2"));
    expect(w.commit(2)).toBeNull(); // acknowledged as durable under always
    expect(afterPowerCut(fs)).toEqual(["1:a", "2:b"]); // (before: [], segment 1's name was never fsynced)
  });

  it("a clean close under `no` leaves its only segment on disk, name included", () => {
    const { fs, w } = setup("no");
    w.append(argv("SET", "a", "1"));
    expect(w.commit(0)).toBeNull();
    w.close(1); // "A clean shutdown leaves every segment on disk, whatever the policy"
    expect(afterPowerCut(fs)).toEqual(["1:a"]);
  });

  it("a segment a retry under `no` closed unsynced is synced when the policy tightens", () => {
    const { fs, w } = setup("no");
    w.append(argv("SET", "a", "1"));
    expect(w.commit(0)).toBeNull(); // segment 1, never rotated
    fs.fail.write = true;
    w.append(argv("SET", "b", "2"));
    expect(w.commit(1)).not.toBeNull(); // disk full
    expect(w.retry(10_000)).toBe(true); // still `no`: segment 2 holds b; segment 1 closed unsynced, not remembered
    w.setPolicy("always", 10_001); // syncs segment 2 only; unsyncedFromLsn is 0, so nothing else
    // (even granting both names reached the disk, segment 1's data never did:)
    w.append(argv("SET", "c", "3"));
    expect(w.commit(10_002)).toBeNull(); // acknowledged as durable
    expect(afterPowerCut(fs)).toEqual(["1:a", "2:b", "3:c"]); // (before: segment 1 missing or empty, a gap)
  });

  it("setPolicy away from `no` while failed keeps the duty to sync what `no` left, done by the retry", () => {
    const { fs, w } = setup("no");
    w.append(argv("SET", "a", "x".repeat(3000)));
    expect(w.commit(0)).toBeNull();
    w.append(argv("SET", "b", "y".repeat(3000)));
    expect(w.commit(1)).toBeNull(); // rotated: segment 1 unsynced
    fs.fail.write = true;
    w.append(argv("SET", "c", "3"));
    expect(w.commit(2)).not.toBeNull();
    w.setPolicy("always", 3); // failed: nothing synced, but the policy changes
    expect(w.retry(10_000)).toBe(true);
    w.append(argv("SET", "d", "4"));
    expect(w.commit(10_001)).toBeNull();
    w.close(10_002);
    expect(afterPowerCut(fs)).toEqual(["1:a", "2:b", "3:c", "4:d"]); // segments 1 and 2 were never fsynced
  });
});

/**
 * a durable in segment 1; b written to segment 1 but not synced; c rotates into segment 3 while
 * segment 1's background sync fails (its dirty pages dropped unless `poison` is off).
 */
async function failedAfterRotation(poison: boolean) {
  const { dir, fs, w } = setup("everysec");
  w.append(argv("SET", "a", "x".repeat(1000)));
  w.commit(0);
  w.syncIfDue(5_000);
  fs.completeOne();
  w.append(argv("SET", "b", "y".repeat(500)));
  w.commit(5_001);
  fs.poisonOnFailure = poison;
  fs.fail.bgfdatasync = true;
  w.append(argv("SET", "c", "z".repeat(3000)));
  expect(w.commit(5_002)).toBeNull(); // rotates into segment 3; segment 1's sync will fail
  fs.completeOne();
  expect(w.failed).not.toBeNull();
  return { dir, fs, w };
}

/** Replays a copy of `img` from `fromLsn`; returns "lsn:value" per record and the next LSN. */
function replayCopy(img: string, fromLsn: number): { got: string[]; nextLsn: number } {
  const copy = tmp();
  cpSync(img, copy, { recursive: true });
  const got: string[] = [];
  const r = replayWal(copy, fromLsn, (a, lsn) => got.push(`${lsn}:${dec.decode(a[1])}`));
  return { got, nextLsn: r.nextLsn };
}

describe("WalWriter power cuts inside a retry", () => {
  it("a rename failing in a retry leaves each segment whole, and the next retry finishes the job", async () => {
    const { fs, w } = await failedAfterRotation(false); // a transient EIO: segment 1's pages do reach the disk later
    fs.fail.rename = true;
    expect(w.retry(10_000)).toBe(false);
    expect(w.retry(20_000)).toBe(true);
    w.setPolicy("always", 20_001);
    w.append(argv("SET", "d", "4"));
    expect(w.commit(20_002)).toBeNull(); // acknowledged as durable
    expect(afterPowerCut(fs, (n) => n.startsWith("00000000000000000001"))).toEqual(["1:a", "2:b", "3:c", "4:d"]);
  });

  it("a power cut at any step of a retry, recovered from any snapshot, never brings back an old record for a reused LSN", async () => {
    // Before: the retry wrote b, c into segment 2 and only then deleted segment 3 (c). A cut in
    // between, recovered from a snapshot at LSN 3, read c from segment 3 (segment 2 looks wholly
    // covered by its name), or lost it there when torn; the server then gave LSN 3 to a new
    // record, and a later recovery from an older snapshot read the old c from segment 2 and
    // skipped the new record as a duplicate.
    const { fs, w } = await failedAfterRotation(true);
    const images: string[] = [];
    let steps = 0;
    fs.onOp = () => {
      steps++;
      for (const [pessimistic, keepTails] of [[true, false], [true, true], [false, false], [false, false], [false, true]] as const) {
        const img = tmp();
        fs.crashImage(img, pessimistic, keepTails ? () => true : undefined);
        images.push(img);
      }
    };
    expect(w.retry(10_000)).toBe(true);
    fs.onOp = null;
    expect(steps).toBeGreaterThan(5);
    const original = ["1:a", "2:b", "3:c"];
    for (const img of images) {
      for (let from = 1; from <= 4; from++) {
        const first = replayCopy(img, from);
        expect(first.got.every((g) => original.includes(g))).toBe(true);
        // Restart there: the records from first.nextLsn on are new ones (key n), then a recovery
        // from any start must show each LSN's latest value.
        const dir = tmp();
        cpSync(img, dir, { recursive: true });
        replayWal(dir, from, () => {});
        const mfs = new ModelFs(dir, Math.random);
        mfs.adoptExisting();
        const w2 = new WalWriter({ dir, fs: mfs, fsync: "always", segmentBytes: 4096, nextLsn: first.nextLsn });
        for (let l = first.nextLsn; l <= 4; l++) w2.append(argv("SET", "n", `${l}`));
        expect(w2.commit(0)).toBeNull();
        w2.close(1);
        const after = tmp();
        mfs.crashImage(after, true); // (the model keeps file contents; this writes them out)
        for (let again = 1; again <= 5; again++) {
          const second = replayCopy(after, again);
          for (const g of second.got) {
            const lsn = Number(g.split(":")[0]);
            expect(g).toBe(lsn >= first.nextLsn ? `${lsn}:n` : original[lsn - 1]);
          }
          if (again >= from) expect(second.nextLsn).toBe(5);
        }
      }
    }
  });
});
