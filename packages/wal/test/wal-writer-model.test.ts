/**
 * WalWriter against a crash model: random streams of append, commit, background sync returns,
 * policy changes, retries, injected disk failures (with Linux's dropped-pages semantics or
 * transient), crashes (also in the middle of a writer call) and restarts from what a power cut
 * leaves. After every step: the writer's buffer offsets are consistent, and a replay of the
 * power-cut image returns every record the writer claimed durable, with its content.
 *
 * CI runs 3% of the seeds (about 25 s); WAL_MODEL_SCALE=1 runs the full set (~10 min, most
 * of it in the kernel creating crash images).
 */
import { mkdtempSync, rmSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "vitest";
import { replayWal, WalWriter, type FsyncPolicy } from "../src/index.js";
import { checkRecord, recordLsn, recordPayloadBytes, RECORD_HEADER_BYTES, decodeRecordArgv } from "../src/record-codec.js";
import { CrashModelFs as ModelFs } from "./crash-model-fs.js";

const dec = new TextDecoder();
const enc = new TextEncoder();

function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

const POLICIES: FsyncPolicy[] = ["always", "everysec", "no"];

/** The writer's private state, read by the consistency check. */
interface WriterInternals {
  buf: Buffer;
  end: number;
  writtenEnd: number;
  bufFirstLsn: number;
  unwrittenFirstLsn: number;
  lsn: number;
  retries: number;
  background: { coveredBytes: number; coveredNextLsn: number } | null;
}

function internals(w: WalWriter): WriterInternals {
  return w as unknown as WriterInternals;
}

function checkInternal(w: WriterInternals, contents: Map<number, string>, log: string[]): void {
  const buf: Buffer = w.buf;
  const end: number = w.end;
  let off = 0;
  let lsn: number = w.bufFirstLsn;
  let sawWritten = false;
  let sawCovered = w.background === null || w.background.coveredBytes === 0;
  for (;;) {
    if (off === w.writtenEnd) {
      sawWritten = true;
      if (w.unwrittenFirstLsn !== lsn) throw new Error(`unwrittenFirstLsn ${w.unwrittenFirstLsn} but record at writtenEnd is ${lsn}\n${log.slice(-30).join("\n")}`);
    }
    if (w.background !== null && off === w.background.coveredBytes) {
      sawCovered = true;
      if (w.background.coveredNextLsn !== lsn) throw new Error(`coveredNextLsn ${w.background.coveredNextLsn} vs ${lsn}\n${log.slice(-30).join("\n")}`);
    }
    if (off === end) break;
    if (checkRecord(buf, off, end) !== "ok") throw new Error(`bad record in buffer at ${off}\n${log.slice(-30).join("\n")}`);
    const l = recordLsn(buf, off);
    if (l !== lsn) throw new Error(`buffer LSN ${l}, expected ${lsn}\n${log.slice(-30).join("\n")}`);
    const a = decodeRecordArgv(buf, off).map((x) => dec.decode(x)).join(" ");
    if (a !== contents.get(l)) throw new Error(`buffer content for ${l}`);
    lsn++;
    off += RECORD_HEADER_BYTES + recordPayloadBytes(buf, off);
  }
  if (!sawWritten) throw new Error(`writtenEnd ${w.writtenEnd} not a record boundary (end ${end})\n${log.slice(-30).join("\n")}`);
  if (!sawCovered) throw new Error(`coveredBytes ${w.background!.coveredBytes} not a boundary`);
  if (lsn !== w.lsn) throw new Error(`buffer ends at ${lsn}, lsn ${w.lsn}\n${log.slice(-30).join("\n")}`);
}

/**
 * Replays a power-cut image from `fromLsn` (1, or a snapshot's LSN: the state below it came from
 * the snapshot) and checks that every record comes back with its content and, from a start at
 * or past the oldest state there is (`checkLoss`), that every claimed record comes back. A start
 * below it is a fallback to an older snapshot: records may then be missing, never wrong.
 */
function crashCheck(mfs: ModelFs, contents: Map<number, string>, claimed: number, pessimistic: boolean, log: string[], seed: number, fromLsn = 1, checkLoss = true): void {
  const img = mkdtempSync(join(tmpdir(), "wal-crash-"));
  try {
    mfs.crashImage(img, pessimistic);
    const got: { lsn: number; a: string }[] = [];
    let r;
    try {
      r = replayWal(img, fromLsn, (argv, lsn) => got.push({ lsn, a: argv.map((x) => dec.decode(x)).join(" ") }));
    } catch (e) {
      if (claimed <= fromLsn || !checkLoss) return;
      throw new Error(`seed ${seed}: replay from ${fromLsn} threw ${(e as Error).message}\n${log.slice(-40).join("\n")}`);
    }
    for (const g of got) {
      if (contents.get(g.lsn) !== g.a) throw new Error(`seed ${seed}: LSN ${g.lsn} recovered with wrong content ${g.a} vs ${contents.get(g.lsn)}\n${log.slice(-40).join("\n")}`);
    }
    if (checkLoss && r.nextLsn < claimed)
      throw new Error(
        `seed ${seed}: lost claimed records: replay from ${fromLsn} recovered up to ${r.nextLsn - 1}, claimed durable < ${claimed} (pessimistic=${pessimistic}) ${JSON.stringify(r.truncations.map((t) => [t.path.slice(-24), t.offset, t.reason]))} discarded=${JSON.stringify(r.discarded.map((d) => d.path.slice(-24)))}\n${log.slice(-40).join("\n")}`,
      );
  } finally {
    rmSync(img, { recursive: true, force: true });
  }
}

function runOne(seed: number, steps: number, opts: { failures: boolean; policies: FsyncPolicy[]; poison?: boolean; midOp?: boolean; restart?: boolean }): void {
  const rnd = prng(seed);
  const dir = mkdtempSync(join(tmpdir(), "wal-model-"));
  const dirs = [dir];
  try {
    let mfs = new ModelFs(dir, rnd);
    mfs.poisonOnFailure = opts.poison ?? true;
    const pick = <T,>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const policy0 = pick(opts.policies);
    let w = new WalWriter({ dir, fs: mfs, fsync: policy0, segmentBytes: 4096, nextLsn: 1, retainBytesMax: 8192, retryIntervalMs: 0 });
    let wa = internals(w);
    const contents = new Map<number, string>();
    const log: string[] = [`start ${policy0}`];
    let now = 10_000;
    let claimed = 1; // every LSN below is claimed durable
    let tentative = 1; // claims made while a doomed background sync is out
    let pendingImg: string | null = null;
    let pendingClaimed = 1;
    let pendingSnapshotLsn = 1;
    // Where a recovery starts: from the oldest state there is (the first record, or the snapshot
    // the last restart came from), or from a snapshot taken at any LSN the writer had reached
    // since (a snapshot holds the in-memory state, durable in the WAL or not).
    let snapshotFloor = 1;
    const snapshotLsn = (): number => (rnd() < 0.5 ? snapshotFloor : snapshotFloor + Math.floor(rnd() * (w.nextLsn - snapshotFloor + 1)));
    /** A check from a snapshot at or past the floor, and one from anywhere before it. */
    const randomStartChecks = (checkLog: string[]): void => {
      crashCheck(mfs, contents, claimed, false, checkLog, seed, snapshotLsn());
      if (snapshotFloor > 1) crashCheck(mfs, contents, claimed, rnd() < 0.5, checkLog, seed, 1 + Math.floor(rnd() * snapshotFloor), false);
    };
    // A crash just before each file-system call inside a writer call (the hook disarms itself
    // while it checks, then re-arms).
    const midOpCrash = (what: string): void => {
      mfs.onOp = null;
      try {
        crashCheck(mfs, contents, claimed, true, [...log, `(mid-op crash before ${what})`], seed, snapshotFloor);
        randomStartChecks([...log, `(mid-op crash before ${what})`]);
        if (opts.restart && pendingImg === null && rnd() < 0.03) {
          const img = mkdtempSync(join(tmpdir(), "wal-restart-"));
          dirs.push(img);
          mfs.crashImage(img, rnd() < 0.3);
          pendingImg = img;
          pendingClaimed = claimed;
          pendingSnapshotLsn = snapshotLsn();
          log.push(`(crash image taken before ${what})`);
        }
      } finally {
        mfs.onOp = midOpCrash;
      }
    };
    if (opts.midOp) mfs.onOp = midOpCrash;
    const restartFrom = (img: string, claimedThen = claimed, fromLsn = snapshotLsn()): boolean => {
        const got: { lsn: number; a: string }[] = [];
        let rr;
        try {
          rr = replayWal(img, fromLsn, (argv, lsn) => got.push({ lsn, a: argv.map((x) => dec.decode(x)).join(" ") }));
        } catch (e) {
          return false;
        }
        for (const g of got) if (contents.get(g.lsn) !== g.a) throw new Error(`seed ${seed}: restart recovered LSN ${g.lsn} with wrong content\n${log.slice(-40).join("\n")}`);
        if (rr.nextLsn < claimedThen) throw new Error(`seed ${seed}: restart lost claimed records (${rr.nextLsn} < ${claimedThen})\n${log.slice(-40).join("\n")}`);
        for (const l of [...contents.keys()]) if (l >= rr.nextLsn) contents.delete(l);
        const pol = w.fsyncPolicy;
        mfs.onOp = null;
        mfs = new ModelFs(img, rnd);
        mfs.poisonOnFailure = opts.poison ?? true;
        mfs.adoptExisting();
        if (opts.midOp) mfs.onOp = midOpCrash;
        w = new WalWriter({ dir: img, fs: mfs, fsync: pol, segmentBytes: 4096, nextLsn: rr.nextLsn, retainBytesMax: 8192, retryIntervalMs: 0 });
        wa = internals(w);
        claimed = rr.nextLsn;
        snapshotFloor = fromLsn;
        tentative = 1;
        log.push(`=== crash+restart from ${fromLsn} at ${rr.nextLsn} (segments ${JSON.stringify(readdirSync(img))})`);
        return true;
    };
    const claim = (upTo: number): void => {
      if (mfs.doomedOutstanding) tentative = Math.max(tentative, upTo);
      else claimed = Math.max(claimed, upTo);
    };
    for (let step = 0; step < steps; step++) {
      now += Math.floor(rnd() * 700);
      const r = rnd();
      if (r < 0.3) {
        const n = 1 + Math.floor(rnd() * 3);
        for (let i = 0; i < n; i++) {
          const l = w.nextLsn;
          const s = `SET k${l} ${"v".repeat(Math.floor(rnd() * 1500))}`;
          contents.set(l, s);
          w.append(s.split(" ").map((x) => enc.encode(x)));
        }
        log.push(`append ${n} (next ${w.nextLsn})`);
      } else if (r < 0.55) {
        const hadPending = w.pendingBytes > 0;
        const e = w.commit(now);
        log.push(`commit -> ${e?.message ?? "ok"} (policy ${w.fsyncPolicy}, seg ${w.currentSegmentPath?.slice(-24)})`);
        if (hadPending && e === null && w.fsyncPolicy === "always") claim(w.nextLsn);
      } else if (r < 0.65) {
        w.syncIfDue(now);
        log.push(`syncIfDue ${w.syncing}`);
      } else if (r < 0.75) {
        if (mfs.pending.length > 0) {
          const doomed = mfs.pending[0]!.doomed;
          mfs.completeOne();
          log.push(`bg done doomed=${doomed} failed=${w.failed?.message ?? null}`);
          if (doomed && !mfs.doomedOutstanding) tentative = 1;
          else if (!mfs.doomedOutstanding) claimed = Math.max(claimed, tentative);
        }
      } else if (r < 0.8) {
        const p = pick(opts.policies);
        w.setPolicy(p, now);
        log.push(`setPolicy ${p} failed=${w.failed?.message ?? null}`);
      } else if (r < 0.88) {
        const ok = w.retry(now);
        log.push(`retry -> ${ok} ${w.failed?.message ?? ""}`);
      } else if (opts.failures && r < 0.95) {
        const kinds = ["write", "fdatasync", "bgfdatasync", "dirfsync", "unlink", "close", "open", "rename"] as const;
        const k = pick(kinds as unknown as (typeof kinds)[number][]);
        mfs.fail[k] = true;
        mfs.tornBytes = Math.floor(rnd() * 200);
        log.push(`inject ${k}`);
      } else if (opts.restart && r < 0.97) {
        const img = mkdtempSync(join(tmpdir(), "wal-restart-"));
        dirs.push(img);
        mfs.crashImage(img, rnd() < 0.3);
        if (!restartFrom(img)) return;
      }
      if (pendingImg !== null) {
        const img = pendingImg;
        pendingImg = null;
        log.push("(the crash image was taken inside the last op)");
        if (!restartFrom(img, pendingClaimed, pendingSnapshotLsn)) return;
      }
      // Records below bufFirstLsn were dropped from the retry copy: outside `no`, they must be durable.
      if (w.failed === null && w.fsyncPolicy !== "no") claim(wa.bufFirstLsn);
      checkInternal(wa, contents, log);
      crashCheck(mfs, contents, claimed, true, log, seed, snapshotFloor);
      randomStartChecks(log);
    }
    // clear failures and close cleanly
    mfs.fail = {};
    w.close(now + 10_000);
    log.push(`close failed=${w.failed?.message ?? null}`);
    if (w.failed === null) claim(w.nextLsn);
    while (mfs.completeOne()) {
      /* drain */
    }
    if (w.failed !== null) return;
    crashCheck(mfs, contents, claimed, true, log, seed, snapshotFloor);
  } finally {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  }
}

const SCALE = Number(process.env.WAL_MODEL_SCALE ?? "0.03");

/** Runs `seeds` seeds scaled by WAL_MODEL_SCALE (at least 2). */
function seeds(n: number, run: (seed: number) => void): void {
  if (process.env.WAL_MODEL_SEED !== undefined) {
    run(Number(process.env.WAL_MODEL_SEED)); // to replay one failing seed
    return;
  }
  const count = Math.max(2, Math.round(n * SCALE));
  for (let seed = 1; seed <= count; seed++) run(seed);
}

describe("WalWriter against a crash model", () => {
  it("no failures, always/everysec only", () => {
    seeds(20, (seed) => runOne(seed, 150, { failures: false, policies: ["always", "everysec"] }));
  }, 600_000);
  it("no failures, all policies", () => {
    seeds(40, (seed) => runOne(seed, 150, { failures: false, policies: POLICIES }));
  }, 600_000);
  it("mid-op crashes, transient failures, all policies", () => {
    seeds(60, (seed) => runOne(seed, 120, { failures: true, policies: POLICIES, poison: false, midOp: true }));
  }, 600_000);
  it("mid-op crashes, failures, always/everysec", () => {
    seeds(60, (seed) => runOne(seed, 120, { failures: true, policies: ["always", "everysec"], midOp: true }));
  }, 600_000);
  it("mid-op restarts, failures, always/everysec", () => {
    seeds(150, (seed) => runOne(seed, 200, { failures: true, policies: ["always", "everysec"], restart: true, midOp: true }));
  }, 600_000);
  it("restarts, failures, always/everysec", () => {
    seeds(150, (seed) => runOne(seed, 200, { failures: true, policies: ["always", "everysec"], restart: true }));
  }, 600_000);
  it("restarts, transient failures, all policies, mid-op", () => {
    seeds(80, (seed) => runOne(seed, 200, { failures: true, policies: POLICIES, poison: false, restart: true, midOp: true }));
  }, 600_000);
  it("transient failures, all policies", () => {
    seeds(100, (seed) => runOne(seed, 150, { failures: true, policies: POLICIES, poison: false }));
  }, 600_000);
  it("failures, always/everysec", () => {
    seeds(150, (seed) => runOne(seed, 150, { failures: true, policies: ["always", "everysec"] }));
  }, 600_000);
  // A sync that fails while leaving `no` can lose records the writer no longer holds: it must
  // then stay failed (claiming nothing) until a snapshot covers them, which this model never takes.
  it("failures (dropped pages), all policies", () => {
    seeds(150, (seed) => runOne(seed, 150, { failures: true, policies: POLICIES }));
  }, 600_000);
});
