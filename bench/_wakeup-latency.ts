/**
 * How late this machine wakes a sleeping thread: sleeps of `sleepUs` in Atomics.wait, measured
 * against the clock. Every hop of a request (client, router, partition worker, and back) wakes a
 * thread that was asleep, so this overshoot is a floor under any tail latency measured here; on
 * a virtual machine it is often far above the ~50 µs timer slack of bare metal. Printed by the
 * latency benchmarks next to their results, so a reader can tell the server's tail from the
 * machine's.
 */
export interface WakeupLatency {
  sleepUs: number;
  samples: number;
  p50Us: number;
  p99Us: number;
  p999Us: number;
  maxUs: number;
}

export function measureWakeupLatency(samples = 5000, sleepUs = 100): WakeupLatency {
  const word = new Int32Array(new SharedArrayBuffer(4));
  const late = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    Atomics.wait(word, 0, 0, sleepUs / 1000);
    late[i] = (performance.now() - t0) * 1000 - sleepUs;
  }
  late.sort();
  const at = (q: number) => Math.round(late[Math.min(samples - 1, Math.floor(q * samples))]!);
  return { sleepUs, samples, p50Us: at(0.5), p99Us: at(0.99), p999Us: at(0.999), maxUs: Math.round(late[samples - 1]!) };
}

export function describeWakeupLatency(w: WakeupLatency): string {
  return `machine wake-up latency (a ${w.sleepUs} µs sleep, ${w.samples} times): late by p50 ${w.p50Us} µs, p99 ${w.p99Us} µs, p99.9 ${w.p999Us} µs, max ${w.maxUs} µs`;
}
