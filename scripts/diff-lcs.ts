/**
 * Differential check of LCS against a real Redis: random pairs of short strings over small
 * alphabets (so subsequences are long and ties frequent), with every option set and a few bad
 * ones, sent to a redis-server started here and to Tessera's engine in-process; every reply is
 * compared, structure and all.
 *
 *   node --import tsx scripts/diff-lcs.ts [--count 4000] [--seed 99] [--max-length 14]
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
const MAX_LENGTH = flag("max-length", 14);
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
const str = () => { const n = Math.floor(rnd() * (MAX_LENGTH + 1)); let s = ""; for (let i = 0; i < n; i++) s += "abcd"[Math.floor(rnd() * (rnd() < 0.5 ? 2 : 4))]; return s; };
const optsList = [[], ["LEN"], ["IDX"], ["IDX", "WITHMATCHLEN"], ["IDX", "MINMATCHLEN", "2"], ["IDX", "MINMATCHLEN", "3", "WITHMATCHLEN"], ["LEN", "IDX"], ["MINMATCHLEN", "x"], ["BOGUS"], ["IDX", "MINMATCHLEN", "-5"]];
let diffs = 0;
for (let n = 0; n < COUNT; n++) {
  const a = str(), b = str();
  for (const [k, v] of [["ka", a], ["kb", b]] as const) {
    if (v === "" && rnd() < 0.5) { await cmd("DEL", k); run(engine, "DEL", k); }
    else { await cmd("SET", k, v); run(engine, "SET", k, v); }
  }
  const opts = optsList[Math.floor(rnd() * optsList.length)]!;
  const want = await cmd("LCS", "ka", "kb", ...opts);
  const got = plain(run(engine, "LCS", "ka", "kb", ...opts));
  if (JSON.stringify(want) !== JSON.stringify(got) && ++diffs <= 10) console.log(JSON.stringify({ a, b, opts, redis: want, tessera: got }));
}
console.log(`${diffs} differences in ${COUNT} LCS`);
sock.destroy();
redis.kill();
process.exit(diffs === 0 ? 0 : 1);
