import { afterEach, describe, expect, it } from "vitest";
import { ConnectionError, TesseraClient, TesseraError, type ClientOptions } from "../src/index.js";
import { FakeServer, type FakeServerOptions } from "./fake-server.js";

const servers: FakeServer[] = [];
const clients: TesseraClient[] = [];

async function setup(options: FakeServerOptions = {}, clientOptions: ClientOptions = {}) {
  const server = await FakeServer.start(options);
  servers.push(server);
  const client = await TesseraClient.connect({ host: "127.0.0.1", port: server.port, ...clientOptions });
  clients.push(client);
  return { server, client };
}

afterEach(async () => {
  for (const c of clients.splice(0)) c.destroy();
  for (const s of servers.splice(0)) await s.stop();
});

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected the promise to reject");
}

describe("TesseraClient commands", () => {
  it("covers the string, keyspace and expiry commands", async () => {
    const { client: c } = await setup();
    expect(await c.ping()).toBe("PONG");
    expect(await c.ping("hi")).toBe("hi");
    expect(await c.set("k", "v")).toBe("OK");
    expect(await c.get("k")).toEqual(Buffer.from("v"));
    expect(await c.getString("k")).toBe("v");
    expect(await c.get(Buffer.from("missing"))).toBeNull();
    expect(await c.set("k", "v2", { nx: true })).toBeNull();
    expect(await c.set("k", "v3", { get: true })).toEqual(Buffer.from("v"));
    expect(await c.set(new Uint8Array([0xff, 0]), new Uint8Array([1, 2, 3]))).toBe("OK");
    expect(await c.get(Buffer.from([0xff, 0]))).toEqual(Buffer.from([1, 2, 3]));
    expect(await c.mset({ a: "1", b: "2" })).toBe("OK");
    expect(await c.mset(new Map([["c", "3"]]))).toBe("OK");
    expect(await c.mset([[Buffer.from("d"), "4"]])).toBe("OK");
    expect(await c.mget(["a", "nope", "d"])).toEqual([Buffer.from("1"), null, Buffer.from("4")]);
    expect(await c.mget([])).toEqual([]);
    expect(await c.exists("a", "a", "nope")).toBe(2);
    expect(await c.del("a", "nope")).toBe(1);
    expect(await c.getDel("b")).toEqual(Buffer.from("2"));
    expect(await c.get("b")).toBeNull();
    expect(await c.incr("n")).toBe(1);
    expect(await c.incrBy("n", 10)).toBe(11);
    expect(await c.decr("n")).toBe(10);
    expect(await c.decrBy("n", 20n)).toBe(-10);
    expect(await c.incrBy("big", 2n ** 62n)).toBe(2n ** 62n); // beyond the safe range: a bigint
    expect(await c.append("s", "ab")).toBe(2);
    expect(await c.append("s", "cd")).toBe(4);
    expect(await c.strlen("s")).toBe(4);
    expect(await c.expire("s", 10)).toBe(true);
    expect(await c.pexpire("missing", 10, { nx: true })).toBe(false);
    expect(await c.expireAt("s", 2_000_000_000, { gt: true })).toBe(true);
    expect(await c.pexpireAt("s", 2_000_000_000_000, { lt: true, xx: true })).toBe(true);
    expect(await c.ttl("s")).toBe(-1);
    expect(await c.pttl("missing")).toBe(-2);
    expect(await c.persist("s")).toBe(true);
    const keys = (await c.keys("*")).map((k) => k.toString());
    expect(keys).toHaveLength(7);
    expect(keys.filter((k) => /^[a-z]+$/.test(k))).toEqual(["big", "c", "d", "k", "n", "s"]);
    expect(await c.dbsize()).toBe(7);
    expect(await c.command("get", "c")).toEqual(Buffer.from("3"));
    expect(await c.command("MGET", "c", "nope")).toEqual([Buffer.from("3"), null]);
    expect(await c.command("INCRBY", "n", 5)).toBe(-5);
    expect(await c.flushAll()).toBe("OK");
    expect(await c.dbsize()).toBe(0);
  });

  it("sends SET and EXPIRE options as the server's words", async () => {
    const { server, client: c } = await setup();
    await c.set("k", "v", { ex: 10, nx: true, get: true });
    await c.set("k", "v", { px: 5, xx: true });
    await c.set("k", "v", { exat: 1, keepTtl: true });
    await c.set("k", "v", { pxat: 2 });
    await c.expire("k", 3, { nx: true, gt: true });
    expect(server.received.map((r) => r.argv.join(" "))).toEqual([
      "SET k v EX 10 NX GET",
      "SET k v PX 5 XX",
      "SET k v EXAT 1 KEEPTTL",
      "SET k v PXAT 2",
      "EXPIRE k 3 NX GT",
    ]);
    await expect(c.set("k", "v", { ex: 1.5 })).rejects.toThrow(/integer/);
  });

  it("scans a prefix page by page with the server's cursor", async () => {
    const { server, client: c } = await setup();
    const keys = Array.from({ length: 23 }, (_, i) => `user:${String(i).padStart(2, "0")}`);
    await c.mset(Object.fromEntries(keys.map((k) => [k, "x"])));
    await c.set("other", "x");
    const seen: string[] = [];
    for await (const k of c.scan("user:", { limit: 5 })) seen.push(k.toString());
    expect(seen).toEqual(keys);
    const scans = server.received.filter((r) => r.argv[0] === "SCAN").map((r) => r.argv.slice(1).join(" "));
    expect(scans[0]).toBe("user: LIMIT 5 CURSOR 0");
    expect(scans[1]).toBe("user: LIMIT 5 CURSOR user:04");
    expect(scans).toHaveLength(5);
    const none: Buffer[] = [];
    for await (const k of c.scan("zzz")) none.push(k);
    expect(none).toEqual([]);
  });

  it("rejects error replies with TesseraError carrying the code", async () => {
    const { client: c } = await setup();
    const e = (await rejection(c.get("wrongtype:1"))) as TesseraError;
    expect(e).toBeInstanceOf(TesseraError);
    expect(e.code).toBe("WRONGTYPE");
    expect(e.message).toBe("WRONGTYPE Operation against a key holding the wrong kind of value");
    const u = (await rejection(c.command("NOSUCH", "x"))) as TesseraError;
    expect(u.code).toBe("ERR");
    expect(u.detail).toBe("unknown command 'NOSUCH'");
    await c.set("text", "abc");
    expect(((await rejection(c.incr("text"))) as TesseraError).detail).toBe("value is not an integer or out of range");
    // An error in a pipeline fails only its own call.
    const results = await Promise.allSettled([c.set("x", "1"), c.get("wrongtype:2"), c.get("x")]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
  });
});

describe("pipelining", () => {
  it("writes the calls of one tick in one socket write and resolves each with its own reply", async () => {
    const { server, client: c } = await setup();
    const before = c.stats.writes;
    const sets = Array.from({ length: 200 }, (_, i) => c.set(`k${i}`, `v${i}`));
    const gets = Array.from({ length: 200 }, (_, i) => c.get(`k${i}`));
    expect(c.pendingRequests).toBe(400);
    await Promise.all(sets);
    const values = await Promise.all(gets);
    expect(values.map(String)).toEqual(Array.from({ length: 200 }, (_, i) => `v${i}`));
    expect(c.stats.writes - before).toBe(1);
    // Request order on the wire is call order.
    expect(server.received.slice(0, 3).map((r) => r.argv.join(" "))).toEqual(["SET k0 v0", "SET k1 v1", "SET k2 v2"]);
    expect(c.pendingRequests).toBe(0);
  });

  it("matches replies by id when the server answers out of order", async () => {
    const { client: c } = await setup({ reverseBatches: true });
    await c.mset(Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, `v${i}`])));
    const values = await Promise.all(Array.from({ length: 100 }, (_, i) => c.getString(`k${i}`)));
    expect(values).toEqual(Array.from({ length: 100 }, (_, i) => `v${i}`));
  });

  it("gives each request a distinct id", async () => {
    const { server, client: c } = await setup();
    await Promise.all(Array.from({ length: 50 }, () => c.ping()));
    const ids = server.received.map((r) => r.id);
    expect(new Set(ids).size).toBe(50);
    expect(ids.every((id) => id > 0)).toBe(true);
  });

  it("answers a request larger than the server would take with TOOBIG locally, sparing the calls pipelined with it", async () => {
    const { server, client: c } = await setup({}, { maxRequestFrameBytes: 4096 });
    const before = c.set("ok1", "v");
    const big = c.set("big", "x".repeat(5000));
    const after = c.set("ok2", "v");
    const e = (await rejection(big)) as TesseraError;
    expect(e).toBeInstanceOf(TesseraError);
    expect(e.code).toBe("TOOBIG");
    expect(e.message).toMatch(/larger than the limit of 4096 bytes/);
    expect(await Promise.all([before, after])).toEqual(["OK", "OK"]);
    expect(server.received.map((r) => r.argv[1])).toEqual(["ok1", "ok2"]);
    const many = (await rejection(c.mget(Array.from({ length: 1024 * 1024 + 1 }, () => "")))) as TesseraError;
    expect(many.code).toBe("TOOBIG");
    expect(many.message).toBe("TOOBIG request has more than 1048576 arguments");
    expect(await c.ping()).toBe("PONG");
  });

  it("refuses calls beyond maxPendingRequests at once", async () => {
    const { client: c } = await setup({}, { maxPendingRequests: 3 });
    const ok = [c.ping(), c.ping(), c.ping()];
    const e = (await rejection(c.ping())) as ConnectionError;
    expect(e).toBeInstanceOf(ConnectionError);
    expect(e.reason).toBe("queue-full");
    expect(await Promise.all(ok)).toEqual(["PONG", "PONG", "PONG"]);
    expect(await c.ping()).toBe("PONG");
  });
});

describe("connection loss, reconnect and close", () => {
  it("rejects in-flight requests when the connection drops, then reconnects", async () => {
    const { server, client: c } = await setup({}, { reconnect: { initialDelayMs: 10, maxAttempts: 20 } });
    await c.set("k", "v");
    server.holding = true;
    const inFlight = c.get("k");
    await waitFor(() => server.received.length === 2);
    server.dropConnections();
    const e = (await rejection(inFlight)) as ConnectionError;
    expect(e).toBeInstanceOf(ConnectionError);
    expect(e.reason).toBe("lost");
    server.holding = false;
    expect(await c.getString("k")).toBe("v"); // queued while reconnecting, sent after
    expect(c.stats.reconnects).toBe(1);
    expect(server.connectionsAccepted).toBe(2);
    expect(c.isConnected).toBe(true);
  });

  it("queues requests while the server is down and sends them after it comes back", async () => {
    const { server, client: c } = await setup({}, { reconnect: { initialDelayMs: 20, maxDelayMs: 50, maxAttempts: 100 } });
    const port = server.port;
    await c.set("k", "v");
    await server.stop();
    servers.splice(servers.indexOf(server), 1);
    await waitFor(() => !c.isConnected);
    const queued = [c.set("a", "1"), c.get("a")];
    expect(c.pendingRequests).toBe(2);
    await new Promise((r) => setTimeout(r, 80)); // a few failed attempts
    const revived = await FakeServer.start({}, port);
    servers.push(revived);
    expect(await Promise.all(queued)).toEqual(["OK", Buffer.from("1")]);
    expect(revived.received.map((r) => r.argv.join(" "))).toEqual(["SET a 1", "GET a"]);
  });

  it("rejects queued requests when reconnecting gives up, and refuses calls after", async () => {
    const { server, client: c } = await setup({}, { reconnect: { initialDelayMs: 5, maxAttempts: 2 } });
    await server.stop();
    servers.splice(servers.indexOf(server), 1);
    await waitFor(() => !c.isConnected);
    const e = (await rejection(c.ping())) as ConnectionError;
    expect(e.reason).toBe("not-sent");
    expect(e.message).toMatch(/gave up reconnecting after 2 attempts/);
    expect(((await rejection(c.ping())) as ConnectionError).reason).toBe("closed");
  });

  it("does not reconnect when reconnect is false", async () => {
    const { server, client: c } = await setup({}, { reconnect: false });
    server.holding = true;
    const p = c.ping();
    await waitFor(() => server.received.length === 1);
    server.dropConnections();
    expect(((await rejection(p)) as ConnectionError).reason).toBe("lost");
    expect(((await rejection(c.ping())) as ConnectionError).reason).toBe("closed");
  });

  it("close() waits for replies to requests already sent, then refuses new calls", async () => {
    const { server, client: c } = await setup();
    server.holding = true;
    const p = c.set("k", "v");
    const closed = c.close();
    expect(((await rejection(c.ping())) as ConnectionError).reason).toBe("closed");
    await waitFor(() => server.received.length === 1);
    server.release();
    expect(await p).toBe("OK");
    await closed;
    expect(c.isConnected).toBe(false);
    await waitFor(() => server.sockets.size === 0);
    await c.close(); // idempotent
  });

  it("destroy() rejects what is in flight", async () => {
    const { server, client: c } = await setup();
    server.holding = true;
    const p = c.ping();
    c.destroy();
    expect(((await rejection(p)) as ConnectionError).reason).toBe("closed");
  });

  it("reports a failed connect as ConnectionError('connect-failed')", async () => {
    const server = await FakeServer.start();
    const port = server.port;
    await server.stop();
    const e = (await rejection(TesseraClient.connect({ port }))) as ConnectionError;
    expect(e).toBeInstanceOf(ConnectionError);
    expect(e.reason).toBe("connect-failed");
  });
});

async function waitFor(cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error("waitFor: condition not met in time");
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("protocol trouble", () => {
  it("drops the connection and rejects with reason 'protocol' when a reply has an unknown id", async () => {
    const { createServer } = await import("node:net");
    const { ReplyEncoder } = await import("@tessera/proto");
    const raw = createServer((socket) => {
      socket.on("error", () => {});
      socket.once("data", () => {
        const enc = new ReplyEncoder(256);
        enc.begin(987654); // nobody asked for this id
        enc.ok();
        socket.write(enc.take());
      });
    });
    await new Promise<void>((r) => raw.listen(0, "127.0.0.1", () => r()));
    try {
      const port = (raw.address() as { port: number }).port;
      const c = await TesseraClient.connect({ port, reconnect: false });
      clients.push(c);
      const e = (await rejection(c.ping())) as ConnectionError;
      expect(e.reason).toBe("protocol");
      expect(e.message).toMatch(/unknown request id 987654/);
    } finally {
      await new Promise<void>((r) => raw.close(() => r()));
    }
  });

  it("passes on the server's connection-level error (id 0) when it closes", async () => {
    const { createServer } = await import("node:net");
    const { ReplyEncoder } = await import("@tessera/proto");
    const raw = createServer((socket) => {
      socket.on("error", () => {});
      socket.once("data", () => {
        const enc = new ReplyEncoder(256);
        enc.begin(0);
        enc.error("PROTO", "malformed frame length");
        socket.end(enc.take());
      });
    });
    await new Promise<void>((r) => raw.listen(0, "127.0.0.1", () => r()));
    try {
      const port = (raw.address() as { port: number }).port;
      const c = await TesseraClient.connect({ port, reconnect: false });
      clients.push(c);
      const e = (await rejection(c.ping())) as ConnectionError;
      expect(e.reason).toBe("lost");
      expect(e.message).toMatch(/server said: PROTO malformed frame length/);
    } finally {
      await new Promise<void>((r) => raw.close(() => r()));
    }
  });
});

describe("a full server (max clients)", () => {
  it("counts each refusal as a failed reconnect attempt, backing off and giving up, instead of retrying forever", async () => {
    const { createServer } = await import("node:net");
    const { ReplyEncoder } = await import("@tessera/proto");
    let accepts = 0;
    // Refuses every connection the way Tessera does past maxclients: error under id 0, then close.
    const full = createServer((socket) => {
      accepts++;
      socket.on("error", () => {});
      const enc = new ReplyEncoder(256);
      enc.begin(0);
      enc.error("ERR", "max number of clients reached");
      setTimeout(() => socket.end(enc.take()), 5);
    });
    await new Promise<void>((r) => full.listen(0, "127.0.0.1", () => r()));
    try {
      const port = (full.address() as { port: number }).port;
      const c = await TesseraClient.connect({ port, reconnect: { maxAttempts: 3, initialDelayMs: 10, maxDelayMs: 40 } });
      clients.push(c);
      await new Promise((r) => setTimeout(r, 500));
      expect(accepts).toBe(4); // the first connection and three attempts, then nothing
      const e = (await rejection(c.ping())) as ConnectionError;
      expect(e).toBeInstanceOf(ConnectionError);
      expect(e.reason).toBe("closed");
    } finally {
      full.close();
    }
  });
});

describe("authentication", () => {
  it("sends AUTH first and only then the calls made meanwhile", async () => {
    const { server, client: c } = await setup({ password: "s3cret" }, { password: "s3cret" });
    expect(await c.set("k", "v")).toBe("OK");
    expect(server.received.map((r) => r.argv.join(" "))).toEqual(["AUTH s3cret", "SET k v"]);
  });

  it("sends the user name when one is given", async () => {
    const { server, client: c } = await setup({ password: "pw" }, { username: "default", password: "pw" });
    expect(await c.ping()).toBe("PONG");
    expect(server.received[0]!.argv).toEqual(["AUTH", "default", "pw"]);
  });

  it("rejects connect with the server's WRONGPASS error when the password is wrong", async () => {
    const server = await FakeServer.start({ password: "right" });
    servers.push(server);
    const e = (await rejection(TesseraClient.connect({ port: server.port, password: "wrong" }))) as TesseraError;
    expect(e).toBeInstanceOf(TesseraError);
    expect(e.code).toBe("WRONGPASS");
    expect(e.message).toBe("WRONGPASS invalid username-password pair or user is disabled.");
    await waitFor(() => server.sockets.size === 0);
  });

  it("without a password, commands get the server's NOAUTH error", async () => {
    const { client: c } = await setup({ password: "pw" });
    const e = (await rejection(c.get("k"))) as TesseraError;
    expect(e).toBeInstanceOf(TesseraError);
    expect(e.code).toBe("NOAUTH");
  });

  it("authenticates again on every reconnect before sending what was queued", async () => {
    const { server, client: c } = await setup({ password: "pw" }, { password: "pw", reconnect: { initialDelayMs: 10, maxAttempts: 20 } });
    await c.set("k", "v");
    server.dropConnections();
    await waitFor(() => !c.isConnected);
    expect(await c.getString("k")).toBe("v");
    expect(c.stats.reconnects).toBe(1);
    expect(server.received.map((r) => r.argv.join(" "))).toEqual(["AUTH pw", "SET k v", "AUTH pw", "GET k"]);
  });

  it("gives up, rejecting what was queued, when a reconnect's AUTH is refused", async () => {
    const { server, client: c } = await setup({ password: "pw" }, { password: "pw", reconnect: { initialDelayMs: 10, maxAttempts: 20 } });
    const port = server.port;
    await server.stop();
    servers.splice(servers.indexOf(server), 1);
    await waitFor(() => !c.isConnected);
    const queued = c.ping();
    const changed = await FakeServer.start({ password: "new-password" }, port);
    servers.push(changed);
    const e = (await rejection(queued)) as ConnectionError;
    expect(e).toBeInstanceOf(ConnectionError);
    expect(e.reason).toBe("not-sent");
    expect(e.message).toMatch(/refused authentication: WRONGPASS/);
    expect(((await rejection(c.ping())) as ConnectionError).reason).toBe("closed");
    expect(changed.received.map((r) => r.argv[0])).toEqual(["AUTH"]);
  });

  it("refuses a user name without a password", async () => {
    await expect(TesseraClient.connect({ port: 1, username: "default" })).rejects.toThrow(/username needs password/);
  });
});
