/**
 * What one hop between two threads costs on this machine: a ping-pong between the main thread
 * and a worker over a SharedArrayBuffer word, each side waking the other with Atomics.notify and
 * waiting with Atomics.waitAsync (the partition doorbell's mechanism, ring/doorbell.ts). Both
 * threads sleep between messages, so every message wakes a sleeping thread, as a request does
 * at moderate load: a Tessera request crosses two such hops (router -> partition -> router) on
 * top of the client's own.
 *
 * Reported: round trips per second and the whole process's CPU (both threads, user + system)
 * per round trip. On bare metal a round trip costs a few µs of CPU; on a virtual machine whose
 * idle vCPUs halt, waking one can cost tens of µs, which is then a floor under the CPU per
 * request of any design with a thread hop. Printed by `pnpm bench kv` next to its results.
 */
import { Worker } from "node:worker_threads";

export interface ThreadHop {
  roundTrips: number;
  roundTripsPerSec: number;
  /** Process CPU (both threads, user + system) per round trip. */
  cpuUsPerRoundTrip: number;
  userUsPerRoundTrip: number;
  systemUsPerRoundTrip: number;
}

// Words: 0 ping sequence (main -> worker), 1 pong sequence (worker -> main), 2 stop flag.
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const w = new Int32Array(workerData);
let seen = 0;
function answer() {
  seen = Atomics.load(w, 0);
  Atomics.add(w, 1, 1);
  Atomics.notify(w, 1);
}
function loop() {
  for (;;) {
    if (Atomics.load(w, 2) === 1) return process.exit(0);
    const r = Atomics.waitAsync(w, 0, seen);
    if (!r.async) { answer(); continue; }
    r.value.then(() => { answer(); loop(); });
    return;
  }
}
answer(); // the handshake: ready
loop();
setInterval(() => {}, 1 << 30); // a pending waitAsync does not keep a worker alive
`;

const waitAsync = (Atomics as unknown as {
  waitAsync(array: Int32Array, index: number, value: number): { async: false; value: string } | { async: true; value: Promise<string> };
}).waitAsync;

async function pong(w: Int32Array, seq: number): Promise<void> {
  for (;;) {
    const r = waitAsync(w, 1, seq);
    if (!r.async) return;
    await r.value;
    if (Atomics.load(w, 1) !== seq) return;
  }
}

export async function measureThreadHop(roundTrips = 20_000): Promise<ThreadHop> {
  const w = new Int32Array(new SharedArrayBuffer(12));
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: w.buffer });
  await pong(w, 0); // ready
  // Warm-up, then the measured run.
  for (let i = 0; i < 1000; i++) {
    const seq = Atomics.load(w, 1);
    Atomics.add(w, 0, 1);
    Atomics.notify(w, 0);
    await pong(w, seq);
  }
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < roundTrips; i++) {
    const seq = Atomics.load(w, 1);
    Atomics.add(w, 0, 1);
    Atomics.notify(w, 0);
    await pong(w, seq);
  }
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  Atomics.store(w, 2, 1);
  Atomics.add(w, 0, 1);
  Atomics.notify(w, 0);
  await worker.terminate();
  const per = (us: number) => Math.round((us / roundTrips) * 10) / 10;
  return {
    roundTrips,
    roundTripsPerSec: Math.round((roundTrips / ms) * 1000),
    cpuUsPerRoundTrip: per(cpu.user + cpu.system),
    userUsPerRoundTrip: per(cpu.user),
    systemUsPerRoundTrip: per(cpu.system),
  };
}

export function describeThreadHop(h: ThreadHop): string {
  return `thread hop (notify + waitAsync ping-pong between two sleeping threads, ${h.roundTrips} round trips): ${h.roundTripsPerSec} round trips/s, ${h.cpuUsPerRoundTrip} µs of CPU each (user ${h.userUsPerRoundTrip}, system ${h.systemUsPerRoundTrip})`;
}
