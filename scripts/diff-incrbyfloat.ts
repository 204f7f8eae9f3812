/**
 * Differential check of INCRBYFLOAT against a real Redis: random values and increments
 * (decimal, exponents, hex, inf/nan, junk) go to a redis-server started here and to Tessera's
 * engine in-process, and every reply is compared, chained increments included.
 *
 *   node --import tsx scripts/diff-incrbyfloat.ts [--count 20000] [--seed 1] [--exp-range 80]
 *
 * Needs `redis-server` on the PATH (apt-get install -y redis-server); Redis on x86-64, where
 * long double is the 80-bit format Tessera emulates. Exits 1 on any difference.
 */
import { spawn } from "node:child_process";
import { createConnection, createServer, type Socket } from "node:net";
import { PartitionEngine } from "../packages/partition/src/index.js";
import { plain, run } from "../packages/partition/test/helpers.js";

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const COUNT = flag("count", 20_000);
let seed = flag("seed", 1) >>> 0 || 1;
const EXP_RANGE = flag("exp-range", 80);

const rnd = (): number => {
  seed ^= seed << 13;
  seed >>>= 0;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  seed >>>= 0;
  return seed / 4294967296;
};
const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const SPECIAL = ["0.1", "0.2", "10.5", "-0.1", "1e3", "5.0e3", "3", "-3", "0", "-0", "1.", ".5", "0x10", "0x1.8p3", "inf", "-inf", "nan", "abc", " 1", "1 ", "", "1e4931", "1e-4950", "1e5000", "1e-5000"];

function number(): string {
  if (rnd() < 0.15) return pick(SPECIAL);
  const whole = Math.floor(rnd() * 10 ** Math.floor(rnd() * 12));
  const frac = Math.floor(rnd() * 10 ** Math.floor(rnd() * 18));
  const exp = rnd() < 0.3 ? `e${Math.floor(rnd() * EXP_RANGE) - Math.floor(EXP_RANGE / 2)}` : "";
  return `${rnd() < 0.3 ? "-" : ""}${whole}.${frac}${exp}`;
}

/** A minimal RESP client: one command at a time, replies as strings ("ERR:..." for errors). */
class Resp {
  private buf = Buffer.alloc(0);
  private waiting: ((s: string) => void) | null = null;
  constructor(private readonly socket: Socket) {
    socket.on("data", (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.tryReply();
    });
  }
  command(...words: string[]): Promise<string> {
    let out = `*${words.length}\r\n`;
    for (const w of words) out += `$${Buffer.byteLength(w)}\r\n${w}\r\n`;
    this.socket.write(out);
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.tryReply();
    });
  }
  private tryReply(): void {
    if (this.waiting === null) return;
    const eol = this.buf.indexOf("\r\n");
    if (eol < 0) return;
    const head = this.buf.subarray(0, eol).toString("latin1");
    let reply: string;
    let used: number;
    if (head[0] === "$") {
      const n = Number(head.slice(1));
      if (this.buf.length < eol + 2 + n + 2) return;
      reply = this.buf.subarray(eol + 2, eol + 2 + n).toString("latin1");
      used = eol + 2 + n + 2;
    } else {
      reply = head[0] === "-" ? `ERR:${head.slice(1)}` : head.slice(1);
      used = eol + 2;
    }
    this.buf = this.buf.subarray(used);
    const w = this.waiting;
    this.waiting = null;
    w(reply);
  }
}

function tessera(engine: PartitionEngine, ...words: string[]): string {
  const r = plain(run(engine, ...words));
  return typeof r === "object" && r !== null && "err" in r ? `ERR:${r.err}` : String(r);
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const port = await freePort();
const redis = spawn("redis-server", ["--port", String(port), "--save", "", "--appendonly", "no"], { stdio: "ignore" });
redis.on("error", () => {
  console.error("redis-server not found: apt-get install -y redis-server");
  process.exit(2);
});
let socket: Socket | null = null;
for (let i = 0; i < 100 && socket === null; i++) {
  socket = await new Promise<Socket | null>((resolve) => {
    const s = createConnection(port, "127.0.0.1");
    s.once("connect", () => resolve(s));
    s.once("error", () => setTimeout(() => resolve(null), 50));
  });
}
if (socket === null) throw new Error("redis-server did not come up");
const client = new Resp(socket);
const engine = new PartitionEngine({});
let differences = 0;
for (let i = 0; i < COUNT; i++) {
  const value = number();
  await client.command("SET", "k", value);
  tessera(engine, "SET", "k", value);
  for (const increment of [number(), number()]) {
    const want = await client.command("INCRBYFLOAT", "k", increment);
    const got = tessera(engine, "INCRBYFLOAT", "k", increment);
    if (want !== got && ++differences <= 20) console.log(JSON.stringify({ value, increment, redis: want, tessera: got }));
  }
}
console.log(`${differences} differences in ${COUNT * 2} INCRBYFLOATs`);
socket.destroy();
redis.kill();
process.exit(differences === 0 ? 0 : 1);
