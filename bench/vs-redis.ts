/**
 * `pnpm bench vs-redis [--quick] [--requests N] [--reps N] [--partitions 1,4]`
 *
 * Tessera's RESP port against Redis under the same redis-benchmark load, side by side:
 *   redis-benchmark -t get,set -d 200 -r 100000 -c 50 -P {1,16} -n N --csv
 * Section 1: persistence off (Redis --save '' --appendonly no; Tessera in-memory, --data-dir "").
 * Section 2: fsync every second on both (Redis AOF everysec; Tessera WAL --fsync everysec),
 *            skipped with the reason when Tessera writes no WAL files at run time.
 * Tessera runs with 1 partition and with one partition per core. Runs alternate between the two
 * servers (Redis first on even repetitions, Tessera first on odd ones) so drift on a shared
 * machine hits both; each figure is the median of the repetitions.
 * The persistence-off section also runs the Node floor (bench/_node-floor-server.ts: one Node
 * thread, Tessera's RESP parser, a Map) under the same load, so the table shows how much of the
 * distance to Redis is Node's own socket path and how much is Tessera's (`--no-floor` skips it).
 *
 * Prints a table (throughput, p50/p99, ratio Tessera/Redis per row), writes the raw results to
 * bench/results/vs-redis-<date>.json and a bar chart to bench/results/vs-redis-<date>.svg, and
 * ends with one JSON line of ratios. Installs redis-server and redis-tools with apt if missing.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, nodeFloorArgs, tesseraCliArgs, waitReady } from "./_servers.js";
import { barChartSvg } from "./_svg-chart.js";
import { processCpuUs } from "./_process-cpu.js";
import { ensureRedisTools } from "./_redis-tools.js";
import { describeThreadHop, measureThreadHop } from "./_thread-hop.js";

const HELP = `usage: pnpm bench vs-redis [flags]

Runs the same redis-benchmark load (GET/SET, 200-byte values, 100k random keys, 50 clients,
pipeline 1 and 16) against Redis and against Tessera's RESP port, alternating, and prints
throughput, p50/p99 latency and the Tessera/Redis ratio per row.

flags:
  --quick             fewer requests and repetitions (for development)
  --requests N        requests per redis-benchmark run at pipeline 1 (default 200000; --quick 30000);
                      pipeline 16 runs 5x as many, so each run lasts about as long (>= 1 s)
  --reps N            repetitions per row (default 3; --quick 1)
  --partitions LIST   Tessera partition counts to run (default "1,<cores>")
  --sections LIST     which sections: nopersist,everysec (default both)
  --cpu-prof          run Tessera with --cpu-prof (profiles land in bench/results/profiles/)
  --no-floor          skip the Node floor (a single-threaded Node RESP server over a Map,
                      run in the persistence-off section as a reference; see the table's
                      "floor" columns)
  --help              this text

Targets: Tessera/Redis >= 0.55 at pipeline 1, >= 0.65 at pipeline 16; p99 <= 2x Redis.
Outputs: bench/results/vs-redis-<date>.json (raw runs), .svg (chart), last line = JSON ratios.`;

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, "..");
/** Pipelined runs get this many times --requests (see the help). */
const PIPELINED_REQUESTS_FACTOR = 5;

interface Flags {
  quick: boolean;
  requests: number;
  reps: number;
  partitions: number[];
  sections: SectionName[];
  cpuProf: boolean;
  floor: boolean;
}

type SectionName = "nopersist" | "everysec";

function parseFlags(argv: readonly string[]): Flags | null {
  const cores = availableParallelism();
  const f: Flags = {
    quick: false,
    requests: 0,
    reps: 0,
    partitions: [...new Set([1, cores])],
    sections: ["nopersist", "everysec"],
    cpuProf: false,
    floor: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    if (a === "--help" || a === "-h") return null;
    else if (a === "--quick") f.quick = true;
    else if (a === "--requests") f.requests = positiveInt(a, value());
    else if (a === "--reps") f.reps = positiveInt(a, value());
    else if (a === "--partitions") f.partitions = value().split(",").map((p) => positiveInt(a, p));
    else if (a === "--sections") {
      f.sections = value().split(",").map((s) => {
        if (s !== "nopersist" && s !== "everysec") throw new Error(`--sections: unknown section '${s}' (nopersist, everysec)`);
        return s;
      });
    } else if (a === "--cpu-prof") f.cpuProf = true;
    else if (a === "--no-floor") f.floor = false;
    else throw new Error(`unknown flag '${a}' (see --help)`);
  }
  if (f.requests === 0) f.requests = f.quick ? 30_000 : 200_000;
  if (f.reps === 0) f.reps = f.quick ? 1 : 3;
  return f;
}

function positiveInt(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${flag}: expects a positive integer, got '${text}'`);
  return n;
}

// ---- servers -----------------------------------------------------------------------------

interface RunningServer {
  name: string;
  port: number;
  child: ChildProcess;
  dataDir: string;
  logFile: string;
}

const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
});
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    process.exit(130);
  });
}

function startProcess(name: string, cmd: string, args: string[], logFile: string, env?: NodeJS.ProcessEnv): ChildProcess {
  // Output goes to a file, never a pipe: a pipe nobody drains (we block in spawnSync while
  // redis-benchmark runs) would stall the server.
  const fd = openSync(logFile, "a");
  const child = spawn(cmd, args, { cwd: repoRoot, stdio: ["ignore", fd, fd], env: env ?? process.env });
  closeSync(fd);
  children.add(child);
  child.on("exit", () => children.delete(child));
  void name;
  return child;
}

async function stopProcess(child: ChildProcess, timeoutMs = 15_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  await exited;
  clearTimeout(timer);
}

async function startRedis(section: SectionName, workDir: string): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(workDir, "redis-"));
  const logFile = join(workDir, `redis-${section}.log`);
  const persistence =
    section === "nopersist" ? ["--save", "", "--appendonly", "no"] : ["--save", "", "--appendonly", "yes", "--appendfsync", "everysec"];
  const child = startProcess("redis", "redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dataDir, "--daemonize", "no", ...persistence], logFile);
  await waitReady(port, child, "redis-server");
  return { name: "redis", port, child, dataDir, logFile };
}

async function startTessera(section: SectionName, partitions: number, workDir: string, cpuProf: string | null): Promise<RunningServer> {
  const port = await freePort();
  const dataDir = mkdtempSync(join(workDir, `tessera-${partitions}p-`));
  // Persistence off = in-memory (--data-dir ""), the match for Redis without RDB/AOF.
  const dataDirArg = section === "nopersist" ? "" : dataDir;
  const logFile = join(workDir, `tessera-${section}-${partitions}p.log`);
  const args = [
    ...tesseraCliArgs(cpuProf === null ? [] : ["--cpu-prof", `--cpu-prof-dir=${cpuProf}`]),
    "serve",
    "--host", "127.0.0.1",
    "--port", "0",
    "--resp-port", String(port),
    "--admin-port", "0",
    "--partitions", String(partitions),
    "--data-dir", dataDirArg,
    "--fsync", section === "nopersist" ? "no" : "everysec",
  ];
  const child = startProcess("tessera", process.execPath, args, logFile);
  await waitReady(port, child, `tessera (${partitions} partitions; log ${logFile})`);
  return { name: `tessera-${partitions}p`, port, child, dataDir, logFile };
}

/** The Node floor server (persistence off only: it has none). */
async function startFloor(workDir: string): Promise<RunningServer> {
  const port = await freePort();
  const logFile = join(workDir, "node-floor.log");
  const child = startProcess("node-floor", process.execPath, [...nodeFloorArgs(), "--port", String(port)], logFile);
  await waitReady(port, child, `node floor server (log ${logFile})`);
  return { name: "node-floor", port, child, dataDir: "", logFile };
}

/** Bytes in files under dir (recursively): how we tell whether Tessera wrote a WAL. */
function bytesUnder(dir: string): number {
  let total = 0;
  if (!existsSync(dir)) return 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += bytesUnder(p);
    else if (e.isFile()) total += statSync(p).size;
  }
  return total;
}

// ---- load --------------------------------------------------------------------------------

interface BenchRow {
  test: "SET" | "GET";
  rps: number;
  avgMs: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** CPU time (user + system, all threads) the server spent per request; NaN when not measured. */
  cpuUsPerRequest: number;
  /**
   * Tessera only, from INFO stats: requests per batch handed to a partition worker, and the
   * share of batches that had to wake a sleeping worker (each a cross-thread wake-up).
   */
  requestsPerBatch?: number;
  wakeupsPerBatch?: number;
}

/** Tessera's hop counters (INFO stats), or null for a server without them (Redis). */
function hopCounters(port: number): { requests: number; batches: number; wakeups: number } | null {
  const r = spawnSync("redis-cli", ["-h", "127.0.0.1", "-p", String(port), "INFO", "stats"], { encoding: "utf8", timeout: 10_000 });
  const field = (name: string) => {
    const m = new RegExp(`^${name}:(\\d+)`, "m").exec(r.stdout ?? "");
    return m === null ? null : Number(m[1]);
  };
  const requests = field("tessera_partition_requests");
  const batches = field("tessera_partition_batches");
  const wakeups = field("tessera_partition_wakeups");
  return requests === null || batches === null || wakeups === null ? null : { requests, batches, wakeups };
}

/**
 * One redis-benchmark run per test (SET, then GET), so the server's CPU time can be charged to
 * each: CPU per request is the figure that says how far apart the servers are when the load
 * generator shares the cores, whatever the throughput happened to be.
 */
function runRedisBenchmark(port: number, pipeline: number, requests: number, serverPid?: number): BenchRow[] {
  const rows: BenchRow[] = [];
  for (const test of ["set", "get"]) {
    const args = ["-h", "127.0.0.1", "-p", String(port), "-t", test, "-d", "200", "-r", "100000", "-c", "50", "-P", String(pipeline), "-n", String(requests), "--csv"];
    const hop0 = serverPid === undefined ? null : hopCounters(port);
    const cpu0 = processCpuUs(serverPid);
    const r = spawnSync("redis-benchmark", args, { encoding: "utf8", timeout: 600_000 });
    const cpu1 = processCpuUs(serverPid);
    const hop1 = hop0 === null ? null : hopCounters(port);
    if (r.status !== 0) throw new Error(`redis-benchmark ${args.join(" ")} failed (exit ${r.status}): ${r.stderr}`);
    const hop =
      hop0 !== null && hop1 !== null && hop1.batches > hop0.batches
        ? {
            requestsPerBatch: Math.round(((hop1.requests - hop0.requests) / (hop1.batches - hop0.batches)) * 10) / 10,
            wakeupsPerBatch: Math.round(((hop1.wakeups - hop0.wakeups) / (hop1.batches - hop0.batches)) * 100) / 100,
          }
        : {};
    for (const row of parseCsv(r.stdout, 1)) rows.push({ ...row, cpuUsPerRequest: (cpu1 - cpu0) / requests, ...hop });
  }
  return rows;
}

/** redis-benchmark 7 --csv: "test","rps","avg_latency_ms","min_latency_ms","p50_latency_ms","p95_latency_ms","p99_latency_ms","max_latency_ms" */
export function parseCsv(text: string, expectedRows = 2): Omit<BenchRow, "cpuUsPerRequest">[] {
  const rows: Omit<BenchRow, "cpuUsPerRequest">[] = [];
  const lines = text.split(/\r?\n/).filter((l) => l.trim() !== "");
  const header = (lines[0] ?? "").split(",").map((h) => h.replace(/"/g, ""));
  const col = (name: string) => header.indexOf(name);
  for (const line of lines.slice(1)) {
    const cells = line.split(",").map((c) => c.replace(/"/g, ""));
    const test = cells[col("test")];
    if (test !== "SET" && test !== "GET") continue;
    rows.push({
      test,
      rps: Number(cells[col("rps")]),
      avgMs: Number(cells[col("avg_latency_ms")]),
      p50Ms: Number(cells[col("p50_latency_ms")]),
      p99Ms: Number(cells[col("p99_latency_ms")]),
      maxMs: Number(cells[col("max_latency_ms")]),
    });
  }
  if (rows.length !== expectedRows) throw new Error(`could not parse redis-benchmark output:\n${text}`);
  return rows;
}

// ---- aggregation and output --------------------------------------------------------------

interface RawRun {
  section: SectionName;
  partitions: number;
  pipeline: number;
  rep: number;
  server: "redis" | "tessera" | "floor";
  rows: BenchRow[];
}

interface Summary {
  section: SectionName;
  partitions: number;
  pipeline: number;
  test: "SET" | "GET";
  redis: { rps: number; p50Ms: number; p99Ms: number; cpuUsPerRequest: number };
  tessera: { rps: number; p50Ms: number; p99Ms: number; cpuUsPerRequest: number };
  /** The Node floor under the same load (persistence-off rows, when it ran). */
  floor: { rps: number; p50Ms: number; p99Ms: number; cpuUsPerRequest: number } | null;
  rpsRatio: number;
  p99Ratio: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function summarize(runs: RawRun[]): Summary[] {
  const out: Summary[] = [];
  // Floor runs carry partitions 0: they belong to every Tessera row of their section and pipeline.
  const keys = new Set(runs.filter((r) => r.server !== "floor").map((r) => `${r.section}|${r.partitions}|${r.pipeline}`));
  for (const key of keys) {
    const [section, partitions, pipeline] = key.split("|") as [SectionName, string, string];
    for (const test of ["SET", "GET"] as const) {
      const pick = (server: "redis" | "tessera" | "floor") =>
        runs
          .filter((r) => r.section === section && (server === "floor" || r.partitions === Number(partitions)) && r.pipeline === Number(pipeline) && r.server === server)
          .map((r) => r.rows.find((x) => x.test === test)!);
      const agg = (rows: BenchRow[]) => ({
        rps: median(rows.map((r) => r.rps)),
        p50Ms: median(rows.map((r) => r.p50Ms)),
        p99Ms: median(rows.map((r) => r.p99Ms)),
        cpuUsPerRequest: median(rows.map((r) => r.cpuUsPerRequest ?? NaN)),
      });
      const redis = agg(pick("redis"));
      const tessera = agg(pick("tessera"));
      const floorRows = pick("floor");
      out.push({
        section,
        partitions: Number(partitions),
        pipeline: Number(pipeline),
        test,
        redis,
        tessera,
        floor: floorRows.length > 0 ? agg(floorRows) : null,
        rpsRatio: tessera.rps / redis.rps,
        p99Ratio: redis.p99Ms > 0 ? tessera.p99Ms / redis.p99Ms : Infinity,
      });
    }
  }
  return out;
}

function target(pipeline: number): number {
  return pipeline === 1 ? 0.55 : 0.65;
}

function printTable(summaries: Summary[]): void {
  const header = ["section", "tessera", "P", "test", "redis rps", "tessera rps", "ratio", "target", "redis p50/p99 ms", "tessera p50/p99 ms", "p99 ratio", "server CPU us/req redis/tessera", "floor rps", "tessera/floor"];
  const rows = summaries.map((s) => [
    s.section,
    `${s.partitions}p`,
    String(s.pipeline),
    s.test,
    s.redis.rps.toFixed(0),
    s.tessera.rps.toFixed(0),
    s.rpsRatio.toFixed(2),
    `>=${target(s.pipeline)}${s.rpsRatio >= target(s.pipeline) ? " ok" : " MISS"}`,
    `${s.redis.p50Ms.toFixed(3)}/${s.redis.p99Ms.toFixed(3)}`,
    `${s.tessera.p50Ms.toFixed(3)}/${s.tessera.p99Ms.toFixed(3)}`,
    `${s.p99Ratio.toFixed(2)}${s.p99Ratio <= 2 ? "" : " MISS"}`,
    `${s.redis.cpuUsPerRequest.toFixed(2)}/${s.tessera.cpuUsPerRequest.toFixed(2)}`,
    s.floor === null ? "-" : s.floor.rps.toFixed(0),
    s.floor === null ? "-" : (s.tessera.rps / s.floor.rps).toFixed(2),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 4 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of rows) console.log(line(r));
}

function chart(summaries: Summary[], subtitle: string): string {
  const sectionPartitions = [...new Set(summaries.map((s) => `${s.section}|${s.partitions}`))];
  const palette = ["#c0392b", "#2471a3", "#1e8449", "#7d3c98", "#b9770e", "#117a65"];
  // Series: Redis per section, then Tessera per section x partitions.
  const sections = [...new Set(summaries.map((s) => s.section))];
  const series = [
    ...sections.map((sec, i) => ({ label: `Redis (${sec})`, color: i === 0 ? "#c0392b" : "#e59866", key: `redis|${sec}` })),
    ...sectionPartitions.map((sp, i) => {
      const [sec, p] = sp.split("|");
      return { label: `Tessera ${p}p (${sec})`, color: palette[(i + 1) % palette.length]!, key: `tessera|${sp}` };
    }),
    ...(summaries.some((s) => s.floor !== null) ? [{ label: "Node floor (Map, 1 thread)", color: "#7f8c8d", key: "floor|nopersist" }] : []),
  ];
  const groupKeys = [...new Set(summaries.map((s) => `${s.test} P=${s.pipeline}`))];
  const groups = groupKeys.map((g) => ({
    label: g,
    values: series.map((ser) => {
      const [server, sec, p] = ser.key.split("|");
      const rows = summaries.filter((s) => `${s.test} P=${s.pipeline}` === g && s.section === sec && (p === undefined || s.partitions === Number(p)));
      if (rows.length === 0) return null;
      if (server === "floor") return rows[0]!.floor?.rps ?? null;
      return server === "redis" ? median(rows.map((r) => r.redis.rps)) : rows[0]!.tessera.rps;
    }),
  }));
  return barChartSvg({ title: "Tessera vs Redis: redis-benchmark throughput", subtitle, unit: "requests/s", series, groups });
}

// ---- main --------------------------------------------------------------------------------

async function main(): Promise<void> {
  let flags: Flags | null;
  try {
    flags = parseFlags(process.argv.slice(3));
  } catch (e) {
    console.error((e as Error).message);
    process.exit(2);
  }
  if (flags === null) {
    console.log(HELP);
    return;
  }
  ensureRedisTools();
  const redisVersion = spawnSync("redis-server", ["--version"], { encoding: "utf8" }).stdout.trim();
  const workDir = mkdtempSync(join(tmpdir(), "tessera-vs-redis-"));
  const profDir = join(here, "results", "profiles");
  if (flags.cpuProf) mkdirSync(profDir, { recursive: true });
  const pipelines = [1, 16];
  const runs: RawRun[] = [];
  const skipped: { section: SectionName; reason: string }[] = [];
  console.log(
    `vs-redis: ${flags.requests} requests (x${PIPELINED_REQUESTS_FACTOR} when pipelined) x ${flags.reps} rep(s), pipelines ${pipelines.join(",")}, Tessera partitions ${flags.partitions.join(",")}, ` +
      `${cpus().length} cpus; ${redisVersion}`,
  );
  // Context for the pipeline-1 rows: what waking another thread costs on this machine (each
  // Tessera request crosses router -> partition -> router; Redis has no such hop).
  const threadHop = await measureThreadHop();
  console.log(describeThreadHop(threadHop));
  try {
    for (const section of flags.sections) {
      const redis = await startRedis(section, workDir);
      try {
        for (const partitions of flags.partitions) {
          const tessera = await startTessera(section, partitions, workDir, flags.cpuProf ? profDir : null);
          // The floor runs once per section, beside the first Tessera, alternating with it.
          const floor = section === "nopersist" && flags.floor && partitions === flags.partitions[0] ? await startFloor(workDir) : null;
          try {
            if (section === "everysec") {
              // Durability check: after some writes, a Tessera with a WAL has files in its data dir.
              const before = bytesUnder(tessera.dataDir);
              runRedisBenchmark(tessera.port, 16, 2000);
              await new Promise((r) => setTimeout(r, 1500));
              if (bytesUnder(tessera.dataDir) <= before) {
                skipped.push({ section, reason: `Tessera wrote no WAL bytes under --data-dir after 2000 SETs with --fsync everysec (durability not wired into the partitions yet)` });
                console.log(`section everysec (${partitions}p) skipped: ${skipped[skipped.length - 1]!.reason}`);
                continue;
              }
            }
            // Warm-up, not measured: Tessera's JIT needs a few thousand requests of each kind
            // (Redis gets the same load so both start from a populated keyspace).
            const ports = floor === null ? [redis.port, tessera.port] : [redis.port, tessera.port, floor.port];
            for (const port of ports) for (const pipeline of pipelines) runRedisBenchmark(port, pipeline, flags.quick ? 10_000 : 30_000);
            for (const pipeline of pipelines) {
              for (let rep = 0; rep < flags.reps; rep++) {
                const order: ("redis" | "tessera" | "floor")[] = rep % 2 === 0 ? ["redis", "tessera"] : ["tessera", "redis"];
                if (floor !== null) order.splice(1, 0, "floor");
                for (const server of order) {
                  const proc = server === "redis" ? redis : server === "tessera" ? tessera : floor!;
                  const port = proc.port;
                  // Pipelined runs are ~5x faster: 5x the requests keeps them long enough to be stable
                  // (200 k requests at pipeline 16 took ~0.3 s, and rows moved by 0.1 between runs).
                  const requests = pipeline > 1 ? flags.requests * PIPELINED_REQUESTS_FACTOR : flags.requests;
                  const rows = runRedisBenchmark(port, pipeline, requests, proc.child.pid);
                  runs.push({ section, partitions: server === "floor" ? 0 : partitions, pipeline, rep, server, rows });
                  const hop = (r: BenchRow) => (r.requestsPerBatch === undefined ? "" : ` (${r.requestsPerBatch} req/batch, ${r.wakeupsPerBatch} wake-ups/batch)`);
                  const s = rows.map((r) => `${r.test} ${r.rps.toFixed(0)}/s p99 ${r.p99Ms}ms${hop(r)}`).join(", ");
                  console.log(`  [${section} ${partitions}p P=${pipeline} rep ${rep + 1}] ${server.padEnd(7)} ${s}`);
                }
              }
            }
          } finally {
            await stopProcess(tessera.child);
            if (floor !== null) await stopProcess(floor.child);
          }
        }
      } finally {
        await stopProcess(redis.child);
      }
    }
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }

  const summaries = summarize(runs);
  console.log("");
  printTable(summaries);
  for (const s of skipped) console.log(`skipped: section ${s.section}: ${s.reason}`);

  const date = new Date().toISOString().replace(/[:]/g, "-").replace(/\..*$/, "");
  const resultsDir = join(here, "results");
  mkdirSync(resultsDir, { recursive: true });
  const jsonFile = join(resultsDir, `vs-redis-${date}.json`);
  const svgFile = join(resultsDir, `vs-redis-${date}.svg`);
  const meta = { date: new Date().toISOString(), cpus: cpus().length, cpuModel: cpus()[0]?.model ?? "", node: process.version, redisVersion, flags, threadHop };
  writeFileSync(jsonFile, JSON.stringify({ meta, runs, summaries, skipped }, null, 2) + "\n");
  const subtitle = `redis-benchmark -t set,get -d 200 -r 100000 -c 50 -n ${flags.requests}; median of ${flags.reps}; ${cpus().length} cpus`;
  if (summaries.length > 0) writeFileSync(svgFile, chart(summaries, subtitle));
  console.log(`\nraw results: ${jsonFile}${summaries.length > 0 ? `\nchart:       ${svgFile}` : ""}`);

  const ratios = summaries.map((s) => ({
    section: s.section,
    partitions: s.partitions,
    pipeline: s.pipeline,
    test: s.test,
    rpsRatio: Number(s.rpsRatio.toFixed(3)),
    p99Ratio: Number(s.p99Ratio.toFixed(3)),
    redisCpuUsPerRequest: Number(s.redis.cpuUsPerRequest.toFixed(2)),
    tesseraCpuUsPerRequest: Number(s.tessera.cpuUsPerRequest.toFixed(2)),
    floorRps: s.floor === null ? null : Math.round(s.floor.rps),
    tesseraFloorRatio: s.floor === null ? null : Number((s.tessera.rps / s.floor.rps).toFixed(3)),
    meetsTarget: s.rpsRatio >= target(s.pipeline) && s.p99Ratio <= 2,
  }));
  console.log(JSON.stringify({ bench: "vs-redis", quick: flags.quick, ratios, skipped, allTargetsMet: ratios.every((r) => r.meetsTarget) }));
}

await main();
