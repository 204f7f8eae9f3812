/**
 * Bad input and failures against the real server: malformed and oversized frames (raw socket),
 * unknown commands, wrong arity, wrong values, the client limit, and a partition worker that
 * dies mid-stream. One bad connection or one dead worker must never take the rest down.
 */
import type { TesseraClient } from "@tessera/client";
import type { Reply } from "@tessera/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RawNativeClient } from "../packages/router/test/support/raw-native-client.js";
import { crc16 } from "../packages/router/src/routing/crc16.js";
import { SlotMap } from "../packages/router/src/routing/slot-map.js";
import { call, connectClient } from "./support/clients.js";
import { startServer, type ServerProcess } from "./support/server-process.js";

const PARTITIONS = 2;
const MAX_CLIENTS = 6;
const slotMap = new SlotMap(PARTITIONS);
const partitionOf = (key: string) => slotMap.partitionOfKey(Buffer.from(key));
/** Keys that live on partition `p`. */
function keysOn(p: number, n: number, prefix: string): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) if (partitionOf(`${prefix}${i}`) === p) out.push(`${prefix}${i}`);
  return out;
}

describe("faults", () => {
  let server: ServerProcess;
  let client: TesseraClient;
  const raws: RawNativeClient[] = [];
  const raw = async () => {
    const r = await RawNativeClient.connect(server.port);
    raws.push(r);
    return r;
  };

  beforeAll(async () => {
    expect(crc16(Buffer.from("123456789"))).toBe(0x31c3); // the test's own routing copy is the server's
    server = await startServer({ partitions: PARTITIONS, args: ["--maxclients", String(MAX_CLIENTS), "--max-frame-bytes", "65536", "--enable-debug-commands"] });
    client = await connectClient(server.port);
  });

  afterAll(async () => {
    for (const r of raws) r.close();
    await client?.close();
    expect(await server?.stop()).toBe(0);
  });

  it("unknown command, wrong arity and bad values are errors; the connection stays usable", async () => {
    expect(await call(client, "NOSUCHCMD", "a")).toEqual({ error: "ERR unknown command 'NOSUCHCMD'" });
    expect(await call(client, "GET")).toEqual({ error: "ERR wrong number of arguments for 'get' command" });
    expect(await call(client, "GET", "a", "b")).toEqual({ error: "ERR wrong number of arguments for 'get' command" });
    expect(await call(client, "MSET", "a", "1", "b")).toEqual({ error: "ERR wrong number of arguments for 'mset' command" });
    await client.set("f:text", "abc");
    expect(await call(client, "INCR", "f:text")).toEqual({ error: "ERR value is not an integer or out of range" });
    expect(await call(client, "SET", "f:x", "1", "BOGUS")).toEqual({ error: "ERR syntax error" });
    expect(await call(client, "EXPIRE", "f:text", "soon")).toEqual({ error: "ERR value is not an integer or out of range" });
    expect(await call(client, "DEBUG", "NOPE")).toMatchObject({ error: expect.stringMatching(/^ERR /) });
    expect(await client.ping()).toBe("PONG");
  });

  it("a malformed frame gets a PROTO error and that connection is closed; others keep working", async () => {
    const bad = await raw();
    const good = await raw();
    bad.writeRaw(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
    await bad.waitClosed();
    expect(bad.frames[0]!.value).toMatchObject({ kind: "error", code: "PROTO" });
    expect(await good.call(1, ["PING"])).toEqual({ kind: "status", text: "PONG" });
    expect(await client.ping()).toBe("PONG");
  });

  it("a frame over --max-frame-bytes gets TOOBIG and the connection is closed", async () => {
    const c = await raw();
    c.send(1, ["SET", "big", Buffer.alloc(100_000, 1)]);
    await c.waitClosed();
    expect(c.frames[0]!.value).toMatchObject({ kind: "error", code: "TOOBIG" });
    expect(await client.get("big")).toBeNull();
  });

  it("an undecodable request in an intact frame is answered and the connection stays usable", async () => {
    const c = await raw();
    c.writeRaw(Uint8Array.from([2, 0x00, 0x00]));
    await c.waitFrames(1);
    expect(c.frames[0]!.value).toMatchObject({ kind: "error", code: "PROTO" });
    expect(await c.call(7, ["PING"])).toEqual({ kind: "status", text: "PONG" });
    c.close();
  });

  it("connections over --maxclients are refused with an error; existing ones keep working", async () => {
    for (const r of raws) r.close();
    raws.length = 0;
    await new Promise((r) => setTimeout(r, 100));
    // `client` holds one connection; fill up to the limit.
    const held: RawNativeClient[] = [];
    for (let i = 1; i < MAX_CLIENTS; i++) {
      const r = await raw();
      expect(await r.call(1, ["PING"])).toEqual({ kind: "status", text: "PONG" });
      held.push(r);
    }
    const over = await raw();
    await over.waitClosed();
    expect(over.frames[0]!.value).toEqual({ kind: "error", code: "ERR", message: "max number of clients reached" });
    expect(await held[0]!.call(2, ["PING"])).toEqual({ kind: "status", text: "PONG" });
    // A slot frees up when a connection closes.
    held.pop()!.close();
    await new Promise((r) => setTimeout(r, 100));
    const again = await raw();
    expect(await again.call(1, ["PING"])).toEqual({ kind: "status", text: "PONG" });
    for (const r of raws) r.close();
    raws.length = 0;
    await new Promise((r) => setTimeout(r, 100));
  });

  it("a partition worker that dies: its in-flight requests fail with TRYAGAIN, the rest keep going, it comes back", async () => {
    const victim = 1;
    const victimKeys = keysOn(victim, 200, "w:");
    const otherKeys = keysOn(1 - victim, 200, "o:");
    await client.mset(otherKeys.map((k) => [k, "stable"] as const));
    // Three connections keep pipelining waves of writes to the victim (each to its own keys)
    // while another connection kills it.
    const writers = await Promise.all([0, 1, 2].map(() => raw()));
    const admin = await raw();
    const WAVES = 12;
    const WAVE = 250;
    const sent: { key: string; value: string }[][] = writers.map(() => []);
    const writing = writers.map(async (w, wi) => {
      const mine = victimKeys.filter((_, i) => i % 3 === wi);
      for (let wave = 0; wave < WAVES; wave++) {
        for (let i = 0; i < WAVE; i++) {
          const n = sent[wi]!.length;
          const op = { key: mine[n % mine.length]!, value: `${wi}:${n}` };
          sent[wi]!.push(op);
          w.queue(n + 1, ["SET", op.key, op.value]);
        }
        w.flush();
        await w.waitFrames(sent[wi]!.length, 30_000);
      }
    });
    await new Promise((r) => setTimeout(r, 150));
    admin.send(1, ["DEBUG", "PARTITION-EXIT", String(victim)]);
    await Promise.all(writing);
    expect((await admin.waitFrames(1))[0]!.value).toEqual({ kind: "ok" });
    const replies: Reply[] = writers.flatMap((w) => w.frames.map((f) => f.value));
    expect(replies).toHaveLength(3 * WAVES * WAVE);
    const errors = replies.filter((r) => r.kind !== "ok");
    // Only "the partition restarted" errors; every other write succeeded.
    for (const e of errors) expect(e).toMatchObject({ kind: "error", code: "TRYAGAIN" });
    // The other partition never stopped.
    expect((await client.mget(otherKeys)).every((v) => v?.toString() === "stable")).toBe(true);
    // The victim is restarted and serves again (TRYAGAIN while it restarts).
    let back = false;
    for (let i = 0; i < 200 && !back; i++) {
      const r = await client.commandReply("SET", [victimKeys[0]!, "after"]);
      back = r.kind === "ok";
      if (!back) {
        expect(r).toMatchObject({ kind: "error", code: "TRYAGAIN" });
        await new Promise((res) => setTimeout(res, 50));
      }
    }
    expect(back).toBe(true);
    expect((await client.get(victimKeys[0]!))?.toString()).toBe("after");
    // Writes acknowledged before the crash survived it (the restarted worker replays its WAL):
    // each key holds its last acknowledged value or a later one whose outcome was unknown.
    for (const [wi, w] of writers.entries()) {
      const outcomes = new Map<string, { ok: string | null; unknown: string[] }>();
      w.frames.forEach((f, i) => {
        const op = sent[wi]![i]!;
        const o = outcomes.get(op.key) ?? { ok: null, unknown: [] };
        if (f.value.kind === "ok") outcomes.set(op.key, { ok: op.value, unknown: [] });
        else outcomes.set(op.key, { ok: o.ok, unknown: [...o.unknown, op.value] });
      });
      const keys = [...outcomes.keys()].filter((k) => k !== victimKeys[0]);
      const values = await client.mget(keys);
      keys.forEach((k, i) => {
        const o = outcomes.get(k)!;
        expect([o.ok, ...o.unknown]).toContain(values[i]?.toString() ?? null);
      });
    }
    console.log(`worker kill: ${errors.length} of ${replies.length} in-flight writes answered TRYAGAIN`);
    expect(server.output()).toMatch(/partition 1: worker died/);
  });
});

describe("limits from the command line reach the partitions", () => {
  let server: ServerProcess;
  let client: TesseraClient;

  beforeAll(async () => {
    server = await startServer({ partitions: 2, args: ["--maxmemory", "4mb", "--max-value-bytes", "1kb"] });
    client = await connectClient(server.port);
  });

  afterAll(async () => {
    await client?.close();
    expect(await server?.stop()).toBe(0);
  });

  it("--max-value-bytes refuses larger values with TOOBIG", async () => {
    expect(await call(client, "SET", "v:ok", "x".repeat(1024))).toBe("OK");
    expect(await call(client, "SET", "v:big", "x".repeat(1025))).toMatchObject({ error: expect.stringMatching(/^TOOBIG /) });
    expect(await call(client, "APPEND", "v:ok", "y")).toMatchObject({ error: expect.stringMatching(/^TOOBIG /) });
    expect(await client.get("v:big")).toBeNull();
  });

  it("--maxmemory (split over the partitions) answers OOM once full; reads and deletes still work", async () => {
    const value = "x".repeat(1000);
    let oom: unknown = null;
    let stored = 0;
    for (let batch = 0; batch < 100 && oom === null; batch++) {
      const replies = await Promise.all(Array.from({ length: 100 }, (_, i) => call(client, "SET", `mem:${batch}:${i}`, value)));
      for (const r of replies) {
        if (r === "OK") stored++;
        else oom ??= r;
      }
    }
    expect(oom).toMatchObject({ error: expect.stringMatching(/^OOM /) });
    // 4 MiB in all: far fewer than 10,000 values of 1 KB fit.
    expect(stored).toBeGreaterThan(100);
    expect(stored).toBeLessThan(4200);
    expect((await client.get("mem:0:0"))?.length).toBe(1000);
    expect(await client.dbsize()).toBeGreaterThan(100);
    expect(await call(client, "FLUSHALL")).toBe("OK");
    expect(await call(client, "SET", "mem:after", value)).toBe("OK");
  });
});
