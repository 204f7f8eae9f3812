/**
 * `pnpm bench engine`: the partition storage engine in-process, single-threaded, through
 * PartitionEngine.execute() with a reusable no-allocation ReplySink (the path the partition
 * worker uses), on N keys of 16 bytes with 200-byte values.
 *
 * Phases: load (SET of new keys in a scrambled order), GET random, SET random overwrite, INCR
 * random over a counter set, full SCAN in pages. Memory: RSS and heap before and after the load
 * (after forced GCs), so bytesPerKey = RSS growth / keys and overheadBytesPerKey = bytesPerKey -
 * (key + value bytes). Latency percentiles come from a separate, per-op timed pass (timing every
 * op in the throughput pass would distort it).
 *
 * The machine is shared: run it more than once and read the spread, not one figure.
 * The last line is one JSON object with the figures.
 */
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import * as hdr from "hdr-histogram-js";
import { PartitionEngine } from "@tessera/partition";
import { commandByName, type CommandSpec, type ErrorCode, type ReplySink } from "@tessera/proto";

const HELP = `usage: pnpm bench engine [flags]

In-process PartitionEngine benchmark (no network, no threads).

flags:
  --keys N          keys loaded (default 1000000)
  --key-bytes N     key length, >= 8 (default 16)
  --value-bytes N   value length (default 200)
  --ops N           operations per measured phase (default 2000000)
  --latency-ops N   operations per latency pass (default 200000)
  --counters N      INCR keyspace (default 100000)
  --help            this text
`;

function flag(name: string, fallback: number): number {
  const args = process.argv.slice(3);
  const i = args.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = Number(args[i + 1]);
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name} needs a number`);
  return v;
}
if (process.argv.includes("--help")) {
  console.log(HELP);
  process.exit(0);
}

const KEYS = flag("keys", 1_000_000);
const KEY_BYTES = flag("key-bytes", 16);
const VALUE_BYTES = flag("value-bytes", 200);
const OPS = flag("ops", 2_000_000);
const LATENCY_OPS = flag("latency-ops", 200_000);
const COUNTERS = flag("counters", 100_000);
if (KEY_BYTES < 8) throw new Error("--key-bytes must be >= 8");

setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;

/** Counts replies and touches nothing else: no allocation per reply. */
class CountingSink implements ReplySink {
  replies = 0;
  errors = 0;
  bytes = 0;
  lastError = "";
  ok(): void {
    this.replies++;
  }
  status(): void {
    this.replies++;
  }
  nil(): void {
    this.replies++;
  }
  integer(): void {
    this.replies++;
  }
  bulk(_b: Uint8Array, _o: number, length: number): void {
    this.replies++;
    this.bytes += length;
  }
  array(_count: number): void {
    this.replies++;
  }
  error(code: ErrorCode, message: string): void {
    this.replies++;
    this.errors++;
    this.lastError = `${code} ${message}`;
  }
}

const enc = new TextEncoder();
const spec = (name: string): CommandSpec => commandByName(name)!;
const GET = spec("GET");
const SET = spec("SET");
const INCR = spec("INCR");
const SCAN = spec("SCAN");

// One key buffer, rewritten per op: "k" + zero-padded decimal index (the engine copies keys it
// stores and keeps no reference to argv, so reusing the buffer is what a worker does too).
const keyBuf = new Uint8Array(KEY_BYTES).fill(48);
keyBuf[0] = 107; // k
// Only the low digits vary (indexes < 10^7): the leading zeros are written once, so the
// harness spends ~30 ns per op, not ~110, on making keys.
const VARYING_DIGITS = Math.min(KEY_BYTES - 1, String(Math.max(KEYS, COUNTERS) - 1).length);
function writeKey(buf: Uint8Array, index: number): void {
  let v = index | 0;
  for (let i = buf.length - 1, end = buf.length - VARYING_DIGITS; i >= end; i--) {
    const q = (v / 10) | 0;
    buf[i] = 48 + (v - q * 10);
    v = q;
  }
}
const counterKey = new Uint8Array(KEY_BYTES).fill(48);
counterKey[0] = 99; // c
const value = new Uint8Array(VALUE_BYTES).fill(120);
const value2 = new Uint8Array(VALUE_BYTES).fill(121);
const NAME_GET = enc.encode("GET");
const NAME_SET = enc.encode("SET");
const NAME_INCR = enc.encode("INCR");
const getArgv = [NAME_GET, keyBuf];
const setArgv = [NAME_SET, keyBuf, value];
const setArgv2 = [NAME_SET, keyBuf, value2];
const incrArgv = [NAME_INCR, counterKey];

// xorshift32: random key indexes without allocation.
let rng = 0x9e3779b9;
function nextRandom(n: number): number {
  rng ^= rng << 13;
  rng ^= rng >>> 17;
  rng ^= rng << 5;
  return (rng >>> 0) % n;
}

async function settle(): Promise<{ rss: number; heap: number; heapTotal: number; arrayBuffers: number }> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((r) => setTimeout(r, 50));
  }
  const m = process.memoryUsage();
  return { rss: m.rss, heap: m.heapUsed, heapTotal: m.heapTotal, arrayBuffers: m.arrayBuffers };
}

function perSec(ops: number, ms: number): number {
  return Math.round((ops / ms) * 1000);
}

/**
 * CPU time of this thread's process in ms (user + system). On a shared machine, ops per CPU
 * second is the steadier figure: wall-clock rates drop when other processes take the cores.
 */
function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const sink = new CountingSink();
const results: Record<string, number> = {};
const rows: [string, string, string][] = [];

const before = await settle();
const engine = new PartitionEngine();

// ---- load ----------------------------------------------------------------------------------
// Scrambled order (i * stride mod N, stride coprime to N) so the ordered index sees random inserts.
// Kept below KEYS so every index stays a small integer (no boxed numbers in the loop).
let stride = 7_368_787 % KEYS || 1;
while (gcd(stride, KEYS) !== 1) stride++;
function gcd(a: number, b: number): number {
  while (b !== 0) [a, b] = [b, a % b];
  return a;
}
let c0 = cpuMs();
let t0 = performance.now();
let index = 0;
for (let i = 0; i < KEYS; i++) {
  writeKey(keyBuf, index);
  engine.execute(SET, setArgv, sink);
  index += stride;
  if (index >= KEYS) index -= KEYS;
}
let ms = performance.now() - t0;
if (sink.errors > 0) throw new Error(`load failed: ${sink.lastError}`);
results.loadOpsPerSec = perSec(KEYS, ms);
results.loadOpsPerCpuSec = perSec(KEYS, cpuMs() - c0);
rows.push(["SET (new keys)", results.loadOpsPerSec.toLocaleString("en-US"), `${KEYS.toLocaleString("en-US")} keys; ${results.loadOpsPerCpuSec!.toLocaleString("en-US")} per CPU-second`]);

const after = await settle();
const stats = engine.stats();
const bytesPerKey = (after.rss - before.rss) / KEYS;
results.bytesPerKey = Math.round(bytesPerKey * 10) / 10;
results.overheadBytesPerKey = Math.round((bytesPerKey - KEY_BYTES - VALUE_BYTES) * 10) / 10;
results.heapGrowthBytes = after.heap - before.heap;
// Where RSS goes besides the engine's own accounting: V8 heap pages (committed, e.g. grown
// young-generation space) and memory freed by index growth that the allocator kept.
results.heapCommittedGrowthBytes = after.heapTotal - before.heapTotal;
results.arrayBufferGrowthBytes = after.arrayBuffers - before.arrayBuffers;
results.engineReservedBytesPerKey = Math.round((stats.reservedBytes / KEYS) * 10) / 10;
results.engineUsedBytesPerKey = Math.round((stats.usedBytes / KEYS) * 10) / 10;
results.hashIndexBytesPerKey = Math.round((stats.hashIndexBytes / KEYS) * 10) / 10;
results.orderedIndexBytesPerKey = Math.round((stats.orderedIndexBytes / KEYS) * 10) / 10;
results.slabReservedBytesPerKey = Math.round((stats.slabReservedBytes / KEYS) * 10) / 10;
results.slabSlotBytesPerKey = Math.round((stats.slabUsedBytes / KEYS) * 10) / 10;

// ---- GET -----------------------------------------------------------------------------------
function runGets(n: number): number {
  const start = performance.now();
  for (let i = 0; i < n; i++) {
    writeKey(keyBuf, nextRandom(KEYS));
    engine.execute(GET, getArgv, sink);
  }
  return performance.now() - start;
}
runGets(Math.min(OPS, 200_000)); // warm-up
const bytesBefore = sink.bytes;
c0 = cpuMs();
ms = runGets(OPS);
results.getOpsPerCpuSec = perSec(OPS, cpuMs() - c0);
if (sink.bytes - bytesBefore !== OPS * VALUE_BYTES) throw new Error("GET missed keys");
results.getOpsPerSec = perSec(OPS, ms);
rows.push(["GET (random, hit)", results.getOpsPerSec.toLocaleString("en-US"), `${OPS.toLocaleString("en-US")} ops; ${results.getOpsPerCpuSec!.toLocaleString("en-US")} per CPU-second`]);

// ---- SET overwrite -------------------------------------------------------------------------
c0 = cpuMs();
t0 = performance.now();
for (let i = 0; i < OPS; i++) {
  writeKey(keyBuf, nextRandom(KEYS));
  engine.execute(SET, (i & 1) === 0 ? setArgv : setArgv2, sink);
}
ms = performance.now() - t0;
results.setOpsPerSec = perSec(OPS, ms);
results.setOpsPerCpuSec = perSec(OPS, cpuMs() - c0);
rows.push(["SET (random, overwrite)", results.setOpsPerSec.toLocaleString("en-US"), `${OPS.toLocaleString("en-US")} ops; ${results.setOpsPerCpuSec!.toLocaleString("en-US")} per CPU-second`]);

// ---- INCR ----------------------------------------------------------------------------------
c0 = cpuMs();
t0 = performance.now();
for (let i = 0; i < OPS; i++) {
  writeKey(counterKey, nextRandom(COUNTERS));
  engine.execute(INCR, incrArgv, sink);
}
ms = performance.now() - t0;
if (sink.errors > 0) throw new Error(`INCR failed: ${sink.lastError}`);
results.incrOpsPerSec = perSec(OPS, ms);
results.incrOpsPerCpuSec = perSec(OPS, cpuMs() - c0);
rows.push(["INCR (random counter)", results.incrOpsPerSec.toLocaleString("en-US"), `${COUNTERS.toLocaleString("en-US")} counters; ${results.incrOpsPerCpuSec!.toLocaleString("en-US")} per CPU-second`]);

// ---- SCAN ----------------------------------------------------------------------------------
class ScanSink extends CountingSink {
  cursor = new Uint8Array(0);
  keys = 0;
  private depth = 0;
  override array(count: number): void {
    this.replies++;
    this.depth++;
    if (this.depth === 2) this.keys += count;
  }
  override bulk(b: Uint8Array, o: number, length: number): void {
    this.replies++;
    if (this.depth === 1) this.cursor = b.slice(o, o + length);
  }
  reset(): void {
    this.depth = 0;
  }
}
const scanSink = new ScanSink();
const NAME_SCAN = enc.encode("SCAN");
const prefix = enc.encode("k");
const LIMIT = enc.encode("LIMIT");
const CURSOR = enc.encode("CURSOR");
const PAGE = enc.encode("1000");
c0 = cpuMs();
t0 = performance.now();
let pages = 0;
for (;;) {
  scanSink.reset();
  const argv = pages === 0 ? [NAME_SCAN, prefix, LIMIT, PAGE] : [NAME_SCAN, prefix, LIMIT, PAGE, CURSOR, scanSink.cursor];
  engine.execute(SCAN, argv, scanSink);
  pages++;
  if (scanSink.cursor.length === 0) break;
}
ms = performance.now() - t0;
if (scanSink.keys !== KEYS) throw new Error(`SCAN saw ${scanSink.keys} keys, expected ${KEYS}`);
results.scanKeysPerSec = perSec(KEYS, ms);
results.scanKeysPerCpuSec = perSec(KEYS, cpuMs() - c0);
rows.push(["SCAN (pages of 1000)", results.scanKeysPerSec.toLocaleString("en-US") + " keys/s", `${pages} pages; ${results.scanKeysPerCpuSec!.toLocaleString("en-US")} keys per CPU-second`]);

// ---- latency passes ------------------------------------------------------------------------
function latency(name: string, op: (i: number) => void): void {
  const h = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 10_000_000, numberOfSignificantValueDigits: 3 });
  for (let i = 0; i < LATENCY_OPS; i++) {
    const s = performance.now();
    op(i);
    h.recordValue(Math.max(1, Math.round((performance.now() - s) * 1e6))); // ns
  }
  results[`${name}P50Ns`] = h.getValueAtPercentile(50);
  results[`${name}P99Ns`] = h.getValueAtPercentile(99);
  results[`${name}P999Ns`] = h.getValueAtPercentile(99.9);
}
latency("get", () => {
  writeKey(keyBuf, nextRandom(KEYS));
  engine.execute(GET, getArgv, sink);
});
latency("set", (i) => {
  writeKey(keyBuf, nextRandom(KEYS));
  engine.execute(SET, (i & 1) === 0 ? setArgv : setArgv2, sink);
});
latency("incr", () => {
  writeKey(counterKey, nextRandom(COUNTERS));
  engine.execute(INCR, incrArgv, sink);
});

// ---- report --------------------------------------------------------------------------------
const final = await settle();
results.heapGrowthAfterRunBytes = final.heap - before.heap;
results.keys = KEYS;
results.keyBytes = KEY_BYTES;
results.valueBytes = VALUE_BYTES;

console.log(`engine benchmark: ${KEYS.toLocaleString("en-US")} keys of ${KEY_BYTES} B, values of ${VALUE_BYTES} B, node ${process.version}, single thread, in-process\n`);
console.log(pad("phase", 26) + pad("ops/s", 22) + "notes");
for (const [a, b, c] of rows) console.log(pad(a, 26) + pad(b, 22) + c);
console.log("");
console.log(`latency ns (p50 / p99 / p99.9, separate timed pass of ${LATENCY_OPS.toLocaleString("en-US")} ops; includes ~30-60 ns of timer cost):`);
for (const n of ["get", "set", "incr"]) console.log(`  ${pad(n.toUpperCase(), 6)} ${results[`${n}P50Ns`]} / ${results[`${n}P99Ns`]} / ${results[`${n}P999Ns`]}`);
console.log("");
console.log(`memory: RSS +${((after.rss - before.rss) / 2 ** 20).toFixed(1)} MiB for the load = ${results.bytesPerKey} B/key (${results.overheadBytesPerKey} B/key over the ${KEY_BYTES + VALUE_BYTES} B of key+value); heap +${(results.heapGrowthBytes / 2 ** 20).toFixed(2)} MiB`);
console.log(
  `engine accounting per key: slab slots ${results.slabSlotBytesPerKey} B (reserved ${results.slabReservedBytesPerKey} B), hash index ${results.hashIndexBytesPerKey} B, ordered index ${results.orderedIndexBytesPerKey} B; total reserved ${results.engineReservedBytesPerKey} B`,
);
console.log(JSON.stringify(results));

function pad(s: string, n: number): string {
  return s.length >= n ? s + " " : s + " ".repeat(n - s.length);
}
