/**
 * `pnpm bench pubsub`: PUBLISH throughput and fan-out, Tessera against Redis.
 *
 * For each server (Tessera in memory, one partition: pub/sub never touches a partition; then
 * redis-server without persistence) and each subscriber count: that many RESP connections
 * SUBSCRIBE to one channel and count the message bytes they receive; redis-benchmark then sends
 * `PUBLISH channel <payload>` (--messages of them, --clients connections, pipeline --pipeline).
 * Printed per row: PUBLISH/s and its p50 as redis-benchmark reports them, messages delivered per
 * second over all subscribers (until the last one has every message), and the server's RSS.
 * Installs redis-server and redis-tools with apt when missing. Last line: one JSON object.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { readFileSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { cpus } from "node:os";
import { ensureRedisTools } from "./_redis-tools.js";
import { freePort, stopProcess, tesseraCliArgs, waitReady } from "./_servers.js";

const HELP = `usage: pnpm bench pubsub [flags]

PUBLISH throughput and delivery to N subscribers, Tessera (RESP port) against Redis.

flags:
  --subscribers LIST   subscriber connections per row (default "1,10,50")
  --messages N         PUBLISHes per row (default 200000)
  --payload-bytes N    message size (default 64)
  --clients N          redis-benchmark publisher connections (default 10)
  --pipeline N         redis-benchmark -P (default 16)
  --servers LIST       tessera, redis (default both)
  --help               this text`;

interface Flags {
  subscribers: number[];
  messages: number;
  payloadBytes: number;
  clients: number;
  pipeline: number;
  servers: string[];
}

function parseFlags(argv: readonly string[]): Flags {
  const f: Flags = { subscribers: [1, 10, 50], messages: 200_000, payloadBytes: 64, clients: 10, pipeline: 16, servers: ["tessera", "redis"] };
  const int = (v: string, name: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) fail(`--${name}: expects a positive integer, got '${v}'`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--help" || a === "-h") {
      console.log(HELP);
      process.exit(0);
    }
    const v = argv[++i];
    if (v === undefined) fail(`${a} needs a value`);
    switch (a) {
      case "--subscribers": f.subscribers = v.split(",").map((x) => int(x, "subscribers")); break;
      case "--messages": f.messages = int(v, "messages"); break;
      case "--payload-bytes": f.payloadBytes = int(v, "payload-bytes"); break;
      case "--clients": f.clients = int(v, "clients"); break;
      case "--pipeline": f.pipeline = int(v, "pipeline"); break;
      case "--servers":
        f.servers = v.split(",");
        for (const s of f.servers) if (s !== "tessera" && s !== "redis") fail(`--servers: tessera or redis, got '${s}'`);
        break;
      default:
        fail(`unknown flag ${a}`);
    }
  }
  return f;
}

function fail(message: string): never {
  console.error(`bench pubsub: ${message}\n\n${HELP}`);
  process.exit(2);
}

interface Row {
  server: string;
  subscribers: number;
  messages: number;
  publishPerSec: number;
  publishP50Ms: number | null;
  deliveredPerSec: number;
  serverRssMb: number;
}

const CHANNEL = "bench:pubsub";

/** A subscriber that counts message bytes: every message frame has the same size. */
class Subscriber {
  received = 0;
  private confirmed = false;
  private pending = "";
  private constructor(readonly socket: Socket) {}

  static async open(port: number): Promise<Subscriber> {
    const socket = connect({ port, host: "127.0.0.1" });
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    const s = new Subscriber(socket);
    const confirmation = `*3\r\n$9\r\nsubscribe\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n:1\r\n`;
    await new Promise<void>((resolve) => {
      socket.on("data", (d: Buffer) => {
        if (!s.confirmed) {
          s.pending += d.toString("latin1");
          if (s.pending.length < confirmation.length) return;
          if (!s.pending.startsWith(confirmation)) throw new Error(`unexpected SUBSCRIBE reply: ${JSON.stringify(s.pending.slice(0, 80))}`);
          s.confirmed = true;
          s.received += s.pending.length - confirmation.length;
          resolve();
          return;
        }
        s.received += d.length;
      });
      socket.write(`SUBSCRIBE ${CHANNEL}\r\n`);
    });
    return s;
  }
}

function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m === null ? 0 : Math.round(Number(m[1]) / 1024);
}

async function startServer(kind: string): Promise<{ child: ChildProcess; port: number }> {
  const port = await freePort();
  const child =
    kind === "tessera"
      ? spawn(process.execPath, [...tesseraCliArgs(), "serve", "--port", String(await freePort()), "--resp-port", String(port), "--admin-port", "0", "--partitions", "1", "--data-dir", ""], { stdio: "ignore" })
      : spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"], { stdio: "ignore" });
  await waitReady(port, child, kind);
  return { child, port };
}

async function runRow(kind: string, port: number, pid: number, subscribers: number, f: Flags): Promise<Row> {
  const subs = await Promise.all(Array.from({ length: subscribers }, () => Subscriber.open(port)));
  const payload = "x".repeat(f.payloadBytes);
  const frameBytes = `*3\r\n$7\r\nmessage\r\n$${CHANNEL.length}\r\n${CHANNEL}\r\n$${payload.length}\r\n${payload}\r\n`.length;
  const started = performance.now();
  const r = spawnSync("redis-benchmark", ["-h", "127.0.0.1", "-p", String(port), "-c", String(f.clients), "-P", String(f.pipeline), "-n", String(f.messages), "-q", "PUBLISH", CHANNEL, payload], {
    encoding: "utf8",
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`redis-benchmark failed: ${r.stderr}`);
  const want = f.messages * frameBytes;
  const deadline = Date.now() + 120_000;
  while (subs.some((s) => s.received < want) && Date.now() < deadline) await new Promise((res) => setTimeout(res, 5));
  const elapsed = (performance.now() - started) / 1000;
  const delivered = subs.reduce((a, s) => a + Math.floor(s.received / frameBytes), 0);
  for (const s of subs) s.socket.destroy();
  // redis-benchmark -q: "PUBLISH ...: 123456.79 requests per second, p50=0.207 msec"
  const line = r.stdout.split(/\r|\n/).filter((l) => l.includes("requests per second")).pop() ?? "";
  const rps = /([\d.]+) requests per second/.exec(line);
  const p50 = /p50=([\d.]+) msec/.exec(line);
  return {
    server: kind,
    subscribers,
    messages: f.messages,
    publishPerSec: rps === null ? 0 : Math.round(Number(rps[1])),
    publishP50Ms: p50 === null ? null : Number(p50[1]),
    deliveredPerSec: Math.round(delivered / elapsed),
    serverRssMb: rssMb(pid),
  };
}

const flags = parseFlags(process.argv.slice(3));
ensureRedisTools();
console.log(
  `bench pubsub: ${cpus().length} CPUs (${cpus()[0]?.model ?? "?"}), node ${process.version}; ${flags.messages} PUBLISHes of ${flags.payloadBytes} bytes per row, ` +
    `${flags.clients} publisher connections, pipeline ${flags.pipeline}`,
);
const header = ["server", "subscribers", "PUBLISH/s", "p50 ms", "delivered/s", "rss MB"];
console.log(header.map((h) => h.padStart(12)).join(""));
const rows: Row[] = [];
for (const kind of flags.servers) {
  const { child, port } = await startServer(kind);
  try {
    for (const n of flags.subscribers) {
      const row = await runRow(kind, port, child.pid!, n, flags);
      rows.push(row);
      console.log([row.server, row.subscribers, row.publishPerSec, row.publishP50Ms ?? "-", row.deliveredPerSec, row.serverRssMb].map((v) => String(v).padStart(12)).join(""));
    }
  } finally {
    await stopProcess(child);
  }
}
console.log(JSON.stringify({ bench: "pubsub", cpus: cpus().length, ...flags, rows }));
