/**
 * Differential check of GETBIT, SETBIT, BITCOUNT, BITPOS and BITOP against a real Redis: short random
 * values (bytes chosen to put set and clear bits at the edges), offsets and ranges around the
 * edges, BIT / BYTE units and bad arguments, sent to a redis-server started here and to
 * Tessera's engine in-process; every reply is compared, and after SETBIT / BITOP the value too.
 *
 *   node --import tsx scripts/diff-bits.ts [--count 4000] [--seed 99]
 *
 * Needs `redis-server` on the PATH (apt-get install -y redis-server). Exits 1 on any difference.
 */
import { spawn } from "node:child_process";
import { createConnection, createServer, type Socket } from "node:net";
import { PartitionEngine } from "../packages/partition/src/index.js";
import { plain, run } from "../packages/partition/test/helpers.js";

// Generic RESP2 parser -> plain JS (errors as {err})
function parse(buf: Buffer, at: number): [unknown, number] | null {
  const eol = buf.indexOf("\r\n", at);
  if (eol < 0) return null;
  const t = buf[at]!;
  const line = buf.subarray(at + 1, eol).toString("latin1");
  if (t === 43) return [line === "OK" ? "OK" : line, eol + 2];
  if (t === 45) return [{ err: line }, eol + 2];
  if (t === 58) return [Number(line), eol + 2];
  if (t === 36) {
    const n = Number(line);
    if (n < 0) return [null, eol + 2];
    if (buf.length < eol + 2 + n + 2) return null;
    return [buf.subarray(eol + 2, eol + 2 + n).toString("latin1"), eol + 2 + n + 2];
  }
  if (t === 42) {
    const n = Number(line);
    const items: unknown[] = [];
    let p = eol + 2;
    for (let i = 0; i < n; i++) {
      const r = parse(buf, p);
      if (r === null) return null;
      items.push(r[0]);
      p = r[1];
    }
    return [items, p];
  }
  throw new Error(`type ${t}`);
}
let buf = Buffer.alloc(0);
let waiter: ((v: unknown) => void) | null = null;
function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const COUNT = flag("count", 4000);
const port = await new Promise<number>((resolve) => {
  const s = createServer().listen(0, "127.0.0.1", () => {
    const p = (s.address() as { port: number }).port;
    s.close(() => resolve(p));
  });
});
const redis = spawn("redis-server", ["--port", String(port), "--save", "", "--appendonly", "no"], { stdio: "ignore" });
redis.on("error", () => {
  console.error("redis-server not found: apt-get install -y redis-server");
  process.exit(2);
});
let sock: Socket | null = null;
for (let i = 0; i < 100 && sock === null; i++) {
  sock = await new Promise<Socket | null>((resolve) => {
    const s = createConnection(port, "127.0.0.1");
    s.once("connect", () => resolve(s));
    s.once("error", () => setTimeout(() => resolve(null), 50));
  });
}
if (sock === null) throw new Error("redis-server did not come up");
sock!.on("data", (d: Buffer) => {
  buf = Buffer.concat([buf, d]);
  if (waiter) { const r = parse(buf, 0); if (r) { buf = buf.subarray(r[1]); const w = waiter; waiter = null; w(r[0]); } }
});
const cmd = (...words: string[]) => new Promise<unknown>((resolve) => {
  let out = `*${words.length}\r\n`;
  for (const w of words) out += `$${Buffer.byteLength(w, "latin1")}\r\n${w}\r\n`;
  waiter = resolve;
  sock!.write(Buffer.from(out, "latin1"));
});
const engine = new PartitionEngine({});
let seed = flag("seed", 99) >>> 0 || 1;
const rnd = () => { seed ^= seed << 13; seed >>>= 0; seed ^= seed >>> 17; seed ^= seed << 5; seed >>>= 0; return seed / 4294967296; };
const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const num = () => pick(["0", "1", "2", "3", "5", "7", "8", "9", "15", "16", "17", "23", "-1", "-2", "-3", "-8", "-9", "-17", "-100", "100", "x", "9223372036854775807", "-9223372036854775808"]);
const bytesStr = () => { const n = Math.floor(rnd() * 5); let s = ""; for (let i = 0; i < n; i++) s += String.fromCharCode(pick([0, 0xff, 0x0f, 0xf0, 0x55, 0xaa, 0x80, 0x01, Math.floor(rnd() * 256)])); return s; };
let diffs = 0;
for (let n = 0; n < COUNT; n++) {
  const v = bytesStr();
  if (v === "" && rnd() < 0.5) { await cmd("DEL", "k"); run(engine, "DEL", "k"); } else { await cmd("SET", "k", v); run(engine, "SET", "k", Buffer.from(v, "latin1")); }
  const r = rnd();
  let args: string[];
  if (r < 0.15) args = ["GETBIT", "k", pick(["0", "3", "7", "8", "31", "40", "-1", "x", "4294967296", "4294967295"])];
  else if (r < 0.3) args = ["SETBIT", "k", pick(["0", "3", "7", "8", "31", "40", "-1", "x", "100"]), pick(["0", "1", "2", "-1", "x"])];
  else if (r < 0.6) { const extra = pick([[], [num(), num()], [num(), num(), pick(["BIT", "BYTE", "bit", "NOPE"])], [num()], [num(), num(), "BIT", "x"]]); args = ["BITCOUNT", "k", ...extra]; }
  else if (r < 0.85) { const extra = pick([[], [num()], [num(), num()], [num(), num(), pick(["BIT", "BYTE", "NOPE"])], [num(), num(), "BIT", "x"]]); args = ["BITPOS", "k", pick(["0", "1", "1", "0", "2", "x"]), ...extra]; }
  else {
    // BITOP over k and a second value (set here too), into d (which may hold something).
    const w = bytesStr();
    if (w === "" && rnd() < 0.5) { await cmd("DEL", "k2"); run(engine, "DEL", "k2"); } else { await cmd("SET", "k2", w); run(engine, "SET", "k2", Buffer.from(w, "latin1")); }
    if (rnd() < 0.5) { await cmd("SET", "d", "old"); run(engine, "SET", "d", "old"); }
    args = ["BITOP", pick(["AND", "or", "XOR", "NOT", "nand"]), "d", ...pick([["k"], ["k", "k2"], ["k2", "missing"], ["k", "k2", "k"]])];
  }
  const want = await cmd(...args);
  const got = plain(run(engine, ...args));
  let afterDiff = false;
  if (args[0] === "SETBIT" || args[0] === "BITOP") {
    const key = args[0] === "SETBIT" ? "k" : "d";
    const rv = await cmd("GET", key);
    const ev = run(engine, "GET", key);
    const evs = ev.kind === "bulk" ? Buffer.from(ev.value).toString("latin1") : null;
    afterDiff = rv !== evs;
    if (args[0] === "BITOP") { const rt = await cmd("TTL", key); const et = plain(run(engine, "TTL", key)); afterDiff ||= rt !== et; }
  }
  if (JSON.stringify(want) !== JSON.stringify(got) || afterDiff) {
    if (++diffs <= 12) console.log(JSON.stringify({ v: [...Buffer.from(v, "latin1")], args, redis: want, tessera: got }));
  }
}
console.log(`${diffs} differences in ${COUNT} bit commands`);
sock.destroy();
redis.kill();
process.exit(diffs === 0 ? 0 : 1);
