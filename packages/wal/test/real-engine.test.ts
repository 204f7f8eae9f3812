/**
 * PartitionDurability with the real PartitionEngine: a seeded random workload with snapshots
 * taken in slices while writes continue, "crashes" (the process state is dropped without close)
 * at random points, recovery into a fresh engine, and a full comparison of keys, values and
 * expiries against the engine that crashed.
 */
import { CollectingSink, type Reply } from "@tessera/proto";
import { PartitionEngine } from "@tessera/partition";
import fc from "fast-check";
import { afterEach, describe, expect, it } from "vitest";
import { PartitionDurability } from "../src/index.js";
import { argv, spec, tempDir } from "./helpers.js";

let cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function exec(engine: PartitionEngine, ...parts: string[]): Reply {
  const sink = new CollectingSink();
  engine.execute(spec(parts[0]!), argv(...parts), sink);
  return sink.take()[0]!;
}

function dump(engine: PartitionEngine): Map<string, { value: string; hasTtl: boolean }> {
  const keys = exec(engine, "KEYS", "*");
  expect(keys.kind).toBe("array");
  const out = new Map<string, { value: string; hasTtl: boolean }>();
  for (const k of (keys as Extract<Reply, { kind: "array" }>).items) {
    const key = Buffer.from((k as { value: Uint8Array }).value).toString();
    const v = exec(engine, "GET", key);
    const ttl = exec(engine, "PTTL", key) as { value: bigint };
    out.set(key, { value: Buffer.from((v as { value: Uint8Array }).value).toString(), hasTtl: ttl.value >= 0n });
  }
  return out;
}

const op = fc.oneof(
  fc.record({ kind: fc.constant("SET" as const), key: fc.nat(40), value: fc.string({ maxLength: 40 }) }),
  fc.record({ kind: fc.constant("SETPX" as const), key: fc.nat(40), value: fc.string({ maxLength: 10 }) }),
  fc.record({ kind: fc.constant("INCR" as const), key: fc.nat(5) }),
  fc.record({ kind: fc.constant("APPEND" as const), key: fc.nat(40), value: fc.string({ maxLength: 10 }) }),
  fc.record({ kind: fc.constant("DEL" as const), key: fc.nat(40) }),
  fc.record({ kind: fc.constant("EXPIRE" as const), key: fc.nat(40) }),
  fc.record({ kind: fc.constant("PERSIST" as const), key: fc.nat(40) }),
  fc.record({ kind: fc.constant("SNAPSHOT" as const) }),
  fc.record({ kind: fc.constant("TICK" as const) }),
  fc.record({ kind: fc.constant("CRASH" as const) }),
);

describe("durability with the real PartitionEngine", () => {
  it("a key in the snapshot whose expiry passed while down survives when the WAL after it holds a PERSIST", () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const cfg = { dir: t.dir, partitionId: 0, partitions: 1, fsync: "always" as const, segmentBytes: 1 << 20, snapshotEveryMs: 0, snapshotWalBytes: 0, snapshotSliceItems: 1000, snapshotSliceMs: 0 };
    const open = () => {
      const d = PartitionDurability.open(cfg);
      const engine = new PartitionEngine({ writeLog: d.writeLog });
      const recovered = d.recover(engine);
      return { d, engine, recovered };
    };
    const a = open();
    exec(a.engine, "SET", "kept", "v", "PX", "100");
    exec(a.engine, "SET", "gone", "w", "PX", "100");
    expect(a.d.commitBatch()).toBeNull();
    a.d.requestSnapshot();
    for (let i = 0; i < 100 && a.d.stats().snapshotsTaken === 0; i++) a.d.tick(a.engine, Date.now());
    expect(a.d.stats().snapshotsTaken).toBe(1);
    exec(a.engine, "PERSIST", "kept");
    expect(a.d.commitBatch()).toBeNull();
    a.d.close();
    const until = Date.now() + 150;
    while (Date.now() < until) {
      // let the 100 ms expiries pass while "down"
    }
    const b = open();
    expect(b.recovered.snapshot!.expired).toBe(2);
    expect(exec(b.engine, "GET", "kept")).toEqual({ kind: "bulk", value: new TextEncoder().encode("v") });
    expect(exec(b.engine, "PTTL", "kept")).toEqual({ kind: "integer", value: -1n });
    expect(exec(b.engine, "EXISTS", "gone")).toEqual({ kind: "integer", value: 0n });
    expect(exec(b.engine, "DBSIZE")).toEqual({ kind: "integer", value: 1n });
    b.d.close();
  });

  it("with maxmemory, keys that expired while down do not make the replayed writes fail with OOM", () => {
    const t = tempDir();
    cleanups.push(t.cleanup);
    const cfg = { dir: t.dir, partitionId: 0, partitions: 1, fsync: "always" as const, segmentBytes: 1 << 20, snapshotEveryMs: 0, snapshotWalBytes: 0, snapshotSliceItems: 100000, snapshotSliceMs: 0 };
    const maxMemoryBytes = 8 << 20;
    const open = () => {
      const d = PartitionDurability.open(cfg);
      const engine = new PartitionEngine({ writeLog: d.writeLog, maxMemoryBytes });
      const recovered = d.recover(engine);
      return { d, engine, recovered };
    };
    const a = open();
    const v = "x".repeat(1000);
    let n1 = 0;
    for (let i = 0; ; i++) {
      const r = exec(a.engine, "SET", `old${i}`, v, "PX", "100");
      if (r.kind === "error") break;
      n1++;
      if (i % 100 === 0) expect(a.d.commitBatch()).toBeNull();
    }
    expect(a.d.commitBatch()).toBeNull();
    a.d.requestSnapshot();
    for (let i = 0; i < 1000 && a.d.stats().snapshotsTaken === 0; i++) a.d.tick(a.engine, Date.now());
    expect(a.d.stats().snapshotsTaken).toBe(1);
    const until = Date.now() + 150;
    while (Date.now() < until) {
      // let the 100 ms expiries pass
    }
    while (a.engine.activeExpire(1_000_000) > 0) {
      // expire them all, freeing their memory for the writes below
    }
    let n2 = 0;
    for (let i = 0; i < n1 / 2; i++) {
      const r = exec(a.engine, "SET", `new${i}`, v);
      expect(r.kind).not.toBe("error");
      n2++;
    }
    expect(a.d.commitBatch()).toBeNull();
    a.d.close();
    const b = open();
    expect(b.recovered.replayErrors).toBe(0);
    expect(b.recovered.keys).toBe(n2);
    b.d.close();
  });

  it("recovers exactly the committed state after crashes at random points, snapshots included", () => {
    let recoveredFromSnapshot = 0;
    fc.assert(
      // orderedRebuildMinKeys 0: every replay that adds keys defers the ordered index and rebuilds it at the end.
      fc.property(fc.array(op, { minLength: 1, maxLength: 150 }), fc.constantFrom(1, 3, 50), fc.constantFrom(4096, 1 << 20), fc.constantFrom(0, 50_000), (ops, sliceItems, segmentBytes, orderedRebuildMinKeys) => {
        const t = tempDir();
        cleanups.push(t.cleanup);
        const cfg = { dir: t.dir, partitionId: 0, partitions: 1, fsync: "always" as const, segmentBytes, snapshotEveryMs: 0, snapshotWalBytes: 0, snapshotSliceItems: sliceItems, snapshotSliceMs: 0 };
        const open = () => {
          const d = PartitionDurability.open(cfg);
          const engine = new PartitionEngine({ writeLog: d.writeLog, orderedRebuildMinKeys });
          if (d.recover(engine).snapshot !== null) recoveredFromSnapshot++;
          engine.audit();
          return { d, engine };
        };
        let { d, engine } = open();
        for (const o of ops) {
          switch (o.kind) {
            case "SET":
              exec(engine, "SET", `k${o.key}`, o.value);
              break;
            case "SETPX":
              exec(engine, "SET", `k${o.key}`, o.value, "PX", "3600000");
              break;
            case "INCR":
              exec(engine, "INCR", `n${o.key}`);
              break;
            case "APPEND":
              exec(engine, "APPEND", `k${o.key}`, o.value);
              break;
            case "DEL":
              exec(engine, "DEL", `k${o.key}`);
              break;
            case "EXPIRE":
              exec(engine, "EXPIRE", `k${o.key}`, "7200");
              break;
            case "PERSIST":
              exec(engine, "PERSIST", `k${o.key}`);
              break;
            case "SNAPSHOT":
              d.requestSnapshot();
              break;
            case "TICK":
              break;
            case "CRASH": {
              const before = dump(engine);
              // Dropped without close(): only what commitBatch put on disk survives.
              ({ d, engine } = open());
              expect(dump(engine)).toEqual(before);
              continue;
            }
          }
          expect(d.commitBatch()).toBeNull();
          d.tick(engine, Date.now());
        }
        const before = dump(engine);
        d.close();
        ({ d, engine } = open());
        expect(dump(engine)).toEqual(before);
        d.close();
      }),
      { numRuns: 60 },
    );
    expect(recoveredFromSnapshot).toBeGreaterThan(0);
  });
});
