import { describe, expect, it } from "vitest";
import { COMMANDS, CollectingSink, commandByName, type Reply } from "@tessera/proto";
import { LATENCY_BUCKETS } from "../src/partition/latency-buckets.js";
import { defaultConfig, type ServerConfig } from "../src/config.js";
import { executeServerCommand, globLiteralPrefix, globMatch, type ServerContext, type Session } from "../src/server-commands/index.js";
import { Slowlog } from "../src/slowlog.js";
import { ErrorTally } from "../src/error-tally.js";

type TestSession = { -readonly [K in keyof Session]: Session[K] } & { killed: number };

function makeSession(id = 7, remoteAddress = "127.0.0.1:50000", createdAtMs = Date.now()): TestSession {
  const s: TestSession = {
    id,
    protocol: "resp",
    respVersion: 2,
    name: null,
    remoteAddress,
    localAddress: "127.0.0.1:7380",
    createdAtMs,
    lastActiveMs: createdAtMs,
    closeAfterReply: false,
    authenticated: true,
    queuedCommands: -1,
    watchedKeyCount: 0,
    channelCount: 0,
    patternCount: 0,
    killed: 0,
    kill: () => {
      s.killed++;
    },
  };
  return s;
}

function makeContext(sessions: Session[], keys = 0): ServerContext & { config: ServerConfig } {
  const config: ServerConfig = { ...defaultConfig(), partitions: 2, fsync: "no" };
  return {
    config,
    sessions: () => sessions,
    partitions: 2,
    startedAtMs: Date.now() - 5000,
    applyConfig: (changes) => Object.assign(config, changes),
    stats: () => ({
      commandsProcessed: 10,
      connectionsReceived: 3,
      rejectedConnections: 0,
      outputBufferDisconnections: 0,
      partitions: [
        { keys, keysWithExpiry: 5, usedBytes: 1000, reservedBytes: 2000, expiredKeys: 1 },
        { keys: 0, keysWithExpiry: 2, usedBytes: 500, reservedBytes: 1000, expiredKeys: 2 },
      ],
      traffic: { requests: 650, batches: 100, wakeups: 94, rescues: 0 },
    }),
    slowlog: new Slowlog(config.slowlogMaxLen),
    errorReplies: new ErrorTally(),
    commandStats: () => [
      { name: "GET", calls: 4, usec: 10, rejected: 0, failed: 0 },
      { name: "SET", calls: 2, usec: 7, rejected: 1, failed: 1 },
    ],
    resetCommandStats: () => {},
    commandLatency: () => new Float64Array(COMMANDS.length * LATENCY_BUCKETS),
  };
}

function run(ctx: ServerContext, session: Session, ...args: string[]): Reply {
  const spec = commandByName(args[0]!);
  if (spec === undefined) throw new Error(`no spec for ${args[0]}`);
  const sink = new CollectingSink();
  executeServerCommand(ctx, session, spec, args.map((a) => Buffer.from(a)), sink);
  const replies = sink.take();
  expect(replies).toHaveLength(1);
  return replies[0]!;
}

const text = (r: Reply): string => {
  if (r.kind !== "bulk") throw new Error(`expected bulk, got ${JSON.stringify(r)}`);
  return Buffer.from(r.value).toString();
};
const err = (r: Reply): string => {
  if (r.kind !== "error") throw new Error(`expected error, got ${JSON.stringify(r)}`);
  return `${r.code} ${r.message}`;
};
/** A flat RESP2 map (array of bulk key, value, ...) as a JS object of strings/replies. */
function flatMap(r: Reply): Map<string, Reply> {
  if (r.kind !== "array") throw new Error("expected array");
  const m = new Map<string, Reply>();
  for (let i = 0; i < r.items.length; i += 2) m.set(text(r.items[i]!), r.items[i + 1]!);
  return m;
}

describe("PING / ECHO / SELECT / QUIT / TIME", () => {
  const s = makeSession();
  const ctx = makeContext([s]);
  it("PING answers PONG or the message, and refuses extra arguments", () => {
    expect(run(ctx, s, "PING")).toEqual({ kind: "status", text: "PONG" });
    expect(text(run(ctx, s, "PING", "hi"))).toBe("hi");
    expect(err(run(ctx, s, "PING", "a", "b"))).toBe("ERR wrong number of arguments for 'ping' command");
  });
  it("ECHO returns its argument and checks arity", () => {
    expect(text(run(ctx, s, "ECHO", "hello world"))).toBe("hello world");
    expect(err(run(ctx, s, "ECHO"))).toBe("ERR wrong number of arguments for 'echo' command");
  });
  it("SELECT accepts 0 only", () => {
    expect(run(ctx, s, "SELECT", "0")).toEqual({ kind: "ok" });
    expect(err(run(ctx, s, "SELECT", "1"))).toBe("ERR DB index is out of range");
    expect(err(run(ctx, s, "SELECT", "x"))).toBe("ERR value is not an integer or out of range");
  });
  it("QUIT replies OK and marks the session for closing", () => {
    const q = makeSession(9);
    expect(run(ctx, q, "QUIT")).toEqual({ kind: "ok" });
    expect(q.closeAfterReply).toBe(true);
  });
  it("TIME returns seconds and microseconds near now", () => {
    const r = run(ctx, s, "TIME");
    if (r.kind !== "array") throw new Error("expected array");
    const sec = Number(text(r.items[0]!));
    const us = Number(text(r.items[1]!));
    expect(Math.abs(sec - Date.now() / 1000)).toBeLessThan(5);
    expect(us).toBeGreaterThanOrEqual(0);
    expect(us).toBeLessThan(1_000_000);
  });
});

describe("HELLO", () => {
  it("answers the server map and switches the protocol", () => {
    const s = makeSession(11);
    const ctx = makeContext([s]);
    const m = flatMap(run(ctx, s, "HELLO", "3", "SETNAME", "app1"));
    expect(text(m.get("server")!)).toBe("redis");
    expect(m.get("proto")).toEqual({ kind: "integer", value: 3n });
    expect(m.get("id")).toEqual({ kind: "integer", value: 11n });
    expect(text(m.get("mode")!)).toBe("standalone");
    expect(s.respVersion).toBe(3);
    expect(s.name).toBe("app1");
    flatMap(run(ctx, s, "HELLO", "2"));
    expect(s.respVersion).toBe(2);
  });
  it("refuses unsupported versions with NOPROTO and leaves the session unchanged", () => {
    const s = makeSession();
    const ctx = makeContext([s]);
    expect(err(run(ctx, s, "HELLO", "4"))).toBe("NOPROTO unsupported protocol version");
    expect(err(run(ctx, s, "HELLO", "1"))).toBe("NOPROTO unsupported protocol version");
    expect(err(run(ctx, s, "HELLO", "x"))).toBe("ERR Protocol version is not an integer or out of range");
    expect(err(run(ctx, s, "HELLO", "3", "BOGUS"))).toBe("ERR Syntax error in HELLO option 'BOGUS'");
    expect(s.respVersion).toBe(2);
  });
  it("accepts AUTH for the default user only", () => {
    const s = makeSession();
    const ctx = makeContext([s]);
    expect(flatMap(run(ctx, s, "HELLO", "2", "AUTH", "default", "pw")).get("proto")).toEqual({ kind: "integer", value: 2n });
    expect(err(run(ctx, s, "HELLO", "2", "AUTH", "bob", "pw"))).toBe("WRONGPASS invalid username-password pair or user is disabled.");
  });
  it("refuses RESP3 on the native protocol", () => {
    const s: Session = { ...makeSession(), protocol: "native" };
    expect(err(run(makeContext([s]), s, "HELLO", "3"))).toBe("NOPROTO unsupported protocol version");
  });
});

describe("CLIENT", () => {
  it("SETNAME / GETNAME / ID / INFO / LIST / SETINFO", () => {
    const a = makeSession(1);
    const b = makeSession(2);
    const ctx = makeContext([a, b]);
    expect(run(ctx, a, "CLIENT", "GETNAME")).toEqual({ kind: "nil" });
    expect(run(ctx, a, "CLIENT", "SETNAME", "worker-1")).toEqual({ kind: "ok" });
    expect(text(run(ctx, a, "CLIENT", "GETNAME"))).toBe("worker-1");
    expect(err(run(ctx, a, "CLIENT", "SETNAME", "has space"))).toBe(
      "ERR Client names cannot contain spaces, newlines or special characters.",
    );
    expect(run(ctx, a, "CLIENT", "ID")).toEqual({ kind: "integer", value: 1n });
    expect(run(ctx, a, "CLIENT", "SETINFO", "LIB-NAME", "ioredis")).toEqual({ kind: "ok" });
    const info = text(run(ctx, a, "CLIENT", "INFO"));
    expect(info).toMatch(/^id=1 addr=127\.0\.0\.1:50000 laddr=127\.0\.0\.1:7380 .*name=worker-1 .*lib-name=ioredis .*\n$/);
    const list = text(run(ctx, a, "CLIENT", "LIST")).trimEnd().split("\n");
    expect(list.map((l) => /^id=(\d+)/.exec(l)![1])).toEqual(["1", "2"]);
    expect(text(run(ctx, a, "CLIENT", "LIST", "ID", "2")).trimEnd().split("\n")).toHaveLength(1);
    expect(err(run(ctx, a, "CLIENT", "NOPE"))).toBe("ERR unknown subcommand 'NOPE'. Try CLIENT HELP.");
    expect(err(run(ctx, a, "CLIENT", "GETNAME", "x"))).toBe("ERR wrong number of arguments for 'client|getname' command");
  });

  it("LIST shows idle= as the seconds since the connection last sent something", () => {
    const now = Date.now();
    const a = makeSession(1, "127.0.0.1:50000", now - 60_000);
    a.lastActiveMs = now - 42_000;
    const line = text(run(makeContext([a]), a, "CLIENT", "LIST"));
    expect(line).toMatch(/ age=(59|60) idle=(41|42) /);
  });

  describe("KILL", () => {
    const setup = () => {
      const old = Date.now() - 3_600_000;
      const me = makeSession(1, "127.0.0.1:50001");
      const b = makeSession(2, "127.0.0.1:50002", old);
      const c = makeSession(3, "127.0.0.1:50003");
      return { me, b, c, ctx: makeContext([me, b, c]) };
    };

    it("the old form closes the client at that address, replies OK, and may name the caller", () => {
      const { me, b, c, ctx } = setup();
      expect(run(ctx, me, "CLIENT", "KILL", "127.0.0.1:50002")).toEqual({ kind: "ok" });
      expect([me.killed, b.killed, c.killed]).toEqual([0, 1, 0]);
      expect(err(run(ctx, me, "CLIENT", "KILL", "10.0.0.1:1"))).toBe("ERR No such client");
      expect(run(ctx, me, "CLIENT", "KILL", "127.0.0.1:50001")).toEqual({ kind: "ok" });
      expect(me.killed).toBe(0); // its own reply goes out first
      expect(me.closeAfterReply).toBe(true);
    });

    it("filters all have to match; replies with the number closed; SKIPME yes by default", () => {
      const { me, b, c, ctx } = setup();
      expect(run(ctx, me, "CLIENT", "KILL", "ID", "2")).toEqual({ kind: "integer", value: 1n });
      expect(b.killed).toBe(1);
      expect(run(ctx, me, "CLIENT", "KILL", "ID", "99")).toEqual({ kind: "integer", value: 0n });
      expect(run(ctx, me, "CLIENT", "KILL", "ADDR", "127.0.0.1:50003", "ID", "2")).toEqual({ kind: "integer", value: 0n });
      expect(run(ctx, me, "CLIENT", "KILL", "LADDR", "127.0.0.1:7380")).toEqual({ kind: "integer", value: 2n });
      expect(me.killed).toBe(0);
      expect(me.closeAfterReply).toBe(false);
      expect(run(ctx, me, "CLIENT", "KILL", "MAXAGE", "600")).toEqual({ kind: "integer", value: 1n }); // b only
      expect(b.killed).toBe(3);
      expect(run(ctx, me, "CLIENT", "KILL", "TYPE", "pubsub")).toEqual({ kind: "integer", value: 0n });
      expect(run(ctx, me, "CLIENT", "KILL", "USER", "default", "SKIPME", "no")).toEqual({ kind: "integer", value: 3n });
      expect(me.closeAfterReply).toBe(true);
      expect([me.killed, b.killed, c.killed]).toEqual([0, 4, 2]);
    });

    it("bad filters get Redis's errors and close nothing", () => {
      const { me, b, c, ctx } = setup();
      expect(err(run(ctx, me, "CLIENT", "KILL", "ID", "0"))).toBe("ERR client-id should be greater than 0");
      expect(err(run(ctx, me, "CLIENT", "KILL", "ID", "x"))).toBe("ERR client-id should be greater than 0");
      expect(err(run(ctx, me, "CLIENT", "KILL", "TYPE", "bogus"))).toBe("ERR Unknown client type 'bogus'");
      expect(err(run(ctx, me, "CLIENT", "KILL", "USER", "alice"))).toBe("ERR No such user 'alice'");
      expect(err(run(ctx, me, "CLIENT", "KILL", "SKIPME", "maybe"))).toBe("ERR syntax error");
      expect(err(run(ctx, me, "CLIENT", "KILL", "BOGUS", "x"))).toBe("ERR syntax error");
      expect(err(run(ctx, me, "CLIENT", "KILL", "ID", "2", "ADDR"))).toBe("ERR syntax error");
      expect(err(run(ctx, me, "CLIENT", "KILL", "MAXAGE", "soon"))).toBe("ERR value is not an integer or out of range");
      expect(err(run(ctx, me, "CLIENT", "KILL"))).toBe("ERR wrong number of arguments for 'client|kill' command");
      expect([me.killed, b.killed, c.killed, me.closeAfterReply]).toEqual([0, 0, 0, false]);
    });
  });
});

describe("COMMAND", () => {
  const s = makeSession();
  const ctx = makeContext([s]);
  it("COUNT and the full listing come from the command table", () => {
    const count = run(ctx, s, "COMMAND", "COUNT");
    const all = run(ctx, s, "COMMAND");
    if (count.kind !== "integer" || all.kind !== "array") throw new Error("shape");
    expect(Number(count.value)).toBe(all.items.length);
    expect(all.items.length).toBeGreaterThan(20);
  });
  it("INFO describes GET like Redis and answers nil for unknown commands", () => {
    const r = run(ctx, s, "COMMAND", "INFO", "get", "nosuch");
    if (r.kind !== "array") throw new Error("shape");
    const get = r.items[0]!;
    if (get.kind !== "array") throw new Error("shape");
    expect(get.items).toHaveLength(10);
    expect(text(get.items[0]!)).toBe("get");
    expect(get.items[1]).toEqual({ kind: "integer", value: 2n });
    expect(get.items[2]).toEqual({ kind: "array", items: [{ kind: "status", text: "readonly" }, { kind: "status", text: "fast" }] });
    expect(get.items.slice(3, 6)).toEqual([1n, 1n, 1n].map((value) => ({ kind: "integer", value })));
    expect(r.items[1]).toEqual({ kind: "nil" });
  });
  it("DOCS gives a summary and group per command", () => {
    const m = flatMap(run(ctx, s, "COMMAND", "DOCS", "set"));
    const docs = flatMap(m.get("set")!);
    expect(text(docs.get("group")!)).toBe("string");
    expect(text(docs.get("summary")!)).toMatch(/Set key/);
  });
  it("GETKEYS extracts keys using the table", () => {
    const r = run(ctx, s, "COMMAND", "GETKEYS", "MSET", "a", "1", "b", "2");
    if (r.kind !== "array") throw new Error("shape");
    expect(r.items.map(text)).toEqual(["a", "b"]);
  });
});

describe("INFO", () => {
  it("renders Redis-style sections with keyspace and stats", () => {
    const s = makeSession();
    const ctx = makeContext([s], 42);
    const all = text(run(ctx, s, "INFO"));
    for (const section of ["Server", "Clients", "Memory", "Persistence", "Stats", "Keyspace"]) {
      expect(all).toContain(`# ${section}\r\n`);
    }
    expect(all).toContain("redis_version:7.2.0\r\n");
    expect(all).toContain("loading:0\r\n");
    expect(all).toContain("connected_clients:1\r\n");
    expect(all).toContain("used_memory:1500\r\n");
    expect(all).toContain("expired_keys:3\r\n");
    expect(all).toContain("tessera_partition_requests:650\r\ntessera_partition_batches:100\r\ntessera_partition_wakeups:94\r\n");
    expect(all).toContain("# Keyspace\r\ndb0:keys=42,expires=7,avg_ttl=0\r\n");
    const ks = text(run(ctx, s, "INFO", "keyspace"));
    expect(ks).toBe("# Keyspace\r\ndb0:keys=42,expires=7,avg_ttl=0\r\n");
    expect(text(run(ctx, s, "INFO", "nosuch"))).toBe("");
  });
  it("persistence and stats come from the partitions' figures: snapshots, WAL failures, hits and misses", () => {
    const s = makeSession();
    const base = makeContext([s]);
    const now = Date.now();
    const ctx: ServerContext = {
      ...base,
      stats: () => ({
        ...base.stats(),
        partitions: [
          { keys: 1, keysWithExpiry: 0, usedBytes: 1, reservedBytes: 1, expiredKeys: 0, keyspaceHits: 5, keyspaceMisses: 1, lastSnapshotAtMs: now - 60_000, snapshotInProgress: false, lastSnapshotError: null, changesSinceSnapshot: 7, walFailed: null },
          { keys: 1, keysWithExpiry: 0, usedBytes: 1, reservedBytes: 1, expiredKeys: 0, keyspaceHits: 2, keyspaceMisses: 3, lastSnapshotAtMs: now - 5_000, snapshotInProgress: true, lastSnapshotError: "ENOSPC: no space left on device", changesSinceSnapshot: 4, walFailed: "ENOSPC: no space left on device" },
        ],
      }),
    };
    const all = text(run(ctx, s, "INFO"));
    expect(all).toContain("rdb_changes_since_last_save:11\r\n");
    expect(all).toContain("rdb_bgsave_in_progress:1\r\n");
    expect(all).toContain(`rdb_last_save_time:${Math.floor((now - 60_000) / 1000)}\r\n`); // the oldest partition's
    expect(all).toContain("rdb_last_bgsave_status:err\r\n");
    expect(all).toContain("aof_last_write_status:err\r\n");
    expect(all).toContain("tessera_wal_failed_partitions:1\r\n");
    expect(all).toContain("keyspace_hits:7\r\nkeyspace_misses:4\r\n");
    const healthy = text(run(makeContext([s]), s, "INFO", "persistence"));
    expect(healthy).toContain("rdb_last_bgsave_status:ok\r\n");
    expect(healthy).toContain("aof_last_write_status:ok\r\n");
  });
  it("omits db0 when the keyspace is empty, as Redis does", () => {
    const s = makeSession();
    expect(text(run(makeContext([s], 0), s, "INFO", "keyspace"))).toBe("# Keyspace\r\n");
  });
});

describe("CONFIG", () => {
  const s = makeSession();
  const ctx = makeContext([s]);
  it("GET maps Redis parameter names, with glob patterns", () => {
    const m = flatMap(run(ctx, s, "CONFIG", "GET", "save"));
    expect([...m.keys()]).toEqual(["save"]);
    expect(text(m.get("save")!)).toBe("");
    const mem = flatMap(run(ctx, s, "CONFIG", "GET", "maxmemory*"));
    expect([...mem.keys()].sort()).toEqual(["maxmemory", "maxmemory-policy"]);
    expect(text(flatMap(run(ctx, s, "CONFIG", "GET", "appendfsync")).get("appendfsync")!)).toBe("no");
    expect(text(flatMap(run(ctx, s, "CONFIG", "GET", "client-output-buffer-limit")).get("client-output-buffer-limit")!)).toBe(`normal ${1024 ** 3} 0 0`);
    expect(text(flatMap(run(ctx, s, "CONFIG", "GET", "databases")).get("databases")!)).toBe("1");
    expect(flatMap(run(ctx, s, "CONFIG", "GET", "nosuch")).size).toBe(0);
  });
  it("SET changes appendfsync and maxclients; GET shows the new values", () => {
    const c = makeContext([s]);
    c.config.dataDir = "/tmp/somewhere";
    expect(run(c, s, "CONFIG", "SET", "appendfsync", "ALWAYS", "maxclients", "77")).toEqual({ kind: "ok" });
    expect(text(flatMap(run(c, s, "CONFIG", "GET", "appendfsync")).get("appendfsync")!)).toBe("always");
    expect(text(flatMap(run(c, s, "CONFIG", "GET", "maxclients")).get("maxclients")!)).toBe("77");
  });
  it("SET validates every pair before applying any, with Redis's error words", () => {
    const c = makeContext([s]);
    c.config.dataDir = "/tmp/somewhere";
    expect(err(run(c, s, "CONFIG", "SET", "maxclients", "10", "appendfsync", "sometimes"))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'appendfsync') - argument(s) must be one of the following: always, everysec, no",
    );
    expect(c.config.maxClients).toBe(defaultConfig().maxClients); // nothing applied
    expect(err(run(c, s, "CONFIG", "SET", "maxclients", "many"))).toBe(
      "ERR CONFIG SET failed (possibly related to argument 'maxclients') - argument couldn't be parsed into an integer",
    );
    expect(err(run(c, s, "CONFIG", "SET", "maxclients", "1", "maxclients", "2"))).toMatch(/duplicate parameter$/);
    expect(err(run(c, s, "CONFIG", "SET", "maxmemory", "lots"))).toBe("ERR CONFIG SET failed (possibly related to argument 'maxmemory') - argument must be a memory value");
    expect(run(c, s, "CONFIG", "SET", "maxmemory", "2gb")).toEqual({ kind: "ok" });
    expect(c.config.maxMemoryBytes).toBe(2 * 1024 ** 3);
    expect(err(run(c, s, "CONFIG", "SET", "databases", "16"))).toMatch(/^ERR CONFIG SET failed \(possibly related to argument 'databases'\) - can't set immutable config/);
    expect(err(run(c, s, "CONFIG", "SET", "nosuch", "1"))).toBe("ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'");
    expect(err(run(c, s, "CONFIG", "SET", "appendfsync"))).toBe("ERR wrong number of arguments for 'config|set' command");
  });
  it("SET requirepass rotates the password without ever showing it", () => {
    const c = makeContext([s]);
    expect(run(c, s, "CONFIG", "SET", "requirepass", "n3w-secret")).toEqual({ kind: "ok" });
    expect(c.config.requirepass).toBe("n3w-secret");
    expect(flatMap(run(c, s, "CONFIG", "GET", "*")).has("requirepass")).toBe(false);
  });
  it("SET appendfsync on an in-memory server says why it cannot", () => {
    const c = makeContext([s]);
    c.config.dataDir = "";
    expect(err(run(c, s, "CONFIG", "SET", "appendfsync", "always"))).toMatch(/without a data directory/);
  });
});

describe("glob", () => {
  const m = (p: string, t: string) => globMatch(Buffer.from(p), Buffer.from(t));
  it("matches like Redis's stringmatchlen", () => {
    expect(m("user:*", "user:1")).toBe(true);
    expect(m("user:*", "users")).toBe(false);
    expect(m("h?llo", "hello")).toBe(true);
    expect(m("h[ae]llo", "hallo")).toBe(true);
    expect(m("h[^e]llo", "hello")).toBe(false);
    expect(m("h[a-b]llo", "hbllo")).toBe(true);
    expect(m("a\\*b", "a*b")).toBe(true);
    expect(m("a\\*b", "axb")).toBe(false);
    expect(m("*", "")).toBe(true);
    expect(m("*a*b*c*", "xxaxxbxxcxx")).toBe(true);
    expect(m("a*a*a*a*a*a*a*a*b", "a".repeat(60))).toBe(false);
  });
  it("finds the literal prefix and whether it is a plain prefix", () => {
    const lp = (p: string) => {
      const r = globLiteralPrefix(Buffer.from(p));
      return [r.prefix.toString(), r.isPlainPrefix];
    };
    expect(lp("user:*")).toEqual(["user:", true]);
    expect(lp("user:**")).toEqual(["user:", true]);
    expect(lp("user:*:x")).toEqual(["user:", false]);
    expect(lp("us?r")).toEqual(["us", false]);
    expect(lp("a\\*b*")).toEqual(["a*b", true]);
    expect(lp("exact")).toEqual(["exact", false]);
    expect(lp("*")).toEqual(["", true]);
  });
});
