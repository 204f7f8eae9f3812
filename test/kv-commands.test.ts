/**
 * Every engine command through the TypeScript client against the real server (child process),
 * with 1, 2 and 4 partitions; multi-key commands across partitions; SCAN over keys on every
 * partition with churn between pages; 50 concurrent clients incrementing shared counters.
 */
import type { TesseraClient } from "@tessera/client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call, connectClient } from "./support/clients.js";
import { startServer, type ServerProcess } from "./support/server-process.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each([1, 2, 4])("key-value commands with %i partition(s)", (partitions) => {
  let server: ServerProcess;
  let client: TesseraClient;

  beforeAll(async () => {
    server = await startServer({ partitions });
    client = await connectClient(server.port);
  });

  afterAll(async () => {
    await client?.close();
    expect(await server?.stop()).toBe(0);
  });

  it("strings: SET (all options), GET, GETDEL, APPEND, STRLEN, INCR family", async () => {
    const c = client;
    expect(await c.set("s:a", "hello")).toBe("OK");
    expect((await c.get("s:a"))?.toString()).toBe("hello");
    expect(await c.getString("s:missing")).toBeNull();
    expect(await c.set("s:a", "x", { nx: true })).toBeNull();
    expect(await c.set("s:new", "x", { xx: true })).toBeNull();
    expect(await c.set("s:a", "world", { xx: true, get: true })).toEqual(Buffer.from("hello"));
    expect(await c.append("s:a", "!")).toBe(6);
    expect(await c.strlen("s:a")).toBe(6);
    expect(await c.strlen("s:missing")).toBe(0);
    expect((await c.getDel("s:a"))?.toString()).toBe("world!");
    expect(await c.get("s:a")).toBeNull();
    expect(await c.incr("s:n")).toBe(1);
    expect(await c.incrBy("s:n", 41)).toBe(42);
    expect(await c.decr("s:n")).toBe(41);
    expect(await c.decrBy("s:n", 50)).toBe(-9);
    expect(await c.incrBy("s:big", 2n ** 62n)).toBe(2n ** 62n);
    expect(await call(c, "INCRBY", "s:big", String(2n ** 62n))).toEqual({ error: "ERR increment or decrement would overflow" });
    // Binary-safe keys and values.
    const bin = Buffer.from([0, 255, 10, 13, 0]);
    expect(await c.set(bin, bin)).toBe("OK");
    expect(await c.get(bin)).toEqual(bin);
    expect(await call(c, "DEL", "s:n", "s:big")).toBe(2);
    expect(await c.del(bin)).toBe(1);
  });

  it("strings: SETNX, SETEX, PSETEX, GETSET, GETEX, GETRANGE, SETRANGE; TYPE, UNLINK, TOUCH, EXPIRETIME", async () => {
    const c = client;
    expect(await c.setNx("t:a", "1")).toBe(true);
    expect(await c.setNx("t:a", "2")).toBe(false);
    expect(await c.setEx("t:b", 100, "v")).toBe("OK");
    expect(await c.ttl("t:b")).toBe(100);
    expect(await c.pSetEx("t:c", 100_000, "v")).toBe("OK");
    const at = await c.pexpireTime("t:c");
    expect(Math.abs(at - (Date.now() + 100_000))).toBeLessThan(3000);
    expect(Math.floor(at / 1000)).toBe(await c.expireTime("t:c"));
    expect(await c.expireTime("t:a")).toBe(-1);
    expect(await c.expireTime("t:missing")).toBe(-2);
    expect((await c.getSet("t:b", "w"))?.toString()).toBe("v");
    expect(await c.ttl("t:b")).toBe(-1);
    expect((await c.getEx("t:b", { px: 50_000 }))?.toString()).toBe("w");
    expect(await c.pttl("t:b")).toBeGreaterThan(40_000);
    expect((await c.getEx("t:b", { persist: true }))?.toString()).toBe("w");
    expect(await c.ttl("t:b")).toBe(-1);
    expect(await c.getEx("t:missing")).toBeNull();
    expect(await c.setRange("t:r", 2, "xy")).toBe(4);
    expect(await c.getRange("t:r", 0, -1)).toEqual(Buffer.from([0, 0, 0x78, 0x79]));
    expect((await c.getRange("t:r", -2, -1)).toString()).toBe("xy");
    expect(await c.getRange("t:missing", 0, 10)).toEqual(Buffer.alloc(0));
    expect(await call(c, "SETRANGE", "t:r", "-1", "x")).toEqual({ error: "ERR offset is out of range" });
    expect(await c.incrByFloat("t:f", "10.50")).toBe("10.5");
    expect(await c.incrByFloat("t:f", 0.1)).toBe("10.6");
    expect(await call(c, "INCRBYFLOAT", "t:f", "nan")).toEqual({ error: "ERR value is not a valid float" });
    expect(await c.del("t:f")).toBe(1);
    expect(await c.msetNx([["{t}x", "1"], ["{t}y", "2"]])).toBe(true);
    expect(await c.msetNx({ "{t}y": "3", "{t}z": "4" })).toBe(false);
    expect((await c.randomKey()) !== null).toBe(true);
    expect(await c.setBit("{t}bits", 9, 1)).toBe(0);
    expect(await c.getBit("{t}bits", 9)).toBe(1);
    expect(await c.bitCount("{t}bits")).toBe(1);
    expect(await c.bitCount("{t}bits", { start: 0, end: 7, unit: "BIT" })).toBe(0);
    expect(await c.rename("{t}bits", "{t}bits2")).toBe("OK");
    expect(await c.copy("{t}bits2", "{t}bits3")).toBe(true);
    expect(await c.copy("{t}bits2", "{t}bits3")).toBe(false);
    expect(await c.copy("{t}bits2", "{t}bits3", { replace: true })).toBe(true);
    expect(await c.del("{t}bits2", "{t}bits3")).toBe(2);
    expect(await c.del("{t}x", "{t}y")).toBe(2);
    expect(await c.type("t:a")).toBe("string");
    expect(await c.type("t:missing")).toBe("none");
    expect(await c.touch("t:a", "t:b", "t:missing")).toBe(2);
    expect(await c.unlink("t:a", "t:b", "t:c", "t:r", "t:missing")).toBe(4);
    expect(await c.exists("t:a", "t:b", "t:c", "t:r")).toBe(0);
  });

  it("expiry: EX/PX/EXAT/PXAT/KEEPTTL, EXPIRE family with NX/XX/GT/LT, TTL, PTTL, PERSIST, keys vanish", async () => {
    const c = client;
    const nowS = Math.floor(Date.now() / 1000);
    await c.set("e:ex", "v", { ex: 100 });
    expect(await c.ttl("e:ex")).toBeGreaterThanOrEqual(99);
    await c.set("e:px", "v", { px: 100_000 });
    expect(await c.pttl("e:px")).toBeGreaterThan(99_000);
    await c.set("e:exat", "v", { exat: nowS + 200 });
    expect(await c.ttl("e:exat")).toBeGreaterThan(190);
    await c.set("e:pxat", "v", { pxat: Date.now() + 300_000 });
    expect(await c.ttl("e:pxat")).toBeGreaterThan(290);
    await c.set("e:ex", "v2", { keepTtl: true });
    expect(await c.ttl("e:ex")).toBeGreaterThanOrEqual(98);
    await c.set("e:plain", "v");
    expect(await c.ttl("e:plain")).toBe(-1);
    expect(await c.ttl("e:missing")).toBe(-2);
    expect(await c.pttl("e:missing")).toBe(-2);
    expect(await c.expire("e:plain", 50, { xx: true })).toBe(false);
    expect(await c.expire("e:plain", 50, { nx: true })).toBe(true);
    expect(await c.expire("e:plain", 10, { gt: true })).toBe(false);
    expect(await c.expire("e:plain", 10, { lt: true })).toBe(true);
    expect(await c.pexpire("e:plain", 20_000)).toBe(true);
    expect(await c.pttl("e:plain")).toBeGreaterThan(19_000);
    expect(await c.expireAt("e:plain", nowS + 1000)).toBe(true);
    expect(await c.pexpireAt("e:plain", Date.now() + 500_000)).toBe(true);
    expect(await c.persist("e:plain")).toBe(true);
    expect(await c.persist("e:plain")).toBe(false);
    expect(await c.ttl("e:plain")).toBe(-1);
    expect(await call(c, "EXPIRE", "e:plain", "abc")).toEqual({ error: "ERR value is not an integer or out of range" });
    // Keys expire on access and by themselves (active expiry: DBSIZE drops without touching them).
    await c.set("e:short1", "v", { px: 50 });
    await c.set("e:short2", "v", { px: 50 });
    const before = await c.dbsize();
    let after = before;
    for (let i = 0; i < 100 && after > before - 2; i++) {
      await sleep(50);
      after = await c.dbsize();
    }
    expect(after).toBe(before - 2);
    expect(await c.get("e:short1")).toBeNull();
    expect(await c.del("e:ex", "e:px", "e:exat", "e:pxat", "e:plain")).toBe(5);
  });

  it("multi-key commands across partitions: MSET, MGET in argument order, DEL and EXISTS sums", async () => {
    const c = client;
    const keys = Array.from({ length: 64 }, (_, i) => `m:${i}`);
    expect(await c.mset(keys.map((k, i) => [k, `v${i}`] as const))).toBe("OK");
    const values = await c.mget([...keys, "m:missing", keys[0]!]);
    expect(values.map((v) => v?.toString() ?? null)).toEqual([...keys.map((_, i) => `v${i}`), null, "v0"]);
    expect(await c.exists(keys[1]!, keys[1]!, "m:missing", keys[63]!)).toBe(3);
    expect(await c.del(...keys.slice(0, 32), "m:missing")).toBe(32);
    expect(await c.exists(...keys)).toBe(32);
    // Hash tags keep keys together; a single-key command with them is fine.
    expect(await c.mset([["{u1}:a", "1"], ["{u1}:b", "2"]])).toBe("OK");
    expect((await c.mget(["{u1}:a", "{u1}:b"])).map(String)).toEqual(["1", "2"]);
    expect(await c.del(...keys.slice(32), "{u1}:a", "{u1}:b")).toBe(34);
  });

  it("SCAN returns every key once, in key order, with keys added and removed between pages", async () => {
    const c = client;
    const stable = Array.from({ length: 400 }, (_, i) => `scan:${String(i * 2).padStart(4, "0")}`);
    await c.mset(stable.map((k) => [k, "x"] as const));
    await c.set("other:1", "x");
    const seen: string[] = [];
    let cursor = "0";
    let page = 0;
    let churn = 1;
    do {
      const reply = (await call(c, "SCAN", "scan:", "LIMIT", 13, "CURSOR", cursor)) as [string, string[]];
      expect(reply[1].length).toBeLessThanOrEqual(13);
      seen.push(...reply[1]);
      cursor = reply[0];
      // Churn: add odd-numbered keys (some behind the cursor, some ahead), delete some again.
      for (let i = 0; i < 4; i++, churn += 2) await c.set(`scan:${String((churn * 37) % 800 | 1).padStart(4, "0")}`, "y");
      await c.del(`scan:${String((churn * 11) % 800 | 1).padStart(4, "0")}`);
      page++;
    } while (cursor !== "0" && page < 1000);
    expect(cursor).toBe("0");
    expect(seen.filter((k) => stable.includes(k))).toEqual(stable);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual(seen);
    expect(seen.every((k) => k.startsWith("scan:"))).toBe(true);
    // The client's iterator walks the same stream.
    const viaClient: string[] = [];
    for await (const k of c.scan("scan:", { limit: 50 })) viaClient.push(k.toString());
    expect(viaClient.filter((k) => stable.includes(k))).toEqual(stable);
    expect(await call(c, "SCAN", "scan:", "CURSOR", "!bad!")).toEqual({ error: "ERR invalid cursor" });
  });

  it("KEYS, DBSIZE, FLUSHALL, FLUSHDB across partitions", async () => {
    const c = client;
    await c.flushAll();
    await c.mset([["k:b", "1"], ["k:a", "1"], ["k:c", "1"], ["j:x", "1"]]);
    expect((await c.keys("k:*")).map(String)).toEqual(["k:a", "k:b", "k:c"]);
    expect(await c.dbsize()).toBe(4);
    expect(await call(c, "FLUSHDB")).toBe("OK");
    expect(await c.dbsize()).toBe(0);
    expect(await c.keys("*")).toEqual([]);
  });

  it("router-answered commands: PING, ECHO, TIME", async () => {
    const c = client;
    expect(await c.ping()).toBe("PONG");
    expect(await c.ping("hi")).toBe("hi");
    expect(await call(c, "ECHO", "x")).toBe("x");
    const [s, us] = (await call(c, "TIME")) as [string, string];
    expect(Math.abs(Number(s) - Date.now() / 1000)).toBeLessThan(60);
    expect(Number(us)).toBeLessThan(1_000_000);
  });

  it("50 concurrent clients doing INCRBY on shared keys end with exact totals", async () => {
    const clients = await Promise.all(Array.from({ length: 50 }, () => connectClient(server.port)));
    const counters = ["cnt:a", "cnt:b", "cnt:c", "{cnt}:d", "cnt:e"];
    await client.del(...counters);
    const rounds = 40;
    await Promise.all(
      clients.map(async (cl, ci) => {
        for (let r = 0; r < rounds; r++) {
          // A pipelined burst per round: one INCRBY on every counter.
          await Promise.all(counters.map((k, ki) => cl.incrBy(k, ci + ki + 1)));
        }
      }),
    );
    await Promise.all(clients.map((cl) => cl.close()));
    const sumCi = (49 * 50) / 2;
    const totals = await client.mget(counters);
    expect(totals.map((v) => Number(v?.toString()))).toEqual(counters.map((_, ki) => rounds * (sumCi + 50 * (ki + 1))));
  });
});
