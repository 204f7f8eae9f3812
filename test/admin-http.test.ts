/**
 * End-to-end: the admin HTTP API of the real server (2 partitions): /health, /metrics in
 * Prometheus's text format with figures that follow the traffic, /info, /slowlog, the bearer
 * token (its own, or the requirepass), and /health reporting a partition that is restarting.
 */
import { once } from "node:events";
import { connect } from "node:net";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startServer, type ServerProcess } from "./support/server-process.js";

let server: ServerProcess;
let io: Redis;

beforeAll(async () => {
  server = await startServer({ partitions: 2, resp: true, admin: true, args: ["--enable-debug-commands"] });
  io = new Redis({ port: server.respPort, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 });
  await io.connect();
});

afterAll(async () => {
  io?.disconnect();
  await server?.stop();
});

const get = (s: ServerProcess, path: string, headers: Record<string, string> = {}) => fetch(`http://127.0.0.1:${s.adminPort}${path}`, { headers });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sum of a metric's samples (all label sets) in a Prometheus text exposition. */
function metric(text: string, name: string, labels = ""): number {
  let sum = 0;
  let seen = false;
  for (const line of text.split("\n")) {
    if (!line.startsWith(name + (labels === "" ? "" : `{${labels}`)) || line.startsWith("#")) continue;
    const rest = line.slice(name.length);
    if (rest[0] !== " " && rest[0] !== "{") continue;
    sum += Number(line.slice(line.lastIndexOf(" ") + 1));
    seen = true;
  }
  if (!seen) throw new Error(`metric ${name}{${labels}} not found`);
  return sum;
}

describe("admin HTTP API", () => {
  it("GET /metrics counts pub/sub: channels, patterns and messages delivered", async () => {
    const subs = [0, 1].map(() => new Redis({ port: server.respPort, host: "127.0.0.1", maxRetriesPerRequest: 0 }));
    try {
      await subs[0]!.subscribe("metrics-ch");
      await subs[1]!.psubscribe("metrics-*");
      for (let i = 0; i < 3; i++) expect(await io.publish("metrics-ch", "m")).toBe(2);
      const text = await (await get(server, "/metrics")).text();
      expect(metric(text, "tessera_pubsub_channels")).toBe(1);
      expect(metric(text, "tessera_pubsub_patterns")).toBe(1);
      expect(metric(text, "tessera_pubsub_messages_delivered_total")).toBe(6);
    } finally {
      for (const c of subs) c.disconnect();
    }
  });

  it("/health answers ok with the partitions", async () => {
    const r = await get(server, "/health");
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ status: "ok", partitions: 2, partitionsRunning: 2 });
  });

  it("/metrics is Prometheus text whose figures follow the traffic", async () => {
    for (let i = 0; i < 50; i++) await io.set(`m:${i}`, "x".repeat(100));
    for (let i = 0; i < 20; i++) await io.get(`m:${i}`);
    await expect(io.call("GET")).rejects.toThrow(/wrong number/);
    let text = "";
    // Partition figures come with each worker's report, about once a second.
    for (let tries = 0; tries < 40; tries++) {
      const r = await get(server, "/metrics");
      expect(r.status).toBe(200);
      expect(r.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
      text = await r.text();
      if (metric(text, "tessera_partition_keys") === 50) break;
      await sleep(100);
    }
    expect(metric(text, "tessera_partition_keys")).toBe(50);
    expect(metric(text, "tessera_partition_keys", 'partition="0"') + metric(text, "tessera_partition_keys", 'partition="1"')).toBe(50);
    expect(metric(text, "tessera_command_calls_total", 'command="set"')).toBe(50);
    expect(metric(text, "tessera_command_calls_total", 'command="get"')).toBe(20);
    expect(metric(text, "tessera_command_rejected_calls_total", 'command="get"')).toBe(1);
    expect(metric(text, "tessera_command_duration_seconds_total", 'command="get"')).toBeGreaterThan(0);
    expect(metric(text, "tessera_connected_clients")).toBeGreaterThanOrEqual(1);
    // Pub/sub's figures are there too (their values: the pub/sub test above).
    expect(text).toMatch(/^tessera_pubsub_channels \d+$/m);
    expect(text).toMatch(/^tessera_pubsub_patterns \d+$/m);
    expect(text).toMatch(/^tessera_pubsub_messages_delivered_total \d+$/m);
    expect(metric(text, "tessera_partition_memory_used_bytes")).toBeGreaterThan(50 * 100);
    expect(metric(text, "tessera_partition_keyspace_hits_total")).toBe(20);
    // The latency histogram: cumulative buckets, +Inf = count = the reads that ran (20 GETs).
    expect(text).toMatch(/^# TYPE tessera_command_latency_seconds histogram$/m);
    expect(metric(text, "tessera_command_latency_seconds_count", 'type="read"')).toBe(20);
    expect(metric(text, "tessera_command_latency_seconds_bucket", 'type="read",le="+Inf"')).toBe(20);
    const buckets = text.split("\n").filter((l) => l.startsWith('tessera_command_latency_seconds_bucket{type="write"')).map((l) => Number(l.slice(l.lastIndexOf(" ") + 1)));
    expect(buckets.length).toBeGreaterThan(20);
    for (let i = 1; i < buckets.length; i++) expect(buckets[i]).toBeGreaterThanOrEqual(buckets[i - 1]!);
    expect(buckets[buckets.length - 1]).toBe(50);
    expect(text).toMatch(/^# TYPE tessera_command_calls_total counter$/m);
    expect(text).toMatch(/^# TYPE tessera_partition_keys gauge$/m);
    // Node's own process metrics, under their usual names.
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
    expect(text).toMatch(/^nodejs_eventloop_lag_seconds /m);
  });

  it("/info gives INFO's text, all sections or the ones asked for; /slowlog gives JSON", async () => {
    const all = await (await get(server, "/info")).text();
    expect(all).toMatch(/^# Server\r\n/);
    expect(all).toContain("# Commandstats\r\n");
    expect(all).toContain("# Keyspace\r\n");
    const some = await (await get(server, "/info?section=clients&section=keyspace")).text();
    expect(some).toMatch(/^# Clients\r\n/);
    expect(some).not.toContain("# Server");
    const bad = await get(server, "/info?section=nope");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/unknown INFO section\(s\): nope/);

    await io.config("SET", "slowlog-log-slower-than", "0");
    await io.set("slow:k", "v");
    await io.config("SET", "slowlog-log-slower-than", "-1");
    const entries = (await (await get(server, "/slowlog?count=2")).json()) as { args: string[]; clientAddr: string; durationMicros: number }[];
    expect(entries.map((e) => e.args.join(" "))).toContain("set slow:k v");
    expect(entries[0]!.clientAddr).toMatch(/^127\.0\.0\.1:\d+$/);
    expect((await get(server, "/slowlog?count=-2")).status).toBe(400);
    expect((await get(server, "/slowlog?count=0x10")).status).toBe(400);
    expect((await get(server, "/slowlog?count=")).status).toBe(400);
    expect((await get(server, "/nope")).status).toBe(404);
  });

  it("/config reads every parameter and PUT changes run-time ones by CONFIG SET's rules", async () => {
    const all = (await (await get(server, "/config")).json()) as Record<string, string>;
    expect(all).toMatchObject({ maxmemory: "0", appendfsync: "everysec", "tessera-partitions": "2" });
    const put = (body: string) => fetch(`http://127.0.0.1:${server.adminPort}/config`, { method: "PUT", headers: { "content-type": "application/json" }, body });
    const ok = await put(JSON.stringify({ "slowlog-max-len": 7, maxclients: "500" }));
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ "slowlog-max-len": "7", maxclients: "500" });
    expect(await io.config("GET", "maxclients")).toEqual(["maxclients", "500"]);
    // All validated before any applies: a bad one leaves the good one unapplied.
    const bad = await put(JSON.stringify({ maxclients: "600", port: "1" }));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: string }).error).toMatch(/can't set immutable config/);
    expect(await io.config("GET", "maxclients")).toEqual(["maxclients", "500"]);
    expect((await put("[1]")).status).toBe(400);
    expect((await put("{}")).status).toBe(400);
    expect((await put(JSON.stringify({ maxclients: null }))).status).toBe(400);
    await put(JSON.stringify({ maxclients: "10000", "slowlog-max-len": "64" }));
  });

  it("POST /snapshot starts a snapshot of every partition; ?wait=true answers once written", async () => {
    await io.set("snap:k", "v");
    const before = await io.lastsave();
    const started = await fetch(`http://127.0.0.1:${server.adminPort}/snapshot`, { method: "POST" });
    expect([200, 409]).toContain(started.status); // 409 only if the timer's snapshot was running
    await sleep(1100); // LASTSAVE has one-second resolution
    const saved = await fetch(`http://127.0.0.1:${server.adminPort}/snapshot?wait=true`, { method: "POST" });
    expect(saved.status).toBe(200);
    expect(await saved.json()).toEqual({ status: "OK" });
    expect(await io.lastsave()).toBeGreaterThan(before);
    const inMemory = await startServer({ partitions: 1, admin: true, args: ["--data-dir", ""] });
    try {
      const r = await fetch(`http://127.0.0.1:${inMemory.adminPort}/snapshot`, { method: "POST" });
      expect(r.status).toBe(409);
      expect(((await r.json()) as { error: string }).error).toMatch(/^ERR /);
    } finally {
      await inMemory.stop();
    }
  });

  it("/health says degraded (503) while a partition restarts, then ok again", async () => {
    await io.call("DEBUG", "PARTITION-EXIT", "1");
    const seen: number[] = [];
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const r = await get(server, "/health");
      const body = (await r.json()) as { status: string; partitionsRunning: number };
      if (seen[seen.length - 1] !== r.status) seen.push(r.status);
      if (r.status === 503) expect(body).toMatchObject({ status: "degraded", partitionsRunning: 1 });
      if (seen.includes(503) && r.status === 200) break;
      await sleep(2);
    }
    expect(seen).toContain(503);
    expect(seen[seen.length - 1]).toBe(200);
    expect(await io.set("after", "restart")).toBe("OK");
  });
});

describe("admin HTTP API and the server's life", () => {
  it("a scraper's open connection (idle, or a request half sent) does not hold up SIGTERM", async () => {
    const s = await startServer({ partitions: 1, admin: true });
    const idle = connect({ port: s.adminPort, host: "127.0.0.1" });
    const half = connect({ port: s.adminPort, host: "127.0.0.1" });
    await Promise.all([once(idle, "connect"), once(half, "connect")]);
    half.write("GET /metrics HTTP/1.1\r\nHost: x\r\n"); // headers never finished
    idle.on("error", () => {});
    half.on("error", () => {});
    const t0 = Date.now();
    expect(await s.stop()).toBe(0);
    expect(Date.now() - t0).toBeLessThan(8000);
    idle.destroy();
    half.destroy();
  });

  it("a taken admin port is refused at start with the flag to change it", async () => {
    const s = await startServer({ partitions: 1, admin: true });
    try {
      await expect(startServer({ partitions: 1, args: ["--admin-port", String(s.adminPort)] })).rejects.toThrow(/admin HTTP port 127\.0\.0\.1:\d+ is in use \(--admin-port PORT picks another, --admin-port 0 turns the admin API off\)/);
    } finally {
      await s.stop();
    }
  });
});

describe("admin HTTP API tokens", () => {
  it("with a requirepass, everything but /health needs it as the bearer token", async () => {
    const s = await startServer({ partitions: 1, admin: true, args: ["--requirepass", "s3cret"] });
    try {
      expect((await get(s, "/health")).status).toBe(200);
      for (const path of ["/metrics", "/info", "/slowlog", "/config"]) {
        const r = await get(s, path);
        expect(r.status).toBe(401);
        expect(r.headers.get("www-authenticate")).toMatch(/^Bearer/);
        expect((await get(s, path, { authorization: "Bearer wrong" })).status).toBe(401);
        expect((await get(s, path, { authorization: "Bearer s3cret" })).status).toBe(200);
      }
    } finally {
      await s.stop();
    }
  });

  it("--admin-token takes the place of the requirepass for the admin API", async () => {
    const s = await startServer({ partitions: 1, admin: true, args: ["--requirepass", "s3cret", "--admin-token", "ops-token"] });
    try {
      expect((await get(s, "/metrics", { authorization: "Bearer s3cret" })).status).toBe(401);
      expect((await get(s, "/metrics", { authorization: "Bearer ops-token" })).status).toBe(200);
      expect(s.output()).not.toContain("ops-token");
    } finally {
      await s.stop();
    }
  });
});
