/**
 * The RESP front end over a real socket, with the router in front of in-process fake
 * partitions (no workers): wire format, pipelining order, protocol errors and closes, SCAN
 * mapping, QUIT, HELLO 3.
 */
import { connect, type Socket } from "node:net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { defaultConfig } from "../src/config.js";
import { RespServer } from "../src/resp/resp-server.js";
import { Router } from "../src/router.js";
import { executeServerCommand } from "../src/server-commands/index.js";
import { decodeFakeReply, FakePartition } from "./support/fake-partition.js";

let router: Router;
let resp: RespServer;
let port: number;
const fakes: FakePartition[] = [];
/** Reply delay of the fake partitions; null = hold replies until released. */
let delayMs: () => number | null = () => Math.floor(Math.random() * 3);

async function startRig(overrides: Partial<ReturnType<typeof defaultConfig>> = {}): Promise<void> {
  fakes.length = 0;
  const config = { ...defaultConfig(), partitions: 3, respPort: 0, maxValueBytes: 1024, maxFrameBytes: 4096, ...overrides };
  router = new Router({
    config,
    createPartition: (id, callbacks) => {
      const f = new FakePartition(id, callbacks, { delayMs: () => delayMs() });
      fakes.push(f);
      return f;
    },
    decodeReply: decodeFakeReply,
    executeServerCommand,
  });
  await router.start();
  resp = new RespServer({ router, config });
  port = await resp.listen(0);
}

beforeEach(async () => {
  delayMs = () => Math.floor(Math.random() * 3);
  await startRig();
});

afterEach(async () => {
  for (const f of fakes) f.releaseReversed();
  await resp.close(1000);
  await router.stop();
});

async function restartRig(overrides: Partial<ReturnType<typeof defaultConfig>>): Promise<void> {
  await resp.close(1000);
  await router.stop();
  await startRig(overrides);
}

/** A raw client: send bytes, read until `until` says the reply is complete or the socket closes. */
class RawClient {
  readonly socket: Socket;
  private received = "";
  closed = false;
  private waiters: (() => void)[] = [];
  constructor() {
    this.socket = connect({ port, host: "127.0.0.1", noDelay: true });
    this.socket.on("data", (d) => {
      this.received += d.toString("latin1");
      this.wake();
    });
    this.socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
    this.socket.on("error", () => {});
  }
  private wake() {
    for (const w of this.waiters.splice(0)) w();
  }
  send(bytes: string): void {
    this.socket.write(Buffer.from(bytes, "latin1"));
  }
  /** Waits until `n` bytes... or the text contains `needle`, or close; returns everything received so far and clears it. */
  async read(done: (text: string) => boolean, timeoutMs = 3000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.received) && !this.closed && Date.now() < deadline) {
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
    const t = this.received;
    this.received = "";
    return t;
  }
  async waitClosed(timeoutMs = 3000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    return this.closed;
  }
  close(): void {
    this.socket.destroy();
  }
}

const cmd = (...argv: string[]) => `*${argv.length}\r\n` + argv.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("");
const lines = (n: number) => (t: string) => t.split("\r\n").length - 1 >= n;

describe("RespServer", () => {
  it("answers PING, SET, GET with Redis's wire format", async () => {
    const c = new RawClient();
    c.send(cmd("PING") + cmd("SET", "k", "v") + cmd("GET", "k") + cmd("GET", "missing") + cmd("ECHO", "hi"));
    expect(await c.read(lines(7))).toBe("+PONG\r\n+OK\r\n$1\r\nv\r\n$-1\r\n$2\r\nhi\r\n");
    c.close();
  });

  it("keeps pipelined replies in order across partitions", async () => {
    const c = new RawClient();
    let wire = "";
    let expected = "";
    for (let i = 0; i < 200; i++) {
      wire += cmd("SET", `key:${i}`, `v${i}`) + cmd("GET", `key:${i}`) + cmd("PING", `p${i}`);
      expected += `+OK\r\n$${`v${i}`.length}\r\nv${i}\r\n$${`p${i}`.length}\r\np${i}\r\n`;
    }
    c.send(wire);
    expect(await c.read((t) => t.length >= expected.length)).toBe(expected);
    c.close();
  });

  it("accepts inline commands", async () => {
    const c = new RawClient();
    c.send('SET greeting "hello world"\r\nGET greeting\r\n');
    expect(await c.read(lines(3))).toBe("+OK\r\n$11\r\nhello world\r\n");
    c.close();
  });

  it("answers unknown commands in Redis's words and keeps the connection", async () => {
    const c = new RawClient();
    c.send(cmd("FOO", "a", "b") + cmd("BAR") + cmd("PING"));
    expect(await c.read(lines(3))).toBe(
      "-ERR unknown command 'FOO', with args beginning with: 'a' 'b' \r\n-ERR unknown command 'BAR', with args beginning with: \r\n+PONG\r\n",
    );
    c.close();
  });

  it("answers arity errors", async () => {
    const c = new RawClient();
    c.send(cmd("GET") + cmd("SET", "k"));
    expect(await c.read(lines(2))).toBe(
      "-ERR wrong number of arguments for 'get' command\r\n-ERR wrong number of arguments for 'set' command\r\n",
    );
    c.close();
  });

  for (const [what, wire, message] of [
    ["invalid multibulk length", "*abc\r\n", "Protocol error: invalid multibulk length"],
    ["invalid bulk length", "*2\r\n$3\r\nGET\r\n$99999\r\n", "Protocol error: invalid bulk length"],
    ["unbalanced quotes", 'SET "k v\r\n', "Protocol error: unbalanced quotes in request"],
  ] as const) {
    it(`replies to ${what} after earlier replies, closes, and other clients keep working`, async () => {
      const bad = new RawClient();
      const good = new RawClient();
      bad.send(cmd("SET", "a", "1") + cmd("GET", "a") + wire + cmd("PING"));
      expect(await bad.read(lines(4))).toBe(`+OK\r\n$1\r\n1\r\n-ERR ${message}\r\n`);
      expect(await bad.waitClosed()).toBe(true);
      good.send(cmd("PING"));
      expect(await good.read(lines(1))).toBe("+PONG\r\n");
      good.close();
    });
  }

  it("lets an incomplete request wait without affecting others", async () => {
    const slow = new RawClient();
    const other = new RawClient();
    slow.send("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$5\r\nab");
    other.send(cmd("PING"));
    expect(await other.read(lines(1))).toBe("+PONG\r\n");
    slow.send("cde\r\n");
    expect(await slow.read(lines(1))).toBe("+OK\r\n");
    slow.close();
    other.close();
  });

  it("QUIT replies OK after earlier replies and closes; later requests are not run", async () => {
    const c = new RawClient();
    c.send(cmd("SET", "q", "1") + cmd("QUIT") + cmd("SET", "q", "2"));
    expect(await c.read(lines(2))).toBe("+OK\r\n+OK\r\n");
    expect(await c.waitClosed()).toBe(true);
    const d = new RawClient();
    d.send(cmd("GET", "q"));
    expect(await d.read(lines(2))).toBe("$1\r\n1\r\n");
    d.close();
  });

  it("QUIT with arguments replies OK and closes, as Redis ignores them", async () => {
    const c = new RawClient();
    c.send(cmd("QUIT", "now", "please"));
    expect(await c.read(lines(1))).toBe("+OK\r\n");
    expect(await c.waitClosed()).toBe(true);
  });

  it("HELLO 3 answers a map and switches nil to RESP3", async () => {
    const c = new RawClient();
    c.send(cmd("HELLO", "3") + cmd("GET", "nope"));
    const t = await c.read((x) => x.endsWith("_\r\n"));
    expect(t.startsWith("%7\r\n$6\r\nserver\r\n$5\r\nredis\r\n")).toBe(true);
    expect(t).toContain("$5\r\nproto\r\n:3\r\n");
    expect(t.endsWith("_\r\n")).toBe(true);
    c.send(cmd("HELLO", "4"));
    expect(await c.read(lines(1))).toBe("-NOPROTO unsupported protocol version\r\n");
    c.close();
  });

  it("maps Redis SCAN with MATCH/COUNT/TYPE onto the ordered scan and visits every key once", async () => {
    const c = new RawClient();
    let wire = "";
    for (let i = 0; i < 50; i++) wire += cmd("SET", `user:${String(i).padStart(2, "0")}`, "x");
    for (let i = 0; i < 10; i++) wire += cmd("SET", `other:${i}`, "x");
    c.send(wire);
    await c.read(lines(60));
    const seen: string[] = [];
    let cursor = "0";
    for (let page = 0; page < 100; page++) {
      c.send(cmd("SCAN", cursor, "MATCH", "user:*", "COUNT", "7"));
      const t = await c.read((x) => {
        const m = /^\*2\r\n\$\d+\r\n[^\r]*\r\n\*(\d+)\r\n/.exec(x);
        return m !== null && x.split("\r\n").length - 1 >= 4 + 2 * Number(m[1]);
      });
      const parts = t.split("\r\n");
      cursor = parts[2]!;
      const n = Number(parts[3]!.slice(1));
      for (let i = 0; i < n; i++) seen.push(parts[5 + 2 * i]!);
      if (cursor === "0") break;
    }
    expect(cursor).toBe("0");
    expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => `user:${String(i).padStart(2, "0")}`));
    // TYPE other than string: an empty, finished page; bad options: Redis's errors.
    c.send(cmd("SCAN", "0", "TYPE", "hash") + cmd("SCAN", "0", "COUNT", "0") + cmd("SCAN", "0", "COUNT", "x") + cmd("SCAN", "!!"));
    expect(await c.read(lines(7))).toBe(
      "*2\r\n$1\r\n0\r\n*0\r\n-ERR syntax error\r\n-ERR value is not an integer or out of range\r\n-ERR invalid cursor\r\n",
    );
    c.close();
  });

  it("serves INFO keyspace and DBSIZE through the router", async () => {
    const c = new RawClient();
    c.send(cmd("SET", "a", "1") + cmd("SET", "b", "2") + cmd("DBSIZE") + cmd("SELECT", "0") + cmd("SELECT", "3"));
    expect(await c.read(lines(5))).toBe("+OK\r\n+OK\r\n:2\r\n+OK\r\n-ERR DB index is out of range\r\n");
    c.close();
  });

  it("answers a client that half-closes after sending", async () => {
    const c = new RawClient();
    c.socket.end(cmd("PING") + cmd("SET", "h", "1"));
    expect(await c.read(lines(2))).toBe("+PONG\r\n+OK\r\n");
    expect(await c.waitClosed()).toBe(true);
  });

  it("refuses connections past maxclients with Redis's error", async () => {
    await restartRig({ maxClients: 1 });
    const first = new RawClient();
    first.send(cmd("PING"));
    expect(await first.read(lines(1))).toBe("+PONG\r\n");
    const second = new RawClient();
    expect(await second.read(() => false, 1000)).toBe("-ERR max number of clients reached\r\n");
    expect(await second.waitClosed()).toBe(true);
    first.close();
  });

  it("a refused client that keeps its side open and writes cannot hold the server open", async () => {
    await restartRig({ maxClients: 1 });
    const first = new RawClient();
    first.send(cmd("PING"));
    expect(await first.read(lines(1))).toBe("+PONG\r\n");
    // Clients that ignore the refusal: half-open allowed, never end, keep sending.
    const stubborn = Array.from({ length: 20 }, () => {
      const s = connect({ port, host: "127.0.0.1", allowHalfOpen: true });
      s.on("error", () => {});
      s.on("connect", () => s.write(cmd("SET", "k", "v".repeat(1000))));
      return s;
    });
    await new Promise((r) => setTimeout(r, 200));
    first.close();
    const closed = resp.close(200).then(() => "closed");
    const timeout = new Promise((r) => setTimeout(() => r("hung"), 5000));
    expect(await Promise.race([closed, timeout])).toBe("closed");
    for (const s of stubborn) s.destroy();
    await startRig(); // for afterEach
  });

  it("closes a connection whose unsent replies pass --client-output-buffer-limit; others keep working", async () => {
    await restartRig({ clientOutputBufferLimitBytes: 2 * 1024 * 1024, maxValueBytes: 2 * 1024 * 1024 });
    fakes.forEach((f) => f.store.set("big", Buffer.alloc(1024 * 1024, 120)));
    const other = new RawClient();
    const c = new RawClient();
    c.socket.pause();
    c.send(cmd("GET", "big").repeat(200));
    for (let i = 0; i < 500 && router.stats().outputBufferDisconnections === 0; i++) await new Promise((res) => setTimeout(res, 10));
    expect(router.stats().outputBufferDisconnections).toBe(1);
    c.socket.resume(); // (a paused socket does not notice the close)
    expect(await c.waitClosed()).toBe(true);
    other.send(cmd("PING"));
    expect(await other.read(lines(1))).toBe("+PONG\r\n");
    other.close();
  });

  it("stops reading at max-inflight and resumes once replies drain, keeping order", async () => {
    await restartRig({ maxInflightPerConnection: 4 });
    delayMs = () => null; // hold every partition reply
    const c = new RawClient();
    let wire = "";
    for (let i = 0; i < 10; i++) wire += cmd("SET", `bp:${i}`, String(i));
    c.send(wire);
    await new Promise((r) => setTimeout(r, 100));
    // All 10 requests of the one read were submitted; reading is now paused.
    expect(fakes.reduce((n, f) => n + f.held.length, 0)).toBe(10);
    c.send(cmd("GET", "bp:3"));
    await new Promise((r) => setTimeout(r, 100));
    expect(fakes.reduce((n, f) => n + f.held.length, 0)).toBe(10); // the GET was not read yet
    delayMs = () => 0;
    for (const f of fakes) f.releaseReversed();
    expect(await c.read((t) => t.endsWith("$1\r\n3\r\n"))).toBe("+OK\r\n".repeat(10) + "$1\r\n3\r\n");
    c.close();
  });

  it("answers a request split across many small writes", async () => {
    const c = new RawClient();
    const wire = cmd("SET", "split", "x".repeat(500)) + cmd("GET", "split");
    for (let i = 0; i < wire.length; i += 7) {
      c.send(wire.slice(i, i + 7));
      if (i % 70 === 0) await new Promise((r) => setTimeout(r, 1));
    }
    expect(await c.read((t) => t.length >= 5 + 6 + 500 + 2)).toBe("+OK\r\n$500\r\n" + "x".repeat(500) + "\r\n");
    c.close();
  });

  it("HELLO 3 behind owed replies: earlier replies stay RESP2, HELLO is a map, later replies RESP3", async () => {
    delayMs = () => null; // the first GET's reply is owed when HELLO runs
    const c = new RawClient();
    c.send(cmd("GET", "nope") + cmd("HELLO", "3") + cmd("CONFIG", "GET", "databases") + cmd("GET", "nope"));
    await new Promise((r) => setTimeout(r, 50));
    delayMs = () => 0;
    for (const f of fakes) f.releaseReversed();
    const t = await c.read((x) => x.endsWith("_\r\n"));
    expect(t.startsWith("$-1\r\n%7\r\n$6\r\nserver\r\n")).toBe(true);
    expect(t).toContain("$7\r\nmodules\r\n*0\r\n%1\r\n$9\r\ndatabases\r\n$1\r\n1\r\n_\r\n");
    c.close();
  });
});
