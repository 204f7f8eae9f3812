/**
 * PartitionHost with the real PartitionEngine (H1) and durability (H6) in the worker: the
 * transport tests in partition-host.test.ts use a fixture engine; these check the wiring.
 */
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { CollectingSink, commandByName, type Reply } from "@tessera/proto";
import { checkDataDir, snapshotDir } from "@tessera/wal";
import { PartitionHost, type PartitionHostOptions } from "../src/partition/partition-host.js";
import { decodeReply } from "../src/ring/reply-codec.js";
import { encodeExecArgv } from "../src/transaction.js";

const te = new TextEncoder();
const args = (...parts: string[]) => parts.map((p) => te.encode(p));
const spec = (name: string) => commandByName(name)!;

const hosts: PartitionHost[] = [];
const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(hosts.splice(0).map((h) => h.close()));
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function makeHost(extra: Partial<PartitionHostOptions>) {
  const sink = new CollectingSink();
  const replies = new Map<number, Reply>();
  const exits: Error[] = [];
  const host = new PartitionHost({
    id: 0,
    engine: {},
    dataDir: null,
    durability: null,
    onReply(token, reply, offset) {
      decodeReply(reply, offset, sink);
      replies.set(token, sink.take()[0]!);
    },
    onExit: (_id, e) => exits.push(e),
    log: () => {},
    ...extra,
  });
  hosts.push(host);
  return { host, replies, exits };
}

async function until(cond: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 2));
  }
}

describe("PartitionHost with the real engine", () => {
  it("serves the engine's commands and runs active expiry on its timer", async () => {
    const { host, replies } = makeHost({ statsIntervalMs: 20 });
    await host.start();
    host.submit(1, spec("SET"), args("SET", "a", "1"));
    host.submit(2, spec("INCR"), args("INCR", "a"));
    host.submit(3, spec("GET"), args("GET", "a"));
    host.submit(4, spec("SET"), args("SET", "short", "x", "PX", "30"));
    host.submit(5, spec("DBSIZE"), args("DBSIZE"));
    await until(() => host.inFlight === 0, "replies");
    expect(replies.get(1)).toEqual({ kind: "ok" });
    expect(replies.get(2)).toEqual({ kind: "integer", value: 2n });
    expect(replies.get(3)).toEqual({ kind: "bulk", value: te.encode("2") });
    expect(replies.get(5)).toEqual({ kind: "integer", value: 2n });
    // Nobody touches "short" again: only active expiry can remove it.
    await until(() => (host.stats()?.expiredKeys ?? 0) >= 1, "active expiry", 5_000);
    expect(host.stats()!.keys).toBe(1);
  });

  it("with durability, a restarted worker (crash or clean stop) recovers its data", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-host-"));
    dirs.push(dir);
    checkDataDir(dir, 1);
    const durability = { dir, partitionId: 0, partitions: 1, fsync: "always" as const };
    const first = makeHost({ dataDir: dir, durability });
    await first.host.start();
    for (let i = 0; i < 50; i++) first.host.submit(i, spec("SET"), args("SET", `k${i}`, `v${i}`));
    first.host.submit(50, spec("INCR"), args("INCR", "n"));
    await until(() => first.host.inFlight === 0, "writes");
    // Crash: the replies above went out after their fsync, so all of it must come back.
    await first.host.terminateForTesting();
    await until(() => first.exits.length === 1, "onExit");
    first.host.submit(100, spec("GET"), args("GET", "k49"));
    first.host.submit(101, spec("INCR"), args("INCR", "n"));
    await until(() => first.host.inFlight === 0, "reads after restart");
    expect(first.replies.get(100)).toEqual({ kind: "bulk", value: te.encode("v49") });
    expect(first.replies.get(101)).toEqual({ kind: "integer", value: 2n });
    await first.host.close();

    const second = makeHost({ dataDir: dir, durability });
    await second.host.start();
    second.host.submit(1, spec("DBSIZE"), args("DBSIZE"));
    second.host.submit(2, spec("GET"), args("GET", "n"));
    await until(() => second.host.inFlight === 0, "reads after clean restart");
    expect(second.replies.get(1)).toEqual({ kind: "integer", value: 51n });
    expect(second.replies.get(2)).toEqual({ kind: "bulk", value: te.encode("2") });
  });

  it("a failing disk turns the batch's write replies into IOERR, refuses writes, keeps reads, and heals", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-host-"));
    dirs.push(dir);
    checkDataDir(dir, 1);
    const { host, replies } = makeHost({
      dataDir: dir,
      durability: { dir, partitionId: 0, partitions: 1, fsync: "always" },
      testDiskFaults: true,
    });
    await host.start();
    host.submit(1, spec("SET"), args("SET", "a", "1"));
    await until(() => host.inFlight === 0, "first write");
    expect(replies.get(1)).toEqual({ kind: "ok" });

    host.diskFaultsForTesting(true);
    await host.refreshStats(); // the control message has been handled
    host.submit(2, spec("SET"), args("SET", "b", "2"));
    host.submit(3, spec("GET"), args("GET", "a"));
    await until(() => host.inFlight === 0, "batch on a failing disk");
    expect(replies.get(2)).toMatchObject({ kind: "error", code: "IOERR" });
    expect((replies.get(2) as { message: string }).message).toMatch(/could not write to disk/);
    expect(replies.get(3)).toEqual({ kind: "bulk", value: te.encode("1") });

    host.submit(4, spec("SET"), args("SET", "c", "3"));
    host.submit(5, spec("GET"), args("GET", "a"));
    host.submit(6, spec("BGSAVE"), args("BGSAVE"));
    await until(() => host.inFlight === 0, "writes refused while failed");
    // A snapshot cannot start on a failed disk: BGSAVE says so (and nothing spins waiting).
    expect(replies.get(6)).toMatchObject({ kind: "error", code: "ERR" });
    expect((replies.get(6) as { message: string }).message).toMatch(/cannot write to disk .*no snapshot can start/);
    expect(replies.get(4)).toMatchObject({ kind: "error", code: "IOERR" });
    expect((replies.get(4) as { message: string }).message).toMatch(/writes are refused/);
    expect(replies.get(5)).toEqual({ kind: "bulk", value: te.encode("1") });

    host.diskFaultsForTesting(false);
    // The durability tick retries the disk (every 500 ms at most); writes are accepted again.
    let token = 10;
    for (;;) {
      const t = token++;
      host.submit(t, spec("SET"), args("SET", "d", "4"));
      await until(() => host.inFlight === 0, "write after healing");
      if (replies.get(t)!.kind === "ok") break;
      expect(token).toBeLessThan(200);
      await new Promise((r) => setTimeout(r, 50));
    }
  });

  it("EXEC on a failed disk: refused whole (nothing runs); a nil EXEC stays nil; neither becomes the batch's IOERR", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-host-"));
    dirs.push(dir);
    checkDataDir(dir, 1);
    const { host, replies } = makeHost({ dataDir: dir, durability: { dir, partitionId: 0, partitions: 1, fsync: "always" }, testDiskFaults: true });
    await host.start();
    // Client 42 watches w; client 7 writes it, so 42's EXEC must answer nil.
    host.submit(1, spec("WATCH"), args("WATCH", "w"), 42);
    host.submit(2, spec("SET"), args("SET", "w", "changed"), 7);
    await until(() => host.inFlight === 0, "watch and write");
    expect(replies.get(1)).toEqual({ kind: "ok" });
    host.diskFaultsForTesting(true);
    await host.refreshStats(); // the control message has been handled
    host.submit(3, spec("SET"), args("SET", "b", "2")); // this batch's commit fails: the disk is failed
    await until(() => host.inFlight === 0, "failing write");
    expect(replies.get(3)).toMatchObject({ kind: "error", code: "IOERR" });
    const exec = (watching: boolean, ...cmds: string[][]) =>
      encodeExecArgv(te.encode("EXEC"), watching, cmds.map((c) => ({ spec: spec(c[0]!), argv: args(...c) })));
    host.submit(4, spec("EXEC"), exec(false, ["SET", "x", "1"], ["GET", "a"]), 9);
    host.submit(5, spec("EXEC"), exec(true, ["SET", "w", "mine"]), 42);
    host.submit(6, spec("EXEC"), exec(false, ["GET", "w"]), 9);
    host.submit(7, spec("GET"), args("GET", "x"));
    await until(() => host.inFlight === 0, "transactions on a failed disk");
    expect(replies.get(4)).toMatchObject({ kind: "error", code: "IOERR" });
    expect((replies.get(4) as { message: string }).message).toMatch(/the transaction was not run/);
    expect(replies.get(5)).toEqual({ kind: "nil" });
    // A read-only transaction still runs.
    expect(replies.get(6)).toEqual({ kind: "array", items: [{ kind: "bulk", value: te.encode("changed") }] });
    expect(replies.get(7)).toEqual({ kind: "nil" });
  });

  it("BGSAVE and SAVE in memory (no data directory) are refused with the reason; LASTSAVE is the worker's start", async () => {
    const { host, replies } = makeHost({});
    const before = Math.floor(Date.now() / 1000);
    await host.start();
    host.submit(1, spec("BGSAVE"), args("BGSAVE"));
    host.submit(2, spec("LASTSAVE"), args("LASTSAVE"));
    host.submit(3, spec("BGSAVE"), args("BGSAVE", "later"));
    host.submit(4, spec("SAVE"), args("SAVE"));
    await until(() => host.inFlight === 0, "replies");
    expect(replies.get(1)).toEqual({ kind: "error", code: "ERR", message: 'BGSAVE needs a data directory: this server keeps its data in memory only (--data-dir "")' });
    const at = replies.get(2) as { kind: "integer"; value: bigint };
    expect(at.kind).toBe("integer");
    expect(Number(at.value)).toBeGreaterThanOrEqual(before);
    expect(Number(at.value)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    expect(replies.get(3)).toEqual({ kind: "error", code: "ERR", message: "syntax error" });
    expect(replies.get(4)).toEqual({ kind: "error", code: "ERR", message: 'SAVE needs a data directory: this server keeps its data in memory only (--data-dir "")' });
  });

  it("shutdown waits for an everysec fdatasync still out, so its failure is seen and close() rewrites what it covered", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-host-"));
    dirs.push(dir);
    checkDataDir(dir, 1);
    const durability = { dir, partitionId: 0, partitions: 1, fsync: "everysec" as const };
    const logs: string[] = [];
    const first = makeHost({ dataDir: dir, durability, testDiskFaults: true, log: (line) => logs.push(line) });
    await first.host.start();
    first.host.diskFaultsForTesting(false, 1500);
    await first.host.refreshStats(); // the control message has been handled
    for (let i = 0; i < 100; i++) first.host.submit(i, spec("SET"), args("SET", `k${i}`, `v${i}`));
    await until(() => first.host.inFlight === 0, "writes");
    // The everysec sync starts within about a second and takes 1.5 s; shut down while it is out.
    await new Promise((r) => setTimeout(r, 1200));
    await first.host.close();
    expect(logs.some((l) => /a background fdatasync returns after 1500 ms, with EIO/.test(l))).toBe(true);

    const second = makeHost({ dataDir: dir, durability });
    await second.host.start();
    second.host.submit(1, spec("DBSIZE"), args("DBSIZE"));
    second.host.submit(2, spec("GET"), args("GET", "k99"));
    await until(() => second.host.inFlight === 0, "reads after restart");
    expect(second.replies.get(1)).toEqual({ kind: "integer", value: 100n });
    expect(second.replies.get(2)).toEqual({ kind: "bulk", value: te.encode("v99") });
  });

  it("the worker drives snapshots between batches; a restart recovers from snapshot + WAL", async () => {
    const dir = mkdtempSync(join(tmpdir(), "tessera-host-"));
    dirs.push(dir);
    checkDataDir(dir, 1);
    const durability = { dir, partitionId: 0, partitions: 1, fsync: "everysec" as const, snapshotWalBytes: 20_000, snapshotEveryMs: 0 };
    const first = makeHost({ dataDir: dir, durability });
    await first.host.start();
    let token = 0;
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 100; i++) first.host.submit(++token, spec("SET"), args("SET", `k${round * 100 + i}`, `v${round}`));
      await until(() => first.host.inFlight === 0, "writes");
    }
    await until(() => readdirSync(snapshotDir(dir, 0)).some((f) => !f.endsWith(".tmp")), "a snapshot file", 10_000);
    await first.host.close();
    const second = makeHost({ dataDir: dir, durability });
    await second.host.start();
    second.host.submit(1, spec("DBSIZE"), args("DBSIZE"));
    second.host.submit(2, spec("GET"), args("GET", "k1999"));
    await until(() => second.host.inFlight === 0, "reads");
    expect(second.replies.get(1)).toEqual({ kind: "integer", value: 2000n });
    expect(second.replies.get(2)).toEqual({ kind: "bulk", value: te.encode("v19") });
  });

  it("start() rejects when the worker cannot start (bad engine module), without a restart loop", async () => {
    const { host, exits } = makeHost({ engineModule: "file:///nonexistent/engine.ts" });
    await expect(host.start()).rejects.toThrow(/nonexistent|Cannot find/);
    expect(exits.length).toBe(0);
    expect(host.ringStats().restarts).toBe(0);
  });
});
