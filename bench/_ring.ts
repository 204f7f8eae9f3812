/**
 * Micro-benchmark of the router <-> partition hop: round trips of batched GETs through the
 * request and response rings to one real partition worker (the real PartitionEngine), against
 * the same GETs executed in-thread on an engine (no hop) as the ceiling.
 *
 *   node --import tsx bench/_ring.ts [--ms 1000] [--batches 1,8,64,512] [--depth 1]
 *
 * Each round submits `batch` GETs in one event-loop turn (one doorbell). With --depth 1 it
 * then waits for all replies (pure round trips: router and worker never overlap); with a
 * larger depth up to that many batches are in flight, as with many connections. Prints ops/s and the mean round-trip per batch, then one JSON line. Figures depend
 * on the machine and its load; compare within one run.
 */
import { PartitionEngine } from "@tessera/partition";
import { commandByName, type ReplySink } from "@tessera/proto";
import { PartitionHost } from "../packages/router/src/partition/partition-host.js";
import { RingReplyWriter, decodeReply } from "../packages/router/src/ring/reply-codec.js";

function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1]! : fallback;
}
const budgetMs = Number(flag("--ms", "1000"));
const batches = flag("--batches", "1,8,64,512").split(",").map(Number);
const depth = Math.max(1, Number(flag("--depth", "1")));

const KEYS = 10_000;
const te = new TextEncoder();
const GET = commandByName("GET")!;
const SET = commandByName("SET")!;
const getName = te.encode("GET");
const keys = Array.from({ length: KEYS }, (_, i) => te.encode(`key:${i}`));
const value = new Uint8Array(64).fill(120);

// A sink that only counts: the router's real sinks re-encode, which is not this hop's cost.
let bulkBytes = 0;
const countingSink: ReplySink = {
  ok() {},
  status() {},
  nil() {},
  integer() {},
  bulk(_b, _o, n) {
    bulkBytes += n;
  },
  array() {},
  error(code, message) {
    throw new Error(`${code} ${message}`);
  },
};

let pending = 0;
/** Resolve `wake` when `pending` drops to this. */
let wakeAt = 0;
let wake: (() => void) | null = null;
const host = new PartitionHost({
  id: 0,
  engine: {},
  dataDir: null,
  durability: null,
  onReply(_token, reply, offset) {
    decodeReply(reply, offset, countingSink);
    if (--pending <= wakeAt && wake !== null) {
      const w = wake;
      wake = null;
      w();
    }
  },
  onExit(_id, e) {
    throw e;
  },
});
await host.start();

/** Submits one batch (one turn) and resolves when fewer than `depth` batches are in flight. */
function roundTrip(batch: number, base: number): Promise<void> {
  pending += batch;
  for (let i = 0; i < batch; i++) {
    const argv = [getName, keys[(base + i) % KEYS]!];
    host.submit(i, GET, argv);
  }
  wakeAt = (depth - 1) * batch;
  if (pending <= wakeAt) return new Promise((r) => setImmediate(r));
  return new Promise((r) => (wake = r));
}

// Preload.
pending = KEYS;
wakeAt = 0;
await new Promise<void>((r) => {
  wake = r;
  for (let i = 0; i < KEYS; i++) host.submit(i, SET, [te.encode("SET"), keys[i]!, value]);
});

const results: Record<string, number> = {};
console.log(`GET batches through the rings to one worker, ${depth} batch(es) in flight (${budgetMs} ms per case)`);
for (const batch of batches) {
  for (let i = 0; i < 20; i++) await roundTrip(batch, i * batch); // warm up
  let ops = 0;
  let rounds = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < budgetMs) {
    await roundTrip(batch, ops);
    ops += batch;
    rounds++;
  }
  wakeAt = 0;
  if (pending > 0) await new Promise<void>((r) => (wake = r));
  const ms = performance.now() - t0;
  const opsPerSec = Math.round((ops * 1000) / ms);
  const rttUs = (ms * 1000) / rounds;
  results[`ring_depth${depth}_batch${batch}_ops_per_sec`] = opsPerSec;
  results[`ring_depth${depth}_batch${batch}_us_per_batch`] = Math.round(rttUs);
  console.log(`  batch ${String(batch).padStart(4)}: ${(opsPerSec / 1e3).toFixed(1).padStart(8)} k ops/s   ${rttUs.toFixed(1).padStart(8)} µs per batch`);
}
const st = host.ringStats();
await host.close();

// The ceiling: the same GETs on an engine in this thread, replies into the ring reply writer.
const engine = new PartitionEngine({});
const writer = new RingReplyWriter();
for (let i = 0; i < KEYS; i++) {
  writer.begin(i, 0);
  engine.execute(SET, [te.encode("SET"), keys[i]!, value], writer);
  writer.end();
  writer.reset();
}
let ops = 0;
const t0 = performance.now();
while (performance.now() - t0 < budgetMs) {
  for (let i = 0; i < 1000; i++) {
    writer.begin(i, 0);
    engine.execute(GET, [getName, keys[(ops + i) % KEYS]!], writer);
    writer.end();
  }
  for (let i = 0; i < writer.count; i++) decodeReply(writer.stage, writer.replyStart(i), countingSink);
  writer.reset();
  ops += 1000;
}
const inThread = Math.round((ops * 1000) / (performance.now() - t0));
results.in_thread_ops_per_sec = inThread;
console.log(`  in-thread engine (no hop, same encode/decode): ${(inThread / 1e3).toFixed(1)} k ops/s`);
console.log(`  ring stats: ${JSON.stringify(st)}`);
console.log(JSON.stringify(results));
void bulkBytes;
