/**
 * What the differential scripts (diff-*.ts) share: a redis-server of their own on a free
 * loopback port, a one-command-at-a-time RESP2 client for it, Tessera's engine in-process with
 * replies in the same plain shape, command-line flags and a seeded PRNG.
 *
 * Replies are plain values: strings (bulk and status, latin1), numbers, null, arrays, and
 * `{ err: "ERR ..." }` for errors, on both sides, so a JSON comparison finds any difference.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createConnection, createServer, type Socket } from "node:net";
import type { Reply } from "../packages/proto/src/index.js";
import { PartitionEngine } from "../packages/partition/src/index.js";
import { run } from "../packages/partition/test/helpers.js";

export type Plain = string | number | null | { err: string } | Plain[];

/** `--name value` from the command line, as a number. */
export function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** A xorshift32 PRNG in [0, 1), so a seed reproduces a run. */
export function prng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s / 4294967296;
  };
}

/** One RESP2 reply from buf[at], or null when it is not all there yet. */
function parse(buf: Buffer, at: number): [Plain, number] | null {
  const eol = buf.indexOf("\r\n", at);
  if (eol < 0) return null;
  const type = buf[at]!;
  const line = buf.subarray(at + 1, eol).toString("latin1");
  if (type === 43) return [line, eol + 2]; // +
  if (type === 45) return [{ err: line }, eol + 2]; // -
  if (type === 58) return [Number(line), eol + 2]; // :
  if (type === 36) {
    // $
    const n = Number(line);
    if (n < 0) return [null, eol + 2];
    if (buf.length < eol + 2 + n + 2) return null;
    return [buf.subarray(eol + 2, eol + 2 + n).toString("latin1"), eol + 2 + n + 2];
  }
  if (type === 42) {
    // *
    const items: Plain[] = [];
    let p = eol + 2;
    for (let i = 0; i < Number(line); i++) {
      const r = parse(buf, p);
      if (r === null) return null;
      items.push(r[0]);
      p = r[1];
    }
    return [items, p];
  }
  throw new Error(`RESP reply type ${String.fromCharCode(type)} not handled`);
}

export interface RedisUnderTest {
  /** Sends one command (words as latin1 bytes) and resolves with its reply. */
  command(...words: string[]): Promise<Plain>;
  stop(): void;
}

/** Starts redis-server (persistence off) on a free port and connects; exits 2 if it is not installed. */
export async function startRedis(): Promise<RedisUnderTest> {
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
  const server: ChildProcess = spawn("redis-server", ["--port", String(port), "--save", "", "--appendonly", "no"], { stdio: "ignore" });
  server.on("error", () => {
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
  const sock = socket;
  let buf = Buffer.alloc(0);
  let waiter: ((v: Plain) => void) | null = null;
  const deliver = (): void => {
    if (waiter === null) return;
    const r = parse(buf, 0);
    if (r === null) return;
    buf = buf.subarray(r[1]);
    const w = waiter;
    waiter = null;
    w(r[0]);
  };
  sock.on("data", (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    deliver();
  });
  return {
    command(...words: string[]): Promise<Plain> {
      let out = `*${words.length}\r\n`;
      for (const w of words) out += `$${Buffer.byteLength(w, "latin1")}\r\n${w}\r\n`;
      return new Promise((resolve) => {
        waiter = resolve;
        sock.write(Buffer.from(out, "latin1"));
        deliver();
      });
    },
    stop(): void {
      sock.destroy();
      server.kill();
    },
  };
}

/**
 * A reply of the engine in the same plain shape as `RedisUnderTest.command`'s. Not the test
 * helpers' `plain()`: that one decodes bulk strings as UTF-8, which would hide differences in
 * binary values (bitmaps); here both sides are latin1, byte for byte.
 */
export function plainOf(r: Reply): Plain {
  switch (r.kind) {
    case "ok":
      return "OK";
    case "status":
      return r.text;
    case "nil":
      return null;
    case "integer":
      return Number(r.value);
    case "bulk":
      return Buffer.from(r.value).toString("latin1");
    case "array":
      return r.items.map(plainOf);
    case "error":
      return { err: `${r.code} ${r.message}` };
  }
  throw new Error(`reply kind ${(r as { kind: string }).kind} not handled`);
}

/** Tessera's engine in-process; words are latin1 bytes, as sent to Redis. */
export function tesseraEngine(): { command(...words: string[]): Plain } {
  const engine = new PartitionEngine({});
  return { command: (...words) => plainOf(run(engine, ...words.map((w) => Buffer.from(w, "latin1")))) };
}
