/**
 * `pnpm bench durability [--requests 200000] [--clients 50] [--pipelines 1,16] [--partitions 2]
 *                        [--policies always,everysec,no] [--redis yes|no]`
 *
 * SET throughput and latency under each fsync policy, Tessera and Redis side by side in one run,
 * both driven by the same load generator (redis-benchmark -t set -d 200 -r 1000000 over RESP).
 * Tessera runs `tessera serve --fsync <policy>`; Redis runs `--appendonly yes --appendfsync
 * <policy>` with RDB saves off. Each server gets a fresh data directory on the same disk.
 * Also measures raw fdatasync latency of 4 KiB writes on that disk (the floor under `always`),
 * appending and into a preallocated file.
 * Installs redis-server and redis-tools with apt-get when missing (redis-benchmark drives both
 * servers); `--redis no` skips Redis but still needs redis-benchmark.
 * Prints a table and, last, one JSON line.
 */
import { execFileSync, spawn } from "node:child_process";
import { closeSync, fdatasyncSync, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, stopProcess, tesseraCliArgs, waitReady } from "./_servers.js";
import { ensureRedisTools, haveCommand } from "./_redis-tools.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

function flag(name: string, fallback: string): string {
  const argv = process.argv.slice(3);
  const i = argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1]! : fallback;
}
if (process.argv.includes("--help")) {
  console.log(
    "usage: pnpm bench durability [--requests 200000] [--clients 50] [--pipelines 1,16] [--partitions 2] [--policies always,everysec,no] [--redis yes|no]",
  );
  process.exit(0);
}
const REQUESTS = Number(flag("requests", "200000"));
const CLIENTS = Number(flag("clients", "50"));
const PIPELINES = flag("pipelines", "1,16").split(",").map(Number);
const PARTITIONS = Number(flag("partitions", "2"));
const POLICIES = flag("policies", "always,everysec,no").split(",");
const VALUE_BYTES = 200;

// redis-benchmark drives both servers, so the tools are needed even with --redis no.
const WITH_REDIS = flag("redis", "yes") === "yes";
if (WITH_REDIS) ensureRedisTools();
else if (!haveCommand("redis-benchmark")) {
  console.error("redis-benchmark not found (it drives both servers): apt-get update && apt-get install -y redis-tools");
  process.exit(2);
}

interface Result {
  server: "tessera" | "redis";
  fsync: string;
  pipeline: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** redis-benchmark --csv: "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms" */
function loadSet(port: number, pipeline: number): Omit<Result, "server" | "fsync" | "pipeline"> {
  const requests = pipeline === 1 ? REQUESTS : REQUESTS * 4;
  const out = execFileSync(
    "redis-benchmark",
    ["-h", "127.0.0.1", "-p", String(port), "-t", "set", "-d", String(VALUE_BYTES), "-c", String(CLIENTS), "-P", String(pipeline), "-n", String(requests), "-r", "1000000", "--csv"],
    { encoding: "utf8", maxBuffer: 1 << 20, timeout: 300_000 },
  );
  const line = out
    .trim()
    .split("\n")
    .find((l) => l.startsWith('"SET"'));
  if (line === undefined) throw new Error(`unexpected redis-benchmark output:\n${out}`);
  const f = line.split(",").map((x) => Number(x.replaceAll('"', "")));
  return { rps: Math.round(f[1]!), p50Ms: f[4]!, p99Ms: f[6]!, maxMs: f[7]! };
}

async function runTessera(fsync: string): Promise<Result[]> {
  const dir = mkdtempSync(join(tmpdir(), "tessera-bench-durability-"));
  const [port, respPort] = [await freePort(), await freePort()];
  const proc = spawn(
    process.execPath,
    [...tesseraCliArgs(), "serve", "--data-dir", dir, "--fsync", fsync, "--partitions", String(PARTITIONS), "--host", "127.0.0.1", "--port", String(port), "--resp-port", String(respPort), "--admin-port", "0"],
    { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] },
  );
  try {
    await waitReady(respPort, proc, "tessera");
    return PIPELINES.map((pipeline) => ({ server: "tessera" as const, fsync, pipeline, ...loadSet(respPort, pipeline) }));
  } finally {
    await stopProcess(proc);
    rmSync(dir, { recursive: true, force: true });
  }
}

async function runRedis(fsync: string): Promise<Result[]> {
  const dir = mkdtempSync(join(tmpdir(), "tessera-bench-redis-aof-"));
  const port = await freePort();
  const proc = spawn(
    "redis-server",
    ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--appendonly", "yes", "--appendfsync", fsync, "--save", "", "--auto-aof-rewrite-percentage", "0"],
    { stdio: "ignore" },
  );
  try {
    await waitReady(port, proc, "redis-server");
    return PIPELINES.map((pipeline) => ({ server: "redis" as const, fsync, pipeline, ...loadSet(port, pipeline) }));
  } finally {
    await stopProcess(proc);
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * fdatasync latency of 4 KiB writes in the temp dir: the disk's floor under `always`. "append"
 * grows the file, as the WAL does, so each fdatasync also commits the new size to the
 * filesystem journal; "preallocated" writes into a file already written with zeros and synced,
 * which is what a WAL that prepared its segments ahead would pay.
 */
function fsyncFloor(mode: "append" | "preallocated", samples = 500): { p50Us: number; p99Us: number; meanUs: number } {
  const dir = mkdtempSync(join(tmpdir(), "tessera-bench-fsync-"));
  const fd = openSync(join(dir, "probe"), "w");
  const buf = Buffer.alloc(4096, 1);
  const us: number[] = [];
  try {
    if (mode === "preallocated") {
      const zeros = Buffer.alloc(samples * buf.length);
      writeSync(fd, zeros, 0, zeros.length, 0);
      fdatasyncSync(fd);
    }
    for (let i = 0; i < samples; i++) {
      writeSync(fd, buf, 0, buf.length, i * buf.length);
      const t0 = performance.now();
      fdatasyncSync(fd);
      us.push((performance.now() - t0) * 1000);
    }
  } finally {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  }
  us.sort((a, b) => a - b);
  return {
    p50Us: Math.round(us[Math.floor(samples * 0.5)]!),
    p99Us: Math.round(us[Math.floor(samples * 0.99)]!),
    meanUs: Math.round(us.reduce((a, b) => a + b, 0) / samples),
  };
}

const fsyncLatency = fsyncFloor("append");
const fsyncLatencyPreallocated = fsyncFloor("preallocated");
const results: Result[] = [];
for (const policy of POLICIES) {
  results.push(...(await runTessera(policy)));
  if (WITH_REDIS) results.push(...(await runRedis(policy)));
}

console.log(
  `durability: SET -d ${VALUE_BYTES} -c ${CLIENTS} -r 1000000, ${PARTITIONS} Tessera partitions; fdatasync 4 KiB: appending p50 ${fsyncLatency.p50Us} us, p99 ${fsyncLatency.p99Us} us; into a preallocated file p50 ${fsyncLatencyPreallocated.p50Us} us, p99 ${fsyncLatencyPreallocated.p99Us} us`,
);
console.log("fsync     pipeline  tessera SET/s  p99 ms   redis SET/s  p99 ms   tessera/redis");
for (const policy of POLICIES) {
  for (const pipeline of PIPELINES) {
    const t = results.find((r) => r.server === "tessera" && r.fsync === policy && r.pipeline === pipeline)!;
    const r = results.find((x) => x.server === "redis" && x.fsync === policy && x.pipeline === pipeline);
    console.log(
      `${policy.padEnd(9)} ${String(pipeline).padStart(8)}  ${String(t.rps).padStart(13)}  ${t.p99Ms.toFixed(2).padStart(6)}  ${r === undefined ? "-".padStart(12) : String(r.rps).padStart(12)}  ${r === undefined ? "-".padStart(6) : r.p99Ms.toFixed(2).padStart(6)}   ${r === undefined ? "-" : (t.rps / r.rps).toFixed(2)}`,
    );
  }
}
console.log(JSON.stringify({ bench: "durability", clients: CLIENTS, valueBytes: VALUE_BYTES, partitions: PARTITIONS, fsyncLatency, fsyncLatencyPreallocated, results }));
