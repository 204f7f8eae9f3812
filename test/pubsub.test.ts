/**
 * End-to-end: pub/sub on the real server (2 partitions) through ioredis and node-redis on the
 * RESP port, and raw RESP for the exact bytes: SUBSCRIBE/PSUBSCRIBE confirmations, messages and
 * pattern messages, PUBLISH's receiver counts, UNSUBSCRIBE, PUBSUB introspection, RESP2's
 * subscribed mode, RESP3 pushes, ordering behind owed replies, and the native port's push frames
 * and client (which subscribes again after a reconnect).
 */
import { Redis } from "ioredis";
import { createClient } from "redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TesseraClient } from "@tessera/client";
import { RawClient } from "./support/raw-client.js";
import { RawNativeClient } from "../packages/router/test/support/raw-native-client.js";
import { plain } from "./support/clients.js";
import { startServer, type ServerProcess } from "./support/server-process.js";

let server: ServerProcess;
let pub: Redis;
const opened: Redis[] = [];

async function connect(): Promise<Redis> {
  const c = new Redis({ port: server.respPort, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0 });
  opened.push(c);
  await c.connect();
  return c;
}

const until = async (done: () => boolean, ms = 5000): Promise<void> => {
  const end = Date.now() + ms;
  while (!done() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
};

beforeAll(async () => {
  server = await startServer({ partitions: 2, resp: true });
  pub = await connect();
});

afterAll(async () => {
  for (const c of opened) c.disconnect();
  await server?.stop();
});

describe("SUBSCRIBE / PUBLISH", () => {
  it("delivers messages and pattern messages, and PUBLISH counts the receivers", async () => {
    const sub = await connect();
    const psub = await connect();
    const got: string[] = [];
    sub.on("message", (ch: string, msg: string) => got.push(`message ${ch} ${msg}`));
    psub.on("pmessage", (pattern: string, ch: string, msg: string) => got.push(`pmessage ${pattern} ${ch} ${msg}`));
    expect(await sub.subscribe("news", "sport")).toBe(2);
    expect(await psub.psubscribe("n*")).toBe(1);
    expect(await pub.publish("news", "hello")).toBe(2);
    expect(await pub.publish("sport", "goal")).toBe(1);
    expect(await pub.publish("weather", "rain")).toBe(0);
    await until(() => got.length === 3);
    expect(got.sort()).toEqual(["message news hello", "message sport goal", "pmessage n* news hello"]);
    expect(await sub.unsubscribe("news")).toBe(1);
    expect(await pub.publish("news", "again")).toBe(1); // the pattern subscriber only
    await sub.unsubscribe();
    await psub.punsubscribe();
    expect(await pub.publish("news", "nobody")).toBe(0);
  });

  it("binary-safe channels and messages", async () => {
    const sub = await connect();
    const got: Buffer[] = [];
    sub.on("messageBuffer", (_ch: Buffer, msg: Buffer) => got.push(msg));
    const channel = Buffer.from([0, 1, 255, 10]);
    await sub.subscribe(channel as unknown as string);
    const payload = Buffer.from([13, 10, 0, 200]);
    expect(await pub.publish(channel as unknown as string, payload as unknown as string)).toBe(1);
    await until(() => got.length === 1);
    expect(got[0]).toEqual(payload);
    await sub.unsubscribe();
  });

  it("PUBSUB CHANNELS / NUMSUB / NUMPAT, and a closed subscriber leaves its channels", async () => {
    const a = await connect();
    const b = await connect();
    await a.subscribe("room:1", "room:2");
    await b.subscribe("room:1");
    await b.psubscribe("room:*", "x*");
    expect(((await pub.pubsub("CHANNELS", "room:*")) as string[]).sort()).toEqual(["room:1", "room:2"]);
    expect(await pub.pubsub("NUMSUB", "room:1", "room:2", "room:3")).toEqual(["room:1", 2, "room:2", 1, "room:3", 0]);
    expect(await pub.pubsub("NUMPAT")).toBe(2);
    expect(await pub.info("stats")).toMatch(/pubsub_channels:2\r\npubsub_patterns:2\r\n/);
    const list = (await pub.client("LIST")) as string;
    expect(list).toMatch(/ sub=2 psub=0 /);
    expect(list).toMatch(/ sub=1 psub=2 /);
    a.disconnect();
    b.disconnect();
    await until(() => false, 100);
    expect(await pub.pubsub("NUMSUB", "room:1")).toEqual(["room:1", 0]);
    expect(await pub.pubsub("NUMPAT")).toBe(0);
    await expect(pub.call("PUBSUB", "NOPE")).rejects.toThrow("ERR unknown subcommand 'NOPE'. Try PUBSUB HELP.");
  });

  it("PUBLISH inside MULTI runs at EXEC", async () => {
    const sub = await connect();
    const got: string[] = [];
    sub.on("message", (_c: string, m: string) => got.push(m));
    await sub.subscribe("txn-ch");
    expect(await pub.multi().set("{p}k", "1").publish("txn-ch", "from-exec").exec()).toEqual([
      [null, "OK"],
      [null, 1],
    ]);
    await until(() => got.length === 1);
    expect(got).toEqual(["from-exec"]);
    await sub.unsubscribe();
  });
});

describe("edges", () => {
  it("PUBLISH queued in a transaction that a failed WATCH cancels is not sent", async () => {
    const sub = await connect();
    const got: string[] = [];
    sub.on("message", (_c: string, m: string) => got.push(m));
    await sub.subscribe("cancelled");
    const a = await connect();
    await a.watch("{e}w");
    await pub.set("{e}w", "changed");
    expect(await a.multi().set("{e}x", "1").publish("cancelled", "must-not-arrive").exec()).toBeNull();
    expect(await a.multi().set("{e}x", "1").publish("cancelled", "arrives").exec()).toEqual([
      [null, "OK"],
      [null, 1],
    ]);
    await until(() => got.length >= 1);
    await until(() => false, 50);
    expect(got).toEqual(["arrives"]);
  });

  it("after QUIT nothing more is pushed and the connection no longer counts as a subscriber", async () => {
    const raw = new RawClient(server.respPort);
    try {
      await raw.exchange("SUBSCRIBE q\r\n", 28);
      expect(await raw.exchange("QUIT\r\n", 5)).toBe("+OK\r\n");
      expect(await pub.publish("q", "late")).toBe(0);
      expect(await pub.pubsub("NUMSUB", "q")).toEqual(["q", 0]);
      await raw.until(() => raw.closed);
      expect(raw.received.endsWith("+OK\r\n")).toBe(true);
    } finally {
      raw.socket.destroy();
    }
  });

  it("subscribed RESP2: PING with two arguments is an arity error, SCAN is refused by its name, RESET leaves", async () => {
    const raw = new RawClient(server.respPort);
    try {
      await raw.exchange("CLIENT SETNAME resetme\r\n", 5);
      await raw.exchange("SUBSCRIBE r\r\n", 28);
      expect(await raw.exchange("PING a b\r\n", 10)).toBe("-ERR wrong number of arguments for 'ping' command\r\n");
      expect(await raw.exchange("SCAN 0 COUNT x\r\n", 10)).toMatch(/^-ERR Can't execute 'scan': only/);
      expect(((await pub.client("LIST")) as string).split("\n").find((l) => l.includes("name=resetme"))).toMatch(/ flags=P .* sub=1 /);
      expect(await raw.exchange("RESET\r\n", 8)).toBe("+RESET\r\n");
      expect(await pub.pubsub("NUMSUB", "r")).toEqual(["r", 0]);
      expect(await raw.exchange("CLIENT GETNAME\r\n", 5)).toBe("$-1\r\n");
      expect(await raw.exchange("MULTI\r\nSET {e}r 1\r\nRESET\r\nGET {e}r\r\n", 5 + 9 + 8 + 5)).toBe("+OK\r\n+QUEUED\r\n+RESET\r\n$-1\r\n");
    } finally {
      raw.socket.destroy();
    }
  });
});

describe("the wire (raw RESP)", () => {
  it("RESP2: confirmations and messages are arrays; a subscribed connection takes only pub/sub commands and PING", async () => {
    const raw = new RawClient(server.respPort);
    try {
      expect(await raw.exchange("SUBSCRIBE a b\r\n", 60)).toBe("*3\r\n$9\r\nsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$9\r\nsubscribe\r\n$1\r\nb\r\n:2\r\n");
      expect(await raw.exchange("GET k\r\n", 10)).toBe(
        "-ERR Can't execute 'get': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context\r\n",
      );
      expect(await raw.exchange("PING\r\n", 10)).toBe("*2\r\n$4\r\npong\r\n$0\r\n\r\n");
      const before = raw.received.length;
      await pub.publish("a", "hi");
      await raw.until(() => raw.received.length - before >= 30);
      expect(raw.received.slice(before)).toBe("*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$2\r\nhi\r\n");
      expect(await raw.exchange("UNSUBSCRIBE\r\n", 60)).toBe("*3\r\n$11\r\nunsubscribe\r\n$1\r\na\r\n:1\r\n*3\r\n$11\r\nunsubscribe\r\n$1\r\nb\r\n:0\r\n");
      expect(await raw.exchange("UNSUBSCRIBE\r\n", 20)).toBe("*3\r\n$11\r\nunsubscribe\r\n$-1\r\n:0\r\n");
      // Out of subscribed mode: ordinary commands again.
      expect(await raw.exchange("PING\r\n", 7)).toBe("+PONG\r\n");
    } finally {
      raw.socket.destroy();
    }
  });

  it("RESP3: confirmations and messages are pushes (>), and other commands keep working", async () => {
    const raw = new RawClient(server.respPort);
    try {
      await raw.exchange("HELLO 3\r\n", 1);
      await raw.until(() => raw.received.includes("proto"));
      raw.received = "";
      expect(await raw.exchange("SUBSCRIBE c\r\n", 28)).toBe(">3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n");
      expect(await raw.exchange("PING\r\n", 7)).toBe("+PONG\r\n");
      const before = raw.received.length;
      await pub.publish("c", "x");
      await raw.until(() => raw.received.length - before >= 29);
      expect(raw.received.slice(before)).toBe(">3\r\n$7\r\nmessage\r\n$1\r\nc\r\n$1\r\nx\r\n");
    } finally {
      raw.socket.destroy();
    }
  });

  it("a message waits behind the replies its subscriber is still owed", async () => {
    const raw = new RawClient(server.respPort);
    try {
      await raw.exchange("HELLO 3\r\n", 1);
      await raw.until(() => raw.received.includes("proto"));
      raw.received = "";
      await raw.exchange("SUBSCRIBE d\r\n", 28);
      raw.received = "";
      // A pipeline of partition reads, then a publish from this same connection: the message may
      // not overtake the GET replies written before it.
      const gets = Array.from({ length: 50 }, (_, i) => `GET ord:${i}\r\n`).join("");
      raw.socket.write(`${gets}PUBLISH d m\r\n`);
      await raw.until(() => raw.received.endsWith(":1\r\n"));
      // Every GET reply (nil: "_"), then the message, then PUBLISH's own reply, as Redis orders them.
      expect(raw.received).toBe(`${"_\r\n".repeat(50)}>3\r\n$7\r\nmessage\r\n$1\r\nd\r\n$1\r\nm\r\n:1\r\n`);
    } finally {
      raw.socket.destroy();
    }
  });
});

describe("a subscriber that stops reading", () => {
  it("is closed at --client-output-buffer-limit; the publisher and other subscribers carry on", async () => {
    const small = await startServer({ partitions: 1, resp: true, args: ["--client-output-buffer-limit", "256kb"] });
    const slow = new RawClient(small.respPort);
    const p = new Redis({ port: small.respPort, host: "127.0.0.1", maxRetriesPerRequest: 0 });
    const good = new Redis({ port: small.respPort, host: "127.0.0.1", maxRetriesPerRequest: 0 });
    try {
      let received = 0;
      good.on("message", () => received++);
      await good.subscribe("flood");
      await slow.exchange("SUBSCRIBE flood\r\n", 30);
      slow.socket.pause(); // reads nothing more: the kernel buffers fill, then the server's
      const payload = "x".repeat(64 * 1024);
      // Up to 128 MiB: past what the loopback socket buffers absorb, then past the limit. Once the
      // server has closed the slow subscriber, PUBLISH counts one receiver.
      let sent = 0;
      let receivers = 2;
      for (; sent < 2000 && receivers === 2; sent++) receivers = await p.publish("flood", payload);
      expect(receivers).toBe(1);
      await until(() => received === sent);
      expect(received).toBe(sent);
      expect(small.output()).toMatch(/closing connection .* over --client-output-buffer-limit/);
    } finally {
      slow.socket.destroy();
      p.disconnect();
      good.disconnect();
      await small.stop();
    }
  });
});

describe("clients", () => {
  it("node-redis RESP3 subscribe", async () => {
    const sub = createClient({ socket: { port: server.respPort, host: "127.0.0.1" }, RESP: 3 });
    sub.on("error", () => {});
    await sub.connect();
    try {
      const got: string[] = [];
      await sub.subscribe("nr-ch", (m: string) => got.push(m));
      expect(await pub.publish("nr-ch", "one")).toBe(1);
      await until(() => got.length === 1);
      expect(got).toEqual(["one"]);
      // RESP3: the same connection still runs commands.
      expect(await sub.ping()).toBe("PONG");
      await sub.unsubscribe("nr-ch");
      expect(await pub.publish("nr-ch", "two")).toBe(0);
    } finally {
      await sub.quit().catch(() => {});
    }
  });

  it("the native client: subscribe, psubscribe and publish, binary-safe, across protocols", async () => {
    const c = await TesseraClient.connect({ port: server.port });
    const p = await TesseraClient.connect({ port: server.port });
    try {
      const got: string[] = [];
      await c.subscribe(["native-ch", Buffer.from([0, 255])], (m, ch) => got.push(`${ch.toString("hex")}:${m.toString("hex")}`));
      await c.psubscribe("nat*", (m, ch, pat) => got.push(`p ${pat.toString()} ${ch.toString()} ${m.toString()}`));
      // The subscribed connection keeps running commands.
      expect(await c.set("{nat}k", "v")).toBe("OK");
      expect(await p.publish("native-ch", "m1")).toBe(2); // the channel and the pattern
      expect(await pub.publish(Buffer.from([0, 255]) as unknown as string, Buffer.from([1, 2]) as unknown as string)).toBe(1);
      await until(() => got.length === 3);
      expect(got.sort()).toEqual([`00ff:0102`, `${Buffer.from("native-ch").toString("hex")}:${Buffer.from("m1").toString("hex")}`, "p nat* native-ch m1"].sort());
      expect(await p.command("PUBSUB", "NUMSUB", "native-ch")).toEqual([Buffer.from("native-ch"), 1]);
      await c.unsubscribe();
      await c.punsubscribe();
      expect(await p.publish("native-ch", "m2")).toBe(0);
    } finally {
      await c.close();
      await p.close();
    }
  });

  it("the native client: PUBLISH to its own channel inside a MULTI that touches a partition; the message follows EXEC's reply", async () => {
    const c = await TesseraClient.connect({ port: server.port });
    try {
      const got: string[] = [];
      await c.subscribe("selfch", (m) => got.push(m.toString()));
      expect(await c.multi().command("SET", "{n}self", "v").command("PUBLISH", "selfch", "hello").exec()).toEqual(["OK", 1]);
      await until(() => got.length === 1);
      expect(got).toEqual(["hello"]);
      expect(await c.getString("{n}self")).toBe("v"); // the connection carries on
      await c.unsubscribe();
    } finally {
      await c.close();
    }
  });

  it("native SUBSCRIBE answers one reply (the confirmations as an array); messages are push frames", async () => {
    const raw = await RawNativeClient.connect(server.port);
    try {
      const confirm = await raw.call(9, ["SUBSCRIBE", "r1", "r2"]);
      expect(plain(confirm)).toEqual([
        ["subscribe", "r1", 1],
        ["subscribe", "r2", 2],
      ]);
      await pub.publish("r2", "hello");
      const [frame] = await raw.waitFrames(2);
      expect(raw.frames[1]!.id).toBe(0);
      expect(plain(raw.frames[1]!.value)).toEqual(["message", "r2", "hello"]);
      expect(frame).toBeDefined();
    } finally {
      raw.close();
    }
  });

  it("the native client subscribes again after its connection is dropped", async () => {
    const c = await TesseraClient.connect({ port: server.port, reconnect: { initialDelayMs: 20 } });
    try {
      const got: string[] = [];
      await c.command("CLIENT", "SETNAME", "resub");
      await c.subscribe("again", (m) => got.push(m.toString()));
      expect(await pub.publish("again", "before")).toBe(1);
      await until(() => got.length === 1);
      const id = ((await pub.client("LIST")) as string).split("\n").find((l) => l.includes("name=resub"))!.match(/^id=(\d+)/)![1]!;
      expect(await pub.client("KILL", "ID", id)).toBe(1);
      await until(() => c.stats.reconnects === 1);
      await until(() => false, 100);
      let receivers = 0;
      for (let i = 0; i < 50 && receivers === 0; i++) {
        receivers = (await pub.publish("again", "after")) as number;
        if (receivers === 0) await new Promise((r) => setTimeout(r, 20));
      }
      expect(receivers).toBe(1);
      await until(() => got.length === 2);
      expect(got).toEqual(["before", "after"]);
    } finally {
      await c.close();
    }
  });
});
