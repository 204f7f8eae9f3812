/**
 * End-to-end: MULTI / EXEC / DISCARD / WATCH / UNWATCH on the real server (2 partitions, WAL on)
 * through ioredis on the RESP port and the native client: Redis's replies and error words,
 * single-partition transactions, the CROSSSLOT refusal across partitions, isolation under
 * concurrent clients, WATCH conflicts, and transactions surviving a SIGKILL.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { createClient } from "redis";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { TesseraClient } from "@tessera/client";
import { RawNativeClient } from "../packages/router/test/support/raw-native-client.js";
import { RawClient } from "./support/raw-client.js";
import { startServer, type ServerProcess } from "./support/server-process.js";

let server: ServerProcess;
let io: Redis;
const extra: Redis[] = [];

function connect(): Promise<Redis> {
  const c = new Redis({ port: server.respPort, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 });
  extra.push(c);
  return c.connect().then(() => c);
}

beforeAll(async () => {
  server = await startServer({ partitions: 2, resp: true, args: ["--fsync", "always"] });
  io = await connect();
});

afterAll(async () => {
  for (const c of extra) c.disconnect();
  await server?.stop();
});

beforeEach(async () => {
  await io.flushall();
});

/** Two keys that live on different partitions (found by asking the server). */
async function keysOnTwoPartitions(): Promise<[string, string]> {
  for (let i = 1; i < 64; i++) {
    const r = await io.multi().set("probe:0", "x").set(`probe:${i}`, "x").exec().catch((e: Error) => e);
    if (r instanceof Error && r.message.startsWith("EXECABORT")) {
      await io.flushall(); // the probes that ran on one partition left keys
      return ["probe:0", `probe:${i}`];
    }
  }
  throw new Error("no two keys on different partitions found");
}

describe("MULTI / EXEC", () => {
  it("runs the queued commands in order and replies with each reply", async () => {
    const r = await io.multi().set("{u}a", "1").incr("{u}a").get("{u}a").ping().echo("hi").exists("{u}a", "{u}b").time().exec();
    expect(r!.slice(0, 6)).toEqual([
      [null, "OK"],
      [null, 2],
      [null, "2"],
      [null, "PONG"],
      [null, "hi"],
      [null, 1],
    ]);
    expect(r![6]![1]).toHaveLength(2); // TIME: [seconds, microseconds]
  });

  it("answers QUEUED while queuing and an empty array for an empty transaction", async () => {
    expect(await io.call("MULTI")).toBe("OK");
    expect(await io.call("SET", "{u}a", "1")).toBe("QUEUED");
    expect(await io.call("EXEC")).toEqual(["OK"]);
    expect(await io.call("MULTI")).toBe("OK");
    expect(await io.call("EXEC")).toEqual([]);
  });

  it("reports a command's run-time error in its place; the others still run (no rollback, as in Redis)", async () => {
    await io.set("{u}s", "text");
    const r = await io.multi().incr("{u}s").set("{u}n", "5").incr("{u}n").exec();
    expect(r![0]![0]).toBeInstanceOf(Error);
    expect((r![0]![0] as Error).message).toBe("ERR value is not an integer or out of range");
    expect(r!.slice(1)).toEqual([
      [null, "OK"],
      [null, 6],
    ]);
  });

  it("aborts with EXECABORT after a refused command, running nothing", async () => {
    await io.call("MULTI");
    expect(await io.call("SET", "{u}a", "1")).toBe("QUEUED");
    await expect(io.call("GET")).rejects.toThrow("ERR wrong number of arguments for 'get' command");
    await expect(io.call("NOSUCHCOMMAND")).rejects.toThrow(/ERR unknown command 'NOSUCHCOMMAND'/);
    await expect(io.call("EXEC")).rejects.toThrow("EXECABORT Transaction discarded because of previous errors.");
    expect(await io.exists("{u}a")).toBe(0);
    // The connection is out of the transaction.
    expect(await io.call("SET", "{u}a", "2")).toBe("OK");
  });

  it("refuses commands that cannot run in a transaction", async () => {
    await io.call("MULTI");
    await expect(io.call("DBSIZE")).rejects.toThrow("ERR Command not allowed inside a transaction");
    await expect(io.call("EXEC")).rejects.toThrow(/^EXECABORT/);
  });

  it("answers MULTI nested, EXEC and DISCARD without MULTI, WATCH inside MULTI with Redis's errors", async () => {
    await expect(io.call("EXEC")).rejects.toThrow("ERR EXEC without MULTI");
    await expect(io.call("DISCARD")).rejects.toThrow("ERR DISCARD without MULTI");
    await io.call("MULTI");
    await expect(io.call("MULTI")).rejects.toThrow("ERR MULTI calls can not be nested");
    await expect(io.call("WATCH", "{u}a")).rejects.toThrow("ERR WATCH inside MULTI is not allowed");
    expect(await io.call("SET", "{u}a", "1")).toBe("QUEUED");
    // Neither error aborted the transaction (as in Redis).
    expect(await io.call("EXEC")).toEqual(["OK"]);
  });

  it("DISCARD drops the queue", async () => {
    await io.call("MULTI");
    await io.call("SET", "{u}a", "1");
    expect(await io.call("DISCARD")).toBe("OK");
    expect(await io.exists("{u}a")).toBe(0);
  });

  it("refuses keys on two partitions with CROSSSLOT and aborts", async () => {
    const [a, b] = await keysOnTwoPartitions();
    await io.call("MULTI");
    expect(await io.call("SET", a, "1")).toBe("QUEUED");
    await expect(io.call("SET", b, "1")).rejects.toThrow(/^CROSSSLOT .*use a \{hash tag\}/);
    await expect(io.call("EXEC")).rejects.toThrow(/^EXECABORT/);
    expect(await io.exists(a, b)).toBe(0);
  });

  it("is isolated: concurrent transactions never show a half-applied state", async () => {
    const clients = await Promise.all(Array.from({ length: 8 }, () => connect()));
    const reader = await connect();
    let running = true;
    let reads = 0;
    const check = (async () => {
      while (running) {
        const [x, y] = await reader.mget("{iso}x", "{iso}y");
        expect(x).toBe(y);
        reads++;
      }
    })();
    await Promise.all(
      clients.map(async (c) => {
        for (let i = 0; i < 60; i++) await c.multi().incr("{iso}x").incr("{iso}y").exec();
      }),
    );
    running = false;
    await check;
    expect(reads).toBeGreaterThan(0);
    expect(await io.mget("{iso}x", "{iso}y")).toEqual(["480", "480"]);
  });
});

describe("WATCH", () => {
  it("fails EXEC (nil) when another client wrote a watched key, and runs it otherwise", async () => {
    const other = await connect();
    await io.set("{w}k", "1");
    expect(await io.watch("{w}k")).toBe("OK");
    await other.set("{w}k", "2");
    expect(await io.multi().set("{w}k", "3").exec()).toBeNull();
    expect(await io.get("{w}k")).toBe("2");
    // The failed EXEC forgot the watch: the next transaction runs.
    expect(await io.multi().set("{w}k", "4").exec()).toEqual([[null, "OK"]]);
    await io.watch("{w}k");
    expect(await io.multi().set("{w}k", "5").exec()).toEqual([[null, "OK"]]);
    expect(await io.get("{w}k")).toBe("5");
  });

  it("counts the watching client's own writes, a delete and FLUSHALL as changes", async () => {
    await io.set("{w}k", "1");
    await io.watch("{w}k");
    await io.set("{w}k", "2");
    expect(await io.multi().get("{w}k").exec()).toBeNull();
    await io.watch("{w}k");
    await io.del("{w}k");
    expect(await io.multi().get("{w}k").exec()).toBeNull();
    await io.watch("{w}k");
    await io.flushall();
    expect(await io.multi().get("{w}k").exec()).toBeNull();
  });

  it("a failed EXEC is RESP2's null array (*-1) on the wire, as Redis writes it; RESP3's null (_)", async () => {
    const other = await connect();
    for (const [hello, expected] of [["", "*-1\r\n"], ["HELLO 3\r\n", "_\r\n"]] as const) {
      const raw = new RawClient(server.respPort);
      try {
        if (hello !== "") await raw.exchange(hello, 1);
        await raw.until(() => hello === "" || raw.received.includes("proto"));
        raw.received = "";
        expect(await raw.exchange("WATCH {w}raw\r\n", 5)).toBe("+OK\r\n");
        await other.set("{w}raw", "changed");
        expect(await raw.exchange("MULTI\r\nGET {w}missing\r\nEXEC\r\n", 5 + 9 + expected.length)).toBe(`+OK\r\n+QUEUED\r\n${expected}`);
        // A nil inside an EXEC that ran stays a nil bulk.
        expect(await raw.exchange("MULTI\r\nGET {w}missing\r\nEXEC\r\n", 5 + 9 + 4 + (hello === "" ? 5 : 3))).toBe(
          `+OK\r\n+QUEUED\r\n*1\r\n${hello === "" ? "$-1" : "_"}\r\n`,
        );
      } finally {
        raw.socket.destroy();
      }
    }
  });

  it("UNWATCH inside MULTI is queued and answers OK in EXEC's reply, as in Redis", async () => {
    await io.watch("{w}k");
    expect(await io.multi().unwatch().set("{w}k", "1").exec()).toEqual([
      [null, "OK"],
      [null, "OK"],
    ]);
  });

  it("CLIENT LIST shows multi= (queued commands), watch= (keys) and flag x", async () => {
    const c = await connect();
    await c.client("SETNAME", "txn-list");
    await c.watch("{w}a", "{w}b", "{w}a");
    await c.call("MULTI");
    await c.call("SET", "{w}a", "1");
    const line = ((await io.client("LIST")) as string).split("\n").find((l) => l.includes("name=txn-list"))!;
    expect(line).toMatch(/ flags=x /);
    expect(line).toMatch(/ multi=1 watch=2 /);
    await c.call("DISCARD");
    const after = ((await io.client("LIST")) as string).split("\n").find((l) => l.includes("name=txn-list"))!;
    expect(after).toMatch(/ flags=N .* multi=-1 watch=0 /);
  });

  it("a watched key that expires fails EXEC, as in Redis 6.0.9+; one that has not expired yet does not", async () => {
    await io.set("{w}ttl", "1", "PX", 150);
    await io.watch("{w}ttl");
    await new Promise((r) => setTimeout(r, 400)); // expired (and removed by active expiry) meanwhile
    expect(await io.multi().set("{w}other", "1").exec()).toBeNull();
    await io.set("{w}ttl", "1", "PX", 60_000);
    await io.watch("{w}ttl");
    expect(await io.multi().set("{w}other", "2").exec()).toEqual([[null, "OK"]]);
  });

  it("UNWATCH and DISCARD forget the watches", async () => {
    const other = await connect();
    await io.watch("{w}k");
    await other.set("{w}k", "x");
    expect(await io.unwatch()).toBe("OK");
    expect(await io.multi().set("{w}k", "y").exec()).toEqual([[null, "OK"]]);
    await io.watch("{w}k");
    await other.set("{w}k", "z");
    await io.call("MULTI");
    expect(await io.call("DISCARD")).toBe("OK");
    expect(await io.multi().get("{w}k").exec()).toEqual([[null, "z"]]);
  });

  it("WATCH keys on two partitions are refused with CROSSSLOT", async () => {
    const [a, b] = await keysOnTwoPartitions();
    await expect(io.watch(a, b)).rejects.toThrow(/^CROSSSLOT/);
    await io.watch(a);
    await expect(io.watch(b)).rejects.toThrow(/^CROSSSLOT/);
    await io.call("MULTI");
    await expect(io.call("SET", b, "1")).rejects.toThrow(/^CROSSSLOT/);
    await expect(io.call("EXEC")).rejects.toThrow(/^EXECABORT/);
  });

  it("guards a read-modify-write: concurrent WATCH/GET/MULTI/SET loops lose no increment", async () => {
    const clients = await Promise.all(Array.from({ length: 6 }, () => connect()));
    let conflicts = 0;
    await Promise.all(
      clients.map(async (c) => {
        for (let done = 0; done < 25; ) {
          await c.watch("{w}counter");
          const v = Number((await c.get("{w}counter")) ?? "0");
          const r = await c.multi().set("{w}counter", String(v + 1)).exec();
          if (r === null) conflicts++;
          else done++;
        }
      }),
    );
    expect(await io.get("{w}counter")).toBe("150");
    expect(conflicts).toBeGreaterThan(0);
  });
});

describe("INFO commandstats, SLOWLOG and limits", () => {
  it("counts MULTI and EXEC, and each command run inside EXEC on its own", async () => {
    await io.config("RESETSTAT");
    await io.multi().set("{s}a", "1").incr("{s}a").exec();
    const stats = await io.info("commandstats");
    expect(stats).toMatch(/cmdstat_multi:calls=1,/);
    expect(stats).toMatch(/cmdstat_exec:calls=1,/);
    expect(stats).toMatch(/cmdstat_set:calls=1,/);
    expect(stats).toMatch(/cmdstat_incr:calls=1,/);
  });

  it("logs EXEC and its commands in the slowlog by name, not as the internal request", async () => {
    await io.config("SET", "slowlog-log-slower-than", "0");
    try {
      await io.slowlog("RESET");
      await io.multi().set("{s}a", "1").exec();
      const entries = (await io.slowlog("GET", 10)) as [number, number, number, string[]][];
      const logged = entries.map((e) => e[3].join(" "));
      expect(logged).toContain("exec");
      expect(logged).toContain("set {s}a 1");
    } finally {
      await io.config("SET", "slowlog-log-slower-than", "10000");
    }
  });

  it("refuses a transaction over its size limit (8 x max-frame-bytes) and aborts it", async () => {
    const small = await startServer({ partitions: 1, resp: true, args: ["--max-frame-bytes", "4096"] });
    const c = new Redis({ port: small.respPort, host: "127.0.0.1", maxRetriesPerRequest: 0 });
    try {
      await c.call("MULTI");
      const v = "x".repeat(3000);
      for (let i = 0; i < 10; i++) expect(await c.call("SET", `k${i}`, v)).toBe("QUEUED");
      await expect(c.call("SET", "k10", v)).rejects.toThrow(/^ERR transaction too large: 11 commands .* at most 1000000 commands and 32768 bytes/);
      await expect(c.call("EXEC")).rejects.toThrow(/^EXECABORT/);
      expect(await c.dbsize()).toBe(0);
    } finally {
      c.disconnect();
      await small.stop();
    }
  });
});

describe("node-redis", () => {
  it("multi().exec() and watch(): a WATCH conflict rejects with WatchError", async () => {
    const nr = createClient({ socket: { port: server.respPort, host: "127.0.0.1" } });
    nr.on("error", () => {});
    await nr.connect();
    try {
      expect(await nr.multi().set("{nr}a", "1").incr("{nr}a").get("{nr}a").exec()).toEqual(["OK", 2, "2"]);
      await nr.watch("{nr}a");
      await io.set("{nr}a", "changed");
      await expect(nr.multi().set("{nr}a", "mine").exec()).rejects.toThrow(/watch/i);
      expect(await nr.get("{nr}a")).toBe("changed");
    } finally {
      await nr.quit().catch(() => {});
    }
  });
});

describe("transactions on the native port", () => {
  it("MULTI/EXEC through the TypeScript client's multi()", async () => {
    const c = await TesseraClient.connect({ port: server.port });
    try {
      const r = await c.multi().command("SET", "{n}a", "1").command("INCRBY", "{n}a", 4).command("GET", "{n}a").exec();
      expect(r).toEqual(["OK", 5, Buffer.from("5")]);
      const aborted = c.multi().command("SET", "{n}a", "1").command("GET").exec();
      await expect(aborted).rejects.toThrow(/EXECABORT/);
      expect(await c.getString("{n}a")).toBe("5");
    } finally {
      await c.close();
    }
  });
});

describe("transactions: refusals outside the router", () => {
  it("a native request the server cannot decode whole (too many arguments) aborts the transaction", async () => {
    const raw = await RawNativeClient.connect(server.port);
    try {
      raw.queue(1, ["MULTI"]);
      raw.queue(2, ["SET", "{n}q", "1"]);
      raw.queue(3, ["DEL", ...new Array<string>(1_048_577).fill("")]);
      raw.queue(4, ["EXEC"]);
      raw.flush();
      const frames = await raw.waitFrames(4, 20_000);
      expect(frames.map((f) => f.id)).toEqual([1, 2, 3, 4]);
      expect(frames[2]!.value).toMatchObject({ kind: "error", code: "TOOBIG" });
      expect(frames[3]!.value).toMatchObject({ kind: "error", code: "EXECABORT" });
      expect(await io.exists("{n}q")).toBe(0);
    } finally {
      raw.close();
    }
  });

  it("the client refuses a block it could send only in part, sending nothing, and the connection stays out of MULTI", async () => {
    const c = await TesseraClient.connect({ port: server.port, maxRequestFrameBytes: 4096, maxPendingRequests: 4 });
    try {
      await expect(c.multi().command("SET", "{n}a", "x".repeat(10_000)).command("SET", "{n}b", "1").exec()).rejects.toThrow(/^TOOBIG SET: request of up to/);
      await expect(c.multi().command("SET", "{n}a", "1").command("SET", "{n}b", "1").command("SET", "{n}c", "1").exec()).rejects.toThrow(/maxPendingRequests=4/);
      expect(await c.set("{n}z", "1")).toBe("OK"); // not "QUEUED"
      expect(await io.exists("{n}a", "{n}b", "{n}c")).toBe(0);
    } finally {
      await c.close();
    }
  });
});

describe("durability", () => {
  it("a transaction acknowledged under fsync always survives SIGKILL whole", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "tessera-txn-"));
    try {
      let own = await startServer({ partitions: 2, resp: true, args: ["--fsync", "always"], dataDir });
      let c = new Redis({ port: own.respPort, host: "127.0.0.1", maxRetriesPerRequest: 0 });
      expect(await c.multi().set("{d}a", "1").set("{d}b", "2").incr("{d}a").exec()).toEqual([
        [null, "OK"],
        [null, "OK"],
        [null, 2],
      ]);
      c.disconnect();
      await own.stop("SIGKILL");
      own = await startServer({ partitions: 2, resp: true, args: ["--fsync", "always"], dataDir });
      c = new Redis({ port: own.respPort, host: "127.0.0.1", maxRetriesPerRequest: 0 });
      expect(await c.mget("{d}a", "{d}b")).toEqual(["2", "2"]);
      c.disconnect();
      await own.stop();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
