/**
 * `pnpm bench profile [--partitions 1] [--pipeline 1] [--test get] [--requests 300000] [--top 15]`
 *
 * Where a server's time goes under a redis-benchmark load: starts `tessera serve` (in-memory)
 * under `node --cpu-prof`, drives its RESP port with redis-benchmark (200 B values, 100 k
 * random keys, 50 connections), stops it, and prints for each thread (the router, then each
 * partition worker) how busy it was and the functions with the most self time, as a share of
 * that thread's busy samples. Also prints the server's CPU time per request (user + system,
 * all threads, from /proc), the figure to set against Redis's (`pnpm bench vs-redis` prints
 * both). Profiles are kept under bench/results/profiles/<date>/ for Chrome DevTools.
 * Installs redis-tools with apt when redis-benchmark is missing. Last line: one JSON object.
 */
import { spawn, spawnSync } from "node:child_process";
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, stopProcess, tesseraCliArgs, waitReady } from "./_servers.js";
import { ensureRedisTools } from "./_redis-tools.js";
import { processCpuUs } from "./_process-cpu.js";

const HELP = `usage: pnpm bench profile [flags]

CPU profile of Tessera (router thread and partition workers) under a redis-benchmark load.

flags:
  --partitions N    partition workers (default 1)
  --pipeline N      redis-benchmark -P (default 1)
  --test NAME       get | set (default get; SET runs first either way to fill the keyspace)
  --requests N      requests of the profiled test (default 300000)
  --top N           functions listed per thread (default 15)
  --help            this text`;

function flag(name: string, fallback: string): string {
  const args = process.argv.slice(3);
  if (args.includes("--help")) {
    console.log(HELP);
    process.exit(0);
  }
  const i = args.indexOf(`--${name}`);
  return i >= 0 && args[i + 1] !== undefined ? args[i + 1]! : fallback;
}

const PARTITIONS = Number(flag("partitions", "1"));
const PIPELINE = Number(flag("pipeline", "1"));
const TEST = flag("test", "get");
const REQUESTS = Number(flag("requests", "300000"));
const TOP = Number(flag("top", "15"));
if (!(PARTITIONS >= 1) || !(PIPELINE >= 1) || !(REQUESTS >= 1000) || (TEST !== "get" && TEST !== "set")) {
  console.error(`pnpm bench profile: bad flags\n\n${HELP}`);
  process.exit(2);
}

interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  startTime: number;
  endTime: number;
}

interface ThreadSummary {
  file: string;
  /** "router", "partition worker", or "helper" (any other thread, e.g. a module loader's). */
  role: string;
  busyShare: number;
  top: { name: string; shareOfBusy: number }[];
}

/** Self-time shares per function, idle excluded; `(program)` and `(garbage collector)` kept. */
function summarize(file: string): ThreadSummary {
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const counts = new Map<string, number>();
  let idle = 0;
  for (const id of profile.samples) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === "(idle)") {
      idle++;
      continue;
    }
    const where = frame.url === "" ? "" : ` ${frame.url.split("/").pop()}`;
    const name = `${frame.functionName || "(anonymous)"}${where}`;
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  const busy = profile.samples.length - idle;
  const url = (part: string) => profile.nodes.some((n) => n.callFrame.url.includes(part));
  const role = url("tessera.mjs") ? "router" : url("partition-worker") ? "partition worker" : "helper";
  const top = [...counts.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, TOP)
    .map(([name, n]) => ({ name, shareOfBusy: busy === 0 ? 0 : n / busy }));
  return { file, role, busyShare: profile.samples.length === 0 ? 0 : busy / profile.samples.length, top };
}

function benchmark(port: number, test: string, requests: number, pipeline = PIPELINE): string {
  const args = ["-h", "127.0.0.1", "-p", String(port), "-t", test, "-d", "200", "-r", "100000", "-c", "50", "-P", String(pipeline), "-n", String(requests), "-q"];
  const r = spawnSync("redis-benchmark", args, { encoding: "utf8", timeout: 600_000 });
  if (r.status !== 0) throw new Error(`redis-benchmark ${args.join(" ")} failed (exit ${r.status}): ${r.stderr}`);
  return r.stdout.split(/[\r\n]/).filter((l) => l.includes("requests per second")).pop() ?? "";
}

ensureRedisTools();
const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "..");
const profDir = join(here, "results", "profiles", new Date().toISOString().replace(/[:]/g, "-").replace(/\..*$/, ""));
mkdirSync(profDir, { recursive: true });
const port = await freePort();
const log = openSync(join(profDir, "server.log"), "a");
const child = spawn(
  process.execPath,
  [...tesseraCliArgs(["--cpu-prof", `--cpu-prof-dir=${profDir}`]), "serve", "--host", "127.0.0.1", "--port", "0", "--resp-port", String(port), "--admin-port", "0", "--partitions", String(PARTITIONS), "--data-dir", ""],
  { cwd: repoRoot, stdio: ["ignore", log, log] },
);
closeSync(log);
await waitReady(port, child, "tessera");
console.log(`profile: ${PARTITIONS} partition(s), redis-benchmark -t ${TEST} -P ${PIPELINE} -c 50 -d 200 -r 100000 -n ${REQUESTS}`);
// Fill the keyspace quickly (pipelined) so the profile is mostly the measured test.
console.log(`warm-up: ${benchmark(port, "set", 200_000, 16)}`);
const cpu0 = processCpuUs(child.pid!);
const line = benchmark(port, TEST, REQUESTS);
const cpuUsPerRequest = (processCpuUs(child.pid!) - cpu0) / REQUESTS;
console.log(`measured: ${line}`);
console.log(`server CPU per request (user + system, all threads): ${cpuUsPerRequest.toFixed(2)} us`);
await stopProcess(child); // SIGTERM: the profiles are written on the way out

// Node names profiles CPU.<date>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is the router.
const files = readdirSync(profDir)
  .filter((f) => f.endsWith(".cpuprofile"))
  .sort((a, b) => Number(a.split(".")[3]) - Number(b.split(".")[3]));
// Other threads are left out (the bundled server has none; run from source, tsx's loader
// thread only works at start-up).
const threads = files.map((f) => summarize(join(profDir, f))).filter((t) => t.role !== "helper");
for (const t of threads) {
  console.log(`\n${t.role}: busy ${(t.busyShare * 100).toFixed(1)} % of its profile, start-up included (${t.file.split("/").pop()})`);
  for (const f of t.top) console.log(`  ${(f.shareOfBusy * 100).toFixed(1).padStart(5)} %  ${f.name}`);
}
console.log(`\nprofiles: ${profDir} (open in Chrome DevTools > Performance)`);
console.log(
  JSON.stringify({
    bench: "profile",
    partitions: PARTITIONS,
    pipeline: PIPELINE,
    test: TEST,
    cpuUsPerRequest: Number(cpuUsPerRequest.toFixed(2)),
    threads: threads.map((t) => ({
      role: t.role, busyShare: Number(t.busyShare.toFixed(3)), top: t.top.slice(0, 8).map((f) => ({ name: f.name, shareOfBusy: Number(f.shareOfBusy.toFixed(3)) })) })),
  }),
);
