/**
 * End-to-end: the real server (child process, 3 partitions so multi-key commands cross
 * partitions) driven on its RESP port by ioredis and node-redis as applications would, plus a
 * raw socket for malformed input. Every engine command, pipelines, cross-partition MGET/MSET/
 * DEL/EXISTS, SCAN (MATCH/COUNT, every key exactly once), Redis's error replies.
 */
import { Redis } from "ioredis";
import { createClient } from "redis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { startServer, type ServerProcess } from "./support/server-process.js";
import { RawClient } from "./support/raw-client.js";
import { call, connectClient } from "./support/clients.js";

let server: ServerProcess;
let io: Redis;

beforeAll(async () => {
  server = await startServer({ partitions: 3, resp: true });
  io = new Redis({ port: server.respPort, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 });
  await io.connect();
});

afterAll(async () => {
  io?.disconnect();
  await server?.stop();
});

beforeEach(async () => {
  await io.flushall();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("ioredis: strings", () => {
  it("SET / GET / GETDEL / APPEND / STRLEN", async () => {
    expect(await io.set("s:1", "hello")).toBe("OK");
    expect(await io.get("s:1")).toBe("hello");
    expect(await io.get("s:missing")).toBeNull();
    expect(await io.append("s:1", " world")).toBe(11);
    expect(await io.strlen("s:1")).toBe(11);
    expect(await io.strlen("s:missing")).toBe(0);
    expect(await io.getdel("s:1")).toBe("hello world");
    expect(await io.exists("s:1")).toBe(0);
    // Binary-safe values.
    const bin = Buffer.from([0, 1, 2, 255, 13, 10, 0]);
    await io.set("s:bin", bin);
    expect(await io.getBuffer("s:bin")).toEqual(bin);
  });

  it("large values (5 MB) and binary keys round-trip", async () => {
    const big = Buffer.alloc(5 * 1024 * 1024);
    for (let i = 0; i < big.length; i++) big[i] = (i * 31) & 0xff;
    expect(await io.set("big", big)).toBe("OK");
    expect((await io.getBuffer("big"))!.equals(big)).toBe(true);
    expect(await io.strlen("big")).toBe(big.length);
    const key = Buffer.from([0xff, 0x00, 0x0d, 0x0a, 0x20]);
    await io.set(key, "bin-key");
    expect(await io.get(key)).toBe("bin-key");
    expect(await io.exists(key)).toBe(1);
  });

  it("SET options: NX / XX / GET / EX / PX / KEEPTTL", async () => {
    expect(await io.set("o:1", "a", "NX")).toBe("OK");
    expect(await io.set("o:1", "b", "NX")).toBeNull();
    expect(await io.set("o:2", "b", "XX")).toBeNull();
    expect(await io.set("o:1", "c", "XX")).toBe("OK");
    expect(await io.set("o:1", "d", "GET")).toBe("c");
    expect(await io.set("o:1", "e", "EX", 100)).toBe("OK");
    expect(await io.ttl("o:1")).toBeGreaterThan(95);
    expect(await io.set("o:1", "f", "KEEPTTL")).toBe("OK");
    expect(await io.ttl("o:1")).toBeGreaterThan(95);
    expect(await io.set("o:1", "g", "PX", 50_000)).toBe("OK");
    const pttl = await io.pttl("o:1");
    expect(pttl).toBeGreaterThan(45_000);
    expect(pttl).toBeLessThanOrEqual(50_000);
  });

  it("INCR / INCRBY / DECR / DECRBY and their errors", async () => {
    expect(await io.incr("n:1")).toBe(1);
    expect(await io.incrby("n:1", 41)).toBe(42);
    expect(await io.decr("n:1")).toBe(41);
    expect(await io.decrby("n:1", 50)).toBe(-9);
    await io.set("n:text", "abc");
    await expect(io.incr("n:text")).rejects.toThrow("ERR value is not an integer or out of range");
    await io.set("n:max", "9223372036854775807");
    await expect(io.incr("n:max")).rejects.toThrow("ERR increment or decrement would overflow");
  });
});

describe("ioredis: expiry", () => {
  it("EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT / TTL / PTTL / PERSIST", async () => {
    await io.set("e:1", "v");
    expect(await io.ttl("e:1")).toBe(-1);
    expect(await io.ttl("e:missing")).toBe(-2);
    expect(await io.pttl("e:missing")).toBe(-2);
    expect(await io.expire("e:1", 100)).toBe(1);
    expect(await io.ttl("e:1")).toBeGreaterThan(95);
    expect(await io.expire("e:missing", 100)).toBe(0);
    expect(await io.pexpire("e:1", 200_000)).toBe(1);
    expect(await io.ttl("e:1")).toBeGreaterThan(195);
    const at = Math.floor(Date.now() / 1000) + 300;
    expect(await io.expireat("e:1", at)).toBe(1);
    expect(await io.ttl("e:1")).toBeGreaterThan(290);
    expect(await io.pexpireat("e:1", Date.now() + 400_000)).toBe(1);
    expect(await io.ttl("e:1")).toBeGreaterThan(390);
    expect(await io.persist("e:1")).toBe(1);
    expect(await io.persist("e:1")).toBe(0);
    expect(await io.ttl("e:1")).toBe(-1);
  });

  it("keys with a short TTL disappear on their own (active expiry)", async () => {
    for (let i = 0; i < 20; i++) await io.set(`short:${i}`, "v", "PX", 100);
    await io.set("long", "v");
    const deadline = Date.now() + 5000;
    let size = await io.dbsize();
    while (size > 1 && Date.now() < deadline) {
      await sleep(100);
      size = await io.dbsize();
    }
    expect(size).toBe(1);
    expect(await io.get("short:0")).toBeNull();
  });
});

describe("ioredis: multi-key commands across partitions", () => {
  it("MSET / MGET / EXISTS / DEL over keys on every partition", async () => {
    const pairs: string[] = [];
    for (let i = 0; i < 100; i++) pairs.push(`mk:${i}`, `v${i}`);
    expect(await io.mset(...pairs)).toBe("OK");
    const keys = Array.from({ length: 100 }, (_, i) => `mk:${i}`);
    expect(await io.mget(...keys, "mk:none")).toEqual([...keys.map((_, i) => `v${i}`), null]);
    expect(await io.exists("mk:1", "mk:1", "mk:2", "mk:none")).toBe(3);
    expect(await io.dbsize()).toBe(100);
    expect(await io.del(...keys.slice(0, 60), "mk:none")).toBe(60);
    expect(await io.dbsize()).toBe(40);
    expect(await io.flushdb()).toBe("OK");
    expect(await io.dbsize()).toBe(0);
  });

  it("hash tags keep keys together", async () => {
    expect(await io.mset("{u1}:a", "1", "{u1}:b", "2")).toBe("OK");
    expect(await io.mget("{u1}:a", "{u1}:b")).toEqual(["1", "2"]);
  });
});

describe("ioredis: pipelines", () => {
  it("answers a 2000-command pipeline in order", async () => {
    const p = io.pipeline();
    for (let i = 0; i < 500; i++) {
      p.set(`p:${i}`, String(i));
      p.incrby(`c:${i % 7}`, i);
      p.get(`p:${i}`);
      p.ping();
    }
    const results = await p.exec();
    expect(results).not.toBeNull();
    const sums = new Map<number, number>();
    for (let i = 0; i < 500; i++) {
      const [set, incr, get, ping] = results!.slice(i * 4, i * 4 + 4);
      expect(set).toEqual([null, "OK"]);
      const c = i % 7;
      sums.set(c, (sums.get(c) ?? 0) + i);
      expect(incr).toEqual([null, sums.get(c)]);
      expect(get).toEqual([null, String(i)]);
      expect(ping).toEqual([null, "PONG"]);
    }
  });

  it("keeps many concurrent clients' replies apart", async () => {
    const clients = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const c = new Redis({ port: server.respPort, host: "127.0.0.1", lazyConnect: true });
        await c.connect();
        return c;
      }),
    );
    await Promise.all(
      clients.map(async (c, ci) => {
        for (let round = 0; round < 20; round++) {
          const p = c.pipeline();
          for (let i = 0; i < 25; i++) p.incr(`cc:${i}`).set(`own:${ci}:${i}`, `${ci}-${round}`).get(`own:${ci}:${i}`);
          const r = await p.exec();
          for (let i = 0; i < 25; i++) expect(r![i * 3 + 2]).toEqual([null, `${ci}-${round}`]);
        }
      }),
    );
    for (const c of clients) c.disconnect();
    expect(await io.mget(...Array.from({ length: 25 }, (_, i) => `cc:${i}`))).toEqual(Array(25).fill(String(8 * 20)));
  });
});

describe("ioredis: SCAN and KEYS", () => {
  beforeEach(async () => {
    const pairs: string[] = [];
    for (let i = 0; i < 700; i++) pairs.push(`user:${i}`, "x");
    for (let i = 0; i < 300; i++) pairs.push(`order:${i}`, "y");
    pairs.push("user*odd", "z");
    await io.mset(...pairs);
  });

  async function scanAll(match: string | null, count: number): Promise<string[]> {
    const seen: string[] = [];
    let cursor = "0";
    let pages = 0;
    do {
      const args: (string | number)[] = [cursor];
      if (match !== null) args.push("MATCH", match);
      args.push("COUNT", count);
      const [next, keys] = (await io.call("SCAN", ...args)) as [string, string[]];
      cursor = next;
      seen.push(...keys);
      expect(++pages).toBeLessThan(5000);
    } while (cursor !== "0");
    return seen;
  }

  it("visits every key exactly once, whole keyspace and a plain prefix", async () => {
    const all = await scanAll(null, 37);
    expect(all.length).toBe(1001);
    expect(new Set(all).size).toBe(1001);
    const users = await scanAll("user:*", 50);
    expect(users.sort()).toEqual(Array.from({ length: 700 }, (_, i) => `user:${i}`).sort());
  });

  it("filters other globs with MATCH (and escapes)", async () => {
    const sevens = await scanAll("*:7?", 100);
    expect(sevens.sort()).toEqual([...Array.from({ length: 10 }, (_, i) => `order:7${i}`), ...Array.from({ length: 10 }, (_, i) => `user:7${i}`)].sort());
    expect(await scanAll("user\\*odd", 10)).toEqual(["user*odd"]);
    expect(await scanAll("user\\**", 10)).toEqual(["user*odd"]);
  });

  it("works with ioredis's scanStream", async () => {
    const keys: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const s = io.scanStream({ match: "order:*", count: 64 });
      s.on("data", (batch: string[]) => keys.push(...batch));
      s.on("end", () => resolve());
      s.on("error", reject);
    });
    expect(keys.length).toBe(300);
    expect(new Set(keys).size).toBe(300);
  });

  it("KEYS matches globs; SCAN TYPE and bad options answer like Redis", async () => {
    expect((await io.keys("order:1?")).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `order:1${i}`).sort());
    expect(await io.call("SCAN", "0", "TYPE", "hash")).toEqual(["0", []]);
    await expect(io.call("SCAN", "0", "COUNT", "0")).rejects.toThrow("ERR syntax error");
    await expect(io.call("SCAN", "not-a-cursor!")).rejects.toThrow("ERR invalid cursor");
  });
});

describe("ioredis: SETNX, SETEX, GETSET, GETEX, GETRANGE, SETRANGE, TYPE, UNLINK, TOUCH, EXPIRETIME", () => {
  it("answer as Redis does", async () => {
    expect(await io.setnx("n:1", "a")).toBe(1);
    expect(await io.setnx("n:1", "b")).toBe(0);
    expect(await io.get("n:1")).toBe("a");
    expect(await io.setex("n:2", 100, "v")).toBe("OK");
    expect(await io.ttl("n:2")).toBe(100);
    expect(await io.psetex("n:3", 100_000, "v")).toBe("OK");
    expect(await io.pttl("n:3")).toBeGreaterThan(99_000);
    await expect(io.setex("n:2", 0, "v")).rejects.toThrow("ERR invalid expire time in 'setex' command");
    expect(await io.getset("n:2", "w")).toBe("v");
    expect(await io.ttl("n:2")).toBe(-1); // GETSET clears the expiry, as SET does
    expect(await io.getset("n:none", "x")).toBeNull();
    expect(await io.getex("n:1", "EX", 50)).toBe("a");
    expect(await io.ttl("n:1")).toBe(50);
    const at = Number(await io.call("EXPIRETIME", "n:1"));
    expect(Math.abs(at - (Date.now() / 1000 + 50))).toBeLessThan(3);
    expect(await io.call("PEXPIRETIME", "n:missing")).toBe(-2);
    expect(await io.call("EXPIRETIME", "n:2")).toBe(-1);
    expect(await io.getex("n:1", "PERSIST")).toBe("a");
    expect(await io.ttl("n:1")).toBe(-1);
    await expect(io.call("GETEX", "n:1", "EX")).rejects.toThrow("ERR syntax error");
    expect(await io.set("r", "Hello World")).toBe("OK");
    expect(await io.getrange("r", 0, 4)).toBe("Hello");
    expect(await io.getrange("r", -5, -1)).toBe("World");
    expect(await io.getrange("r", 5, 2)).toBe("");
    expect(await io.setrange("r", 6, "Redis")).toBe(11);
    expect(await io.get("r")).toBe("Hello Redis");
    expect(await io.setrange("pad", 3, "x")).toBe(4);
    expect(await io.getBuffer("pad")).toEqual(Buffer.from([0, 0, 0, 0x78]));
    await expect(io.setrange("r", -1, "x")).rejects.toThrow("ERR offset is out of range");
    expect(await io.set("f", "0.1")).toBe("OK");
    expect(await io.incrbyfloat("f", "0.2")).toBe("0.3"); // Redis's long double, not 0.30000000000000004
    expect(await io.incrbyfloat("f", "5.0e3")).toBe("5000.29999999999999982"); // what Redis 7 answers too
    const usage = Number(await io.call("MEMORY", "USAGE", "r"));
    expect(usage).toBeGreaterThan(11);
    expect(await io.call("MEMORY", "USAGE", "n:missing")).toBeNull();
    expect(((await io.call("MEMORY", "HELP")) as string[])[0]).toMatch(/^MEMORY <subcommand>/);
    expect(await io.msetnx("{m}a", "1", "{m}b", "2")).toBe(1); // one hash tag: one partition
    expect(await io.msetnx("{m}b", "x", "{m}c", "3")).toBe(0);
    expect(await io.mget("{m}a", "{m}b", "{m}c")).toEqual(["1", "2", null]);
    await expect(io.msetnx("m:1", "1", "m:2", "2", "m:3", "3", "m:4", "4")).rejects.toThrow(/^CROSSSLOT/); // spread over 3 partitions
    expect(await io.call("SUBSTR", "r", "0", "4")).toBe("Hello");
    expect(await io.setbit("bits", 7, 1)).toBe(0);
    expect(await io.getbit("bits", 7)).toBe(1);
    expect(await io.bitcount("bits")).toBe(1);
    expect(await io.bitpos("bits", 1)).toBe(7);
    await io.mset("{bo}a", "foobar", "{bo}b", "abcdef");
    expect(await io.bitop("AND", "{bo}d", "{bo}a", "{bo}b")).toBe(6);
    expect(await io.get("{bo}d")).toBe("`bc`ab");
    await expect(io.bitop("OR", "m:1", "m:2", "m:3")).rejects.toThrow(/^CROSSSLOT/);
    await io.mset("{l}1", "ohmytext", "{l}2", "mynewtext");
    expect(await io.call("LCS", "{l}1", "{l}2")).toBe("mytext");
    expect(await io.call("LCS", "{l}1", "{l}2", "LEN")).toBe(6);
    await expect(io.call("LCS", "m:1", "m:2")).rejects.toThrow(/^CROSSSLOT/);
    await io.set("{rn}a", "1", "EX", 100);
    expect(await io.rename("{rn}a", "{rn}b")).toBe("OK");
    expect(await io.ttl("{rn}b")).toBeGreaterThan(90); // the expiry moves with the value
    expect(await io.renamenx("{rn}b", "{rn}c")).toBe(1);
    await expect(io.rename("{rn}missing", "{rn}x")).rejects.toThrow("ERR no such key");
    expect(await io.copy("{rn}c", "{rn}d")).toBe(1);
    expect(await io.copy("{rn}c", "{rn}d")).toBe(0);
    expect(await io.mget("{rn}c", "{rn}d")).toEqual(["1", "1"]);
    await expect(io.rename("m:1", "m:2")).rejects.toThrow(/^CROSSSLOT/);
    expect(await io.call("OBJECT", "ENCODING", "r")).toBe("raw");
    expect(await io.call("OBJECT", "REFCOUNT", "r")).toBe(1);
    const picked = new Set<string>();
    for (let i = 0; i < 60; i++) picked.add((await io.randomkey())!);
    expect(picked.size).toBeGreaterThan(3); // keys of several partitions
    expect(await io.type("r")).toBe("string");
    expect(await io.type("n:missing")).toBe("none");
    // Keys spread over the 3 partitions.
    await io.mset("u:1", "1", "u:2", "2", "u:3", "3", "u:4", "4");
    expect(await io.touch("u:1", "u:2", "u:3", "u:4", "u:none")).toBe(4);
    expect(await io.unlink("u:1", "u:2", "u:3", "u:none")).toBe(3);
    expect(await io.exists("u:1", "u:2", "u:3", "u:4")).toBe(1);
  });
});

describe("ioredis: server and connection commands", () => {
  it("PING, ECHO, SELECT, TIME, CLIENT, INFO, CONFIG GET, COMMAND", async () => {
    expect(await io.ping()).toBe("PONG");
    expect(await io.ping("hi")).toBe("hi");
    expect(await io.echo("echo me")).toBe("echo me");
    expect(await io.select(0)).toBe("OK");
    await expect(io.select(1)).rejects.toThrow("ERR DB index is out of range");
    const [sec, usec] = await io.time();
    expect(Math.abs(Number(sec) - Date.now() / 1000)).toBeLessThan(10);
    expect(Number(usec)).toBeLessThan(1_000_000);
    expect(await io.client("SETNAME", "e2e-io")).toBe("OK");
    expect(await io.client("GETNAME")).toBe("e2e-io");
    const id = (await io.client("ID")) as number;
    expect(id).toBeGreaterThan(0);
    const list = (await io.client("LIST")) as string;
    expect(list).toContain(`id=${id} `);
    expect(list).toContain("name=e2e-io ");
    await io.set("info:key", "1");
    await io.set("info:ttl-key", "1", "EX", 600);
    await io.get("info:key");
    await io.get("info:missing");
    await sleep(1500); // partition figures are refreshed about once a second
    const info = await io.info();
    expect(info).toContain("# Server\r\nredis_version:");
    expect(info).toMatch(/# Keyspace\r\ndb0:keys=2,expires=1,avg_ttl=0/);
    expect(await io.info("clients")).toMatch(/^# Clients\r\nconnected_clients:\d+/);
    // The hop into the partitions is counted: requests, batches, wake-ups of a sleeping worker.
    const stats = await io.info("stats");
    const counter = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(stats)?.[1] ?? NaN);
    expect(counter("tessera_partition_requests")).toBeGreaterThanOrEqual(2);
    expect(counter("keyspace_hits")).toBeGreaterThanOrEqual(1);
    expect(counter("keyspace_misses")).toBeGreaterThanOrEqual(1);
    expect(counter("tessera_partition_batches")).toBeGreaterThanOrEqual(1);
    expect(counter("tessera_partition_batches")).toBeLessThanOrEqual(counter("tessera_partition_requests"));
    expect(counter("tessera_partition_wakeups")).toBeLessThanOrEqual(counter("tessera_partition_batches"));
    expect(await io.config("GET", "databases")).toEqual(["databases", "1"]);
    expect(await io.config("GET", "save")).toEqual(["save", ""]);
    const count = (await io.call("COMMAND", "COUNT")) as number;
    expect(count).toBeGreaterThan(30);
    const [getInfo] = (await io.call("COMMAND", "INFO", "GET")) as unknown[][];
    expect(getInfo!.slice(0, 2)).toEqual(["get", 2]);
  });

  it("CLIENT KILL closes other connections (RESP and native), the caller's own after its reply", async () => {
    const victim = new Redis({ port: server.respPort, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    await victim.connect();
    const victimId = (await victim.client("ID")) as number;
    const victimClosed = new Promise<void>((resolve) => victim.once("end", () => resolve()));
    const native = await connectClient(server.port);
    const nativeId = Number(await call(native, "CLIENT", "ID"));
    expect(await io.call("CLIENT", "KILL", "ID", String(victimId))).toBe(1);
    await victimClosed;
    expect(await io.call("CLIENT", "KILL", "ID", String(victimId))).toBe(0); // gone
    expect(await io.call("CLIENT", "KILL", "ID", String(nativeId))).toBe(1);
    await expect(native.get("k")).rejects.toThrow();
    expect(await io.ping()).toBe("PONG");
    const list = (await io.client("LIST")) as string;
    expect(list).not.toContain(`id=${victimId} `);
    expect(list).not.toContain(`id=${nativeId} `);
    await native.close();

    // Native: nothing pipelined after a CLIENT KILL of the connection itself runs.
    const selfNative = await connectClient(server.port);
    const selfNativeId = Number(await call(selfNative, "CLIENT", "ID"));
    const before = selfNative.set("nk:before", "1");
    const kill = call(selfNative, "CLIENT", "KILL", "ID", String(selfNativeId), "SKIPME", "no");
    const after = selfNative.set("nk:after", "1").then(
      () => "ran",
      () => "refused",
    );
    expect(await before).toBe("OK");
    expect(await kill).toBe(1);
    expect(await after).toBe("refused");
    expect(await io.exists("nk:before", "nk:after")).toBe(1);
    await selfNative.close();

    // Killing itself: the reply arrives, then the server closes the connection.
    const self = new Redis({ port: server.respPort, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    await self.connect();
    const selfId = String(await self.client("ID"));
    const selfClosed = new Promise<void>((resolve) => self.once("end", () => resolve()));
    expect(await self.call("CLIENT", "KILL", "ID", selfId, "SKIPME", "no")).toBe(1);
    await selfClosed;
    await expect(io.call("CLIENT", "KILL", "ID", "0")).rejects.toThrow("ERR client-id should be greater than 0");
    await expect(io.call("CLIENT", "KILL", "10.9.8.7:6")).rejects.toThrow("ERR No such client");
  });

  it("CONFIG SET maxmemory caps the partitions at run time (writes get OOM, reads go on); 0 lifts it", async () => {
    await io.set("cap:kept", "v");
    expect(await io.config("SET", "maxmemory", "64kb")).toBe("OK");
    expect(await io.config("GET", "maxmemory")).toEqual(["maxmemory", "65536"]);
    const big = "x".repeat(60_000);
    let refused = "";
    for (let i = 0; i < 100 && refused === ""; i++) {
      // The partitions apply the new cap within their next turn.
      await io.set(`cap:${i}`, big).catch((e: Error) => (refused = e.message));
    }
    expect(refused).toMatch(/^OOM command not allowed when used memory > 'maxmemory'/);
    expect(await io.get("cap:kept")).toBe("v");
    expect(await io.config("SET", "maxmemory", "0")).toBe("OK");
    let accepted = false;
    for (let i = 0; i < 100 && !accepted; i++) accepted = (await io.set("cap:after", big).catch(() => "")) === "OK";
    expect(accepted).toBe(true);
  });

  it("answers errors in Redis's words and keeps the connection", async () => {
    await expect(io.call("NOSUCHCMD", "a", "b")).rejects.toThrow("ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' 'b' ");
    await expect(io.call("GET")).rejects.toThrow("ERR wrong number of arguments for 'get' command");
    await expect(io.call("SET", "k", "v", "EX", "0")).rejects.toThrow("ERR invalid expire time in 'set' command");
    await expect(io.call("SET", "k", "v", "NX", "XX")).rejects.toThrow("ERR syntax error");
    await expect(io.call("HELLO", "4")).rejects.toThrow("NOPROTO unsupported protocol version");
    expect(await io.ping()).toBe("PONG");
  });
});

describe("node-redis", () => {
  it("RESP2: commands, auto-pipelining, multi-key, scanIterator", async () => {
    const client = createClient({ socket: { port: server.respPort, host: "127.0.0.1" }, name: "e2e-nr" });
    client.on("error", () => {});
    await client.connect();
    try {
      expect(await client.ping()).toBe("PONG");
      expect(await client.clientGetName()).toBe("e2e-nr");
      expect(await client.set("nr:a", "1")).toBe("OK");
      expect(await client.get("nr:a")).toBe("1");
      expect(await client.incrBy("nr:n", 5)).toBe(5);
      // Concurrent commands are pipelined by node-redis onto one socket.
      const writes = await Promise.all(Array.from({ length: 300 }, (_, i) => client.set(`nr:k${i}`, `v${i}`)));
      expect(writes.every((r) => r === "OK")).toBe(true);
      const reads = await Promise.all(Array.from({ length: 300 }, (_, i) => client.get(`nr:k${i}`)));
      expect(reads).toEqual(Array.from({ length: 300 }, (_, i) => `v${i}`));
      expect(await client.mGet(["nr:k1", "nr:k2", "nr:none"])).toEqual(["v1", "v2", null]);
      expect(await client.exists(["nr:k1", "nr:k2", "nr:none"])).toBe(2);
      const seen: string[] = [];
      for await (const batch of client.scanIterator({ MATCH: "nr:k*", COUNT: 40 })) seen.push(...batch);
      expect(seen.length).toBe(300);
      expect(new Set(seen).size).toBe(300);
      expect(await client.del(["nr:k1", "nr:k2", "nr:none"])).toBe(2);
      expect(await client.dbSize()).toBe(300);
      expect(await client.expire("nr:a", 100)).toBe(1);
      expect(await client.ttl("nr:a")).toBeGreaterThan(90);
      await expect(client.sendCommand(["NOSUCH"])).rejects.toThrow("ERR unknown command 'NOSUCH'");
    } finally {
      await client.quit().catch(() => {});
    }
  });

  it("RESP3 (HELLO 3): maps, nulls, integers", async () => {
    const client = createClient({ socket: { port: server.respPort, host: "127.0.0.1" }, RESP: 3 });
    client.on("error", () => {});
    await client.connect();
    try {
      expect(await client.get("r3:none")).toBeNull();
      expect(await client.set("r3:a", "x")).toBe("OK");
      expect(await client.get("r3:a")).toBe("x");
      expect(await client.incr("r3:n")).toBe(1);
      expect(await client.mGet(["r3:a", "r3:none"])).toEqual(["x", null]);
      const hello = (await client.sendCommand(["HELLO", "3"])) as unknown;
      // node-redis decodes a RESP3 map into an object (or Map, by type mapping).
      const proto = hello instanceof Map ? hello.get("proto") : (hello as Record<string, unknown>)["proto"];
      expect(proto).toBe(3);
      const cfg = (await client.configGet("maxmemory")) as Record<string, string>;
      expect(cfg["maxmemory"]).toBe("0");
    } finally {
      await client.quit().catch(() => {});
    }
  });
});

// ---- raw socket: malformed input ---------------------------------------------------------


describe("raw RESP: malformed requests", () => {
  for (const [what, wire, message] of [
    ["invalid multibulk length", "*x1\r\n", "-ERR Protocol error: invalid multibulk length\r\n"],
    ["invalid bulk length", "*2\r\n$3\r\nGET\r\n$abc\r\n", "-ERR Protocol error: invalid bulk length\r\n"],
    ["bulk length over proto-max-bulk-len", `*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${64 * 1024 * 1024 + 1}\r\n`, "-ERR Protocol error: invalid bulk length\r\n"],
    ["unbalanced quotes", "SET 'k v\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"],
  ] as const) {
    it(`${what}: error reply, connection closed, other clients unaffected`, async () => {
      const other = new RawClient(server.respPort);
      const bad = new RawClient(server.respPort);
      bad.socket.write("*1\r\n$4\r\nPING\r\n" + wire + "*1\r\n$4\r\nPING\r\n");
      await bad.until(() => bad.closed);
      expect(bad.received).toBe("+PONG\r\n" + message);
      expect(bad.closed).toBe(true);
      other.socket.write("PING\r\n");
      await other.until(() => other.received.length > 0);
      expect(other.received).toBe("+PONG\r\n");
      other.socket.destroy();
    });
  }

  it("a request that never completes waits without harming others", async () => {
    const stuck = new RawClient(server.respPort);
    stuck.socket.write("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$100\r\nabc");
    await sleep(200);
    expect(stuck.closed).toBe(false);
    expect(stuck.received).toBe("");
    expect(await io.ping()).toBe("PONG");
    stuck.socket.write("x".repeat(97) + "\r\n");
    await stuck.until(() => stuck.received.length > 0);
    expect(stuck.received).toBe("+OK\r\n");
    stuck.socket.destroy();
  });
});
