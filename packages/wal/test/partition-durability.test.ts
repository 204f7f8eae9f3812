import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, statSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { nodeFs, PartitionDurability, snapshotDir, walDir, WalWriter, type DurabilityConfig } from "../src/index.js";
import { FakeEngine } from "./fake-engine.js";
import { FaultyFs } from "./faulty-fs.js";
import { argv, run, tempDir } from "./helpers.js";

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.reverse()) c();
  cleanups = [];
});

function dataDir(): string {
  const t = tempDir();
  cleanups.push(t.cleanup);
  return t.dir;
}

function cfg(dir: string, extra: Partial<DurabilityConfig> = {}): DurabilityConfig {
  return { dir, partitionId: 0, partitions: 1, fsync: "always", snapshotEveryMs: 0, snapshotWalBytes: 0, ...extra };
}

/** Open + recover, the way the worker does. */
function start(dir: string, extra: Partial<DurabilityConfig> = {}, fs?: FaultyFs) {
  const d = PartitionDurability.open(cfg(dir, extra), fs === undefined ? {} : { fs });
  const engine = new FakeEngine(d.writeLog);
  const recovered = d.recover(engine);
  return { d, engine, recovered };
}

/** Execute one command as a batch: execute, commit, tick. Returns the commit error. */
function batch(d: PartitionDurability, engine: FakeEngine, ...parts: string[]): Error | null {
  run(engine, ...parts);
  const err = d.commitBatch();
  d.tick(engine, Date.now());
  return err;
}

/** Tick until the snapshot in progress completes. */
function snapshotNow(d: PartitionDurability, engine: FakeEngine): void {
  d.requestSnapshot();
  for (let i = 0; i < 100_000 && d.wantsTick; i++) d.tick(engine, Date.now());
  expect(d.wantsTick).toBe(false);
  expect(d.stats().lastSnapshotError).toBeNull();
}

function snapFiles(dir: string): string[] {
  return readdirSync(snapshotDir(dir, 0))
    .filter((n) => n.endsWith(".snap"))
    .sort()
    .map((n) => join(snapshotDir(dir, 0), n));
}

describe("PartitionDurability", () => {
  it("recovers every committed write after a restart (WAL only)", () => {
    const dir = dataDir();
    const a = start(dir);
    expect(a.recovered.keys).toBe(0);
    for (let i = 0; i < 100; i++) expect(batch(a.d, a.engine, "SET", `k${i}`, `v${i}`)).toBeNull();
    batch(a.d, a.engine, "INCR", "n");
    batch(a.d, a.engine, "INCR", "n");
    batch(a.d, a.engine, "DEL", "k5");
    // No close(): a crash. Under always every committed batch is on disk.
    const b = start(dir);
    expect(b.recovered.keys).toBe(100);
    expect(b.engine.get("k7")).toBe("v7");
    expect(b.engine.get("k5")).toBeUndefined();
    expect(b.engine.get("n")).toBe("2");
    expect(b.recovered.lsn).toBe(104n);
    expect(b.recovered.truncatedBytes).toBe(0);
    // Replay did not log the replayed records a second time.
    expect(b.d.stats().wal.bytesWritten).toBe(0);
    batch(b.d, b.engine, "INCR", "n");
    const c = start(dir);
    expect(c.engine.get("n")).toBe("3");
  });

  it("replay skips records naming unknown commands, counts them, and applies the rest in order", () => {
    const dir = dataDir();
    // Records as a newer build might have written them: unknown names between known ones, the
    // same name in other cases, names longer than any command.
    mkdirSync(walDir(dir, 0), { recursive: true });
    const w = new WalWriter({ dir: walDir(dir, 0), fs: nodeFs, fsync: "no", segmentBytes: 1 << 20, nextLsn: 1 });
    const records = [
      ["SET", "a", "1"],
      ["BOGUS", "a", "2"],
      ["BOGUS", "a", "3"],
      ["set", "b", "2"],
      ["INCR", "n"],
      ["incr", "n"],
      ["AVERYLONGCOMMANDNAMEINDEED", "n"],
      ["INCR", "n"],
      ["SET", "a", "4"],
    ];
    for (const r of records) w.append(argv(...r));
    expect(w.commit(0)).toBeNull();
    w.close(0);
    const b = start(dir);
    expect(b.recovered.unknownCommands).toBe(3);
    expect(b.recovered.lsn).toBe(BigInt(records.length + 1));
    expect(b.engine.get("a")).toBe("4");
    expect(b.engine.get("b")).toBe("2");
    expect(b.engine.get("n")).toBe("3");
  });

  it("snapshots in slices, recovers from snapshot + WAL, and compaction deletes covered segments", () => {
    const dir = dataDir();
    const a = start(dir, { segmentBytes: 4096, snapshotSliceItems: 7, snapshotSliceMs: 0 });
    for (let i = 0; i < 300; i++) batch(a.d, a.engine, "SET", `k${i}`, `value-${i}`);
    const segsBefore = readdirSync(walDir(dir, 0)).length;
    expect(segsBefore).toBeGreaterThan(3);
    snapshotNow(a.d, a.engine);
    for (let i = 0; i < 10; i++) batch(a.d, a.engine, "SET", `after${i}`, "x");
    snapshotNow(a.d, a.engine);
    expect(a.d.stats().snapshotsTaken).toBe(2);
    expect(snapFiles(dir).length).toBe(2);
    // Segments wholly below the older kept snapshot are gone.
    expect(readdirSync(walDir(dir, 0)).length).toBeLessThan(segsBefore);
    batch(a.d, a.engine, "SET", "last", "1");
    const b = start(dir);
    expect(b.recovered.snapshot?.items).toBe(310);
    expect(b.recovered.keys).toBe(311);
    expect(b.engine.get("k123")).toBe("value-123");
    expect(b.engine.get("last")).toBe("1");
    // A third snapshot: only the newest two are kept.
    snapshotNow(b.d, b.engine);
    expect(snapFiles(dir).length).toBe(2);
  });

  it("a snapshot is a point-in-time image: writes during the slices go to the WAL, not the file", () => {
    const dir = dataDir();
    const a = start(dir, { snapshotSliceItems: 10, snapshotSliceMs: 0 });
    for (let i = 0; i < 100; i++) batch(a.d, a.engine, "SET", `k${i}`, "old");
    a.d.requestSnapshot();
    a.d.tick(a.engine, Date.now()); // first slice
    expect(a.d.wantsTick).toBe(true);
    batch(a.d, a.engine, "SET", "k99", "new"); // also runs a slice
    while (a.d.wantsTick) a.d.tick(a.engine, Date.now());
    const b = start(dir);
    expect(b.recovered.snapshot?.items).toBe(100);
    expect(b.recovered.wal.records).toBe(1);
    expect(b.engine.get("k99")).toBe("new");
  });

  it("a corrupt newest snapshot falls back to the previous one plus the WAL, and says so", () => {
    const dir = dataDir();
    const a = start(dir);
    for (let i = 0; i < 50; i++) batch(a.d, a.engine, "SET", `k${i}`, `v${i}`);
    snapshotNow(a.d, a.engine);
    for (let i = 50; i < 80; i++) batch(a.d, a.engine, "SET", `k${i}`, `v${i}`);
    snapshotNow(a.d, a.engine);
    batch(a.d, a.engine, "SET", "tail", "t");
    const [older, newest] = snapFiles(dir);
    const buf = readFileSync(newest!);
    buf[200]! ^= 0x01; // one bit in the records
    writeFileSync(newest!, buf);
    const b = start(dir);
    expect(b.recovered.corruptSnapshots.map((c) => c.path)).toEqual([newest]);
    expect(b.recovered.corruptSnapshots[0]!.reason).toMatch(/CRC32C/);
    expect(b.recovered.snapshot?.path).toBe(older);
    expect(b.recovered.keys).toBe(81);
    expect(b.engine.get("k79")).toBe("v79");
    expect(b.engine.get("tail")).toBe("t");
    expect(existsSync(`${newest}.corrupt`)).toBe(true);
  });

  it("a truncated snapshot is rejected (no footer) and recovery uses the WAL", () => {
    const dir = dataDir();
    const a = start(dir);
    for (let i = 0; i < 20; i++) batch(a.d, a.engine, "SET", `k${i}`, `v${i}`);
    snapshotNow(a.d, a.engine);
    const [snap] = snapFiles(dir);
    truncateSync(snap!, statSync(snap!).size - 5);
    const b = start(dir);
    expect(b.recovered.corruptSnapshots.length).toBe(1);
    expect(b.recovered.snapshot).toBeNull();
    expect(b.recovered.keys).toBe(20);
  });

  it("with a single snapshot the WAL before it stays, so a corrupt first snapshot still recovers everything", () => {
    const dir = dataDir();
    const a = start(dir, { segmentBytes: 4096 });
    for (let i = 0; i < 300; i++) batch(a.d, a.engine, "SET", `k${i}`, `value-${i}`);
    const segsBefore = readdirSync(walDir(dir, 0)).length;
    expect(segsBefore).toBeGreaterThan(3);
    snapshotNow(a.d, a.engine);
    expect(readdirSync(walDir(dir, 0)).length).toBe(segsBefore); // nothing to fall back to but the WAL
    batch(a.d, a.engine, "SET", "tail", "t");
    const [snap] = snapFiles(dir);
    const buf = readFileSync(snap!);
    buf[200]! ^= 0x01;
    writeFileSync(snap!, buf);
    const b = start(dir);
    expect(b.recovered.corruptSnapshots.length).toBe(1);
    expect(b.recovered.snapshot).toBeNull();
    expect(b.recovered.keys).toBe(301);
    expect(b.engine.get("k0")).toBe("value-0");
  });

  it("a torn WAL tail after a crash is truncated and reported; recovery succeeds", () => {
    const dir = dataDir();
    const a = start(dir);
    for (let i = 0; i < 20; i++) batch(a.d, a.engine, "SET", `k${i}`, `v${i}`);
    const seg = join(walDir(dir, 0), readdirSync(walDir(dir, 0))[0]!);
    writeFileSync(seg, Buffer.concat([readFileSync(seg), Buffer.from([40, 0, 0, 0, 1, 2, 3])]));
    const b = start(dir);
    expect(b.recovered.keys).toBe(20);
    expect(b.recovered.truncatedBytes).toBe(7);
  });

  it("expiry survives restarts as absolute times; keys that expired while down are gone", () => {
    const dir = dataDir();
    const a = start(dir);
    const now = Date.now();
    batch(a.d, a.engine, "SET", "soon", "x", "PXAT", String(now + 150));
    batch(a.d, a.engine, "SET", "later", "y", "PXAT", String(now + 3_600_000));
    batch(a.d, a.engine, "SET", "snapsoon", "z");
    batch(a.d, a.engine, "PEXPIREAT", "snapsoon", String(now + 150));
    snapshotNow(a.d, a.engine);
    batch(a.d, a.engine, "SET", "walsoon", "w", "PXAT", String(now + 150));
    const b = start(dir);
    expect(b.engine.get("soon")).toBe("x");
    expect(b.engine.map.get("later")!.expiresAtMs).toBe(now + 3_600_000);
    const until = Date.now() + 200;
    while (Date.now() < until) {
      // wait for the short expiries to pass (no timers needed: a busy wait of 200 ms)
    }
    const c = start(dir);
    expect(c.engine.get("soon")).toBeUndefined();
    expect(c.engine.get("snapsoon")).toBeUndefined();
    expect(c.engine.get("walsoon")).toBeUndefined();
    expect(c.engine.get("later")).toBe("y");
    expect(c.recovered.snapshot!.expired).toBe(2);
  });

  it("a failed sync when leaving appendfsync no refuses writes until a snapshot covers what it may have lost", () => {
    const dir = dataDir();
    const fs = new FaultyFs();
    const a = start(dir, { fsync: "no" }, fs);
    for (let i = 0; i < 20; i++) expect(batch(a.d, a.engine, "SET", `k${i}`, `v${i}`)).toBeNull();
    fs.failFdatasyncs = "EIO";
    a.d.setFsync("always"); // the sync of what `no` wrote fails: those records left the buffer long ago
    expect(a.d.failed).not.toBeNull();
    fs.failFdatasyncs = null;
    // The disk is back, but a retry alone cannot bring the records back: writes stay refused...
    run(a.engine, "SET", "during", "x");
    expect(a.d.commitBatch()).not.toBeNull();
    // ...until tick() has written a snapshot of the memory, which holds them.
    for (let i = 0; i < 1000 && a.d.failed !== null; i++) a.d.tick(a.engine, Date.now());
    expect(a.d.failed).toBeNull();
    expect(a.d.stats().snapshotsTaken).toBe(1);
    expect(batch(a.d, a.engine, "SET", "after", "y")).toBeNull();
    const b = start(dir);
    expect(b.recovered.snapshot).not.toBeNull();
    expect(b.engine.get("k19")).toBe("v19");
    expect(b.engine.get("during")).toBe("x"); // executed before the refusal; in the snapshot
    expect(b.engine.get("after")).toBe("y");
  });

  it("snapshots on the WAL-growth schedule", () => {
    const dir = dataDir();
    const a = start(dir, { snapshotWalBytes: 2000 });
    for (let i = 0; i < 100 && a.d.stats().snapshotsTaken === 0; i++) batch(a.d, a.engine, "SET", `k${i}`, "v".repeat(50));
    expect(a.d.stats().snapshotsTaken).toBe(1);
  });

  it("disk fault through the fs seam: failed batch returns the error, nothing acknowledged is lost, tick() heals", () => {
    const dir = dataDir();
    const fs = new FaultyFs();
    const a = start(dir, {}, fs);
    expect(batch(a.d, a.engine, "SET", "acked", "1")).toBeNull();
    fs.failFdatasyncs = "EIO";
    const err = batch(a.d, a.engine, "SET", "during", "2");
    expect((err as NodeJS.ErrnoException).code).toBe("EIO");
    expect(a.d.failed).not.toBeNull(); // (tick() already retried once: still failing)
    // The worker refuses writes while failed; a read-only batch commits fine.
    run(a.engine, "GET", "acked");
    expect(a.d.commitBatch()).toBeNull();
    // A snapshot asked for meanwhile waits for the disk: no back-to-back ticks that could only spin.
    const taken = a.d.stats().snapshotsTaken;
    a.d.requestSnapshot();
    expect(a.d.wantsTick).toBe(false);
    fs.failFdatasyncs = null;
    a.d.tick(a.engine, Date.now() + 10_000);
    expect(a.d.failed).toBeNull();
    // The requested snapshot went ahead with the healing tick.
    expect(a.d.snapshotInProgress || a.d.stats().snapshotsTaken > taken).toBe(true);
    expect(batch(a.d, a.engine, "SET", "after", "3")).toBeNull();
    const b = start(dir);
    expect(b.engine.get("acked")).toBe("1");
    expect(b.engine.get("after")).toBe("3");
    expect(b.engine.get("during")).toBe("2"); // re-written by the retry
  });

  it("setFsync switches the policy at runtime", () => {
    const dir = dataDir();
    const fs = new FaultyFs();
    const a = start(dir, { fsync: "no" }, fs);
    batch(a.d, a.engine, "SET", "a", "1");
    expect(fs.fdatasyncs).toBe(0);
    a.d.setFsync("always");
    expect(fs.fdatasyncs).toBe(1); // what 'no' wrote is made durable at the switch
    batch(a.d, a.engine, "SET", "a", "2");
    expect(fs.fdatasyncs).toBe(2);
    expect(a.d.stats().fsyncPolicy).toBe("always");
  });

  const canMount = process.platform === "linux" && process.getuid?.() === 0 && canMountTmpfs();
  it.skipIf(!canMount)("real full disk (1 MiB tmpfs): ENOSPC fails the batch, reads go on, freeing space heals", () => {
    const mnt = dataDir();
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mnt]);
    cleanups.push(() => execFileSync("umount", [mnt]));
    const dir = join(mnt, "data");
    const a = start(dir);
    cleanups.push(() => a.d.close());
    const value = "v".repeat(8000);
    let err: Error | null = null;
    let acked = 0;
    for (let i = 0; i < 1000 && err === null; i++) {
      err = batch(a.d, a.engine, "SET", `k${i}`, value);
      if (err === null) acked++;
    }
    expect((err as NodeJS.ErrnoException).code).toBe("ENOSPC");
    expect(a.d.failed).not.toBeNull();
    expect(acked).toBeGreaterThan(10);
    a.d.tick(a.engine, Date.now() + 1000);
    expect(a.d.failed).not.toBeNull(); // still full
    // Free space: remove a filler file we could not have... use the WAL's own space instead:
    // raise the tmpfs size, as an operator growing the volume would.
    execFileSync("mount", ["-o", "remount,size=4m", mnt]);
    a.d.tick(a.engine, Date.now() + 2000);
    expect(a.d.failed).toBeNull();
    expect(batch(a.d, a.engine, "SET", "after", "ok")).toBeNull();
    a.d.close();
    const b = start(dir);
    for (let i = 0; i < acked; i++) expect(b.engine.get(`k${i}`)).toBe(value);
    expect(b.engine.get("after")).toBe("ok");
    b.d.close();
  });
});

function canMountTmpfs(): boolean {
  const probe = join(tempDir().dir, "probe");
  try {
    mkdirSync(probe);
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", probe], { stdio: "ignore" });
    execFileSync("umount", [probe], { stdio: "ignore" });
    rmdirSync(probe);
    return true;
  } catch {
    return false;
  }
}

describe("snapshotBeforeClose (graceful shutdown)", () => {
  const snaps = (dir: string) => readdirSync(snapshotDir(dir, 0)).filter((n) => n.endsWith(".snap"));

  it("skips when the WAL since the last snapshot is under the threshold, or nothing was written", () => {
    const dir = dataDir();
    const { d, engine } = start(dir);
    expect(d.snapshotBeforeClose(engine, 1000, 1 << 20)).toBe("skipped"); // nothing written
    batch(d, engine, "SET", "k", "v");
    expect(d.snapshotBeforeClose(engine, 1000, 1 << 20)).toBe("skipped"); // a few bytes only
    d.close();
    expect(snaps(dir)).toHaveLength(0);
  });

  it("writes a snapshot the next start loads, then skips until more is written", () => {
    const dir = dataDir();
    let s = start(dir);
    for (let i = 0; i < 200; i++) batch(s.d, s.engine, "SET", `key:${i}`, "x".repeat(100));
    expect(s.d.snapshotBeforeClose(s.engine, 5000, 1024)).toBe("written");
    expect(s.d.snapshotBeforeClose(s.engine, 5000, 1024)).toBe("skipped");
    s.d.close();
    expect(snaps(dir)).toHaveLength(1);
    s = start(dir);
    expect(s.recovered.snapshot?.items).toBe(200);
    expect(s.recovered.keys).toBe(200);
    s.d.close();
  });

  it("abandons the snapshot when out of time; the WAL still has everything", () => {
    const dir = dataDir();
    let s = start(dir, { snapshotSliceItems: 1, snapshotSliceMs: 0 });
    for (let i = 0; i < 200; i++) batch(s.d, s.engine, "SET", `key:${i}`, "x".repeat(100));
    expect(s.d.snapshotBeforeClose(s.engine, 0, 1024)).toBe("out of time");
    s.d.close();
    expect(snaps(dir)).toHaveLength(0);
    expect(readdirSync(snapshotDir(dir, 0)).filter((n) => n.endsWith(".tmp"))).toHaveLength(0);
    s = start(dir);
    expect(s.recovered.keys).toBe(200);
    s.d.close();
  });
});

describe("transactions in the WAL (MULTI/EXEC)", () => {
  /** One EXEC as the worker runs it: begin, the commands, end, then the batch's commit. */
  function transaction(d: PartitionDurability, engine: FakeEngine, ...commands: string[][]): Error | null {
    d.beginTransaction();
    for (const c of commands) run(engine, ...c);
    d.endTransaction();
    return d.commitBatch();
  }

  function walFile(dir: string): string {
    const names = readdirSync(walDir(dir, 0)).filter((n) => n.endsWith(".wal")).sort();
    return join(walDir(dir, 0), names[names.length - 1]!);
  }

  /** The commit record: 24-byte header, argc, then "EXEC" with its length. */
  const COMMIT_RECORD_BYTES = 24 + 4 + 4 + 4;

  it("recovers a committed transaction whole", () => {
    const dir = dataDir();
    const a = start(dir);
    expect(transaction(a.d, a.engine, ["SET", "a", "1"], ["SET", "b", "2"], ["INCR", "a"])).toBeNull();
    const b = start(dir);
    expect([b.engine.get("a"), b.engine.get("b")]).toEqual(["2", "2"]);
    expect(b.recovered.incompleteTransactions).toBe(0);
  });

  it("skips a transaction whose commit record is missing (a torn batch), and keeps what came before", () => {
    const dir = dataDir();
    const a = start(dir);
    expect(batch(a.d, a.engine, "SET", "before", "yes")).toBeNull();
    expect(transaction(a.d, a.engine, ["SET", "x", "1"], ["SET", "y", "1"])).toBeNull();
    // The crash cut the file right before the commit record: both SETs are on disk, whole.
    const file = walFile(dir);
    truncateSync(file, statSync(file).size - COMMIT_RECORD_BYTES);
    const b = start(dir);
    expect(b.recovered.incompleteTransactions).toBe(1);
    expect(b.recovered.truncatedBytes).toBe(0);
    expect(b.engine.get("before")).toBe("yes");
    expect(b.engine.get("x")).toBeUndefined();
    expect(b.engine.get("y")).toBeUndefined();
    // Writes after the restart land after the orphaned records; the next recovery still skips them.
    expect(batch(b.d, b.engine, "SET", "after", "yes")).toBeNull();
    const c = start(dir);
    expect(c.recovered.incompleteTransactions).toBe(1);
    expect(c.engine.get("after")).toBe("yes");
    expect(c.engine.get("x")).toBeUndefined();
  });

  it("a transaction without writes logs nothing", () => {
    const dir = dataDir();
    const a = start(dir);
    const before = a.d.stats().wal.bytesWritten;
    expect(transaction(a.d, a.engine, ["GET", "a"])).toBeNull();
    expect(a.d.stats().wal.bytesWritten).toBe(before);
  });

  it("refuses to nest or to end a transaction that was not begun", () => {
    const dir = dataDir();
    const a = start(dir);
    expect(() => a.d.endTransaction()).toThrow(/without beginTransaction/);
    a.d.beginTransaction();
    expect(() => a.d.beginTransaction()).toThrow(/already open/);
    a.d.endTransaction();
  });
});

describe("transactions in the WAL: a power cut at any byte", () => {
  it("recovers every transaction whole or not at all, wherever the WAL is cut", () => {
    // 40 transactions of INCR a, INCR b, batched 1-3 per commit (as a worker batches EXECs),
    // with a plain SET between some of them.
    const dir = dataDir();
    const a = start(dir);
    let done = 0;
    while (done < 40) {
      const inBatch = 1 + (done % 3);
      for (let t = 0; t < inBatch; t++) {
        a.d.beginTransaction();
        run(a.engine, "INCR", "a");
        run(a.engine, "INCR", "b");
        a.d.endTransaction();
        done++;
      }
      if (done % 5 === 0) run(a.engine, "SET", "plain", String(done));
      expect(a.d.commitBatch()).toBeNull();
    }
    const file = walFile(dir);
    const full = readFileSync(file);
    const seen = new Set<string>();
    // Every cut from the end back to the start of the file, in steps that land inside records too.
    for (let cut = full.length; cut >= 0; cut -= 7) {
      writeFileSync(file, full.subarray(0, cut));
      const b = start(dir);
      const x = b.engine.get("a");
      const y = b.engine.get("b");
      // Both counters moved together: no transaction was half applied.
      expect(x, `cut at ${cut}`).toBe(y);
      seen.add(x ?? "none");
      b.d.close();
      // Recovery truncated a torn tail; put the whole file back for the next cut.
      writeFileSync(file, full);
    }
    // The cuts covered every number of complete transactions, from none to all 40.
    expect(seen.has("none")).toBe(true);
    expect(seen.has("40")).toBe(true);
    expect(seen.size).toBeGreaterThan(30);
    expect(snapFiles(dir)).toEqual([]); // every recovery above read the WAL, not a snapshot
  });

  function walFile(dir: string): string {
    const names = readdirSync(walDir(dir, 0)).filter((n) => n.endsWith(".wal")).sort();
    return join(walDir(dir, 0), names[names.length - 1]!);
  }
});
