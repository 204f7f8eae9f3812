/** The native listener in front of a Router with in-process fake partitions (no workers). */
import { afterEach, describe, expect, it } from "vitest";
import { defaultConfig, type ServerConfig } from "../src/config.js";
import { NativeListener } from "../src/native/native-listener.js";
import { Router } from "../src/router.js";
import { executeServerCommand } from "../src/server-commands/index.js";
import { bulk, NIL, OK } from "./support/collecting-target.js";
import { decodeFakeReply, FakePartition } from "./support/fake-partition.js";
import { RawNativeClient } from "./support/raw-native-client.js";

interface Rig {
  router: Router;
  listener: NativeListener;
  fakes: FakePartition[];
  port: number;
  clients: RawNativeClient[];
  connect(): Promise<RawNativeClient>;
}

let current: Rig | null = null;

async function rig(overrides: Partial<ServerConfig> = {}, delayMs: () => number | null = () => 0): Promise<Rig> {
  const fakes: FakePartition[] = [];
  const router = new Router({
    config: { ...defaultConfig(), partitions: 2, ...overrides },
    createPartition: (id, cb) => {
      const f = new FakePartition(id, cb, { delayMs });
      fakes.push(f);
      return f;
    },
    decodeReply: decodeFakeReply,
    executeServerCommand,
  });
  await router.start();
  const listener = new NativeListener(router);
  const port = await listener.listen("127.0.0.1", 0);
  const r: Rig = {
    router,
    listener,
    fakes,
    port,
    clients: [],
    async connect() {
      const c = await RawNativeClient.connect(port);
      r.clients.push(c);
      return c;
    },
  };
  current = r;
  return r;
}

afterEach(async () => {
  if (current === null) return;
  for (const c of current.clients) c.close();
  current.listener.destroyAll();
  await current.listener.close();
  await current.router.stop();
  current = null;
});

const EMPTY = new Uint8Array(0);

describe("native listener", () => {
  it("answers a pipeline with one reply per request, ids echoed, in order", async () => {
    const r = await rig({}, () => Math.floor(Math.random() * 3));
    const c = await r.connect();
    for (let i = 1; i <= 200; i++) {
      if (i % 2) c.queue(i, ["SET", `k${i}`, `v${i}`]);
      else c.queue(i, ["GET", `k${i - 1}`]);
    }
    c.flush();
    const frames = await c.waitFrames(200);
    expect(frames.map((f) => f.id)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(frames[0]!.value).toEqual(OK);
    expect(frames[1]!.value).toEqual(bulk("v1"));
  });

  it("answers an unknown command and wrong arity, and stays usable", async () => {
    const r = await rig();
    const c = await r.connect();
    expect(await c.call(1, ["NOPE", "x"])).toEqual({ kind: "error", code: "ERR", message: "unknown command 'NOPE'" });
    expect(await c.call(2, ["GET"])).toEqual({ kind: "error", code: "ERR", message: "wrong number of arguments for 'get' command" });
    expect(await c.call(3, ["GET", "missing"])).toEqual(NIL);
    expect(await c.call(4, ["PING"])).toEqual({ kind: "status", text: "PONG" });
  });

  it("answers a malformed length prefix with PROTO and closes; other connections are unaffected", async () => {
    const r = await rig();
    const bad = await r.connect();
    const good = await r.connect();
    bad.writeRaw(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]));
    await bad.waitClosed();
    expect(bad.frames).toHaveLength(1);
    expect(bad.frames[0]!.value).toMatchObject({ kind: "error", code: "PROTO" });
    expect(await good.call(9, ["PING"])).toEqual({ kind: "status", text: "PONG" });
  });

  it("answers a frame over max-frame-bytes with TOOBIG and closes", async () => {
    const r = await rig({ maxFrameBytes: 4096 });
    const c = await r.connect();
    // Length prefix announcing 100000 bytes (varint), then a little of the body.
    c.writeRaw(Uint8Array.from([0xa0, 0x8d, 0x06, 1, 2, 3]));
    await c.waitClosed();
    expect(c.frames[0]!.value).toMatchObject({ kind: "error", code: "TOOBIG" });
  });

  it("answers a request whose body is not a valid Request but whose frame is intact, and stays usable", async () => {
    const r = await rig();
    const c = await r.connect();
    // Frame of 2 bytes: field 0 tag (illegal).
    c.writeRaw(Uint8Array.from([2, 0x00, 0x00]));
    await c.waitFrames(1);
    expect(c.frames[0]!.value).toMatchObject({ kind: "error", code: "PROTO" });
    expect(await c.call(5, ["PING"])).toEqual({ kind: "status", text: "PONG" });
  });

  it("answers a request with more than 1,048,576 arguments with TOOBIG under its own id, and stays usable", async () => {
    const r = await rig();
    const c = await r.connect();
    const args: (string | Uint8Array)[] = ["DEL"];
    for (let i = 0; i <= 1024 * 1024; i++) args.push(EMPTY);
    c.queue(9, args);
    c.queue(10, ["PING"]);
    c.flush();
    const frames = await c.waitFrames(2);
    expect(frames[0]).toEqual({ id: 9, value: { kind: "error", code: "TOOBIG", message: "request has more than 1048576 arguments" } });
    expect(frames[1]).toEqual({ id: 10, value: { kind: "status", text: "PONG" } });
  });

  it("refuses connections over maxclients with an error and keeps serving the others", async () => {
    const r = await rig({ maxClients: 2 });
    const a = await r.connect();
    const b = await r.connect();
    await a.call(1, ["PING"]);
    await b.call(1, ["PING"]);
    const c = await r.connect();
    await c.waitClosed();
    expect(c.frames[0]!.value).toEqual({ kind: "error", code: "ERR", message: "max number of clients reached" });
    expect(await a.call(2, ["PING"])).toEqual({ kind: "status", text: "PONG" });
    expect(r.router.stats().rejectedConnections).toBe(1);
  });

  it("stops reading a connection at max-inflight and resumes when replies drain", async () => {
    const r = await rig({ maxInflightPerConnection: 4 }, () => null);
    const c = await r.connect();
    for (let i = 1; i <= 20; i++) c.queue(i, ["GET", `k${i}`]);
    c.flush();
    await new Promise((res) => setTimeout(res, 100));
    const submitted = () => r.fakes.reduce((n, f) => n + f.submitted.length, 0);
    expect(submitted()).toBe(4);
    for (let round = 0; round < 20 && c.frames.length < 20; round++) {
      for (const f of r.fakes) f.releaseReversed();
      await new Promise((res) => setTimeout(res, 20));
    }
    const frames = await c.waitFrames(20);
    expect(frames.map((f) => f.id)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(submitted()).toBe(20);
  });

  it("stops reading a connection whose replies are not being read, and catches up when they are", async () => {
    // The two limits together bound memory: at most max-inflight replies are produced after
    // the socket stops draining.
    const r = await rig({ maxInflightPerConnection: 256 });
    const c = await r.connect();
    const big = "x".repeat(4 * 1024);
    r.fakes.forEach((f) => f.store.set("big", Buffer.from(big)));
    c.socket.pause(); // the client stops reading its replies
    const total = 10_000; // 10k x 4 KiB = 40 MiB of replies if nothing pushed back
    for (let i = 1; i <= total; i++) c.queue(i, ["GET", "big"]);
    c.flush();
    await new Promise((res) => setTimeout(res, 500));
    const submitted = () => r.fakes.reduce((n, f) => n + f.submitted.length, 0);
    const stalled = submitted();
    expect(stalled).toBeLessThan(total);
    console.log(`write backpressure: reading stopped after ${stalled} of ${total} requests`);
    await new Promise((res) => setTimeout(res, 300));
    expect(submitted()).toBe(stalled); // still stalled: nothing is read while writes do not drain
    c.socket.resume();
    const frames = await c.waitFrames(total, 30_000);
    expect(frames).toHaveLength(total);
    expect(frames[total - 1]!.id).toBe(total);
  });

  it("closes a connection whose unsent replies pass --client-output-buffer-limit; others keep working", async () => {
    const r = await rig({ clientOutputBufferLimitBytes: 2 * 1024 * 1024, maxInflightPerConnection: 64 });
    r.fakes.forEach((f) => f.store.set("big", Buffer.alloc(1024 * 1024, 120)));
    const other = await r.connect();
    const c = await r.connect();
    c.socket.pause(); // stops reading its replies
    for (let i = 1; i <= 200; i++) c.queue(i, ["GET", "big"]);
    c.flush();
    for (let i = 0; i < 500 && r.router.stats().outputBufferDisconnections === 0; i++) await new Promise((res) => setTimeout(res, 10));
    expect(r.router.stats().outputBufferDisconnections).toBe(1);
    c.socket.resume(); // (a paused socket does not notice the close)
    await c.waitClosed();
    expect(r.router.sessionCount).toBe(1);
    expect(await other.call(1, ["PING"])).toEqual({ kind: "status", text: "PONG" });
  });

  it("closes after QUIT's OK", async () => {
    const r = await rig();
    const c = await r.connect();
    c.queue(1, ["QUIT"]);
    c.queue(2, ["SET", "after-quit", "1"]);
    c.flush();
    await c.waitClosed();
    expect(c.frames).toEqual([{ id: 1, value: OK }]);
    expect(r.fakes.some((f) => f.store.has("after-quit"))).toBe(false);
  });
});
