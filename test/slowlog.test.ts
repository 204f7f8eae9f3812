/**
 * End-to-end: SLOWLOG and INFO commandstats on the real server (2 partitions), through ioredis
 * on the RESP port: what is logged and when, Redis's entry layout and argument limits, the
 * client's address and name, the run-time settings, and the per-command figures.
 */
import { Redis } from "ioredis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TesseraClient } from "@tessera/client";
import { startServer, type ServerProcess } from "./support/server-process.js";

let server: ServerProcess;
let io: Redis;

type Entry = [number, number, number, string[], string, string];

beforeAll(async () => {
  server = await startServer({ partitions: 2, resp: true, args: ["--slowlog-max-len", "64"] });
  io = new Redis({ port: server.respPort, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 });
  await io.connect();
});

afterAll(async () => {
  io?.disconnect();
  await server?.stop();
});

beforeEach(async () => {
  await io.config("SET", "slowlog-log-slower-than", "-1");
  await io.slowlog("RESET");
  await io.flushall();
});

const slowlogGet = async (count = -1): Promise<Entry[]> => (await io.slowlog("GET", count)) as Entry[];
const commandsOf = (entries: Entry[]) => entries.map((e) => e[3].join(" "));

describe("SLOWLOG", () => {
  it("logs every command at threshold 0, newest first, with Redis's six fields", async () => {
    await io.client("SETNAME", "slow-test");
    await io.config("SET", "slowlog-log-slower-than", "0");
    const before = Math.floor(Date.now() / 1000);
    await io.set("k1", "v1");
    await io.get("k1");
    const entries = await slowlogGet(2);
    expect(commandsOf(entries)).toEqual(["get k1", "set k1 v1"]);
    const [id, at, us, , addr, name] = entries[0]!;
    expect(id).toBeGreaterThan(entries[1]![0]);
    expect(at).toBeGreaterThanOrEqual(before);
    expect(at).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
    expect(us).toBeGreaterThanOrEqual(0);
    const local = io.stream.localPort;
    expect(addr).toBe(`127.0.0.1:${local}`);
    expect(name).toBe("slow-test");
    expect(await io.slowlog("LEN")).toBeGreaterThanOrEqual(2);
  });

  it("cuts long arguments and long argument lists as Redis does", async () => {
    await io.config("SET", "slowlog-log-slower-than", "0");
    await io.set("big", "x".repeat(1000));
    const pairs: string[] = [];
    for (let i = 0; i < 40; i++) pairs.push(`{t}k${i}`, "v");
    await io.mset(...pairs);
    const [mset, set] = await slowlogGet(2);
    expect(set![3]).toEqual(["set", "big", `${"x".repeat(128)}... (872 more bytes)`]);
    expect(mset![3]).toHaveLength(32);
    expect(mset![3][31]).toBe("... (50 more arguments)");
  });

  it("logs only commands that reach the threshold: a long LCS, not the GETs around it", async () => {
    const a = Array.from({ length: 4000 }, (_, i) => "acgt"[(i * 7) % 4]).join("");
    const b = Array.from({ length: 4000 }, (_, i) => "acgt"[(i * 5 + 1) % 4]).join("");
    await io.mset("{l}a", a, "{l}b", b);
    await io.config("SET", "slowlog-log-slower-than", "2000");
    await io.get("{l}a");
    await io.call("LCS", "{l}a", "{l}b", "LEN");
    await io.get("{l}b");
    const entries = await slowlogGet();
    expect(commandsOf(entries)).toEqual(["LCS {l}a {l}b LEN"]);
    expect(entries[0]![2]).toBeGreaterThanOrEqual(2000);
  });

  it("a command split across partitions is timed per partition", async () => {
    await io.config("SET", "slowlog-log-slower-than", "0");
    // a and b live on different partitions of two (see the CROSSSLOT case below).
    await io.mset("a", "1", "b", "2");
    const msets = (await slowlogGet()).filter((e) => e[3][0] === "mset");
    expect(msets.map((e) => e[3].join(" ")).sort()).toEqual(["mset a 1", "mset b 2"]);
    await expect(io.rename("a", "b")).rejects.toThrow(/CROSSSLOT/);
  });

  it("slowlog-max-len keeps the newest; -1 logs nothing; RESET empties; bad input gets Redis's errors", async () => {
    await io.config("SET", "slowlog-max-len", "3");
    await io.config("SET", "slowlog-log-slower-than", "0");
    for (let i = 0; i < 6; i++) await io.set(`m${i}`, "v");
    await io.config("SET", "slowlog-log-slower-than", "-1");
    const kept = await slowlogGet();
    expect(kept).toHaveLength(3);
    // The CONFIG SET that turned it off is not logged: the threshold is checked after the command, as in Redis.
    expect(commandsOf(kept)).toEqual(["set m5 v", "set m4 v", "set m3 v"]);
    await io.get("m5");
    expect(await io.slowlog("LEN")).toBe(3);
    expect(await io.slowlog("RESET")).toBe("OK");
    expect(await io.slowlog("LEN")).toBe(0);
    await io.config("SET", "slowlog-max-len", "64");
    expect(await io.config("GET", "slowlog-*")).toEqual(["slowlog-log-slower-than", "-1", "slowlog-max-len", "64"]);
    // Redis 7.0's texts, word for word.
    await expect(io.slowlog("GET", -2)).rejects.toThrow(/^ERR count should be greater than or equal to -1$/);
    await expect(io.slowlog("GET", "x")).rejects.toThrow(/^ERR count should be greater than or equal to -1$/);
    await expect(io.call("SLOWLOG", "LEN", "x")).rejects.toThrow(/^ERR wrong number of arguments for 'slowlog\|len' command$/);
    await expect(io.call("SLOWLOG", "get", "1", "2")).rejects.toThrow(/^ERR unknown subcommand or wrong number of arguments for 'get'\. Try SLOWLOG HELP\.$/);
    await expect(io.call("SLOWLOG", "nope")).rejects.toThrow(/^ERR unknown subcommand 'nope'\. Try SLOWLOG HELP\.$/);
    await expect(io.config("SET", "slowlog-log-slower-than", "-2")).rejects.toThrow(/argument must be between -1 and 9223372036854775807 inclusive$/);
    await expect(io.config("SET", "slowlog-max-len", "-1")).rejects.toThrow(/argument must be between 0 and 9223372036854775807 inclusive$/);
    await expect(io.config("SET", "slowlog-max-len", "x")).rejects.toThrow(/argument couldn't be parsed into an integer$/);
    expect(await io.config("SET", "slowlog-max-len", "3000000000")).toBe("OK");
    await io.config("SET", "slowlog-max-len", "64");
    expect(((await io.slowlog("HELP")) as string[])[0]).toMatch(/^SLOWLOG <subcommand>/);
  });
});

describe("SLOWLOG keeps secrets out and clients in", () => {
  it("shows AUTH, HELLO AUTH and CONFIG SET requirepass arguments as (redacted), as Redis does", async () => {
    await io.config("SET", "slowlog-log-slower-than", "0");
    await io.config("SET", "requirepass", "s3cret");
    await io.call("AUTH", "s3cret");
    await io.call("HELLO", "2", "AUTH", "default", "s3cret");
    await io.config("SET", "requirepass", "");
    await io.config("SET", "slowlog-log-slower-than", "-1");
    const shown = commandsOf(await slowlogGet()).join("\n");
    expect(shown).not.toContain("s3cret");
    expect(shown).toContain("config SET requirepass (redacted)");
    expect(shown).toContain("AUTH (redacted)");
    expect(shown).toContain("HELLO 2 AUTH (redacted) (redacted)");
  });

  it("names a client that closed before its slow command's entry arrived", async () => {
    await io.config("SET", "slowlog-log-slower-than", "0");
    const clients = await Promise.all(
      Array.from({ length: 10 }, async (_, i) => {
        const c = new Redis({ port: server.respPort, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 });
        await c.connect();
        const port = c.stream.localPort;
        await c.set(`gone:${i}`, "v");
        c.disconnect();
        return { i, port };
      }),
    );
    await io.config("SET", "slowlog-log-slower-than", "-1");
    const entries = await slowlogGet();
    for (const { i, port } of clients) {
      const e = entries.find((x) => x[3].join(" ") === `set gone:${i} v`);
      expect(e?.[4]).toBe(`127.0.0.1:${port}`);
    }
  });

  it("ids count every slow command, also those past max-len that a partition did not send", async () => {
    await io.config("SET", "slowlog-max-len", "5");
    await io.config("SET", "slowlog-log-slower-than", "0");
    const first = (await slowlogGet(1))[0]![0];
    const p = io.pipeline();
    for (let i = 0; i < 200; i++) p.set("{one}k", String(i));
    await p.exec();
    await io.config("SET", "slowlog-log-slower-than", "-1");
    const last = (await slowlogGet(1))[0]![0];
    // 200 SETs and the CONFIG SETs around them: ids moved by all of them, 5 kept.
    expect(last - first).toBeGreaterThanOrEqual(200);
    expect(await io.slowlog("LEN")).toBe(5);
    await io.config("SET", "slowlog-max-len", "64");
  });
});

describe("INFO commandstats", () => {
  const stat = async (name: string): Promise<Record<string, number> | undefined> => {
    const text = (await io.info("commandstats")) as string;
    const line = text.split("\r\n").find((l) => l.startsWith(`cmdstat_${name}:`));
    if (line === undefined) return undefined;
    return Object.fromEntries(line.slice(line.indexOf(":") + 1).split(",").map((kv) => [kv.split("=")[0]!, Number(kv.split("=")[1])]));
  };

  it("counts calls, time, refusals and failures per command; CONFIG RESETSTAT zeroes them", async () => {
    await io.config("RESETSTAT");
    for (let i = 0; i < 5; i++) await io.get(`g${i}`);
    await io.set("n", "not a number");
    await expect(io.incr("n")).rejects.toThrow(/not an integer/);
    await expect(io.call("GET")).rejects.toThrow(/wrong number of arguments/);
    expect(await stat("get")).toMatchObject({ calls: 5, rejected_calls: 1, failed_calls: 0 });
    const get = (await stat("get"))!;
    expect(get.usec).toBeGreaterThanOrEqual(0);
    expect(get.usec_per_call).toBeCloseTo(get.usec / 5, 1);
    expect(await stat("incr")).toMatchObject({ calls: 1, failed_calls: 1, rejected_calls: 0 });
    expect(await stat("set")).toMatchObject({ calls: 1 });
    // Redis 7's latencystats: p50 <= p99 <= p99.9 of each command's execution time, in µs.
    const lat = /latency_percentiles_usec_get:p50=([\d.]+),p99=([\d.]+),p99\.9=([\d.]+)\r\n/.exec((await io.info("latencystats")) as string);
    expect(lat).not.toBeNull();
    const [p50, p99, p999] = lat!.slice(1).map(Number) as [number, number, number];
    expect(p50).toBeGreaterThan(0);
    expect(p50).toBeLessThanOrEqual(p99);
    expect(p99).toBeLessThanOrEqual(p999);
    // Not in the default sections, as in Redis; in "all" and "everything".
    expect(await io.info()).not.toMatch(/cmdstat_|latency_percentiles/);
    expect(await io.info("all")).toMatch(/# Latencystats\r\nlatency_percentiles_usec_/);
    expect(await io.info("all")).toMatch(/# Commandstats\r\ncmdstat_/);
    expect(await io.info("everything")).toMatch(/cmdstat_get:/);
    // A subcommand with the wrong number of arguments is refused, as Redis counts it.
    const configBefore = (await stat("config"))!;
    await expect(io.call("CONFIG", "GET")).rejects.toThrow(/wrong number of arguments/);
    expect((await stat("config"))!.rejected_calls).toBe(configBefore.rejected_calls + 1);
    // A command the router runs that answers an error is a failed call too.
    await expect(io.config("SET", "maxclients", "zero")).rejects.toThrow(/CONFIG SET failed/);
    expect((await stat("config"))!.failed_calls).toBeGreaterThanOrEqual(1);
    // A command sent to every partition counts once per partition (2 here), as in a cluster.
    const dbsizeBefore = (await stat("dbsize"))?.calls ?? 0;
    await io.dbsize();
    expect((await stat("dbsize"))!.calls - dbsizeBefore).toBe(2);
    await io.config("RESETSTAT");
    expect(await stat("get")).toBeUndefined();
    expect(await stat("incr")).toBeUndefined();
    // RESETSTAT also zeroes the counters Redis zeroes in INFO stats.
    expect(Number(/total_commands_processed:(\d+)/.exec((await io.info("stats")) as string)![1])).toBeLessThan(5);
  });

  it("a write refused at maxmemory (OOM) is a rejected call, not a failed one", async () => {
    await io.config("SET", "maxmemory", "64kb");
    const big = "x".repeat(60_000);
    try {
      // Each partition applies a new cap within its next turn: wait until it does.
      for (let i = 0; i < 100; i++) {
        const refused = await io.set(`{m}big${i}`, big).then(() => false, (e: Error) => /^OOM/.test(e.message));
        if (refused) break;
        await new Promise((r) => setTimeout(r, 10));
      }
      await io.config("RESETSTAT");
      await expect(io.set("{m}last", big)).rejects.toThrow(/^OOM/);
    } finally {
      await io.config("SET", "maxmemory", "0");
    }
    expect(await stat("set")).toMatchObject({ calls: 0, rejected_calls: 1, failed_calls: 0 });
  });
});

describe("INFO errorstats", () => {
  it("counts every error reply sent to a client, by code, from either front end; RESETSTAT zeroes it", async () => {
    await io.config("RESETSTAT");
    await io.set("e:n", "not a number");
    await expect(io.incr("e:n")).rejects.toThrow(/^ERR /); // from a partition
    await expect(io.call("NOSUCH")).rejects.toThrow(/^ERR unknown command/); // from the front end
    await expect(io.call("GET")).rejects.toThrow(/^ERR wrong number/); // from the router
    await expect(io.rename("a", "b")).rejects.toThrow(/^CROSSSLOT/);
    const native = await TesseraClient.connect({ host: "127.0.0.1", port: server.port });
    try {
      await expect(native.incrBy("e:n", 1)).rejects.toThrow(/not an integer/);
    } finally {
      await native.close();
    }
    const stats = (await io.info("errorstats")) as string;
    expect(stats).toContain("errorstat_ERR:count=4\r\n");
    expect(stats).toContain("errorstat_CROSSSLOT:count=1\r\n");
    // In the default sections, as in Redis 6.2+, and totalled in INFO stats.
    expect(await io.info()).toContain("# Errorstats\r\nerrorstat_CROSSSLOT:count=1\r\nerrorstat_ERR:count=4\r\n");
    expect(await io.info("stats")).toContain("total_error_replies:5\r\n");
    await io.config("RESETSTAT");
    expect(await io.info("errorstats")).not.toContain("errorstat_");
    expect(await io.info("stats")).toContain("total_error_replies:0\r\n");
  });
});

describe("slowlog flags", () => {
  it("--slowlog-log-slower-than and --slowlog-max-len set the start values", async () => {
    const s = await startServer({ partitions: 1, resp: true, args: ["--slowlog-log-slower-than", "-1", "--slowlog-max-len", "0"] });
    const c = new Redis({ port: s.respPort, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 });
    try {
      await c.connect();
      expect(await c.config("GET", "slowlog-*")).toEqual(["slowlog-log-slower-than", "-1", "slowlog-max-len", "0"]);
      await c.config("SET", "slowlog-log-slower-than", "0");
      await c.set("x", "1");
      expect(await c.slowlog("LEN")).toBe(0);
    } finally {
      c.disconnect();
      await s.stop();
    }
  });
});
