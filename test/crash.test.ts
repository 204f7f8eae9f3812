/**
 * Crash test: the real server, killed with SIGKILL at random moments while several clients write,
 * restarted on the same data directory, checked against what the clients were told.
 *
 * Every key has one writer that sends increasing sequence numbers, so the check is a range:
 *  - `always`:   lastAcked <= recovered <= lastSent. An acknowledged write is never lost; a write
 *                in flight at the kill may or may not be there.
 *  - `everysec`: durableBefore(kill - window) <= recovered <= lastSent, where the window is one
 *                second plus slack for the tick cadence: only writes acknowledged in the last ~1 s
 *                may be missing.
 * Counters (INCR) get the same range check. One more client runs transactions (MULTI, INCR of two
 * keys sharing a hash tag, EXEC) the whole time: after every restart both counters must be equal
 * (no transaction half applied) and within the same range. Recovery must succeed every time. Writers use the
 * native client (@tessera/client) and, for one of them, RESP, so both front ends are covered.
 *
 * CRASH_CYCLES (default 20) sets the kill cycles of the `always` run; `everysec` runs a sixth (>= 3).
 * The server runs with --snapshot-wal-bytes small, so snapshots and compaction happen
 * between kills too (a kill can land in the middle of a snapshot).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { CLI_ARGS, freePort, REPO_ROOT } from "./support/server-process.js";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TesseraClient } from "@tessera/client";

const ROOT = REPO_ROOT;
const CYCLES = Number(process.env.CRASH_CYCLES ?? 20);
const CLIENTS = 4;
const KEYS_PER_CLIENT = 32;
const PIPELINE = 4;
const EVERYSEC_WINDOW_MS = 1000 + 1000; // one second of policy + slack for the tick cadence and a loaded machine

// ---- a minimal RESP client: one FIFO of pending replies, exact knowledge of what was acked ----

type RespValue = string | number | null | Error | RespValue[];

class RespConn {
  private readonly pending: { resolve(v: RespValue): void; reject(e: Error): void }[] = [];
  private buf: Buffer = Buffer.alloc(0);
  closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (d: Buffer) => {
      this.buf = this.buf.length === 0 ? d : Buffer.concat([this.buf, d]);
      for (;;) {
        const r = parse(this.buf, 0);
        if (r === null) break;
        this.buf = this.buf.subarray(r.end);
        this.pending.shift()?.resolve(r.value);
      }
    });
    const fail = (): void => {
      this.closed = true;
      for (const p of this.pending.splice(0)) p.reject(new Error("connection closed"));
    };
    socket.on("close", fail);
    socket.on("error", fail);
  }

  static connect(port: number): Promise<RespConn> {
    return new Promise((resolve, reject) => {
      const s = new Socket();
      s.setNoDelay(true);
      s.once("error", reject);
      s.connect(port, "127.0.0.1", () => {
        s.off("error", reject);
        resolve(new RespConn(s));
      });
    });
  }

  send(...args: string[]): Promise<RespValue> {
    if (this.closed) return Promise.reject(new Error("connection closed"));
    let out = `*${args.length}\r\n`;
    for (const a of args) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.socket.write(out);
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

function parse(b: Buffer, p: number): { value: RespValue; end: number } | null {
  const nl = b.indexOf("\r\n", p);
  if (nl < 0) return null;
  const line = b.toString("latin1", p + 1, nl);
  switch (b[p]) {
    case 43: // +
      return { value: line, end: nl + 2 };
    case 45: // -
      return { value: new Error(line), end: nl + 2 };
    case 58: // :
      return { value: Number(line), end: nl + 2 };
    case 36: {
      // $
      const n = Number(line);
      if (n < 0) return { value: null, end: nl + 2 };
      if (b.length < nl + 2 + n + 2) return null;
      return { value: b.toString("utf8", nl + 2, nl + 2 + n), end: nl + 2 + n + 2 };
    }
    case 42: {
      // *
      const n = Number(line);
      if (n < 0) return { value: null, end: nl + 2 };
      const items: RespValue[] = [];
      let q = nl + 2;
      for (let i = 0; i < n; i++) {
        const r = parse(b, q);
        if (r === null) return null;
        items.push(r.value);
        q = r.end;
      }
      return { value: items, end: q };
    }
    default:
      throw new Error(`unexpected RESP byte ${b[p]}`);
  }
}

// ---- the server under test ----

interface Server {
  proc: ChildProcess;
  port: number;
  respPort: number;
  output: string[];
  exited: Promise<number | null>;
}

async function startServer(dataDir: string, fsync: string): Promise<{ server: Server; readyMs: number }> {
  const [port, respPort] = [await freePort(), await freePort()];
  const t0 = performance.now();
  const proc = spawn(
    process.execPath,
    [...CLI_ARGS, "serve", "--data-dir", dataDir, "--fsync", fsync, "--partitions", "2", "--host", "127.0.0.1", "--port", String(port), "--resp-port", String(respPort), "--admin-port", "0", "--snapshot-wal-bytes", String(256 << 10)],
    { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
  );
  const output: string[] = [];
  proc.stdout!.on("data", (d: Buffer) => output.push(d.toString()));
  proc.stderr!.on("data", (d: Buffer) => output.push(d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  const server: Server = { proc, port, respPort, output, exited };
  // Ready = first PING answered: this is the time to first reply after a crash (recovery included).
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`server exited with ${proc.exitCode} during start:\n${output.join("")}`);
    try {
      const c = await RespConn.connect(respPort);
      const pong = await c.send("PING");
      c.close();
      if (pong === "PONG") break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      proc.kill("SIGKILL");
      throw new Error(`server did not answer PING within 60 s:\n${output.join("")}`);
    }
    await sleep(25);
  }
  return { server, readyMs: performance.now() - t0 };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

// ---- the model: per key, what was sent and what was acknowledged when ----

interface KeyState {
  /** Highest sequence number sent (acknowledged or not). */
  sent: number;
  /** Highest sequence number acknowledged. */
  acked: number;
  /** Acknowledgements in order: [seq, time]. Trimmed to what the everysec check needs. */
  ackTimes: [number, number][];
}

class Model {
  readonly keys = new Map<string, KeyState>();

  state(key: string): KeyState {
    let s = this.keys.get(key);
    if (s === undefined) {
      s = { sent: 0, acked: 0, ackTimes: [] };
      this.keys.set(key, s);
    }
    return s;
  }

  /** Highest seq acknowledged at or before `t` (0 if none). */
  static ackedBy(s: KeyState, t: number): number {
    let best = 0;
    for (const [seq, at] of s.ackTimes) if (at <= t && seq > best) best = seq;
    return best;
  }
}

function seqOf(v: RespValue): number {
  if (v === null) return 0;
  if (typeof v === "number") return v;
  if (typeof v === "string") return Number(v.split(":")[0]);
  throw new Error(`unexpected reply ${String(v)}`);
}

/** What a writer needs from a connection, native or RESP. Rejects once the server is gone. */
interface WriteConn {
  set(key: string, value: string): Promise<unknown>;
  incr(key: string): Promise<unknown>;
  readonly closed: boolean;
  close(): void;
}

function respWriter(c: RespConn): WriteConn {
  return {
    set: async (k, v) => {
      const r = await c.send("SET", k, v);
      if (r instanceof Error) throw r;
      return r;
    },
    incr: async (k) => {
      const r = await c.send("INCR", k);
      if (r instanceof Error) throw r;
      return r;
    },
    get closed() {
      return c.closed;
    },
    close: () => c.close(),
  };
}

async function nativeWriter(port: number): Promise<WriteConn> {
  const c = await TesseraClient.connect({ host: "127.0.0.1", port, reconnect: false });
  let closed = false;
  const guard = <T>(p: Promise<T>): Promise<T> =>
    p.catch((e: unknown) => {
      if (!c.isConnected) closed = true;
      throw e;
    });
  return {
    set: (k, v) => guard(c.set(k, v)),
    incr: (k) => guard(c.incr(k).then(Number)),
    get closed() {
      return closed || !c.isConnected;
    },
    close: () => c.destroy(),
  };
}

/** One client: keeps PIPELINE writes in flight over its own keys until the connection dies. */
async function writer(conn: WriteConn, client: number, model: Model, stop: { now: boolean }): Promise<number> {
  let acks = 0;
  const one = async (): Promise<void> => {
    while (!stop.now && !conn.closed) {
      const j = Math.floor(Math.random() * (KEYS_PER_CLIENT + 1));
      const counter = j === KEYS_PER_CLIENT;
      const key = counter ? `crash:c${client}:ctr` : `crash:c${client}:k${j}`;
      const s = model.state(key);
      // One writer per key at a time, so sequence numbers reach the server in order.
      if (s.sent > s.acked) {
        await sleep(0);
        continue;
      }
      const seq = ++s.sent;
      let reply: unknown;
      try {
        reply = counter ? await conn.incr(key) : await conn.set(key, `${seq}:${"x".repeat((seq * 37) % 300)}`);
      } catch (e) {
        if (conn.closed || stop.now) return; // killed: this write is in flight forever
        throw new Error(`${key}: ${(e as Error).message}`);
      }
      if (counter && reply !== seq) throw new Error(`${key}: INCR replied ${String(reply)}, model expected ${seq}`);
      s.acked = seq;
      s.ackTimes.push([seq, Date.now()]);
      acks++;
    }
  };
  await Promise.all(Array.from({ length: PIPELINE }, one));
  return acks;
}

/** The transaction writer's counters: both keys hold the same count, `sent` at most. */
interface TxnState {
  sent: number;
  acked: number;
  ackTimes: [number, number][];
}
const TXN_A = "{crash:txn}a";
const TXN_B = "{crash:txn}b";

/** MULTI INCR a INCR b EXEC, one at a time, until the connection dies. Returns transactions acknowledged. */
async function txnWriter(port: number, t: TxnState, stop: { now: boolean }): Promise<number> {
  const c = await TesseraClient.connect({ host: "127.0.0.1", port, reconnect: false });
  let acks = 0;
  try {
    while (!stop.now && c.isConnected) {
      const seq = ++t.sent;
      let r: unknown;
      try {
        r = await c.multi().command("INCR", TXN_A).command("INCR", TXN_B).exec();
      } catch (e) {
        if (!c.isConnected || stop.now) return acks; // killed: in flight forever
        throw e;
      }
      if (JSON.stringify(r) !== JSON.stringify([seq, seq])) throw new Error(`transaction ${seq} replied ${JSON.stringify(r)}`);
      t.acked = seq;
      t.ackTimes.push([seq, Date.now()]);
      acks++;
    }
  } finally {
    c.destroy();
  }
  return acks;
}

async function verifyTxn(respPort: number, t: TxnState, fsync: string, killAt: number): Promise<void> {
  const c = await RespConn.connect(respPort);
  try {
    const a = seqOf(await c.send("GET", TXN_A));
    const b = seqOf(await c.send("GET", TXN_B));
    if (a !== b) throw new Error(`a transaction was half applied: ${TXN_A}=${a}, ${TXN_B}=${b}`);
    const floor = fsync === "always" ? t.acked : Model.ackedBy(t as KeyState, killAt - EVERYSEC_WINDOW_MS);
    if (a < floor || a > t.sent) throw new Error(`${TXN_A} after restart is ${a}; expected ${floor} <= n <= ${t.sent} (fsync ${fsync})`);
    t.sent = t.acked = a;
    t.ackTimes = [[a, 0]];
  } finally {
    c.close();
  }
}

async function verify(respPort: number, model: Model, fsync: string, killAt: number): Promise<{ checked: number; lostInWindow: number; inflightPresent: number }> {
  const c = await RespConn.connect(respPort);
  let lostInWindow = 0;
  let inflightPresent = 0;
  try {
    for (const [key, s] of model.keys) {
      const got = seqOf(await c.send("GET", key));
      const floor = fsync === "always" ? s.acked : Model.ackedBy(s, killAt - EVERYSEC_WINDOW_MS);
      if (got < floor || got > s.sent) {
        throw new Error(
          `${key} after restart holds seq ${got}; expected ${floor} <= seq <= ${s.sent} ` +
            `(fsync ${fsync}, last acked ${s.acked}, acks ${JSON.stringify(s.ackTimes.slice(-5))}, killed at ${killAt})`,
        );
      }
      if (got < s.acked) lostInWindow++;
      if (got > s.acked) inflightPresent++;
      // The recovered value is the new baseline. SET keys continue above everything ever sent (so
      // a value names one write); a counter continues from what it holds (INCR replies got + 1).
      s.acked = got;
      s.sent = key.endsWith(":ctr") ? got : Math.max(s.sent, got);
      s.ackTimes = [[got, 0]];
    }
  } finally {
    c.close();
  }
  return { checked: model.keys.size, lostInWindow, inflightPresent };
}

async function crashCycles(fsync: string, cycles: number): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), `tessera-crash-${fsync}-`));
  dirs.push(dataDir);
  const model = new Model();
  let { server, readyMs } = await startServer(dataDir, fsync);
  const readyTimes: number[] = [readyMs];
  let totalAcks = 0;
  let inflightPresent = 0;
  let lostInWindow = 0;
  const txn: TxnState = { sent: 0, acked: 0, ackTimes: [] };
  let txnAcks = 0;
  try {
    for (let cycle = 0; cycle < cycles; cycle++) {
      // Clients 0..CLIENTS-2 speak the native protocol, the last one RESP.
      const conns = await Promise.all(
        Array.from({ length: CLIENTS }, (_, i) => (i < CLIENTS - 1 ? nativeWriter(server.port) : RespConn.connect(server.respPort).then(respWriter))),
      );
      const stop = { now: false };
      const writers = conns.map((c, i) => writer(c, i, model, stop));
      const txns = txnWriter(server.port, txn, stop);
      await sleep(100 + Math.random() * 700);
      const killAt = Date.now();
      server.proc.kill("SIGKILL");
      await server.exited;
      stop.now = true;
      totalAcks += (await Promise.all(writers)).reduce((a, b) => a + b, 0);
      txnAcks += await txns;
      for (const c of conns) c.close();
      ({ server, readyMs } = await startServer(dataDir, fsync));
      readyTimes.push(readyMs);
      const r = await verify(server.respPort, model, fsync, killAt);
      await verifyTxn(server.respPort, txn, fsync, killAt);
      inflightPresent += r.inflightPresent;
      lostInWindow += r.lostInWindow;
    }
  } finally {
    server.proc.kill("SIGKILL");
    await server.exited;
  }
  if (fsync === "always") expect(lostInWindow).toBe(0);
  expect(totalAcks).toBeGreaterThan(cycles); // the clients really wrote
  expect(txnAcks).toBeGreaterThan(0);
  console.log(
    JSON.stringify({
      test: "crash",
      fsync,
      cycles,
      acknowledgedWrites: totalAcks,
      acknowledgedTransactions: txnAcks,
      inflightWritesFoundAfterRestart: inflightPresent,
      acknowledgedWritesLostWithinWindow: lostInWindow,
      restartToFirstReplyMsMax: Math.round(Math.max(...readyTimes)),
      restartToFirstReplyMsMedian: Math.round(readyTimes.sort((a, b) => a - b)[readyTimes.length >> 1]!),
    }),
  );
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("crash recovery (SIGKILL at random moments)", () => {
  it(`fsync always: every acknowledged write survives ${CYCLES} kills`, { timeout: 60_000 + CYCLES * 10_000 }, async () => {
    await crashCycles("always", CYCLES);
  });

  it("fsync everysec: only writes acknowledged in the last ~1 s before a kill may be missing", { timeout: 60_000 + CYCLES * 5_000 }, async () => {
    await crashCycles("everysec", Math.max(3, Math.ceil(CYCLES / 6)));
  });
});
