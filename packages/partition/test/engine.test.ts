import { describe, expect, it } from "vitest";
import { PartitionEngine, type WriteLog } from "../src/index.js";
import { cmd, run, VirtualClock } from "./helpers.js";

function engine(clock = new VirtualClock()) {
  return new PartitionEngine({ clock, slabPageBytes: 64 * 1024 });
}

describe("strings", () => {
  it("SET/GET/GETDEL/STRLEN/APPEND", () => {
    const e = engine();
    expect(cmd(e, "GET", "a")).toBe(null);
    expect(cmd(e, "SET", "a", "hello")).toBe("OK");
    expect(cmd(e, "GET", "a")).toBe("hello");
    expect(cmd(e, "STRLEN", "a")).toBe(5);
    expect(cmd(e, "APPEND", "a", " world")).toBe(11);
    expect(cmd(e, "GET", "a")).toBe("hello world");
    expect(cmd(e, "APPEND", "b", "x")).toBe(1);
    expect(cmd(e, "GETDEL", "a")).toBe("hello world");
    expect(cmd(e, "GET", "a")).toBe(null);
    expect(cmd(e, "STRLEN", "a")).toBe(0);
    e.audit();
  });

  it("SET options: NX XX GET KEEPTTL and syntax errors", () => {
    const clock = new VirtualClock();
    const e = engine(clock);
    expect(cmd(e, "SET", "k", "v", "NX", "XX")).toEqual({ err: "ERR syntax error" });
    expect(cmd(e, "SET", "k", "v", "XX")).toBe(null);
    expect(cmd(e, "SET", "k", "v", "NX")).toBe("OK");
    expect(cmd(e, "SET", "k", "w", "NX")).toBe(null);
    expect(cmd(e, "SET", "k", "w", "NX", "GET")).toBe("v");
    expect(cmd(e, "SET", "k", "w", "XX", "GET")).toBe("v");
    expect(cmd(e, "GET", "k")).toBe("w");
    expect(cmd(e, "SET", "k", "x", "EX", "10")).toBe("OK");
    expect(cmd(e, "PTTL", "k")).toBe(10000);
    expect(cmd(e, "SET", "k", "y", "KEEPTTL")).toBe("OK");
    expect(cmd(e, "PTTL", "k")).toBe(10000);
    expect(cmd(e, "SET", "k", "z")).toBe("OK");
    expect(cmd(e, "PTTL", "k")).toBe(-1);
    expect(cmd(e, "SET", "k", "z", "EX", "10", "KEEPTTL")).toEqual({ err: "ERR syntax error" });
    expect(cmd(e, "SET", "k", "z", "EX")).toEqual({ err: "ERR syntax error" });
    // The same expiry option twice: the last wins (Redis); two different ones are an error.
    expect(cmd(e, "SET", "k", "z", "EX", "10", "ex", "20")).toBe("OK");
    expect(cmd(e, "PTTL", "k")).toBe(20000);
    expect(cmd(e, "SET", "k", "z", "EX", "10", "PX", "20")).toEqual({ err: "ERR syntax error" });
    expect(cmd(e, "SET", "k", "y", "NX", "NX", "GET", "GET")).toBe("z");
    expect(cmd(e, "SET", "k", "z", "EX", "abc")).toEqual({ err: "ERR value is not an integer or out of range" });
    expect(cmd(e, "SET", "k", "z", "EX", "0")).toEqual({ err: "ERR invalid expire time in 'set' command" });
    expect(cmd(e, "SET", "k", "z", "PX", "-5")).toEqual({ err: "ERR invalid expire time in 'set' command" });
    expect(cmd(e, "SET", "k", "z", "PXAT", String(clock.now - 1))).toBe("OK");
    expect(cmd(e, "GET", "k")).toBe(null);
    expect(cmd(e, "SET", "k")).toEqual({ err: "ERR wrong number of arguments for 'set' command" });
  });

  it("INCR family: fast path, 64-bit edges, errors", () => {
    const e = engine();
    expect(cmd(e, "INCR", "n")).toBe(1);
    expect(cmd(e, "INCRBY", "n", "41")).toBe(42);
    expect(cmd(e, "DECR", "n")).toBe(41);
    expect(cmd(e, "DECRBY", "n", "50")).toBe(-9);
    expect(cmd(e, "GET", "n")).toBe("-9");
    expect(cmd(e, "SET", "n", "9223372036854775806")).toBe("OK");
    expect(cmd(e, "INCR", "n")).toBe(Number(9223372036854775807n));
    expect(cmd(e, "GET", "n")).toBe("9223372036854775807");
    expect(cmd(e, "INCR", "n")).toEqual({ err: "ERR increment or decrement would overflow" });
    expect(cmd(e, "SET", "n", "-9223372036854775808")).toBe("OK");
    expect(cmd(e, "DECR", "n")).toEqual({ err: "ERR increment or decrement would overflow" });
    expect(cmd(e, "DECRBY", "m", "-9223372036854775808")).toEqual({ err: "ERR decrement would overflow" });
    expect(cmd(e, "SET", "s", "abc")).toBe("OK");
    expect(cmd(e, "INCR", "s")).toEqual({ err: "ERR value is not an integer or out of range" });
    expect(cmd(e, "SET", "s", "01")).toBe("OK");
    expect(cmd(e, "INCR", "s")).toEqual({ err: "ERR value is not an integer or out of range" });
    expect(cmd(e, "INCRBY", "n", "1.5")).toEqual({ err: "ERR value is not an integer or out of range" });
    expect(cmd(e, "INCRBY", "n", "9223372036854775808")).toEqual({ err: "ERR value is not an integer or out of range" });
  });

  it("MGET/MSET", () => {
    const e = engine();
    expect(cmd(e, "MSET", "a", "1", "b", "2")).toBe("OK");
    expect(cmd(e, "MGET", "a", "x", "b")).toEqual(["1", null, "2"]);
    expect(cmd(e, "MSET", "a", "1", "b")).toEqual({ err: "ERR wrong number of arguments for 'mset' command" });
  });
});

describe("keyspace and expiry", () => {
  it("DEL/EXISTS/DBSIZE/FLUSHALL", () => {
    const e = engine();
    cmd(e, "MSET", "a", "1", "b", "2", "c", "3");
    expect(cmd(e, "EXISTS", "a", "a", "z")).toBe(2);
    expect(cmd(e, "DEL", "a", "z", "b")).toBe(2);
    expect(cmd(e, "DBSIZE")).toBe(1);
    expect(cmd(e, "FLUSHALL", "BOGUS")).toEqual({ err: "ERR syntax error" });
    expect(cmd(e, "FLUSHALL")).toBe("OK");
    expect(cmd(e, "DBSIZE")).toBe(0);
    expect(cmd(e, "FLUSHDB", "ASYNC")).toBe("OK");
    e.audit();
  });

  it("EXPIRE family with NX XX GT LT, TTL, PERSIST, lazy and active expiry", () => {
    const clock = new VirtualClock();
    const e = engine(clock);
    cmd(e, "SET", "k", "v");
    expect(cmd(e, "TTL", "missing")).toBe(-2);
    expect(cmd(e, "TTL", "k")).toBe(-1);
    expect(cmd(e, "EXPIRE", "k", "100", "XX")).toBe(0);
    expect(cmd(e, "EXPIRE", "k", "100", "NX")).toBe(1);
    expect(cmd(e, "EXPIRE", "k", "50", "GT")).toBe(0);
    expect(cmd(e, "EXPIRE", "k", "200", "GT")).toBe(1);
    expect(cmd(e, "EXPIRE", "k", "300", "LT")).toBe(0);
    expect(cmd(e, "PEXPIRE", "k", "1500", "LT")).toBe(1);
    expect(cmd(e, "TTL", "k")).toBe(2);
    expect(cmd(e, "PTTL", "k")).toBe(1500);
    expect(cmd(e, "EXPIRE", "k", "1", "NX", "XX")).toEqual({ err: "ERR NX and XX, GT or LT options at the same time are not compatible" });
    expect(cmd(e, "EXPIRE", "k", "1", "GT", "LT")).toEqual({ err: "ERR GT and LT options at the same time are not compatible" });
    expect(cmd(e, "EXPIRE", "k", "1", "FOO")).toEqual({ err: "ERR Unsupported option FOO" });
    expect(cmd(e, "EXPIRE", "k", "x")).toEqual({ err: "ERR value is not an integer or out of range" });
    expect(cmd(e, "EXPIRE", "k", "9223372036854775807")).toEqual({ err: "ERR invalid expire time in 'expire' command" });
    expect(cmd(e, "PERSIST", "k")).toBe(1);
    expect(cmd(e, "PERSIST", "k")).toBe(0);
    expect(cmd(e, "PEXPIREAT", "k", String(clock.now + 10))).toBe(1);
    clock.advance(10);
    expect(cmd(e, "GET", "k")).toBe(null);
    cmd(e, "SET", "k", "v");
    expect(cmd(e, "EXPIRE", "k", "0")).toBe(1);
    expect(cmd(e, "EXISTS", "k")).toBe(0);
    cmd(e, "SET", "k", "v");
    expect(cmd(e, "EXPIRE", "k", "-5")).toBe(1);
    expect(cmd(e, "EXISTS", "k")).toBe(0);

    for (let i = 0; i < 100; i++) cmd(e, "SET", `t${i}`, "v", "PX", String(1 + i));
    expect(cmd(e, "DBSIZE")).toBe(100);
    clock.advance(50);
    expect(e.activeExpire(10_000)).toBe(50);
    expect(cmd(e, "DBSIZE")).toBe(50);
    clock.advance(1000);
    expect(e.activeExpire(10_000)).toBe(50);
    expect(e.stats().expiredKeys).toBeGreaterThanOrEqual(100);
    e.audit();
  });
});

describe("MEMORY", () => {
  it("USAGE counts the slot, the chunks of a long value and a share of the indexes; nil if missing", () => {
    const e = engine();
    cmd(e, "SET", "small", "x");
    cmd(e, "SET", "big", "v".repeat(200_000));
    const small = cmd(e, "MEMORY", "USAGE", "small") as number;
    const big = cmd(e, "MEMORY", "USAGE", "big") as number;
    expect(small).toBeGreaterThanOrEqual(1 + 5 + 16); // value, key and a header at least
    expect(small).toBeLessThan(400);
    expect(big).toBeGreaterThan(200_000);
    expect(big).toBeLessThan(260_000);
    expect(cmd(e, "MEMORY", "USAGE", "small", "SAMPLES", "5")).toBe(small);
    expect(cmd(e, "MEMORY", "USAGE", "missing")).toBeNull();
    expect(cmd(e, "MEMORY", "USAGE", "small", "SAMPLES")).toEqual({ err: "ERR syntax error" });
    expect(cmd(e, "MEMORY", "USAGE", "small", "SAMPLES", "x")).toEqual({ err: "ERR value is not an integer or out of range" });
    expect(cmd(e, "MEMORY", "USAGE", "small", "SAMPLES", "-1")).toEqual({ err: "ERR syntax error" });
    expect(cmd(e, "MEMORY", "USAGE", "small", "SAMPLES", "1", "SAMPLES", "2")).toBe(small);
    expect((cmd(e, "MEMORY", "HELP") as string[])[0]).toMatch(/^MEMORY <subcommand>/);
    expect(cmd(e, "MEMORY", "STATS")).toEqual({ err: "ERR unknown subcommand 'STATS'. Try MEMORY HELP." });
    expect(cmd(e, "MEMORY", "USAGE")).toEqual({ err: "ERR wrong number of arguments for 'memory|usage' command" });
  });
});

describe("MSETNX, SUBSTR, OBJECT", () => {
  it("MSETNX sets all or none; SUBSTR is GETRANGE", () => {
    const e = engine();
    expect(cmd(e, "MSETNX", "a", "1", "b", "2")).toBe(1);
    expect(cmd(e, "MSETNX", "c", "3", "a", "x")).toBe(0);
    expect(cmd(e, "MGET", "a", "b", "c")).toEqual(["1", "2", null]);
    expect(cmd(e, "SET", "s", "Hello World")).toBe("OK");
    expect(cmd(e, "SUBSTR", "s", "-5", "-1")).toBe("World");
  });

  it("MSETNX that runs out of memory part-way leaves none of its keys", () => {
    const e = new PartitionEngine({ maxMemoryBytes: 600_000, slabPageBytes: 4096 });
    const big = "v".repeat(200_000);
    expect(cmd(e, "MSETNX", "k1", big, "k2", big, "k3", big, "k4", big)).toEqual({ err: expect.stringMatching(/^OOM /) });
    expect(cmd(e, "EXISTS", "k1", "k2", "k3", "k4")).toBe(0);
  });

  it("OBJECT ENCODING, IDLETIME, REFCOUNT, FREQ, HELP", () => {
    const clock = new VirtualClock();
    const e = engine(clock);
    e.activeExpire(10); // the worker's 10 ms tick, which keeps the minute clock fresh
    cmd(e, "SET", "small", "x");
    cmd(e, "SET", "big", "v".repeat(200_000));
    expect(cmd(e, "OBJECT", "ENCODING", "small")).toBe("raw");
    expect(cmd(e, "OBJECT", "ENCODING", "big")).toBe("chunked");
    expect(cmd(e, "OBJECT", "REFCOUNT", "small")).toBe(1);
    expect(cmd(e, "OBJECT", "ENCODING", "missing")).toBeNull();
    clock.advance(5 * 60_000);
    e.activeExpire(10);
    expect(cmd(e, "OBJECT", "IDLETIME", "small")).toBe(300);
    cmd(e, "GET", "small");
    expect(cmd(e, "OBJECT", "IDLETIME", "small")).toBe(0);
    expect(cmd(e, "OBJECT", "FREQ", "small")).toEqual({ err: expect.stringMatching(/^ERR An LFU maxmemory policy is not selected/) });
    expect((cmd(e, "OBJECT", "HELP") as string[])[0]).toMatch(/^OBJECT <subcommand>/);
    expect(cmd(e, "OBJECT", "ENCODING")).toEqual({ err: "ERR wrong number of arguments for 'object|encoding' command" });
    expect(cmd(e, "OBJECT", "HELP", "x")).toEqual({ err: "ERR wrong number of arguments for 'object|help' command" });
    expect(cmd(e, "OBJECT", "foo")).toEqual({ err: "ERR unknown subcommand 'foo'. Try OBJECT HELP." });
  });
});

describe("GETBIT, SETBIT, BITCOUNT, BITPOS", () => {
  // Redis's documented examples. scripts/diff-bits.ts compares random arguments with a running
  // redis-server (16,000 commands, 2026-12-03: the replies of Redis 7.0.15 exactly).
  it("answer Redis's documented examples", () => {
    const e = engine();
    expect(cmd(e, "SETBIT", "mykey", "7", "1")).toBe(0);
    expect(cmd(e, "SETBIT", "mykey", "7", "0")).toBe(1);
    expect(cmd(e, "GET", "mykey")).toBe("\u0000");
    cmd(e, "SETBIT", "mykey", "7", "1");
    expect([cmd(e, "GETBIT", "mykey", "0"), cmd(e, "GETBIT", "mykey", "7"), cmd(e, "GETBIT", "mykey", "100")]).toEqual([0, 1, 0]);
    cmd(e, "SET", "s", "foobar");
    expect([cmd(e, "BITCOUNT", "s"), cmd(e, "BITCOUNT", "s", "0", "0"), cmd(e, "BITCOUNT", "s", "1", "1"), cmd(e, "BITCOUNT", "s", "1", "1", "BYTE"), cmd(e, "BITCOUNT", "s", "5", "30", "BIT")]).toEqual([26, 4, 6, 6, 17]);
    cmd(e, "SET", "b", Buffer.from([0xff, 0xf0, 0x00]));
    expect(cmd(e, "BITPOS", "b", "0")).toBe(12);
    cmd(e, "SET", "b", Buffer.from([0x00, 0xff, 0xf0]));
    expect([cmd(e, "BITPOS", "b", "1", "0"), cmd(e, "BITPOS", "b", "1", "2"), cmd(e, "BITPOS", "b", "1", "2", "-1", "BYTE"), cmd(e, "BITPOS", "b", "1", "7", "15", "BIT")]).toEqual([8, 16, 16, 8]);
    cmd(e, "SET", "z", Buffer.from([0, 0, 0]));
    expect([cmd(e, "BITPOS", "z", "1"), cmd(e, "BITPOS", "z", "1", "7", "-3", "BIT")]).toEqual([-1, -1]);
    expect(cmd(e, "SETBIT", "mykey", "4294967296", "1")).toEqual({ err: "ERR bit offset is not an integer or out of range" });
    expect(cmd(e, "SETBIT", "mykey", "1", "2")).toEqual({ err: "ERR bit is not an integer or out of range" });
    expect(cmd(e, "BITPOS", "b", "2")).toEqual({ err: "ERR The bit argument must be 1 or 0." });
  });

  it("BITOP: AND, OR, XOR zero-pad the shorter values, NOT takes one key, an empty result deletes", () => {
    const e = engine();
    cmd(e, "SET", "a", "foobar");
    cmd(e, "SET", "b", "abcdef");
    expect(cmd(e, "BITOP", "AND", "dest", "a", "b")).toBe(6);
    expect(cmd(e, "GET", "dest")).toBe("`bc`ab"); // Redis's documented example
    cmd(e, "SET", "short", Buffer.from([0xf0]));
    cmd(e, "SET", "long", Buffer.from([0x0f, 0xff]));
    expect(cmd(e, "BITOP", "OR", "d2", "short", "long")).toBe(2);
    expect(Buffer.from((run(e, "GET", "d2") as { value: Uint8Array }).value)).toEqual(Buffer.from([0xff, 0xff]));
    expect(cmd(e, "BITOP", "NOT", "d3", "short")).toBe(1);
    expect(Buffer.from((run(e, "GET", "d3") as { value: Uint8Array }).value)).toEqual(Buffer.from([0x0f]));
    expect(cmd(e, "BITOP", "NOT", "d3", "short", "long")).toEqual({ err: "ERR BITOP NOT must be called with a single source key." });
    expect(cmd(e, "BITOP", "NAND", "d3", "short")).toEqual({ err: "ERR syntax error" });
    expect(cmd(e, "BITOP", "XOR", "d3", "missing1", "missing2")).toBe(0);
    expect(cmd(e, "EXISTS", "d3")).toBe(0);
  });

  it("SETBIT keeps the expiry and refuses a value past max-value-bytes", () => {
    const e = new PartitionEngine({ maxValueBytes: 1024 });
    cmd(e, "SET", "t", "x", "PX", "100000");
    expect(cmd(e, "SETBIT", "t", "9", "1")).toBe(0);
    expect(cmd(e, "PTTL", "t")).toBeGreaterThan(90_000);
    expect(cmd(e, "SETBIT", "t", String(1024 * 8), "1")).toEqual({ err: "TOOBIG value is larger than the limit of 1024 bytes (max-value-bytes)" });
  });
});

describe("LCS", () => {
  // Redis's documented example. scripts/diff-lcs.ts compares random pairs with a running redis-server
  // (12,000 pairs with every option set, 2026-12-03: the replies of Redis 7.0.15 exactly).
  it("the subsequence, LEN, IDX with MINMATCHLEN and WITHMATCHLEN, errors", () => {
    const e = engine();
    cmd(e, "MSET", "key1", "ohmytext", "key2", "mynewtext");
    expect(cmd(e, "LCS", "key1", "key2")).toBe("mytext");
    expect(cmd(e, "LCS", "key1", "key2", "LEN")).toBe(6);
    expect(cmd(e, "LCS", "key1", "key2", "IDX")).toEqual(["matches", [[[4, 7], [5, 8]], [[2, 3], [0, 1]]], "len", 6]);
    expect(cmd(e, "LCS", "key1", "key2", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN")).toEqual(["matches", [[[4, 7], [5, 8], 4]], "len", 6]);
    expect(cmd(e, "LCS", "key1", "missing")).toBe("");
    expect(cmd(e, "LCS", "key1", "key2", "LEN", "IDX")).toEqual({ err: "ERR If you want both the length and indexes, please just use IDX." });
    expect(cmd(e, "LCS", "key1", "key2", "MINMATCHLEN", "x")).toEqual({ err: "ERR value is not an integer or out of range" });
    expect(cmd(e, "LCS", "key1", "key2", "BOGUS")).toEqual({ err: "ERR syntax error" });
  });

  it("refuses a table past the value limit, as Redis does past proto-max-bulk-len", () => {
    const e = new PartitionEngine({ maxValueBytes: 1 << 20 });
    cmd(e, "SET", "a", "x".repeat(1000));
    cmd(e, "SET", "b", "y".repeat(1000));
    expect(cmd(e, "LCS", "a", "b")).toEqual({ err: expect.stringMatching(/^ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len/) });
  });
});

describe("RANDOMKEY", () => {
  it("returns live keys only (expired ones go), nil when empty", () => {
    const clock = new VirtualClock();
    const e = engine(clock);
    expect(cmd(e, "RANDOMKEY")).toBeNull();
    for (let i = 0; i < 20; i++) cmd(e, "SET", `gone:${i}`, "x", "PX", "100");
    cmd(e, "SET", "stays", "y");
    clock.advance(200);
    for (let i = 0; i < 10; i++) expect(cmd(e, "RANDOMKEY")).toBe("stays");
    cmd(e, "DEL", "stays");
    expect(cmd(e, "RANDOMKEY")).toBeNull();
  });
});

describe("keyspace hits and misses", () => {
  it("count the reading commands' lookups, per key, and not the writes'", () => {
    const e = engine();
    cmd(e, "SET", "a", "1");
    cmd(e, "SET", "b", "2", "NX");
    cmd(e, "INCR", "c");
    cmd(e, "DEL", "zz");
    expect([e.stats().keyspaceHits, e.stats().keyspaceMisses]).toEqual([0, 0]);
    cmd(e, "GET", "a");
    cmd(e, "GET", "missing");
    cmd(e, "MGET", "a", "b", "x", "y");
    cmd(e, "EXISTS", "a", "nope");
    cmd(e, "STRLEN", "c");
    cmd(e, "TTL", "gone");
    cmd(e, "TYPE", "b");
    expect([e.stats().keyspaceHits, e.stats().keyspaceMisses]).toEqual([6, 5]);
  });
});

describe("scan", () => {
  it("partition SCAN with prefix, LIMIT, CURSOR, MATCH; KEYS", () => {
    const clock = new VirtualClock();
    const e = engine(clock);
    for (const k of ["user:3", "user:1", "user:2", "order:1", "user:10", "zebra"]) cmd(e, "SET", k, "v");
    expect(cmd(e, "SCAN", "user:", "LIMIT", "2")).toEqual(["user:10", ["user:1", "user:10"]]);
    expect(cmd(e, "SCAN", "user:", "LIMIT", "2", "CURSOR", "user:10")).toEqual(["", ["user:2", "user:3"]]);
    expect(cmd(e, "SCAN", "user:", "LIMIT", "1", "CURSOR", "user:10")).toEqual(["user:2", ["user:2"]]);
    expect(cmd(e, "SCAN", "user:", "LIMIT", "2", "CURSOR", "user:3")).toEqual(["", []]);
    expect(cmd(e, "SCAN", "", "LIMIT", "100", "MATCH", "*1*")).toEqual(["", ["order:1", "user:1", "user:10"]]);
    expect(cmd(e, "SCAN", "", "LIMIT", "0")).toEqual({ err: "ERR syntax error" });
    expect(cmd(e, "KEYS", "user:?")).toEqual(["user:1", "user:2", "user:3"]);
    expect(cmd(e, "KEYS", "*")).toEqual(["order:1", "user:1", "user:10", "user:2", "user:3", "zebra"]);
    expect(cmd(e, "KEYS", "[uz]*")).toEqual(["user:1", "user:10", "user:2", "user:3", "zebra"]);
    cmd(e, "PEXPIRE", "user:2", "5");
    clock.advance(5);
    expect(cmd(e, "KEYS", "user:*")).toEqual(["user:1", "user:10", "user:3"]);
    expect(cmd(e, "DBSIZE")).toBe(5);
    e.audit();
  });
});

describe("memory", () => {
  it("refuses writes past maxMemoryBytes with OOM and keeps serving reads", () => {
    const e = new PartitionEngine({ maxMemoryBytes: 256 * 1024, slabPageBytes: 16 * 1024 });
    let oom = 0;
    let stored = 0;
    for (let i = 0; i < 5000; i++) {
      const r = cmd(e, "SET", `key:${i}`, "x".repeat(200));
      if (r === "OK") stored++;
      else {
        expect(r).toEqual({ err: "OOM command not allowed when used memory > 'maxmemory'" });
        oom++;
      }
    }
    expect(oom).toBeGreaterThan(0);
    expect(stored).toBeGreaterThan(100);
    const s = e.stats();
    expect(s.reservedBytes).toBeLessThanOrEqual(256 * 1024);
    expect(cmd(e, "GET", "key:0")).toBe("x".repeat(200));
    e.audit();
  });

  it("stores values larger than the largest class as chained chunks; refuses past maxValueBytes", () => {
    const e = new PartitionEngine({ slabPageBytes: 16 * 1024, maxValueBytes: 100_000 });
    const big = "abcdefghij".repeat(9000);
    expect(cmd(e, "SET", "big", big)).toBe("OK");
    expect(cmd(e, "GET", "big")).toBe(big);
    expect(cmd(e, "APPEND", "big", "0123456789")).toBe(90010);
    expect(cmd(e, "GET", "big")).toBe(big + "0123456789");
    expect(cmd(e, "SET", "big2", "x".repeat(100_001))).toEqual({ err: "TOOBIG value is larger than the limit of 100000 bytes (max-value-bytes)" });
    expect(cmd(e, "APPEND", "big", "x".repeat(10_000))).toEqual({ err: "TOOBIG value is larger than the limit of 100000 bytes (max-value-bytes)" });
    expect(cmd(e, "SET", "big", "small")).toBe("OK");
    expect(cmd(e, "GET", "big")).toBe("small");
    expect(cmd(e, "SET", "exact", "y".repeat(100_000))).toBe("OK");
    expect(cmd(e, "STRLEN", "exact")).toBe(100_000);
    // Keys must fit the largest slot (8 KiB with 16 KiB pages) with a chain link; 65535 at most.
    expect(cmd(e, "SET", "k".repeat(8192 - 20 + 1), "v")).toEqual({ err: "TOOBIG key is larger than the limit of 8172 bytes" });
    expect(cmd(e, "SET", "k".repeat(8192 - 20), "v".repeat(20_000))).toBe("OK");
    expect(cmd(e, "GET", "k".repeat(8192 - 20))).toBe("v".repeat(20_000));
    const wide = new PartitionEngine({});
    expect(cmd(wide, "SET", "k".repeat(65_536), "v")).toEqual({ err: "TOOBIG key is larger than the limit of 65535 bytes" });
    expect(cmd(wide, "SET", "k".repeat(65_535), "v")).toBe("OK");
    expect(cmd(wide, "GET", "k".repeat(65_535))).toBe("v");
    e.audit();
  });
});

describe("write log", () => {
  it("logs deterministic rewrites that replay to the same state", () => {
    const clock = new VirtualClock();
    const log: Uint8Array[][] = [];
    const writeLog: WriteLog = { append: (argv) => log.push(argv.map((a) => a.slice())) };
    const e = new PartitionEngine({ clock, writeLog });
    cmd(e, "SET", "a", "1", "EX", "100");
    cmd(e, "INCRBY", "a", "5");
    cmd(e, "SET", "b", "x", "GET");
    cmd(e, "APPEND", "b", "y");
    cmd(e, "EXPIRE", "b", "50");
    cmd(e, "SET", "c", "z");
    cmd(e, "DEL", "c", "nope");
    cmd(e, "GET", "a");
    cmd(e, "SET", "d", "1", "NX");
    cmd(e, "SET", "d", "2", "NX");
    cmd(e, "PERSIST", "d");
    const dec = new TextDecoder();
    expect(log.map((argv) => argv.map((a) => dec.decode(a)).join(" "))).toEqual([
      `SET a 1 PXAT ${clock.now + 100_000}`,
      `SET a 6 PXAT ${clock.now + 100_000}`,
      "SET b x",
      "SET b xy",
      `PEXPIREAT b ${clock.now + 50_000}`,
      "SET c z",
      "DEL c",
      "SET d 1",
    ]);
    clock.advance(1000);
    const replica = new PartitionEngine({ clock });
    for (const argv of log) cmd(replica, ...argv.map((a) => a));
    for (const k of ["a", "b", "c", "d"]) {
      expect(cmd(replica, "GET", k)).toEqual(cmd(e, "GET", k));
      expect(cmd(replica, "PTTL", k)).toEqual(cmd(e, "PTTL", k));
    }
  });
});

describe("rebalancing through the engine", () => {
  it("memory freed by small values serves large ones under a cap (items move, indexes follow)", () => {
    const clock = new VirtualClock();
    const e = new PartitionEngine({ clock, maxMemoryBytes: 2 * 1024 * 1024, slabPageBytes: 16 * 1024 });
    // Fill with small values until the cap refuses.
    let n = 0;
    for (; n < 100_000; n++) {
      const r = cmd(e, "SET", `s:${String(n).padStart(6, "0")}`, "v".repeat(20), ...(n % 3 === 0 ? ["PX", "100000"] : []));
      if (r !== "OK") break;
    }
    expect(n).toBeGreaterThan(10_000);
    expect(cmd(e, "SET", "big:0", "B".repeat(2000))).toEqual({ err: "OOM command not allowed when used memory > 'maxmemory'" });
    // Delete 80% of them, scattered: no page empties entirely, so pages must be evacuated.
    const kept: number[] = [];
    for (let i = 0; i < n; i++) {
      if (i % 5 === 0) kept.push(i);
      else cmd(e, "DEL", `s:${String(i).padStart(6, "0")}`);
    }
    let big = 0;
    for (; big < 1000; big++) if (cmd(e, "SET", `big:${big}`, "B".repeat(2000)) !== "OK") break;
    expect(big).toBeGreaterThan(200);
    const s = e.stats();
    expect(s.slabRebalancedPages).toBeGreaterThan(0);
    expect(s.slabRelocatedItems).toBeGreaterThan(0);
    expect(s.reservedBytes).toBeLessThanOrEqual(2 * 1024 * 1024);
    e.audit();
    // Every kept small key is intact, still ordered, and keeps its TTL; expiry of moved items works.
    for (const i of kept) expect(cmd(e, "GET", `s:${String(i).padStart(6, "0")}`)).toBe("v".repeat(20));
    expect((cmd(e, "SCAN", "s:", "LIMIT", "100000") as [string, string[]])[1].length).toBe(kept.length);
    clock.advance(100_001);
    let expired = 0;
    for (let i = 0; i < 100 && expired < kept.filter((k) => k % 3 === 0).length; i++) expired += e.activeExpire(100_000);
    expect(expired).toBe(kept.filter((k) => k % 3 === 0).length);
    e.audit();
  });
});

describe("snapshots", () => {
  it("emit the point-in-time image while writes, deletes and expiries run between steps", () => {
    const clock = new VirtualClock();
    const e = new PartitionEngine({ clock, slabPageBytes: 16 * 1024 });
    for (let i = 0; i < 1000; i++) cmd(e, "SET", `k${String(i).padStart(4, "0")}`, `v${i}`, ...(i % 10 === 0 ? ["PX", "50"] : []));
    const image = new Map<string, string>();
    for (let i = 0; i < 1000; i++) image.set(`k${String(i).padStart(4, "0")}`, `v${i}`);
    e.snapshotBegin();
    const got = new Map<string, { v: string; exp: number }>();
    const dec = new TextDecoder();
    let step = 0;
    let done = false;
    while (!done) {
      done = e.snapshotStep(37, (k, v, exp) => {
        const key = dec.decode(k);
        expect(got.has(key)).toBe(false);
        got.set(key, { v: dec.decode(v), exp });
      });
      // Mutations everywhere, ahead of and behind the cursor.
      cmd(e, "SET", `k${String((step * 7919) % 1000).padStart(4, "0")}`, "changed".repeat(step % 5));
      cmd(e, "DEL", `k${String((step * 104729) % 1000).padStart(4, "0")}`);
      cmd(e, "SET", `new${step}`, "x");
      cmd(e, "APPEND", `k${String((step * 31) % 1000).padStart(4, "0")}`, "+");
      clock.advance(3);
      e.activeExpire(1000);
      step++;
    }
    expect(new Map([...got].map(([k, { v }]) => [k, v]))).toEqual(image);
    expect([...got.values()].filter((x) => x.exp !== 0).length).toBe(100);
    // Restore into a fresh engine.
    const restored = new PartitionEngine({ clock: new VirtualClock() });
    for (const [k, { v, exp }] of got) restored.loadItem(new TextEncoder().encode(k), new TextEncoder().encode(v), exp);
    expect(cmd(restored, "DBSIZE")).toBe(1000);
    expect(cmd(restored, "GET", "k0001")).toBe("v1");
    e.audit();
  });
});

describe("loading mode (recovery)", () => {
  it("keeps keys whose logged expiry passed when a later record extends it; expires the rest after", () => {
    const clock = new VirtualClock();
    const e = new PartitionEngine({ clock });
    const past = String(clock.now - 1000);
    const future = String(clock.now + 60_000);
    e.loadBegin(0);
    cmd(e, "SET", "extended", "1", "PXAT", past);
    cmd(e, "PEXPIREAT", "extended", future);
    cmd(e, "SET", "gone", "2", "PXAT", past);
    e.loadItem(new TextEncoder().encode("loaded-old"), new TextEncoder().encode("3"), clock.now - 5);
    e.loadEnd();
    // Overdue keys are gone as loading ends, before any read touches them.
    expect(cmd(e, "DBSIZE")).toBe(1);
    expect(cmd(e, "GET", "extended")).toBe("1");
    expect(cmd(e, "PTTL", "extended")).toBe(60_000);
    expect(cmd(e, "GET", "gone")).toBe(null);
    expect(cmd(e, "EXISTS", "loaded-old")).toBe(0);
    // Without loading mode the replay would have lost "extended".
    const plain = new PartitionEngine({ clock });
    cmd(plain, "SET", "extended", "1", "PXAT", past);
    expect(cmd(plain, "PEXPIREAT", "extended", future)).toBe(0);
  });

  it("ends at the first activeExpire at the latest", () => {
    const clock = new VirtualClock();
    const e = new PartitionEngine({ clock });
    e.loadBegin();
    cmd(e, "SET", "k", "v", "PXAT", String(clock.now - 1));
    expect(cmd(e, "DBSIZE")).toBe(1);
    e.activeExpire(1000);
    expect(cmd(e, "GET", "k")).toBe(null);
  });

  it("a long replay in random key order defers the ordered index and rebuilds it at loadEnd; one in key order keeps it", () => {
    const deferredOf = (e: PartitionEngine) => (e as unknown as { store: { orderedIndexDeferred: boolean } }).store.orderedIndexDeferred;
    const n = 12_000;
    const name = (i: number) => `key:${String(i).padStart(8, "0")}`;
    for (const order of ["ascending", "scrambled"] as const) {
      const e = new PartitionEngine({ clock: new VirtualClock(), orderedRebuildMinKeys: 1 });
      cmd(e, "SET", "before", "x"); // a key loaded before the replay
      e.loadBegin();
      e.loadReplayBegin(n);
      for (let i = 0; i < n; i++) cmd(e, "SET", name(order === "ascending" ? i : (i * 7919) % n), "v");
      expect(deferredOf(e)).toBe(order === "scrambled");
      cmd(e, "DEL", name(5)); // deletes and overwrites while deferred
      cmd(e, "SET", name(6), "w");
      e.loadEnd();
      expect(deferredOf(e)).toBe(false);
      e.audit();
      const keys = cmd(e, "KEYS", "*") as string[];
      expect(keys.length).toBe(n);
      expect(keys[0]).toBe("before");
      expect(keys.slice(1)).toEqual(Array.from({ length: n }, (_, i) => name(i)).filter((k) => k !== name(5)));
    }
  });
});

describe("expire hook (WATCH)", () => {
  it("is called with the key by lazy expiry, active expiry, expireIfDue and KEYS/SCAN's reclaiming", () => {
    const clock = new VirtualClock();
    const e = engine(clock);
    const expired: string[] = [];
    e.setExpireHook((key) => expired.push(Buffer.from(key).toString()));
    for (const k of ["lazy", "active", "due", "keys"]) cmd(e, "SET", k, "v", "PX", "10");
    clock.advance(20);
    expect(cmd(e, "GET", "lazy")).toBe(null);
    e.expireIfDue(Buffer.from("due"));
    expect(cmd(e, "KEYS", "k*")).toEqual([]);
    e.activeExpire(10_000);
    expect(expired.sort()).toEqual(["active", "due", "keys", "lazy"]);
    e.setExpireHook(null);
    cmd(e, "SET", "x", "v", "PX", "10");
    clock.advance(20);
    expect(cmd(e, "GET", "x")).toBe(null);
    expect(expired).toHaveLength(4);
    e.audit();
  });
});
