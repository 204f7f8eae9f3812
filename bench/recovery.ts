/**
 * `pnpm bench recovery [--keys 1000000,10000000] [--partitions 2] [--value-bytes 200] [--redis]`
 *
 * How fast a partition comes back: a data directory with N keys (16-byte keys, 200-byte values)
 * is built through the real engine and snapshot writer, then measured three ways:
 *  - snapshot load, in process: PartitionDurability.recover() of one partition (keys/s per partition);
 *  - WAL replay, in process (first size only): the same keys as SET records, no snapshot, once
 *    written in key order and once in a scrambled order; and the server started on the
 *    scrambled WAL alone (a restart after a crash before any snapshot), time to first reply;
 *  - the real server: spawn `tessera serve` on the directory, time to the first PING reply
 *    (all partitions recover in parallel, one worker each) and DBSIZE to check the count.
 * Unless --redis no, Redis (installed with apt-get when missing) loads the same number of keys from
 * an RDB (DEBUG POPULATE + SAVE, restart, time until PING stops answering LOADING).
 * With --offload N (default 200000; 0 = skip), snapshot writing inline vs. on a piscina thread
 * is compared over N keys (partition-thread busy time, longest step, wall time).
 * Prints a table and, last, one JSON line.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PartitionEngine } from "@tessera/partition";
import { commandByName, CollectingSink } from "@tessera/proto";
import { SlotMap } from "@tessera/router";
import { checkDataDir, PartitionDurability } from "@tessera/wal";
import { measureSnapshotOffload, type OffloadRun } from "@tessera/wal/snapshot-offload-probe";
import { freePort, stopProcess, tesseraCliArgs } from "./_servers.js";
import { ensureRedisTools } from "./_redis-tools.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

function flag(name: string, fallback: string): string {
  const argv = process.argv.slice(3);
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1]! : fallback;
}
if (process.argv.includes("--help")) {
  console.log("usage: pnpm bench recovery [--keys 1000000,10000000] [--partitions 2] [--value-bytes 200] [--redis yes|no]");
  process.exit(0);
}
const SIZES = flag("keys", "1000000").split(",").map(Number);
const PARTITIONS = Number(flag("partitions", "2"));
const VALUE_BYTES = Number(flag("value-bytes", "200"));
const KEY_BYTES = 16;
const WITH_REDIS = flag("redis", "yes") === "yes";
if (WITH_REDIS) ensureRedisTools();
/** Also compare snapshot writing inline vs. on a piscina thread, over this many keys (0 = skip). */
const OFFLOAD_KEYS = Number(flag("offload", "200000"));


function keyOf(i: number, out: Buffer): Buffer {
  out.write(`key:${String(i).padStart(KEY_BYTES - 4, "0")}`, 0, "latin1");
  return out;
}

/** Partition of every key index, computed once (the slot hash is the router's). */
function partitionsOf(n: number): Uint16Array {
  const map = new SlotMap(PARTITIONS);
  const k = Buffer.alloc(KEY_BYTES);
  const out = new Uint16Array(n);
  for (let i = 0; i < n; i++) out[i] = map.partitionOfKey(keyOf(i, k));
  return out;
}

function durability(dir: string, p: number): PartitionDurability {
  return PartitionDurability.open({ dir, partitionId: p, partitions: PARTITIONS, fsync: "no", snapshotEveryMs: 0, snapshotWalBytes: 0, snapshotSliceItems: 1 << 16 });
}

/** Build a data dir whose partitions each hold a snapshot of their share of the n keys. */
function buildSnapshots(dir: string, parts: Uint16Array): { ms: number; bytes: number } {
  const t0 = performance.now();
  checkDataDir(dir, PARTITIONS);
  const value = Buffer.alloc(VALUE_BYTES, 0x61);
  const k = Buffer.alloc(KEY_BYTES);
  let bytes = 0;
  for (let p = 0; p < PARTITIONS; p++) {
    const d = durability(dir, p);
    const engine = new PartitionEngine({ writeLog: d.writeLog });
    d.recover(engine);
    for (let i = 0; i < parts.length; i++) if (parts[i] === p) engine.loadItem(keyOf(i, k), value, 0);
    d.requestSnapshot();
    while (d.wantsTick) d.tick(engine, Date.now());
    const s = d.stats();
    if (s.lastSnapshotError !== null || s.lastSnapshot === null) throw new Error(`snapshot failed: ${s.lastSnapshotError}`);
    bytes += s.lastSnapshot.bytes;
    d.close();
  }
  return { ms: performance.now() - t0, bytes };
}

/**
 * Partition 0's share of the keys as SET records in the WAL, no snapshot, in key order or in a
 * scrambled order (i * stride mod n, stride coprime to n): the order clients usually write in,
 * where every insert into the ordered index lands somewhere random.
 */
function buildWal(dir: string, parts: Uint16Array, order: "key" | "random"): void {
  checkDataDir(dir, PARTITIONS);
  const d = durability(dir, 0);
  const engine = new PartitionEngine({ writeLog: d.writeLog });
  d.recover(engine);
  const set = commandByName("SET")!;
  const name = Buffer.from("SET");
  const value = Buffer.alloc(VALUE_BYTES, 0x62);
  const k = Buffer.alloc(KEY_BYTES);
  const sink = new CollectingSink();
  let inBatch = 0;
  const n = parts.length;
  let stride = order === "key" ? 1 : 7_368_787 % n || 1;
  while (gcd(stride, n) !== 1) stride++;
  for (let j = 0, i = 0; j < n; j++, i = (i + stride) % n) {
    if (parts[i] !== 0) continue;
    engine.execute(set, [name, keyOf(i, k), value], sink);
    sink.take();
    if (++inBatch === 256) {
      d.commitBatch();
      inBatch = 0;
    }
  }
  d.commitBatch();
  d.close();
}

function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}

function recoverInProcess(dir: string, p: number): { keys: number; ms: number } {
  const d = durability(dir, p);
  const engine = new PartitionEngine({ writeLog: d.writeLog });
  const r = d.recover(engine);
  d.close();
  return { keys: r.keys, ms: r.ms };
}

// ---- servers ----------------------------------------------------------------------------

/** Send one inline command and return the first reply line (enough for PING / DBSIZE). */
function command(port: number, cmd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = new Socket();
    let data = "";
    s.once("error", reject);
    s.on("data", (d: Buffer) => {
      data += d.toString("latin1");
      const nl = data.indexOf("\r\n");
      if (nl >= 0) {
        s.destroy();
        resolve(data.slice(0, nl));
      }
    });
    s.connect(port, "127.0.0.1", () => s.write(`${cmd}\r\n`));
  });
}

/** Wait until PING answers PONG; returns ms since `t0`. */
async function firstReply(port: number, proc: ChildProcess, t0: number, what: string): Promise<number> {
  const deadline = Date.now() + 600_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`${what} exited with ${proc.exitCode}`);
    try {
      if ((await command(port, "PING")) === "+PONG") return performance.now() - t0;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${what} did not answer within 600 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function tesseraFirstReply(dir: string): Promise<{ ms: number; dbsize: number }> {
  const [port, respPort] = [await freePort(), await freePort()];
  const t0 = performance.now();
  const proc = spawn(
    process.execPath,
    [...tesseraCliArgs(), "serve", "--data-dir", dir, "--partitions", String(PARTITIONS), "--fsync", "everysec", "--host", "127.0.0.1", "--port", String(port), "--resp-port", String(respPort), "--admin-port", "0"],
    { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] },
  );
  try {
    const ms = await firstReply(respPort, proc, t0, "tessera");
    const dbsize = Number((await command(respPort, "DBSIZE")).slice(1));
    return { ms, dbsize };
  } finally {
    await stopProcess(proc);
  }
}

async function redisLoad(n: number): Promise<{ ms: number; baselineMs: number; dbsize: number } | null> {
  if (!WITH_REDIS) return null;
  const dir = mkdtempSync(join(tmpdir(), "tessera-bench-redis-"));
  const port = await freePort();
  const start = (): { proc: ChildProcess; t0: number } => {
    const t0 = performance.now();
    const proc = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--dbfilename", "dump.rdb", "--appendonly", "no", "--save", "", "--enable-debug-command", "yes"], { stdio: "ignore" });
    return { proc, t0 };
  };
  try {
    let r = start();
    const baselineMs = await firstReply(port, r.proc, r.t0, "redis-server");
    // Same shape as Tessera's data: 16-byte keys ("key:" + 12 digits is what POPULATE's
    // prefix + number gives for large n), 200-byte values.
    await command(port, `DEBUG POPULATE ${n} key ${VALUE_BYTES}`);
    await command(port, "SAVE");
    await stopProcess(r.proc);
    r = start();
    const ms = await firstReply(port, r.proc, r.t0, "redis-server");
    const dbsize = Number((await command(port, "DBSIZE")).slice(1));
    await stopProcess(r.proc);
    return { ms, baselineMs, dbsize };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---- run --------------------------------------------------------------------------------

interface Row {
  keys: number;
  snapshotBytes: number;
  buildMs: number;
  loadKeysPerPartition: number;
  loadMs: number;
  loadKeysPerSecPerPartition: number;
  walReplayKeys?: number;
  walReplayMs?: number;
  walReplayKeysPerSec?: number;
  /** The same keys written in a scrambled order (each insert lands at a random place in the ordered index). */
  walReplayRandomOrderKeysPerSec?: number;
  /** The server started on that scrambled WAL alone (a restart after a crash, no snapshot yet): ms to its first reply. */
  serverWalRandomFirstReplyMs?: number;
  serverFirstReplyMs: number;
  serverEmptyFirstReplyMs: number;
  serverDbsize: number;
  redisFirstReplyMs?: number;
  redisEmptyFirstReplyMs?: number;
  redisDbsize?: number;
}

const rows: Row[] = [];
const emptyDir = mkdtempSync(join(tmpdir(), "tessera-bench-empty-"));
const empty = await tesseraFirstReply(emptyDir);
rmSync(emptyDir, { recursive: true, force: true });

for (const [index, n] of SIZES.entries()) {
  const dir = mkdtempSync(join(tmpdir(), "tessera-bench-recovery-"));
  try {
    const parts = partitionsOf(n);
    const built = buildSnapshots(dir, parts);
    const load = recoverInProcess(dir, 0);
    const row: Row = {
      keys: n,
      snapshotBytes: built.bytes,
      buildMs: Math.round(built.ms),
      loadKeysPerPartition: load.keys,
      loadMs: Math.round(load.ms),
      loadKeysPerSecPerPartition: Math.round(load.keys / (load.ms / 1000)),
      serverFirstReplyMs: 0,
      serverEmptyFirstReplyMs: Math.round(empty.ms),
      serverDbsize: 0,
    };
    const server = await tesseraFirstReply(dir);
    row.serverFirstReplyMs = Math.round(server.ms);
    row.serverDbsize = server.dbsize;
    if (server.dbsize !== n) console.error(`warning: server reports DBSIZE ${server.dbsize}, expected ${n}`);
    if (index === 0) {
      for (const order of ["key", "random"] as const) {
        const walDir = mkdtempSync(join(tmpdir(), "tessera-bench-wal-"));
        try {
          buildWal(walDir, parts, order);
          const replay = recoverInProcess(walDir, 0);
          const perSec = Math.round(replay.keys / (replay.ms / 1000));
          if (order === "key") {
            row.walReplayKeys = replay.keys;
            row.walReplayMs = Math.round(replay.ms);
            row.walReplayKeysPerSec = perSec;
          } else {
            row.walReplayRandomOrderKeysPerSec = perSec;
            row.serverWalRandomFirstReplyMs = Math.round((await tesseraFirstReply(walDir)).ms);
          }
        } finally {
          rmSync(walDir, { recursive: true, force: true });
        }
      }
    }
    const redis = await redisLoad(n);
    if (redis !== null) {
      row.redisFirstReplyMs = Math.round(redis.ms);
      row.redisEmptyFirstReplyMs = Math.round(redis.baselineMs);
      row.redisDbsize = redis.dbsize;
    }
    rows.push(row);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

let offload: { inline: OffloadRun; offload: OffloadRun } | null = null;
if (OFFLOAD_KEYS > 0) {
  const dir = mkdtempSync(join(tmpdir(), "tessera-bench-offload-"));
  try {
    const engine = new PartitionEngine({});
    const value = Buffer.alloc(VALUE_BYTES, 0x63);
    const k = Buffer.alloc(KEY_BYTES);
    for (let i = 0; i < OFFLOAD_KEYS; i++) engine.loadItem(keyOf(i, k), value, 0);
    offload = await measureSnapshotOffload(engine, dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

console.log(`recovery: ${PARTITIONS} partitions, ${KEY_BYTES}-byte keys, ${VALUE_BYTES}-byte values`);
console.log("keys        snapshot MB  load/partition  keys/s/partition  WAL replay keys/s (key order / random)  server first reply (empty)  from random WAL  redis first reply (empty)");
for (const r of rows) {
  console.log(
    `${String(r.keys).padEnd(11)} ${(r.snapshotBytes / 1e6).toFixed(0).padStart(11)}  ${`${r.loadMs} ms`.padStart(14)}  ${String(r.loadKeysPerSecPerPartition).padStart(16)}  ${(r.walReplayKeysPerSec === undefined ? "-" : `${r.walReplayKeysPerSec} / ${r.walReplayRandomOrderKeysPerSec}`).padStart(38)}  ${`${r.serverFirstReplyMs} ms (${r.serverEmptyFirstReplyMs})`.padStart(26)}  ${(r.serverWalRandomFirstReplyMs === undefined ? "-" : `${r.serverWalRandomFirstReplyMs} ms`).padStart(15)}  ${r.redisFirstReplyMs === undefined ? "-" : `${r.redisFirstReplyMs} ms (${r.redisEmptyFirstReplyMs})`}`,
  );
}
if (offload !== null) {
  const f = (r: OffloadRun): string => `partition busy ${r.busyMs.toFixed(0)} ms, longest step ${r.longestStepMs.toFixed(2)} ms, wall ${r.wallMs.toFixed(0)} ms`;
  console.log(`snapshot of ${OFFLOAD_KEYS} keys, inline:  ${f(offload.inline)}`);
  console.log(`snapshot of ${OFFLOAD_KEYS} keys, piscina: ${f(offload.offload)}`);
}
console.log(JSON.stringify({ bench: "recovery", partitions: PARTITIONS, keyBytes: KEY_BYTES, valueBytes: VALUE_BYTES, rows, snapshotOffload: offload === null ? null : { keys: OFFLOAD_KEYS, ...offload } }));
