import { afterEach, describe, expect, it } from "vitest";
import { CollectingSink, commandByName, type Reply } from "@tessera/proto";
import { PartitionHost, type PartitionHostOptions, workerExecArgvFrom } from "../src/partition/partition-host.js";
import { decodeReply } from "../src/ring/reply-codec.js";

const FIXTURE_ENGINE = new URL("./partition-host-fixture-engine.ts", import.meta.url).href;
const te = new TextEncoder();
const td = new TextDecoder();

function args(...parts: (string | Uint8Array)[]): Uint8Array[] {
  return parts.map((p) => (typeof p === "string" ? te.encode(p) : p));
}
function spec(name: string) {
  const s = commandByName(name);
  if (s === undefined) throw new Error(`no command ${name}`);
  return s;
}

interface Harness {
  host: PartitionHost;
  replies: Map<number, Reply>;
  order: number[];
  exits: Error[];
  logs: string[];
  /** Called after every reply (tests that await replies one by one). */
  onAnyReply: (() => void) | null;
}

const open: PartitionHost[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((h) => h.close()));
});

async function startHost(extra: Partial<PartitionHostOptions> = {}): Promise<Harness> {
  const sink = new CollectingSink();
  const h: Harness = { host: undefined as unknown as PartitionHost, replies: new Map(), order: [], exits: [], logs: [], onAnyReply: null };
  h.host = new PartitionHost({
    id: 3,
    engine: {},
    dataDir: null,
    durability: null,
    engineModule: FIXTURE_ENGINE,
    onReply(token, reply, offset) {
      decodeReply(reply, offset, sink);
      const [r] = sink.take();
      if (h.replies.has(token)) throw new Error(`token ${token} answered twice`);
      h.replies.set(token, r!);
      h.order.push(token);
      h.onAnyReply?.();
    },
    onExit(_id, error) {
      h.exits.push(error);
    },
    log: (line) => h.logs.push(line),
    ...extra,
  });
  open.push(h.host);
  await h.host.start();
  return h;
}

async function until(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

const turn = () => new Promise((r) => setImmediate(r));

describe("PartitionHost with a real worker", () => {
  it("serves requests and delivers each reply once, in order", async () => {
    const h = await startHost();
    h.host.submit(1, spec("SET"), args("SET", "k", "hello"));
    h.host.submit(2, spec("GET"), args("GET", "k"));
    h.host.submit(3, spec("INCR"), args("INCR", "n"));
    h.host.submit(4, spec("MGET"), args("MGET", "k", "nope"));
    await until(() => h.host.inFlight === 0, "replies");
    expect(h.order).toEqual([1, 2, 3, 4]);
    expect(h.replies.get(1)).toEqual({ kind: "ok" });
    expect(h.replies.get(2)).toEqual({ kind: "bulk", value: te.encode("hello") });
    expect(h.replies.get(3)).toEqual({ kind: "integer", value: 1n });
    expect(h.replies.get(4)).toEqual({ kind: "array", items: [{ kind: "bulk", value: te.encode("hello") }, { kind: "nil" }] });
    const st = h.host.ringStats();
    expect(st).toMatchObject({ submitted: 4, completed: 4, queuedRequests: 0, restarts: 0 });
    expect(st.batches).toBe(1); // one turn, one doorbell
  });

  it("stress: many batches through tiny rings (wraparound, full rings, overflow) lose and reorder nothing", async () => {
    // 4 KiB rings: a few dozen records fill them, so both the request overflow queue and the
    // worker's wait for response space are exercised constantly.
    const h = await startHost({ requestRingBytes: 4096, responseRingBytes: 4096, maxBatchRequests: 64 });
    const counters = new Map<string, number>();
    const values = new Map<string, string>();
    const expected = new Map<number, Reply>();
    let token = 0;
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let turnNo = 0; turnNo < 200; turnNo++) {
      const burst = 1 + rand(200);
      for (let i = 0; i < burst; i++) {
        const t = ++token;
        const kind = rand(3);
        const key = `c${rand(50)}`;
        if (kind === 0) {
          const n = (counters.get(key) ?? 0) + 1;
          counters.set(key, n);
          h.host.submit(t, spec("INCR"), args("INCR", key));
          expected.set(t, { kind: "integer", value: BigInt(n) });
        } else if (kind === 1) {
          const k = `s${rand(97)}`;
          const v = `v${t}`.padEnd(1 + rand(200), "x");
          values.set(k, v);
          h.host.submit(t, spec("SET"), args("SET", k, v));
          expected.set(t, { kind: "ok" });
        } else {
          // Replies much bigger than requests: the response ring fills before the request ring.
          const k = `s${rand(97)}`;
          const v = values.get(k);
          h.host.submit(t, spec("GET"), args("GET", k));
          expected.set(t, v === undefined ? { kind: "nil" } : { kind: "bulk", value: te.encode(v) });
        }
      }
      if (rand(4) === 0) await new Promise((r) => setTimeout(r, 1));
      else await turn();
    }
    await until(() => h.host.inFlight === 0, "all replies", 60_000);
    expect(h.order.length).toBe(token);
    for (let i = 0; i < token; i++) expect(h.order[i]).toBe(i + 1);
    for (const [t, r] of expected) expect(h.replies.get(t)).toEqual(r);
    const st = h.host.ringStats();
    expect(st.submitted).toBe(token);
    expect(st.completed).toBe(token);
    expect(st.batches).toBeGreaterThan(100);
    // The paths this test is about were really taken.
    expect(st.queuedTotal).toBeGreaterThan(0);
    const ws = await h.host.refreshStats();
    expect(ws.responseSpaceWaits).toBeGreaterThan(0);
  });

  it("sequential single-request round trips (a wake-up each way every time) all complete", async () => {
    const h = await startHost();
    for (let t = 1; t <= 2000; t++) {
      const replied = new Promise<void>((r) => (h.onAnyReply = r));
      h.host.submit(t, spec("INCR"), args("INCR", "n"));
      await replied;
    }
    expect(h.replies.get(2000)).toEqual({ kind: "integer", value: 2000n });
    expect(h.host.ringStats().batches).toBe(2000);
  });

  it("carries records bigger than the ring out of band, in order with the rest", async () => {
    const h = await startHost({ requestRingBytes: 16 * 1024, responseRingBytes: 16 * 1024 });
    const big = new Uint8Array(3 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7) & 0xff;
    h.host.submit(1, spec("SET"), args("SET", "a", "small"));
    h.host.submit(2, spec("SET"), args("SET", "big", big));
    h.host.submit(3, spec("GET"), args("GET", "a"));
    h.host.submit(4, spec("GET"), args("GET", "big"));
    h.host.submit(5, spec("STRLEN"), args("STRLEN", "big"));
    await until(() => h.host.inFlight === 0, "replies");
    expect(h.order).toEqual([1, 2, 3, 4, 5]);
    expect(h.replies.get(2)).toEqual({ kind: "ok" });
    expect(h.replies.get(3)).toEqual({ kind: "bulk", value: te.encode("small") });
    const r4 = h.replies.get(4) as { kind: "bulk"; value: Uint8Array };
    expect(r4.kind).toBe("bulk");
    expect(r4.value.length).toBe(big.length);
    expect(Buffer.compare(Buffer.from(r4.value), Buffer.from(big))).toBe(0);
    expect(h.replies.get(5)).toEqual({ kind: "integer", value: BigInt(big.length) });
  });

  it("the backstop rescues a partition whose request notify was lost", async () => {
    const h = await startHost({ backstopMs: 50 });
    await new Promise((r) => setTimeout(r, 100)); // let the worker fall asleep on the doorbell
    h.host.skipNotifiesForTesting("requests", 1_000_000);
    h.host.submit(1, spec("SET"), args("SET", "k", "v"));
    await until(() => h.host.inFlight === 0, "the rescued reply", 5_000);
    expect(h.replies.get(1)).toEqual({ kind: "ok" });
    const stats = await h.host.refreshStats();
    expect(stats.rescues).toBeGreaterThanOrEqual(1);
    expect(h.host.ringStats().rescues).toBeGreaterThanOrEqual(1);
  });

  it("the backstop rescues the router when a reply notify was lost", async () => {
    const h = await startHost({ backstopMs: 50 });
    h.host.skipNotifiesForTesting("replies", 1_000_000);
    await new Promise((r) => setTimeout(r, 100));
    const before = h.host.ringStats().rescues;
    h.host.submit(1, spec("INCR"), args("INCR", "k"));
    await until(() => h.host.inFlight === 0, "the rescued reply", 5_000);
    expect(h.replies.get(1)).toEqual({ kind: "integer", value: 1n });
    expect(h.host.ringStats().rescues).toBeGreaterThan(before);
  });

  it("a worker killed mid-request fails its in-flight requests with TRYAGAIN, reports, and restarts", async () => {
    const h = await startHost();
    h.host.submit(1, spec("SET"), args("SET", "k", "v"));
    await until(() => h.host.inFlight === 0, "first reply");
    h.host.submit(2, spec("GET"), args("GET", "__spin__")); // busy for 200 ms
    h.host.submit(3, spec("GET"), args("GET", "k"));
    await new Promise((r) => setTimeout(r, 50));
    await h.host.terminateForTesting();
    await until(() => h.host.inFlight === 0, "failed replies");
    for (const t of [2, 3]) {
      const r = h.replies.get(t) as { kind: string; code: string; message: string };
      expect(r.kind).toBe("error");
      expect(r.code).toBe("TRYAGAIN");
      expect(r.message).toMatch(/partition 3 .*may or may not have been applied/);
    }
    expect(h.exits.length).toBe(1);
    expect(h.logs.some((l) => /worker died/.test(l))).toBe(true);
    // Restarted on fresh rings; the in-memory data is gone (no durability here).
    h.host.submit(4, spec("GET"), args("GET", "k"));
    await until(() => h.host.inFlight === 0, "reply from the new worker");
    expect(h.replies.get(4)).toEqual({ kind: "nil" });
    expect(h.host.ringStats().restarts).toBe(1);
  });

  it("a worker that exits on its own (test-exit) is restarted and requests sent meanwhile are served", async () => {
    const h = await startHost();
    h.host.crashForTesting();
    await until(() => h.exits.length === 1, "onExit");
    expect(h.exits[0]!.message).toMatch(/code 70/);
    h.host.submit(1, spec("INCR"), args("INCR", "n")); // may land while the worker restarts
    await until(() => h.host.inFlight === 0, "reply");
    expect(h.replies.get(1)).toEqual({ kind: "integer", value: 1n });
  });

  it("a handler that throws answers ERR and the partition keeps serving", async () => {
    const h = await startHost();
    h.host.submit(1, spec("GET"), args("GET", "__throw__"));
    h.host.submit(2, spec("INCR"), args("INCR", "n"));
    await until(() => h.host.inFlight === 0, "replies");
    expect(h.replies.get(1)).toMatchObject({ kind: "error", code: "ERR" });
    expect((h.replies.get(1) as { message: string }).message).toMatch(/deliberate handler failure/);
    expect(h.replies.get(2)).toEqual({ kind: "integer", value: 1n });
    expect(h.exits.length).toBe(0);
  });

  it("asserts the overflow queue's hard cap instead of growing without bound", async () => {
    const h = await startHost({ requestRingBytes: 4096, maxQueuedRequests: 10 });
    h.host.submit(1, spec("GET"), args("GET", "__spin__"));
    await new Promise((r) => setTimeout(r, 20));
    const value = "x".repeat(500);
    expect(() => {
      for (let t = 2; t < 100; t++) h.host.submit(t, spec("SET"), args("SET", "k", value));
    }).toThrow(/queued for ring space \(cap 10\)/);
    await until(() => h.host.inFlight === 0, "replies");
    expect(h.host.ringStats().completed).toBe(h.host.ringStats().submitted);
  });

  it("close() lets in-flight requests finish, then refuses new ones", async () => {
    const h = await startHost();
    for (let t = 1; t <= 100; t++) h.host.submit(t, spec("INCR"), args("INCR", "n"));
    await h.host.close();
    expect(h.order.length).toBe(100);
    expect(h.replies.get(100)).toEqual({ kind: "integer", value: 100n });
    expect(() => h.host.submit(101, spec("GET"), args("GET", "n"))).toThrow(/closed/);
    expect(h.exits.length).toBe(0);
  });

  it("reports engine stats", async () => {
    const h = await startHost({ statsIntervalMs: 20 });
    h.host.submit(1, spec("SET"), args("SET", "a", "1"));
    h.host.submit(2, spec("SET"), args("SET", "b", "2"));
    await until(() => h.host.inFlight === 0, "replies");
    await until(() => (h.host.stats()?.keys ?? 0) === 2, "stats");
    expect(h.host.stats()).toMatchObject({ keys: 2 });
    void td;
  });
});

describe("PartitionHost property", () => {
  it("random command streams with values of every size (some out of band) match a model", async () => {
    const fc = (await import("fast-check")).default;
    // 16 KiB rings: records over 4 KiB go out of band, and a few requests fill a ring.
    const h = await startHost({ requestRingBytes: 16 * 1024, responseRingBytes: 16 * 1024 });
    let token = 0;
    let run = 0;
    const op = fc.oneof(
      fc.record({ kind: fc.constant("SET" as const), key: fc.nat(5), size: fc.oneof(fc.nat(64), fc.nat(12_000)) }),
      fc.record({ kind: fc.constant("GET" as const), key: fc.nat(5) }),
      fc.record({ kind: fc.constant("APPEND" as const), key: fc.nat(5), size: fc.nat(3000) }),
      fc.record({ kind: fc.constant("MGET" as const), keys: fc.array(fc.nat(5), { minLength: 1, maxLength: 4 }) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { maxLength: 40 }), { minLength: 1, maxLength: 6 }), async (turns) => {
        run++;
        const model = new Map<string, Uint8Array>();
        const expected = new Map<number, Reply>();
        const bulkOrNil = (k: string): Reply => {
          const v = model.get(k);
          return v === undefined ? { kind: "nil" } : { kind: "bulk", value: v };
        };
        const first = token + 1;
        for (const ops of turns) {
          for (const o of ops) {
            const t = ++token;
            if (o.kind === "SET") {
              const k = `r${run}:${o.key}`;
              const v = new Uint8Array(o.size).fill(t & 0xff);
              model.set(k, v);
              h.host.submit(t, spec("SET"), args("SET", k, v));
              expected.set(t, { kind: "ok" });
            } else if (o.kind === "GET") {
              const k = `r${run}:${o.key}`;
              h.host.submit(t, spec("GET"), args("GET", k));
              expected.set(t, bulkOrNil(k));
            } else if (o.kind === "APPEND") {
              const k = `r${run}:${o.key}`;
              const add = new Uint8Array(o.size).fill(7);
              const old = model.get(k) ?? new Uint8Array(0);
              const next = new Uint8Array(old.length + add.length);
              next.set(old);
              next.set(add, old.length);
              model.set(k, next);
              h.host.submit(t, spec("APPEND"), args("APPEND", k, add));
              expected.set(t, { kind: "integer", value: BigInt(next.length) });
            } else {
              const ks = o.keys.map((k) => `r${run}:${k}`);
              h.host.submit(t, spec("MGET"), args("MGET", ...ks));
              expected.set(t, { kind: "array", items: ks.map(bulkOrNil) });
            }
          }
          await turn();
        }
        await until(() => h.host.inFlight === 0, "replies");
        for (let t = first; t <= token; t++) expect(h.replies.get(t)).toEqual(expected.get(t));
        expect(h.order.slice(first - 1)).toEqual(Array.from({ length: token - first + 1 }, (_, i) => first + i));
      }),
      { numRuns: 40 },
    );
  });
});

describe("workerExecArgvFrom", () => {
  it("keeps per-thread options, drops tsx loader flags and V8 or process-wide options", () => {
    expect(workerExecArgvFrom(["--import", "tsx"])).toEqual([]);
    expect(workerExecArgvFrom(["--import=tsx/esm"])).toEqual([]);
    expect(workerExecArgvFrom(["--max-old-space-size=4096", "--import", "tsx", "--expose-gc", "--v8-pool-size=2"])).toEqual([]);
    expect(workerExecArgvFrom(["--require", "./setup.cjs", "--import", "tsx", "--conditions=dev", "--enable-source-maps", "--experimental-vm-modules", "--no-warnings"])).toEqual([
      "--require",
      "./setup.cjs",
      "--conditions=dev",
      "--enable-source-maps",
      "--experimental-vm-modules",
      "--no-warnings",
    ]);
    expect(workerExecArgvFrom(["--cpu-prof", "--cpu-prof-dir", "/tmp/p", "--import", "tsx"])).toEqual(["--cpu-prof", "--cpu-prof-dir", "/tmp/p"]);
    // Nothing to remove: undefined, so Node's own inheritance applies.
    expect(workerExecArgvFrom(["--enable-source-maps"])).toBeUndefined();
    expect(workerExecArgvFrom([])).toBeUndefined();
  });
});
