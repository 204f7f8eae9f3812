/**
 * Prometheus metrics of the admin HTTP API (`GET /metrics`), with prom-client. Every Tessera
 * figure is read from the router at scrape time (collect callbacks), so the request path pays
 * nothing for them; partition figures are as of each worker's last report (about once a
 * second), per-command figures exact. Node's process metrics (CPU, memory, event-loop lag, GC)
 * come from prom-client's default collectors, under their usual names.
 *
 * Names follow Prometheus conventions: a `tessera_` prefix, base units (seconds, bytes),
 * `_total` on counters, one `partition` label for per-partition figures.
 */
import { collectDefaultMetrics, Counter, Gauge, Registry, type Metric } from "prom-client";
import { COMMANDS, CommandFlag } from "@tessera/proto";
import { bucketUpperUs, LATENCY_BUCKETS } from "../partition/latency-buckets.js";
import type { Router } from "../router.js";

type Figure = (router: Router) => ReadonlyArray<readonly [Record<string, string>, number]>;

export function createMetricsRegistry(router: Router): Registry {
  const register = new Registry();
  collectDefaultMetrics({ register });

  // Both read their figures at scrape time; a counter's figure is a running total kept by the
  // server, so it is handed over whole (reset, then inc by it).
  const counter = (name: string, help: string, labelNames: string[], figure: Figure): void => {
    new Counter({ name, help, labelNames, registers: [register], collect: scrape(figure, (m, labels, v) => m.inc(labels, v)) });
  };
  const gauge = (name: string, help: string, labelNames: string[], figure: Figure): void => {
    new Gauge({ name, help, labelNames, registers: [register], collect: scrape(figure, (m, labels, v) => m.set(labels, v)) });
  };
  function scrape<M extends { reset(): void }>(figure: Figure, write: (m: M, labels: Record<string, string>, value: number) => void) {
    return function (this: M): void {
      this.reset();
      for (const [labels, value] of figure(router)) write(this, labels, value);
    };
  }
  const one = (value: number): ReturnType<Figure> => [[{}, value]];
  const perPartition = (pick: (p: ReturnType<Router["stats"]>["partitions"][number]) => number | undefined): Figure => (r) =>
    r.stats().partitions.map((p, i) => [{ partition: String(i) }, pick(p) ?? 0] as const);

  // ---- clients and commands ----
  gauge("tessera_connected_clients", "Client connections open now (native and RESP).", [], (r) => one([...r.sessions()].length));
  gauge("tessera_maxclients", "The maxclients limit in force.", [], (r) => one(r.config.maxClients));
  counter("tessera_connections_received_total", "Client connections accepted since start.", [], (r) => one(r.stats().connectionsReceived));
  counter("tessera_rejected_connections_total", "Connections refused at maxclients.", [], (r) => one(r.stats().rejectedConnections));
  gauge("tessera_pubsub_channels", "Pub/sub channels with at least one subscriber.", [], (r) => one(r.stats().pubsubChannels ?? 0));
  gauge("tessera_pubsub_patterns", "Distinct pub/sub patterns subscribed.", [], (r) => one(r.stats().pubsubPatterns ?? 0));
  counter("tessera_pubsub_messages_delivered_total", "Pub/sub messages handed to subscribers (one per receiver).", [], (r) => one(r.stats().pubsubDelivered ?? 0));
  counter("tessera_commands_processed_total", "Commands received since start (INFO total_commands_processed).", [], (r) => one(r.stats().commandsProcessed));
  const perCommand = (pick: (row: ReturnType<Router["commandStats"]>[number]) => number): Figure => (r) =>
    r.commandStats().map((row) => [{ command: row.name.toLowerCase() }, pick(row)] as const);
  counter("tessera_command_calls_total", "Command executions by command (a command split across partitions counts once per partition).", ["command"], perCommand((x) => x.calls));
  counter("tessera_command_duration_seconds_total", "Execution time by command, summed (time in the partition or router, not in queues).", ["command"], perCommand((x) => x.usec / 1e6));
  counter("tessera_command_rejected_calls_total", "Commands refused before running (arity, NOAUTH, CROSSSLOT, BUSY).", ["command"], perCommand((x) => x.rejected));
  counter("tessera_command_failed_calls_total", "Commands that ran and answered an error.", ["command"], perCommand((x) => x.failed));
  counter("tessera_error_replies_total", "Error replies sent to clients, by error code (INFO errorstats).", ["code"], (r) =>
    r.errorReplies.entries().map(([code, n]) => [{ code }, n] as const),
  );
  gauge("tessera_slowlog_length", "Entries in the SLOWLOG.", [], (r) => one(r.slowlog.length));

  // ---- keyspace and memory, per partition ----
  gauge("tessera_partition_keys", "Keys held by the partition.", ["partition"], perPartition((p) => p.keys));
  gauge("tessera_partition_keys_with_expiry", "Keys with a TTL held by the partition.", ["partition"], perPartition((p) => p.keysWithExpiry));
  gauge("tessera_partition_memory_used_bytes", "Bytes of the partition's slabs in use by items.", ["partition"], perPartition((p) => p.usedBytes));
  gauge("tessera_partition_memory_reserved_bytes", "Bytes of slab memory the partition has reserved.", ["partition"], perPartition((p) => p.reservedBytes));
  gauge("tessera_maxmemory_bytes", "The maxmemory cap for all partitions together (0 = none).", [], (r) => one(r.config.maxMemoryBytes));
  counter("tessera_partition_expired_keys_total", "Keys the partition expired since its worker started.", ["partition"], perPartition((p) => p.expiredKeys));
  counter("tessera_partition_keyspace_hits_total", "Reads that found their key, since the partition's worker started.", ["partition"], perPartition((p) => p.keyspaceHits));
  counter("tessera_partition_keyspace_misses_total", "Reads that missed their key, since the partition's worker started.", ["partition"], perPartition((p) => p.keyspaceMisses));

  // ---- durability, per partition ----
  counter("tessera_partition_wal_fsyncs_total", "WAL fsyncs since the partition's worker started.", ["partition"], perPartition((p) => p.walFsyncs));
  counter("tessera_partition_wal_fsync_seconds_total", "Time spent in those fsyncs.", ["partition"], perPartition((p) => (p.walFsyncUs ?? 0) / 1e6));
  counter("tessera_partition_wal_written_bytes_total", "WAL bytes written since the partition's worker started.", ["partition"], perPartition((p) => p.walBytesWritten));
  gauge("tessera_partition_wal_failed", "1 while the partition refuses writes after a disk error.", ["partition"], perPartition((p) => (p.walFailed ? 1 : 0)));
  gauge("tessera_partition_snapshot_age_seconds", "Seconds since the partition's last completed snapshot (absent in memory).", ["partition"], (r) => {
    const now = Date.now();
    return r
      .stats()
      .partitions.flatMap((p, i) => (p.lastSnapshotAtMs ? [[{ partition: String(i) }, Math.max(0, (now - p.lastSnapshotAtMs) / 1000)] as const] : []));
  });
  gauge("tessera_partition_changes_since_snapshot", "Writes the partition logged since its last snapshot.", ["partition"], perPartition((p) => p.changesSinceSnapshot));

  // ---- rings and workers ----
  gauge("tessera_partition_ring_used_bytes", "Bytes waiting in the partition's request or response ring.", ["partition", "ring"], (r) =>
    r.ringStats().flatMap((s, i) => [
      [{ partition: String(i), ring: "request" }, s.requestRingUsedBytes] as const,
      [{ partition: String(i), ring: "response" }, s.responseRingUsedBytes] as const,
    ]),
  );
  counter("tessera_partition_restarts_total", "Times a partition worker died and was restarted.", [], (r) => one(r.restarts));
  const traffic = (pick: (t: NonNullable<ReturnType<Router["stats"]>["traffic"]>) => number): Figure => (r) => {
    const t = r.stats().traffic;
    return t === undefined ? [] : one(pick(t));
  };
  counter("tessera_ring_requests_total", "Requests sent to partitions through the rings.", [], traffic((t) => t.requests));
  counter("tessera_ring_batches_total", "Request batches published to partitions.", [], traffic((t) => t.batches));
  counter("tessera_ring_wakeups_total", "Batches that had to wake a sleeping partition worker.", [], traffic((t) => t.wakeups));
  counter("tessera_ring_rescues_total", "Lost wake-ups the backstop check recovered (should stay 0).", [], traffic((t) => t.rescues));
  register.registerMetric(new CommandLatencyHistogram(router) as unknown as Metric);
  return register;
}

/**
 * tessera_command_latency_seconds{type="read|write|other"}: a Prometheus histogram of command
 * execution times, from the per-command log-linear buckets (latency-buckets.ts) summed by the
 * command's kind, at power-of-two `le` bounds from 1 µs to 16.8 s. prom-client's Histogram
 * only observes values one by one, so this collector hands the registry the series itself.
 */
class CommandLatencyHistogram {
  readonly name = "tessera_command_latency_seconds";
  readonly help = "Command execution time (in the partition or router, not in queues), by kind of command.";
  readonly type = "histogram";
  readonly aggregator = "sum";
  constructor(private readonly router: Router) {}

  get(): { name: string; help: string; type: string; aggregator: string; values: { labels: Record<string, string | number>; value: number; metricName: string }[] } {
    const counts = this.router.commandLatency();
    const stats = new Map(this.router.commandStats().map((r) => [r.name, r]));
    const kinds = ["read", "write", "other"] as const;
    // Per kind: counts per power-of-two upper bound k (bucket 0 and e < k fall under le = 2^k µs).
    const byKind = kinds.map(() => ({ perExponent: new Float64Array(LE_EXPONENTS + 1), overflow: 0, sumUs: 0, count: 0 }));
    for (const spec of COMMANDS) {
      const kind = byKind[(spec.flags & CommandFlag.WRITE) !== 0 ? 1 : (spec.flags & CommandFlag.READ) !== 0 ? 0 : 2]!;
      const at = spec.id * LATENCY_BUCKETS;
      for (let b = 0; b < LATENCY_BUCKETS; b++) {
        const n = counts[at + b]!;
        if (n === 0) continue;
        kind.count += n;
        const upper = bucketUpperUs(b); // a power of two or between: le = the next power of two
        const k = Math.ceil(Math.log2(upper));
        if (k <= LE_EXPONENTS) kind.perExponent[k]! += n;
        else kind.overflow += n;
      }
      kind.sumUs += stats.get(spec.name)?.usec ?? 0;
    }
    const values: { labels: Record<string, string | number>; value: number; metricName: string }[] = [];
    kinds.forEach((type, i) => {
      const k = byKind[i]!;
      let cumulative = 0;
      for (let e = 0; e <= LE_EXPONENTS; e++) {
        cumulative += k.perExponent[e]!;
        values.push({ labels: { type, le: 2 ** e / 1e6 }, value: cumulative, metricName: `${this.name}_bucket` });
      }
      values.push({ labels: { type, le: "+Inf" }, value: cumulative + k.overflow, metricName: `${this.name}_bucket` });
      values.push({ labels: { type }, value: k.sumUs / 1e6, metricName: `${this.name}_sum` });
      values.push({ labels: { type }, value: k.count, metricName: `${this.name}_count` });
    });
    return { name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values };
  }
}

/** Largest `le` bound of the histogram: 2^24 µs (16.8 s). */
const LE_EXPONENTS = 24;
