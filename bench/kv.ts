/**
 * `pnpm bench kv`: key-value throughput and latency of the native port.
 *
 * Starts the real server (child process, `tessera serve`, temporary data dir, WAL on with
 * --fsync everysec unless told otherwise), preloads the keys, then for every combination of
 * partitions x op x connections x pipeline runs load-generator threads (worker_threads, raw
 * native frames) for --seconds after a warm-up, and prints throughput, p50/p99/p99.9 latency
 * and the server's RSS. With --rate R it runs open loop at R ops/s instead, which is how
 * "p99 at 50k ops/s" is measured: every --tick-us (default 100 µs) each load thread sends the
 * requests that have come due, so the server sees a steady stream rather than bursts; then a
 * second p99 is reported from each request's intended send time (no coordinated omission;
 * includes the generator's tick). --tick-us 1000 gives the burstier 1 ms ticks of a setTimeout.
 * --protocol resp drives Tessera's RESP port instead, and --servers tessera,redis,floor runs the
 * same load against redis-server (RESP, persistence as --fsync / --in-memory say; installed with
 * apt when missing) and the Node floor (one Node thread and a Map, bench/_node-floor-server.ts),
 * so a latency tail can be told apart from the machine's, the generator's and Node's own.
 * The last line is one JSON object with every row.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { connect } from "node:net";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import * as hdr from "hdr-histogram-js";
import { TesseraClient } from "@tessera/client";
import { Redis } from "ioredis";
import { ensureRedisTools } from "./_redis-tools.js";
import { freePort, loadGeneratorModule, nodeFloorArgs, tesseraCliArgs, waitReady } from "./_servers.js";
import type { LoadParams, LoadResult } from "./_kv-load.js";
import { describeThreadHop, measureThreadHop } from "./_thread-hop.js";
import { describeWakeupLatency, measureWakeupLatency } from "./_wakeup-latency.js";
import { describeThreadUse, snapshotThreads, threadUse, type ThreadSnapshot } from "./_thread-stats.js";

const HELP = `usage: pnpm bench kv [flags]

Native-port GET/SET throughput and latency against a real server (child process).

flags:
  --partitions LIST    partition counts (default "1,${availableParallelism()}")
  --connections LIST   client connections (default "1,50")
  --pipeline LIST      requests in flight per connection, closed loop (default "1,16")
  --ops LIST           get, set (default "get,set")
  --seconds N          measured seconds per row (default 5), after a warm-up of 1 s
  --rate N             open loop at N ops/s in total (pipeline is ignored); e.g. --rate 50000
  --tick-us N          open loop: send what is due every N µs, 20..1000 (default 100; 1000 = 1 ms bursts)
  --threads N          load-generator threads (default 1; the server needs the other cores)
  --keys N             keyspace size, preloaded for GET (default 100000)
  --value-bytes N      value size (default 32)
  --fsync POLICY       server WAL fsync: always | everysec | no (default everysec); Redis: appendfsync
  --in-memory          run the server without a data dir (no WAL); Redis: no AOF, no RDB
  --protocol P         native | resp: which Tessera port the load uses (default native)
  --servers LIST       tessera, redis, floor (default tessera); redis and floor (the Node floor:
                       one Node thread and a Map, bench/_node-floor-server.ts) are driven over RESP
  --cpu-prof DIR       run the server under node --cpu-prof, profiles written to DIR
  --thread-stats       per row, each busy thread of the server and of the load generator: share of a
                       CPU, µs of CPU a request, time runnable but waiting for a CPU, preemptions
                       (/proc), measured over the row's measured seconds
  --server-node-args "A B"
                       extra Node options for the server process, e.g. "--trace-gc"; what the
                       server prints after its ready line is passed through to stderr
  --heap-sample DIR    run the server under V8's sampling heap profiler: every thread's top
                       allocation sites, written to DIR every 5 s (bench/_heap-sample.mjs)
  --help               this text

Targets: >= 300,000 GET/s pipelined; p99 < 1 ms for GET and SET at 50,000 ops/s.`;

type ServerKind = "tessera" | "redis" | "floor";

interface Flags {
  partitions: number[];
  connections: number[];
  pipeline: number[];
  ops: ("get" | "set")[];
  seconds: number;
  rate: number;
  tickUs: number;
  threads: number;
  keys: number;
  valueBytes: number;
  fsync: string;
  inMemory: boolean;
  cpuProfDir: string | null;
  heapSampleDir: string | null;
  serverNodeArgs: string[];
  threadStats: boolean;
  protocol: "native" | "resp";
  servers: ServerKind[];
}

function parseFlags(argv: readonly string[]): Flags {
  const f: Flags = {
    partitions: [1, availableParallelism()].filter((v, i, a) => a.indexOf(v) === i),
    connections: [1, 50],
    pipeline: [1, 16],
    ops: ["get", "set"],
    seconds: 5,
    rate: 0,
    tickUs: 100,
    threads: 1,
    keys: 100_000,
    valueBytes: 32,
    fsync: "everysec",
    inMemory: false,
    cpuProfDir: null,
    heapSampleDir: null,
    serverNodeArgs: [],
    threadStats: false,
    protocol: "native",
    servers: ["tessera"],
  };
  const list = (v: string, name: string) =>
    v.split(",").map((x) => {
      const n = Number(x);
      if (!Number.isInteger(n) || n < 1) fail(`--${name}: expects positive integers, got '${x}'`);
      return n;
    });
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--help" || a === "-h") {
      console.log(HELP);
      process.exit(0);
    }
    if (a === "--thread-stats") {
      f.threadStats = true;
      continue;
    }
    if (a === "--in-memory") {
      f.inMemory = true;
      continue;
    }
    const v = argv[++i];
    if (v === undefined) fail(`${a} needs a value`);
    switch (a) {
      case "--partitions": f.partitions = list(v, "partitions"); break;
      case "--connections": f.connections = list(v, "connections"); break;
      case "--pipeline": f.pipeline = list(v, "pipeline"); break;
      case "--seconds": f.seconds = list(v, "seconds")[0]!; break;
      case "--rate": f.rate = list(v, "rate")[0]!; break;
      case "--tick-us":
        f.tickUs = list(v, "tick-us")[0]!;
        if (f.tickUs < 20 || f.tickUs > 1000) fail("--tick-us: 20 to 1000");
        break;
      case "--threads": f.threads = list(v, "threads")[0]!; break;
      case "--keys": f.keys = list(v, "keys")[0]!; break;
      case "--value-bytes": f.valueBytes = list(v, "value-bytes")[0]!; break;
      case "--cpu-prof": f.cpuProfDir = v; break;
      case "--heap-sample": f.heapSampleDir = v; break;
      case "--server-node-args": f.serverNodeArgs = v.split(/\s+/).filter((x) => x !== ""); break;
      case "--fsync":
        if (!["always", "everysec", "no"].includes(v)) fail(`--fsync: always, everysec or no`);
        f.fsync = v;
        break;
      case "--protocol":
        if (v !== "native" && v !== "resp") fail(`--protocol: native or resp, got '${v}'`);
        f.protocol = v;
        break;
      case "--servers":
        f.servers = v.split(",").map((s) => {
          if (s !== "tessera" && s !== "redis" && s !== "floor") fail(`--servers: tessera, redis or floor, got '${s}'`);
          return s as ServerKind;
        });
        break;
      case "--ops":
        f.ops = v.split(",").map((o) => {
          if (o !== "get" && o !== "set") fail(`--ops: get or set, got '${o}'`);
          return o as "get" | "set";
        });
        break;
      default:
        fail(`unknown flag '${a}'`);
    }
  }
  return f;
}

function fail(message: string): never {
  console.error(`pnpm bench kv: ${message}\n\n${HELP}`);
  process.exit(2);
}

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "..");

interface Server {
  /** What the rows call it: tessera, tessera-resp, redis or node-floor. */
  name: string;
  protocol: "native" | "resp";
  child: ChildProcess;
  /** The port the load goes to. */
  port: number;
  dataDir: string | null;
}

async function startServer(partitions: number, flags: Flags): Promise<Server> {
  const dataDir = flags.inMemory ? null : mkdtempSync(join(tmpdir(), "tessera-bench-kv-"));
  const prof = flags.cpuProfDir === null ? [] : ["--cpu-prof", "--cpu-prof-dir", flags.cpuProfDir];
  if (flags.heapSampleDir !== null) {
    mkdirSync(flags.heapSampleDir, { recursive: true });
    prof.push("--import", join(repoRoot, "bench/_heap-sample.mjs"));
  }
  prof.push(...flags.serverNodeArgs);
  const args = [...tesseraCliArgs(prof), "serve", "--port", "0", "--resp-port", flags.protocol === "resp" ? String(await freePort()) : "0", "--admin-port", "0", "--partitions", String(partitions), "--data-dir", dataDir ?? "", "--fsync", flags.fsync];
  const env = flags.heapSampleDir === null ? process.env : { ...process.env, TESSERA_HEAP_SAMPLE_DIR: flags.heapSampleDir };
  const child = spawn(process.execPath, args, { cwd: repoRoot, env, stdio: ["ignore", "pipe", "inherit"] });
  let out = "";
  let ready = false;
  const port = await new Promise<number>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`server not ready in 60 s: ${out}`)), 60_000);
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (ready) return;
      const m = /tessera ready native=[^:\s]+:(\d+) resp=[^:\s]+:(\d+)/.exec(out) ?? /tessera ready native=[^:\s]+:(\d+)/.exec(out);
      if (m !== null) {
        ready = true;
        clearTimeout(t);
        // Diagnostics asked for with --server-node-args (e.g. --trace-gc) print to stdout.
        if (flags.serverNodeArgs.length > 0) child.stdout!.on("data", (more: Buffer) => process.stderr.write(more));
        resolve(Number(flags.protocol === "resp" ? m[2] : m[1]));
      }
    });
    child.once("exit", (code) => reject(new Error(`server exited (${code}) before ready: ${out}`)));
  });
  return { name: flags.protocol === "resp" ? "tessera-resp" : "tessera", protocol: flags.protocol, child, port, dataDir };
}

async function startRedis(flags: Flags): Promise<Server> {
  ensureRedisTools();
  const dataDir = mkdtempSync(join(tmpdir(), "tessera-bench-kv-redis-"));
  const port = await freePort();
  const persistence = flags.inMemory ? ["--appendonly", "no"] : ["--appendonly", "yes", "--appendfsync", flags.fsync];
  const child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dataDir, "--save", "", "--daemonize", "no", ...persistence], { stdio: "ignore" });
  await waitReady(port, child, "redis-server");
  return { name: "redis", protocol: "resp", child, port, dataDir };
}

/** The Node floor (no persistence, whatever --fsync says): how far Node alone gets on this machine. */
async function startFloor(): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, [...nodeFloorArgs(), "--port", String(port)], { stdio: "ignore" });
  await waitReady(port, child, "node floor server");
  return { name: "node-floor", protocol: "resp", child, port, dataDir: null };
}

async function stopServer(s: Server): Promise<void> {
  const exited = new Promise((r) => s.child.once("exit", r));
  s.child.kill("SIGTERM");
  const t = setTimeout(() => s.child.kill("SIGKILL"), 15_000);
  await exited;
  clearTimeout(t);
  if (s.dataDir !== null) rmSync(s.dataDir, { recursive: true, force: true });
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m === null ? 0 : Number(m[1]) * 1024;
}

async function preload(server: Server, flags: Flags): Promise<void> {
  if (server.name === "node-floor") return preloadFloor(server.port, flags);
  if (server.protocol === "resp") return preloadResp(server.port, flags);
  const c = await TesseraClient.connect({ port: server.port, reconnect: false });
  const value = Buffer.alloc(flags.valueBytes, 0x61);
  const batch: [string, Buffer][] = [];
  const pending: Promise<unknown>[] = [];
  for (let i = 0; i < flags.keys; i++) {
    batch.push([`key:${i}`, value]);
    if (batch.length === 1000 || i === flags.keys - 1) {
      pending.push(c.mset(batch.splice(0)));
      if (pending.length >= 16) await Promise.all(pending.splice(0));
    }
  }
  await Promise.all(pending);
  await c.close();
}

/** The same keys through RESP (Redis, or Tessera's RESP port), MSET 1000 at a time. */
async function preloadResp(port: number, flags: Flags): Promise<void> {
  const c = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 });
  await c.connect();
  const value = Buffer.alloc(flags.valueBytes, 0x61);
  for (let i = 0; i < flags.keys; i += 1000) {
    const args: (string | Buffer)[] = [];
    for (let k = i; k < Math.min(flags.keys, i + 1000); k++) args.push(`key:${k}`, value);
    await c.mset(...args);
  }
  c.disconnect();
}

/**
 * The Node floor answers only GET, SET, PING and CONFIG (ioredis's connect-time commands fail
 * there), so its keys go in as raw RESP SETs on one socket, all written, then every +OK counted.
 */
async function preloadFloor(port: number, flags: Flags): Promise<void> {
  const sock = connect({ port, host: "127.0.0.1" });
  await once(sock, "connect");
  const value = "a".repeat(flags.valueBytes);
  let oks = 0;
  let tail = "";
  const done = new Promise<void>((resolve, reject) => {
    sock.on("error", reject);
    sock.on("data", (d: Buffer) => {
      const text = tail + d.toString("latin1");
      if (text.includes("-")) reject(new Error(`node floor refused a SET: ${text.slice(0, 200)}`));
      const lines = text.split("\r\n");
      tail = lines.pop()!;
      oks += lines.length;
      if (oks >= flags.keys) resolve();
    });
  });
  for (let i = 0; i < flags.keys; i += 1000) {
    let batch = "";
    for (let k = i; k < Math.min(flags.keys, i + 1000); k++) {
      const key = `key:${k}`;
      batch += `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${value.length}\r\n${value}\r\n`;
    }
    if (!sock.write(batch)) await once(sock, "drain");
  }
  await done;
  sock.destroy();
}

// The load generator runs bundled (like the server), so no tsx loader thread shares the CPUs
// with it and the server.
const loadGenerator = loadGeneratorModule();

function runThread(params: LoadParams): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(loadGenerator, { workerData: params });
    w.once("message", (m: LoadResult) => {
      resolve(m);
      void w.terminate();
    });
    w.once("error", reject);
  });
}

interface Row {
  server: string;
  /** 0 for Redis. */
  partitions: number;
  op: string;
  connections: number;
  pipeline: number;
  rate: number;
  opsPerSec: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
  /** Open loop: p99 measured from the intended send time. */
  scheduledP99Us: number;
  errors: number;
  serverRssMb: number;
}

async function runRow(server: Server, flags: Flags, partitions: number, op: "get" | "set", connections: number, pipeline: number): Promise<Row> {
  const threads = Math.min(flags.threads, connections);
  const parts: Promise<LoadResult>[] = [];
  for (let t = 0; t < threads; t++) {
    const share = Math.floor(connections / threads) + (t < connections % threads ? 1 : 0);
    parts.push(
      runThread({
        port: server.port,
        protocol: server.protocol,
        connections: share,
        pipeline,
        op,
        keys: flags.keys,
        valueBytes: flags.valueBytes,
        warmupMs: 1000,
        measureMs: flags.seconds * 1000,
        rate: flags.rate === 0 ? 0 : (flags.rate * share) / connections,
        tickUs: flags.tickUs,
        seed: 0x9e3779b9 ^ (t + 1),
      }),
    );
  }
  // --thread-stats: /proc snapshots of both processes 1 s in (the load threads' warm-up) and --seconds
  // later: close to the measured window, which starts once each load thread has connected.
  const snaps: { server: ThreadSnapshot[]; generator: ThreadSnapshot[] } = { server: [], generator: [] };
  const take = (): void => {
    snaps.server.push(snapshotThreads(server.child.pid!));
    snaps.generator.push(snapshotThreads(process.pid));
  };
  let windowEnd: NodeJS.Timeout | null = null;
  const windowStart = flags.threadStats
    ? setTimeout(() => {
        take();
        windowEnd = setTimeout(take, flags.seconds * 1000);
      }, 1000)
    : null;
  let results: LoadResult[];
  try {
    results = await Promise.all(parts);
  } finally {
    if (windowStart !== null) clearTimeout(windowStart);
    if (windowEnd !== null) clearTimeout(windowEnd);
  }
  const build = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
  const merged = build();
  const scheduled = build();
  let ops = 0;
  let errors = 0;
  let elapsedMs = 0;
  for (const r of results) {
    merged.add(hdr.decodeFromCompressedBase64(r.histogram));
    scheduled.add(hdr.decodeFromCompressedBase64(r.scheduledHistogram));
    ops += r.ops;
    errors += r.errors;
    elapsedMs = Math.max(elapsedMs, r.elapsedMs);
  }
  if (snaps.server.length === 2) {
    const windowMs = flags.seconds * 1000;
    const [sb, sa] = snaps.server as [ThreadSnapshot, ThreadSnapshot];
    const [gb, ga] = snaps.generator as [ThreadSnapshot, ThreadSnapshot];
    for (const line of describeThreadUse(server.name, threadUse(server.child.pid!, sb, sa, windowMs), windowMs, ops)) console.log(line);
    for (const line of describeThreadUse("generator", threadUse(process.pid, gb, ga, windowMs), windowMs, ops)) console.log(line);
  }
  return {
    server: server.name,
    partitions,
    op,
    connections,
    pipeline: flags.rate === 0 ? pipeline : 0,
    rate: flags.rate,
    opsPerSec: Math.round((ops * 1000) / elapsedMs),
    p50Us: merged.getValueAtPercentile(50),
    p99Us: merged.getValueAtPercentile(99),
    p999Us: merged.getValueAtPercentile(99.9),
    maxUs: merged.maxValue,
    scheduledP99Us: scheduled.getValueAtPercentile(99),
    errors,
    serverRssMb: Math.round(rssBytes(server.child.pid!) / (1024 * 1024)),
  };
}

function printRow(r: Row | null): void {
  const cols: [string, number][] = [["server", 12], ["partitions", 10], ["op", 4], ["conns", 6], ["pipeline", 8], ["rate", 7], ["ops/s", 10], ["p50 us", 8], ["p99 us", 8], ["p99.9 us", 9], ["max us", 8], ["sched p99", 10], ["errors", 7], ["rss MB", 7]];
  if (r === null) {
    console.log(cols.map(([h, w]) => h.padStart(w)).join(" "));
    return;
  }
  const vals = [r.server, r.server.startsWith("tessera") ? r.partitions : "-", r.op, r.connections, r.rate === 0 ? r.pipeline : "-", r.rate === 0 ? "-" : r.rate, r.opsPerSec, r.p50Us, r.p99Us, r.p999Us, r.maxUs, r.rate === 0 ? "-" : r.scheduledP99Us, r.errors, r.serverRssMb];
  console.log(vals.map((v, i) => String(v).padStart(cols[i]![1])).join(" "));
}

const flags = parseFlags(process.argv.slice(3));
console.log(
  `bench kv: ${cpus().length} CPUs (${cpus()[0]?.model ?? "?"}), node ${process.version}; server ${flags.inMemory ? "in-memory" : `WAL fsync ${flags.fsync}`}; ${flags.keys} keys, ${flags.valueBytes}-byte values; ${flags.seconds} s per row after 1 s warm-up; ${flags.threads} load thread(s)` +
    (flags.rate > 0 ? `; open loop at ${flags.rate} ops/s, sending every ${flags.tickUs} µs` : "; closed loop"),
);
const wakeup = measureWakeupLatency();
console.log(describeWakeupLatency(wakeup));
const threadHop = await measureThreadHop();
console.log(describeThreadHop(threadHop));
printRow(null);
const rows: Row[] = [];
// Redis, when asked for, first: one run (it has no partitions).
const runs: { kind: ServerKind; partitions: number }[] = [];
if (flags.servers.includes("redis")) runs.push({ kind: "redis", partitions: 0 });
if (flags.servers.includes("floor")) runs.push({ kind: "floor", partitions: 0 });
if (flags.servers.includes("tessera")) for (const partitions of flags.partitions) runs.push({ kind: "tessera", partitions });
for (const run of runs) {
  const server = run.kind === "redis" ? await startRedis(flags) : run.kind === "floor" ? await startFloor() : await startServer(run.partitions, flags);
  try {
    await preload(server, flags);
    for (const op of flags.ops) {
      for (const connections of flags.connections) {
        for (const pipeline of flags.rate === 0 ? flags.pipeline : [1]) {
          const row = await runRow(server, flags, run.partitions, op, connections, pipeline);
          rows.push(row);
          printRow(row);
        }
      }
    }
  } finally {
    await stopServer(server);
  }
}
console.log(JSON.stringify({ bench: "kv", cpus: cpus().length, fsync: flags.inMemory ? "in-memory" : flags.fsync, keys: flags.keys, valueBytes: flags.valueBytes, seconds: flags.seconds, wakeup, threadHop, rows }));
