import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { replayWal, WalWriter } from "../src/index.js";
import { lsnName, WAL_SUFFIX } from "../src/segment-files.js";
import { FaultyFs } from "./faulty-fs.js";
import { argv, tempDir } from "./helpers.js";

const dec = new TextDecoder();
let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
});

function setup(fsync: "always" | "everysec" | "no", segmentBytes = 1 << 20) {
  const t = tempDir();
  cleanup = t.cleanup;
  const fs = new FaultyFs();
  const w = new WalWriter({ dir: t.dir, fs, fsync, segmentBytes, nextLsn: 1 });
  return { dir: t.dir, fs, w };
}

/** Polls `cond` on the event loop (the background fdatasync returns there). */
async function until(cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 1));
  }
}

function lsnFile(lsn: number): string {
  return lsnName(lsn, WAL_SUFFIX);
}

/** Records the closes of WAL segment descriptors (the directory fsyncs open and close their own). */
function segmentCloses(fs: FaultyFs): number[] {
  const segmentFds = new Set<number>();
  const closes: number[] = [];
  const openSync = fs.openSync.bind(fs);
  const closeSync = fs.closeSync.bind(fs);
  fs.openSync = (path: string, flags: string) => {
    const fd = openSync(path, flags);
    if (path.endsWith(WAL_SUFFIX)) segmentFds.add(fd);
    return fd;
  };
  fs.closeSync = (fd: number) => {
    if (segmentFds.delete(fd)) closes.push(fd);
    closeSync(fd);
  };
  return closes;
}

function readAll(dir: string): { lsn: number; args: string[] }[] {
  const out: { lsn: number; args: string[] }[] = [];
  replayWal(dir, 1, (a, lsn) => out.push({ lsn, args: a.map((x) => dec.decode(x)) }));
  return out;
}

describe("WalWriter", () => {
  it("group commit: a batch of records is one write and, under always, one fdatasync", () => {
    const { dir, fs, w } = setup("always");
    for (let batch = 0; batch < 5; batch++) {
      for (let i = 0; i < 100; i++) w.append(argv("SET", `k${batch}-${i}`, "v"));
      expect(w.commit(0)).toBeNull();
    }
    expect(fs.writes).toBe(5);
    expect(fs.fdatasyncs).toBe(5);
    const recs = readAll(dir);
    expect(recs.length).toBe(500);
    expect(recs.map((r) => r.lsn)).toEqual(Array.from({ length: 500 }, (_, i) => i + 1));
    expect(recs[123]!.args).toEqual(["SET", "k1-23", "v"]);
  });

  it("a commit with no records touches nothing", () => {
    const { fs, w } = setup("always");
    expect(w.commit(0)).toBeNull();
    expect(fs.writes).toBe(0);
    expect(fs.opens.length).toBe(0);
  });

  it("everysec: writes without fsync, syncs from syncIfDue about once a second, in the background", async () => {
    const { fs, w } = setup("everysec");
    w.append(argv("SET", "a", "1"));
    w.commit(10_000);
    expect(fs.writes).toBe(1);
    expect(fs.fdatasyncs).toBe(0);
    w.syncIfDue(10_000); // last sync long ago (never): due now
    expect(fs.fdatasyncs).toBe(1);
    expect(w.syncing).toBe(true); // it runs in the thread pool; the caller goes on
    await until(() => !w.syncing);
    w.append(argv("SET", "a", "2"));
    w.commit(10_100);
    w.syncIfDue(10_500);
    expect(fs.fdatasyncs).toBe(1);
    w.syncIfDue(11_000);
    expect(fs.fdatasyncs).toBe(2);
    w.syncIfDue(12_500); // one still running: the next call starts the next
    expect(fs.fdatasyncs).toBe(2);
    await until(() => !w.syncing);
    w.syncIfDue(13_000); // nothing written since: no fsync
    expect(fs.fdatasyncs).toBe(2);
    expect(w.stats().fsync.count).toBe(2);
  });

  it("everysec: records written while the background fdatasync runs wait for the next one; a failed one is retried from the buffer", async () => {
    const { dir, fs, w } = setup("everysec");
    w.append(argv("SET", "a", "1"));
    w.commit(0);
    w.syncIfDue(5_000);
    w.append(argv("SET", "b", "2")); // written while the sync runs: not covered by it
    w.commit(5_001);
    await until(() => !w.syncing);
    fs.failFdatasyncs = "EIO";
    w.syncIfDue(6_100); // covers b, and fails
    await until(() => !w.syncing);
    expect((w.failed as NodeJS.ErrnoException | null)?.code).toBe("EIO");
    fs.failFdatasyncs = null;
    expect(w.retry(10_000)).toBe(true);
    w.close(10_000);
    // a was durable before the failure; b is rewritten into a fresh segment named by its LSN.
    expect(readAll(dir).map((r) => `${r.lsn}:${r.args[1]}`)).toEqual(["1:a", "2:b"]);
    expect(readdirSync(dir).sort()).toEqual([lsnFile(1), lsnFile(2)]);
  });

  it("everysec rotation syncs the old segment in the background and closes it when that returns", async () => {
    const { dir, fs, w } = setup("everysec", 4096);
    const closes = segmentCloses(fs);
    let blocking = 0;
    const fdatasyncSync = fs.fdatasyncSync.bind(fs);
    fs.fdatasyncSync = (fd: number) => {
      blocking++;
      fdatasyncSync(fd);
    };
    w.append(argv("SET", "a", "x".repeat(3000)));
    w.commit(0);
    w.append(argv("SET", "b", "y".repeat(3000)));
    w.commit(1); // does not fit: rotates, the old segment's sync goes to the thread pool
    expect(blocking).toBe(0);
    expect(w.syncing).toBe(true);
    expect(closes.length).toBe(0);
    await until(() => !w.syncing);
    expect(closes.length).toBe(1); // the old segment, once its sync returned
    expect(w.stats().fsync.count).toBe(1);
    w.close(2);
    expect(readAll(dir).map((r) => `${r.lsn}:${r.args[1]}`)).toEqual(["1:a", "2:b"]);
  });

  it("everysec rotation whose background sync fails: the writer fails, and retry rewrites the old segment's records too", async () => {
    const { dir, fs, w } = setup("everysec", 4096);
    const closes = segmentCloses(fs);
    w.append(argv("SET", "a", "x".repeat(3000)));
    w.commit(0);
    fs.failFdatasyncs = "EIO";
    w.append(argv("SET", "b", "y".repeat(3000)));
    expect(w.commit(1)).toBeNull(); // rotates; the old segment's sync runs (and fails) in the background
    await until(() => !w.syncing);
    expect((w.failed as NodeJS.ErrnoException | null)?.code).toBe("EIO");
    expect(closes.length).toBe(1); // the old segment's descriptor is closed all the same
    fs.failFdatasyncs = null;
    expect(w.retry(5_000)).toBe(true);
    w.close(5_001);
    expect(readAll(dir).map((r) => `${r.lsn}:${r.args[1]}`)).toEqual(["1:a", "2:b"]);
  });

  it("a retry after a rotated segment's failed background sync rewrites each segment in place, so none hides another's records", async () => {
    // a durable in segment 1; b written to segment 1 but not synced; c rotates into segment 3
    // while segment 1's sync fails in the background. The retry writes b into segment 2 and c
    // into a fresh segment 3, where d lands too. Had it written b, c into segment 2 alone (and
    // d after them), replay from a snapshot at LSN 3 would skip segment 2 (it looks wholly
    // covered by segment 3's name) and lose d; and an old segment 3 left by a crash would hold
    // LSN 3 twice.
    const { dir, fs, w } = setup("everysec", 4096);
    w.append(argv("SET", "a", "x".repeat(1000)));
    w.commit(0);
    w.syncIfDue(5_000);
    await until(() => !w.syncing);
    w.append(argv("SET", "b", "y".repeat(500)));
    w.commit(5_001);
    fs.failFdatasyncs = "EIO";
    w.append(argv("SET", "c", "z".repeat(3000)));
    expect(w.commit(5_002)).toBeNull(); // rotates into segment 3; segment 1's sync fails
    await until(() => !w.syncing);
    expect((w.failed as NodeJS.ErrnoException | null)?.code).toBe("EIO");
    fs.failFdatasyncs = null;
    expect(w.retry(10_000)).toBe(true);
    w.append(argv("SET", "d", "1"));
    expect(w.commit(10_001)).toBeNull();
    w.close(10_002);
    expect(readAll(dir).map((r) => `${r.lsn}:${r.args[1]}`)).toEqual(["1:a", "2:b", "3:c", "4:d"]);
    expect(readdirSync(dir).sort()).toEqual([lsnFile(1), lsnFile(2), lsnFile(3)]);
    for (const from of [2, 3, 4]) {
      const got: string[] = [];
      replayWal(dir, from, (args, lsn) => got.push(`${lsn}:${Buffer.from(args[1]!).toString()}`));
      expect(got).toEqual(["2:b", "3:c", "4:d"].slice(from - 2));
    }
  });

  it("a background fdatasync that fails after a blocking one passed still fails the writer and keeps its records", async () => {
    // Linux reports a writeback error to one fdatasync per open file: when the background sync
    // got it, the blocking sync that ran meanwhile passes although the pages may be gone.
    const { dir, fs, w } = setup("everysec");
    w.append(argv("SET", "a", "1"));
    w.commit(0);
    let failBackground = true;
    const fdatasync = fs.fdatasync.bind(fs);
    fs.fdatasync = (fd, done) => {
      if (!failBackground) return fdatasync(fd, done);
      failBackground = false;
      setTimeout(() => done(Object.assign(new Error("EIO: injected"), { code: "EIO" })), 20);
    };
    w.syncIfDue(5_000); // background, will fail
    w.setPolicy("always", 5_001); // blocking sync passes meanwhile
    w.append(argv("SET", "b", "2"));
    expect(w.commit(5_002)).toBeNull();
    await until(() => !w.syncing);
    expect((w.failed as NodeJS.ErrnoException | null)?.code).toBe("EIO");
    expect(w.retry(10_000)).toBe(true);
    w.close(10_001);
    expect(readAll(dir).map((r) => `${r.lsn}:${r.args[1]}`)).toEqual(["1:a", "2:b"]);
    // The retry rewrote a and b (a was never confirmed durable) into a fresh copy of segment 1.
    expect(readdirSync(dir).sort()).toEqual([lsnFile(1)]);
  });

  it("leaving no for everysec or always fsyncs the segments rotated under no and the directory", () => {
    const { dir, fs, w } = setup("no", 4096);
    const synced: string[] = [];
    const paths = new Map<number, string>();
    const openSync = fs.openSync.bind(fs);
    fs.openSync = (path: string, flags: string) => {
      const fd = openSync(path, flags);
      paths.set(fd, path);
      return fd;
    };
    const fsyncSync = fs.fsyncSync.bind(fs);
    fs.fsyncSync = (fd: number) => {
      synced.push(paths.get(fd)!);
      fsyncSync(fd);
    };
    const fdatasyncSync = fs.fdatasyncSync.bind(fs);
    fs.fdatasyncSync = (fd: number) => {
      synced.push(paths.get(fd)!);
      fdatasyncSync(fd);
    };
    for (const k of ["a", "b", "c"]) {
      w.append(argv("SET", k, "x".repeat(3000)));
      w.commit(0);
    }
    expect(synced).toEqual([]);
    w.setPolicy("everysec", 1);
    expect(synced.sort()).toEqual([dir, join(dir, lsnFile(1)), join(dir, lsnFile(2)), join(dir, lsnFile(3))].sort());
    synced.length = 0;
    w.setPolicy("always", 2); // nothing left to sync
    expect(synced).toEqual([]);
    w.close(3);
  });

  it("close() on a failed writer retries once more, so records acknowledged under everysec reach the disk", async () => {
    const { dir, fs, w } = setup("everysec");
    w.append(argv("SET", "a", "1"));
    w.commit(0);
    fs.failFdatasyncs = "EIO";
    w.syncIfDue(5_000);
    await until(() => !w.syncing);
    expect(w.failed).not.toBeNull();
    fs.failFdatasyncs = null;
    w.close(5_001); // well within retryIntervalMs of nothing: close does not wait for it
    expect(w.failed).toBeNull();
    expect(readAll(dir).map((r) => `${r.lsn}:${r.args[1]}`)).toEqual(["1:a"]);
  });

  it("a close that throws during rotation is never repeated on the same descriptor number", () => {
    const { fs, w } = setup("always", 4096);
    const closed: number[] = [];
    const closeSync = fs.closeSync.bind(fs);
    let failNext = false;
    fs.closeSync = (fd: number) => {
      closed.push(fd);
      closeSync(fd);
      if (failNext) {
        failNext = false;
        throw Object.assign(new Error("EIO: injected close failure"), { code: "EIO" });
      }
    };
    w.append(argv("SET", "a", "x".repeat(3000)));
    expect(w.commit(0)).toBeNull();
    const segmentFd = closed.length; // (directory fsyncs open and close their own descriptors)
    failNext = true;
    w.append(argv("SET", "b", "y".repeat(3000)));
    expect((w.commit(1) as NodeJS.ErrnoException).code).toBe("EIO"); // the rotation's close threw
    const failedFd = closed[segmentFd]!;
    closed.length = 0;
    expect(w.retry(10_000)).toBe(true);
    w.close(10_001);
    expect(closed.filter((fd) => fd === failedFd).length).toBeLessThanOrEqual(1); // at most a reused number, closed once
  });

  it("everysec starts a background sync early once the retained records pass half the limit", async () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const fs = new FaultyFs();
    const w = new WalWriter({ dir: t.dir, fs, fsync: "everysec", segmentBytes: 1 << 20, nextLsn: 1, retainBytesMax: 8192 });
    w.append(argv("SET", "a", "x".repeat(3000)));
    w.commit(0);
    expect(fs.fdatasyncs).toBe(0);
    w.append(argv("SET", "b", "y".repeat(3000)));
    w.commit(1); // ~6 KB retained, over half of 8 KiB: no need to wait for the 1 s tick
    expect(fs.fdatasyncs).toBe(1);
    expect(w.syncing).toBe(true);
    await until(() => !w.syncing);
    w.close(2);
    expect(readAll(t.dir).map((r) => r.args[1])).toEqual(["a", "b"]);
  });

  it("rotation while a background fdatasync runs syncs the old segment itself and closes it only when that returns", async () => {
    const { dir, fs, w } = setup("everysec", 4096);
    const closes = segmentCloses(fs);
    w.append(argv("SET", "a", "x".repeat(3000)));
    w.commit(0);
    w.syncIfDue(5_000);
    const syncsBefore = fs.fdatasyncs;
    w.append(argv("SET", "b", "y".repeat(3000)));
    w.commit(5_001); // does not fit: rotates while the background sync runs
    expect(fs.fdatasyncs).toBe(syncsBefore + 1); // the rotation's own, blocking fdatasync
    expect(closes.length).toBe(0); // the descriptor is still in use by the thread pool
    await until(() => !w.syncing);
    expect(closes.length).toBe(1);
    w.close(6_000);
    expect(readAll(dir).map((r) => r.args[1])).toEqual(["a", "b"]);
  });

  it("no: never fsyncs while running", () => {
    const { fs, w } = setup("no");
    for (let i = 0; i < 10; i++) {
      w.append(argv("INCR", "c"));
      w.commit(i * 2000);
      w.syncIfDue(i * 2000);
    }
    expect(fs.writes).toBe(10);
    expect(fs.fdatasyncs).toBe(0);
  });

  it("rotates segments at segmentBytes, each named by its first LSN, and keeps LSNs continuous", () => {
    const { dir, w } = setup("always", 4096);
    const value = "x".repeat(200);
    for (let i = 0; i < 100; i++) {
      w.append(argv("SET", `key${i}`, value));
      expect(w.commit(0)).toBeNull();
    }
    const names = readdirSync(dir).sort();
    expect(names.length).toBeGreaterThan(5);
    for (const n of names) {
      expect(n).toMatch(/^\d{20}\.wal$/);
      expect(statSync(join(dir, n)).size).toBeLessThanOrEqual(4096);
      // The first record of each segment carries the LSN in the name.
      const buf = readFileSync(join(dir, n));
      expect(Number(buf.readBigUInt64LE(8))).toBe(Number(n.slice(0, 20)));
    }
    expect(readAll(dir).map((r) => r.lsn)).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
  });

  it("setPolicy to always makes what everysec wrote durable at once", () => {
    const { fs, w } = setup("everysec");
    w.append(argv("SET", "a", "1"));
    w.commit(0);
    expect(fs.fdatasyncs).toBe(0);
    w.setPolicy("always", 0);
    expect(fs.fdatasyncs).toBe(1);
    w.append(argv("SET", "a", "2"));
    w.commit(0);
    expect(fs.fdatasyncs).toBe(2);
  });

  it("a failed fdatasync fails the batch, keeps the records, and retry() re-writes them into a fresh segment", () => {
    const { dir, fs, w } = setup("always");
    w.append(argv("SET", "a", "1"));
    expect(w.commit(0)).toBeNull();
    fs.failFdatasyncs = "EIO";
    w.append(argv("SET", "b", "2"));
    const err = w.commit(0);
    expect(err).not.toBeNull();
    expect((err as NodeJS.ErrnoException).code).toBe("EIO");
    expect(w.failed).toBe(err);
    // While failed, more records are refused (they stay buffered) but empty commits pass.
    w.append(argv("SET", "c", "3"));
    expect(w.commit(0)).toBe(err);
    expect(w.retry(1000)).toBe(false); // disk still broken
    fs.failFdatasyncs = null;
    expect(w.retry(1000)).toBe(false); // too soon after the last try
    expect(w.retry(2000)).toBe(true);
    expect(w.failed).toBeNull();
    w.append(argv("SET", "d", "4"));
    expect(w.commit(2000)).toBeNull();
    const recs = readAll(dir);
    expect(recs.map((r) => r.args[1])).toEqual(["a", "b", "c", "d"]);
    expect(recs.map((r) => r.lsn)).toEqual([1, 2, 3, 4]);
  });

  it("a torn write (ENOSPC after part of the batch) is repaired by retry and recovery", () => {
    // Under always, record 1 is durable in segment 1; the retry writes record 2 into segment 2
    // and leaves the torn 10 bytes at the end of segment 1 for recovery to cut off.
    const { dir, fs, w } = setup("always");
    w.append(argv("SET", "a", "1"));
    expect(w.commit(0)).toBeNull();
    fs.failWrites = "ENOSPC";
    fs.tornBytes = 10;
    w.append(argv("SET", "b", "2"));
    expect((w.commit(0) as NodeJS.ErrnoException).code).toBe("ENOSPC");
    fs.failWrites = null;
    expect(w.retry(5000)).toBe(true);
    w.close(5000);
    const r = replayWal(dir, 1, () => {});
    expect(r.records).toBe(2);
    expect(r.truncatedBytes).toBe(10);
    expect(readAll(dir).map((x) => x.args[1])).toEqual(["a", "b"]);
  });

  it("under everysec the retry rewrites everything since the last fsync over the same segment", () => {
    const { dir, fs, w } = setup("everysec");
    w.append(argv("SET", "a", "1"));
    expect(w.commit(0)).toBeNull();
    fs.failWrites = "ENOSPC";
    fs.tornBytes = 10;
    w.append(argv("SET", "b", "2"));
    expect((w.commit(0) as NodeJS.ErrnoException).code).toBe("ENOSPC");
    fs.failWrites = null;
    expect(w.retry(5000)).toBe(true);
    w.close(5000);
    const r = replayWal(dir, 1, () => {});
    expect(r.records).toBe(2);
    expect(r.truncatedBytes).toBe(0);
    expect(readdirSync(dir).length).toBe(1);
  });
});
