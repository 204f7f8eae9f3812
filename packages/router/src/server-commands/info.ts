/**
 * INFO [section ...] and TIME. INFO's text follows Redis's layout ("# Section" headers,
 * "field:value" lines, CRLF) because client libraries parse it: ioredis's ready check reads
 * `loading:` from the persistence section, tools read `redis_version`, `used_memory`, `db0:`.
 */
import os from "node:os";
import { crc32cImplementation } from "@tessera/wal";
import { COMMANDS, type CommandSpec, type ReplySink } from "@tessera/proto";
import { LATENCY_BUCKETS, percentileUs } from "../partition/latency-buckets.js";
import type { ServerContext, ServerStats, Session } from "./context.js";
import type { PartitionStats } from "../partition-port.js";
import { argText, writeBulkString } from "./reply-helpers.js";
import { COMPAT_REDIS_VERSION, RUN_ID, TESSERA_VERSION } from "./server-identity.js";

type SectionWriter = (ctx: ServerContext, stats: ServerStats, nowMs: number) => string[];

const SECTIONS: ReadonlyMap<string, SectionWriter> = new Map<string, SectionWriter>([
  ["server", serverSection],
  ["clients", clientsSection],
  ["memory", memorySection],
  ["persistence", persistenceSection],
  ["stats", statsSection],
  ["replication", replicationSection],
  ["cpu", cpuSection],
  ["commandstats", commandstatsSection],
  ["errorstats", errorstatsSection],
  ["latencystats", latencystatsSection],
  ["keyspace", keyspaceSection],
]);
/** Redis's order; `INFO`, `INFO default` leave commandstats and latencystats out, `INFO all` / `everything` include them. */
export const ALL_SECTIONS = ["server", "clients", "memory", "persistence", "stats", "replication", "cpu", "commandstats", "errorstats", "latencystats", "keyspace"];
const DEFAULT_SECTIONS = ALL_SECTIONS.filter((s) => s !== "commandstats" && s !== "latencystats");

export function info(ctx: ServerContext, _session: Session, _spec: CommandSpec, argv: readonly Uint8Array[], out: ReplySink): void {
  let wanted: string[];
  if (argv.length === 1) {
    wanted = DEFAULT_SECTIONS;
  } else {
    const asked = new Set<string>();
    for (let i = 1; i < argv.length; i++) {
      const s = argText(argv, i).toLowerCase();
      if (s === "default") for (const d of DEFAULT_SECTIONS) asked.add(d);
      else if (s === "all" || s === "everything") for (const d of ALL_SECTIONS) asked.add(d);
      else asked.add(s);
    }
    // Unknown sections are ignored, as in Redis (INFO nosuch answers an empty string).
    wanted = ALL_SECTIONS.filter((s) => asked.has(s));
  }
  writeBulkString(out, renderInfo(ctx, wanted, Date.now()));
}

/** The INFO text for the given sections (also used by the admin HTTP /info). */
export function renderInfo(ctx: ServerContext, sections: readonly string[], nowMs: number): string {
  const stats = ctx.stats();
  const parts: string[] = [];
  for (const name of sections) {
    const writer = SECTIONS.get(name);
    if (writer === undefined) continue;
    const title = name === "cpu" ? "CPU" : name[0]!.toUpperCase() + name.slice(1);
    parts.push([`# ${title}`, ...writer(ctx, stats, nowMs)].join("\r\n") + "\r\n");
  }
  return parts.join("\r\n");
}

function serverSection(ctx: ServerContext, _stats: ServerStats, nowMs: number): string[] {
  const uptimeS = Math.max(0, Math.floor((nowMs - ctx.startedAtMs) / 1000));
  return [
    `redis_version:${COMPAT_REDIS_VERSION}`,
    `tessera_version:${TESSERA_VERSION}`,
    "redis_mode:standalone",
    `os:${os.type()} ${os.release()} ${os.arch()}`,
    `arch_bits:${process.arch.endsWith("64") ? 64 : 32}`,
    "multiplexing_api:libuv",
    `node_version:${process.versions.node}`,
    `process_id:${process.pid}`,
    `run_id:${RUN_ID}`,
    `tcp_port:${ctx.config.respPort}`,
    ...(ctx.config.port !== 0 ? [`native_port:${ctx.config.port}`] : []),
    `server_time_usec:${nowMs * 1000}`,
    `uptime_in_seconds:${uptimeS}`,
    `uptime_in_days:${Math.floor(uptimeS / 86400)}`,
    "hz:10",
    `partitions:${ctx.partitions}`,
    `executable:${process.argv[1] ?? ""}`,
  ];
}

function clientsSection(ctx: ServerContext): string[] {
  let connected = 0;
  for (const _ of ctx.sessions()) connected++;
  return [
    `connected_clients:${connected}`,
    `maxclients:${ctx.config.maxClients}`,
    "blocked_clients:0",
    "tracking_clients:0",
  ];
}

function memorySection(ctx: ServerContext, stats: ServerStats): string[] {
  let used = 0;
  let reserved = 0;
  for (const p of stats.partitions) {
    used += p.usedBytes;
    reserved += p.reservedBytes;
  }
  const rss = process.memoryUsage.rss();
  const max = ctx.config.maxMemoryBytes;
  return [
    `used_memory:${used}`,
    `used_memory_human:${humanBytes(used)}`,
    `used_memory_rss:${rss}`,
    `used_memory_rss_human:${humanBytes(rss)}`,
    `used_memory_reserved:${reserved}`,
    `maxmemory:${max}`,
    `maxmemory_human:${humanBytes(max)}`,
    "maxmemory_policy:noeviction",
    // Slab fragmentation: bytes reserved in slab pages per byte held by items.
    `mem_fragmentation_ratio:${used > 0 ? (reserved / used).toFixed(2) : "1.00"}`,
    `total_system_memory:${os.totalmem()}`,
    `total_system_memory_human:${humanBytes(os.totalmem())}`,
  ];
}

function persistenceSection(ctx: ServerContext): string[] {
  const durable = ctx.config.dataDir !== "";
  // Redis's rdb_* fields stand for the partitions' snapshots: a save of the whole dataset is
  // done when every partition has written one, so the last save time is the oldest of theirs.
  const parts = ctx.stats().partitions;
  let lastSaveMs = Infinity;
  for (const p of parts) if (p.lastSnapshotAtMs !== undefined && p.lastSnapshotAtMs > 0) lastSaveMs = Math.min(lastSaveMs, p.lastSnapshotAtMs);
  if (lastSaveMs === Infinity) lastSaveMs = ctx.startedAtMs;
  const failed = parts.some((p) => p.lastSnapshotError !== undefined && p.lastSnapshotError !== null);
  return [
    "loading:0",
    "async_loading:0",
    `rdb_changes_since_last_save:${sum(ctx, (p) => p.changesSinceSnapshot ?? 0)}`,
    `rdb_bgsave_in_progress:${parts.some((p) => p.snapshotInProgress === true) ? 1 : 0}`,
    `rdb_last_save_time:${Math.floor(lastSaveMs / 1000)}`,
    `rdb_last_bgsave_status:${failed ? "err" : "ok"}`,
    `aof_enabled:${durable ? 1 : 0}`,
    "aof_rewrite_in_progress:0",
    // Redis's AOF write status stands for the partitions' WAL: err while any refuses writes.
    `aof_last_write_status:${parts.some((p) => p.walFailed !== undefined && p.walFailed !== null) ? "err" : "ok"}`,
    `tessera_wal_failed_partitions:${parts.filter((p) => p.walFailed !== undefined && p.walFailed !== null).length}`,
    `tessera_fsync:${ctx.config.fsync}`,
    // Summed over partitions from their last stats (about once a second), since each started.
    `tessera_wal_fsyncs:${sum(ctx, (p) => p.walFsyncs ?? 0)}`,
    `tessera_wal_fsync_usec:${sum(ctx, (p) => p.walFsyncUs ?? 0)}`,
    `tessera_wal_bytes_written:${sum(ctx, (p) => p.walBytesWritten ?? 0)}`,
    // Which CRC-32C checks WAL records and snapshots: "native" (the hardware instruction through
    // @node-rs/crc32) or "js" (~9x slower on large inputs: the addon did not load). The workers
    // load it from beside the router, so the router's answer is theirs.
    `tessera_crc32c:${crc32cImplementation}`,
  ];
}

function sum(ctx: ServerContext, of: (p: PartitionStats) => number): number {
  let n = 0;
  for (const p of ctx.stats().partitions) n += of(p);
  return n;
}

function statsSection(ctx: ServerContext, stats: ServerStats, nowMs: number): string[] {
  let expired = 0;
  for (const p of stats.partitions) expired += p.expiredKeys;
  return [
    `total_connections_received:${stats.connectionsReceived}`,
    `total_commands_processed:${stats.commandsProcessed}`,
    `instantaneous_ops_per_sec:${instantaneousOps(ctx, stats.commandsProcessed, nowMs)}`,
    `rejected_connections:${stats.rejectedConnections}`,
    `client_output_buffer_limit_disconnections:${stats.outputBufferDisconnections}`,
    `expired_keys:${expired}`,
    "evicted_keys:0",
    `keyspace_hits:${sum(ctx, (p) => p.keyspaceHits ?? 0)}`,
    `keyspace_misses:${sum(ctx, (p) => p.keyspaceMisses ?? 0)}`,
    `total_error_replies:${ctx.errorReplies.total}`,
    `pubsub_channels:${stats.pubsubChannels ?? 0}`,
    `pubsub_patterns:${stats.pubsubPatterns ?? 0}`,
    // The hop into the partitions: requests per batch is how well batching works, wake-ups
    // per batch how often a worker had gone to sleep (each costs a cross-thread wake).
    ...(stats.traffic === undefined
      ? []
      : [
          `tessera_partition_requests:${stats.traffic.requests}`,
          `tessera_partition_batches:${stats.traffic.batches}`,
          `tessera_partition_wakeups:${stats.traffic.wakeups}`,
          `tessera_doorbell_rescues:${stats.traffic.rescues}`,
        ]),
  ];
}

function replicationSection(): string[] {
  return ["role:master", "connected_slaves:0", "master_repl_offset:0"];
}

function cpuSection(): string[] {
  const u = process.cpuUsage();
  return [
    `used_cpu_sys:${(u.system / 1e6).toFixed(6)}`,
    `used_cpu_user:${(u.user / 1e6).toFixed(6)}`,
  ];
}

/**
 * One line a command that ran or was refused: Redis's fields, exact at any moment (partitions
 * count in shared memory the router reads). A command split across partitions, or sent to all
 * of them (DBSIZE, KEYS, SCAN ...), counts once per partition that ran a part.
 */
function commandstatsSection(ctx: ServerContext): string[] {
  return ctx.commandStats().map((r) => {
    const perCall = r.calls === 0 ? 0 : r.usec / r.calls;
    return `cmdstat_${r.name.toLowerCase()}:calls=${r.calls},usec=${r.usec},usec_per_call=${perCall.toFixed(2)},rejected_calls=${r.rejected},failed_calls=${r.failed}`;
  });
}

/** Redis 6.2+'s errorstats: error replies sent to clients, by error code (in the default sections). */
function errorstatsSection(ctx: ServerContext): string[] {
  return ctx.errorReplies.entries().map(([code, n]) => `errorstat_${code}:count=${n}`);
}

/**
 * Redis 7's latencystats: p50, p99 and p99.9 of each command's execution time in µs. Read from
 * log-linear buckets (partition/latency-buckets.ts): each figure is its bucket's upper bound,
 * within 25% of the exact value (Redis's HDR histogram keeps 2 significant digits).
 */
function latencystatsSection(ctx: ServerContext): string[] {
  const counts = ctx.commandLatency();
  const lines: [string, string][] = [];
  for (const spec of COMMANDS) {
    const at = spec.id * LATENCY_BUCKETS;
    if (percentileUs(counts, at, 100) === 0) continue;
    const p = (q: number) => percentileUs(counts, at, q).toFixed(3);
    lines.push([spec.name.toLowerCase(), `latency_percentiles_usec_${spec.name.toLowerCase()}:p50=${p(50)},p99=${p(99)},p99.9=${p(99.9)}`]);
  }
  return lines.sort((a, b) => (a[0] < b[0] ? -1 : 1)).map((l) => l[1]);
}

function keyspaceSection(_ctx: ServerContext, stats: ServerStats): string[] {
  let keys = 0;
  let expires = 0;
  for (const p of stats.partitions) {
    keys += p.keys;
    expires += p.keysWithExpiry;
  }
  // As in Redis, an empty database has no line. avg_ttl is not tracked.
  return keys > 0 ? [`db0:keys=${keys},expires=${expires},avg_ttl=0`] : [];
}

/** Commands per second between this INFO and the previous one on the same server (Redis samples every 100 ms). */
const lastOpsSample = new WeakMap<ServerContext, { atMs: number; commands: number; rate: number }>();
function instantaneousOps(ctx: ServerContext, commands: number, nowMs: number): number {
  const prev = lastOpsSample.get(ctx);
  if (prev === undefined) {
    const uptimeMs = Math.max(1, nowMs - ctx.startedAtMs);
    const rate = Math.round((commands * 1000) / uptimeMs);
    lastOpsSample.set(ctx, { atMs: nowMs, commands, rate });
    return rate;
  }
  if (nowMs - prev.atMs >= 100) {
    prev.rate = Math.round(((commands - prev.commands) * 1000) / (nowMs - prev.atMs));
    prev.atMs = nowMs;
    prev.commands = commands;
  }
  return prev.rate;
}

export function humanBytes(n: number): string {
  if (n < 1024) return `${n}B`;
  const units = ["K", "M", "G", "T", "P"];
  let v = n;
  let u = -1;
  do {
    v /= 1024;
    u++;
  } while (v >= 1024 && u < units.length - 1);
  return `${v.toFixed(2)}${units[u]}`;
}

export function time(_ctx: ServerContext, _session: Session, _spec: CommandSpec, _argv: readonly Uint8Array[], out: ReplySink): void {
  // performance.timeOrigin + now() gives sub-millisecond wall time; Date.now() alone has ms only.
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const seconds = Math.floor(us / 1e6);
  out.array(2);
  writeBulkString(out, String(seconds));
  writeBulkString(out, String(us - seconds * 1e6));
}
