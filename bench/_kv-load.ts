/**
 * Load generator thread for `pnpm bench kv` (started by kv.ts through worker_threads; not a
 * benchmark of its own). Opens its share of connections and drives them with raw native
 * frames, or RESP commands (`protocol: "resp"`, against Tessera's RESP port or Redis), either
 * closed-loop (each connection keeps `pipeline` requests in flight) or
 * open-loop at a fixed rate. Two histograms (microseconds): latency from the moment each
 * request was written, and latency from its intended send time (open loop only; it adds the
 * generator's own tick, but also shows a stalled server in the tail instead of letting it
 * silently slow the generator down: no coordinated omission).
 *
 * Open-loop pacing: every `tickUs` the thread sends what has come due. A setTimeout cannot tick
 * faster than 1 ms, and 1 ms ticks turn 50 k ops/s into bursts of 50 requests that land on the
 * server at once, so below 1 ms the thread sleeps in Atomics.wait (it blocks this load thread
 * only) and then yields one event-loop turn to read replies. A reply that lands during the sleep
 * is read after it: up to one tick is added to the measured latency, never taken off.
 */
import { connect, type Socket } from "node:net";
import { parentPort, workerData } from "node:worker_threads";
import { performance } from "node:perf_hooks";
import * as hdr from "hdr-histogram-js";
import { FrameDecoder, RequestEncoder } from "@tessera/proto";
import { REPLY_ERROR, REPLY_NONE, RespReplyScanner, encodeRespCommand, respCommandBytes } from "./_resp-replies.js";

export interface LoadParams {
  port: number;
  /** Native frames (Tessera's native port) or RESP (its RESP port, or Redis). */
  protocol: "native" | "resp";
  connections: number;
  pipeline: number;
  op: "get" | "set";
  keys: number;
  valueBytes: number;
  warmupMs: number;
  measureMs: number;
  /** Total ops/s for this thread in open-loop mode; 0 = closed loop. */
  rate: number;
  /** Open loop: send what is due every this many µs (1000 = a plain 1 ms setTimeout tick). */
  tickUs: number;
  seed: number;
}

export interface LoadResult {
  ops: number;
  errors: number;
  /** From the write of each request. */
  histogram: string;
  /** From each request's intended send time (equals `histogram` in closed loop). */
  scheduledHistogram: string;
  elapsedMs: number;
}

const p = workerData as LoadParams;
const buildHistogram = () => hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000, numberOfSignificantValueDigits: 3 });
const histogram = buildHistogram();
const scheduledHistogram = buildHistogram();

const keyNames: Buffer[] = [];
for (let i = 0; i < p.keys; i++) keyNames.push(Buffer.from(`key:${i}`));
const value = Buffer.alloc(p.valueBytes, 0x61);
const GET = Buffer.from("GET");
const SET = Buffer.from("SET");
let rng = p.seed >>> 0 || 1;
function nextKey(): Buffer {
  // xorshift32: cheap and allocation-free.
  rng ^= rng << 13;
  rng ^= rng >>> 17;
  rng ^= rng << 5;
  return keyNames[(rng >>> 0) % p.keys]!;
}

const RING = 1 << 16;

class Conn {
  readonly socket: Socket;
  private readonly enc = new RequestEncoder(64 * 1024);
  private readonly dec = new FrameDecoder();
  private readonly resp = p.protocol === "resp";
  private readonly scanner = new RespReplyScanner();
  /** RESP requests queued since the last flush. */
  private respOut = Buffer.allocUnsafe(64 * 1024);
  private respLength = 0;
  /** Write time and intended send time of each in-flight request. FIFO: replies come in order. */
  private readonly sentAt = new Float64Array(RING);
  private readonly intendedAt = new Float64Array(RING);
  private head = 0;
  private tail = 0;
  /** Requests from here to tail are queued but not yet written; flush() stamps their write time. */
  private unsent = 0;
  inFlight = 0;

  constructor(socket: Socket, private readonly onReplies: (c: Conn, n: number) => void) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
  }

  queue(intendedMs: number): void {
    if (this.inFlight >= RING) throw new Error("load generator: more than 65536 requests in flight on one connection");
    if (this.resp) this.queueResp(p.op === "get" ? [GET, nextKey()] : [SET, nextKey(), value]);
    else if (p.op === "get") this.enc.encode(1, "GET", [nextKey()]);
    else this.enc.encode(1, "SET", [nextKey(), value]);
    this.intendedAt[this.tail] = intendedMs;
    this.tail = (this.tail + 1) & (RING - 1);
    this.inFlight++;
  }

  /**
   * Writes what is queued. The write time is taken here, per connection, not once per tick: a
   * tick writes to every connection in turn, and stamping them all at its start would count the
   * generator's own writes to the other connections (tens of µs each) as server latency.
   */
  flush(): void {
    if (this.resp ? this.respLength === 0 : this.enc.byteLength === 0) return;
    const now = performance.now();
    for (let i = this.unsent; i !== this.tail; i = (i + 1) & (RING - 1)) this.sentAt[i] = now;
    this.unsent = this.tail;
    if (this.resp) {
      this.socket.write(Buffer.from(this.respOut.subarray(0, this.respLength)));
      this.respLength = 0;
    } else {
      this.socket.write(this.enc.take());
    }
  }

  private queueResp(args: Buffer[]): void {
    const need = this.respLength + respCommandBytes(args);
    if (need > this.respOut.length) {
      const bigger = Buffer.allocUnsafe(Math.max(need, this.respOut.length * 2));
      this.respOut.copy(bigger, 0, 0, this.respLength);
      this.respOut = bigger;
    }
    this.respLength = encodeRespCommand(this.respOut, this.respLength, args);
  }

  /** 1 when a complete reply was consumed (an error reply is counted), 0 when none is complete. */
  private nextReply(): number {
    if (this.resp) {
      const r = this.scanner.next();
      if (r === REPLY_NONE) return 0;
      if (r === REPLY_ERROR) errors++;
      return 1;
    }
    const f = this.dec.next();
    if (f === null) return 0;
    // Every request carries id 1, so a reply starts 0x08 0x01 and its value's tag follows;
    // an error reply's tag is 0x3a (field 7).
    if (f[2] === 0x3a) errors++;
    return 1;
  }

  private onData(chunk: Buffer): void {
    if (this.resp) this.scanner.push(chunk);
    else this.dec.push(chunk);
    const now = performance.now();
    let n = 0;
    while (this.nextReply() === 1) {
      const t0 = this.sentAt[this.head]!;
      const intended = this.intendedAt[this.head]!;
      this.head = (this.head + 1) & (RING - 1);
      this.inFlight--;
      if (measuring && intended >= measureStart) {
        histogram.recordValue(Math.max(1, Math.round((now - t0) * 1000)));
        scheduledHistogram.recordValue(Math.max(1, Math.round((now - intended) * 1000)));
        ops++;
      }
      n++;
    }
    if (n > 0) this.onReplies(this, n);
  }
}

let measuring = false;
let stopping = false;
let measureStart = Infinity;
let ops = 0;
let errors = 0;

function open(): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const s = connect({ port: p.port, host: "127.0.0.1" }, () => resolve(s));
    s.once("error", reject);
  });
}

async function main(): Promise<void> {
  const closedLoop = p.rate === 0;
  const conns: Conn[] = [];
  for (let i = 0; i < p.connections; i++) {
    conns.push(
      new Conn(await open(), (c, n) => {
        if (stopping || !closedLoop) return;
        const now = performance.now();
        for (let k = 0; k < n; k++) c.queue(now);
        c.flush();
      }),
    );
  }
  const start = performance.now();
  setTimeout(() => {
    measuring = true;
    measureStart = performance.now();
  }, p.warmupMs);
  if (closedLoop) {
    for (const c of conns) {
      for (let k = 0; k < p.pipeline; k++) c.queue(start);
      c.flush();
    }
  } else {
    // Open loop: every tick send what is due, round-robin over the connections.
    const intervalMs = 1000 / p.rate;
    const tickMs = p.tickUs / 1000;
    const sleepWord = new Int32Array(new SharedArrayBuffer(4));
    let sent = 0;
    let rr = 0;
    let nextTick = start;
    const tick = () => {
      if (stopping) return;
      const now = performance.now();
      const due = Math.floor((now - start) / intervalMs);
      while (sent < due) {
        const c = conns[rr]!;
        rr = (rr + 1) % conns.length;
        c.queue(start + sent * intervalMs);
        sent++;
      }
      for (const c of conns) c.flush();
      if (tickMs >= 1) {
        setTimeout(tick, 1);
        return;
      }
      nextTick = Math.max(nextTick + tickMs, now);
      const sleepMs = nextTick - performance.now();
      if (sleepMs > 0) Atomics.wait(sleepWord, 0, 0, sleepMs);
      setImmediate(tick); // one event-loop turn first: the replies that arrived are read
    };
    tick();
  }
  await new Promise((r) => setTimeout(r, p.warmupMs + p.measureMs));
  const elapsedMs = performance.now() - measureStart;
  stopping = true;
  measuring = false;
  // Let in-flight requests finish so the server is idle for the next run.
  const deadline = performance.now() + 5000;
  while (conns.some((c) => c.inFlight > 0) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
  for (const c of conns) c.socket.destroy();
  const result: LoadResult = {
    ops,
    errors,
    histogram: hdr.encodeIntoCompressedBase64(histogram),
    scheduledHistogram: hdr.encodeIntoCompressedBase64(scheduledHistogram),
    elapsedMs,
  };
  parentPort!.postMessage(result);
}

void main();
