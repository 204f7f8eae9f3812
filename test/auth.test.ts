/**
 * End-to-end: password authentication on the real server (child process) started with
 * --requirepass, on both ports: ioredis with no, a wrong and the right password; a raw RESP
 * socket pipelining AUTH + SET + GET in one write; HELLO's AUTH option; the native client with
 * and without the password; and a server without a password answering AUTH as Redis does.
 * Neither INFO, CONFIG GET, CLIENT LIST nor the server's own output ever shows the password.
 */
import { TesseraClient, TesseraError } from "@tessera/client";
import { Redis, type RedisOptions } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { call } from "./support/clients.js";
import { startServer, type ServerProcess } from "./support/server-process.js";
import { RawClient } from "./support/raw-client.js";

const PASSWORD = "t0p s3cret=pass";
const NOAUTH = "NOAUTH Authentication required.";
const WRONGPASS = "WRONGPASS invalid username-password pair or user is disabled.";
const NO_PASSWORD_CONFIGURED =
  "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?";
const HELLO_NOAUTH =
  "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let secured: ServerProcess;
let open: ServerProcess;
const redisClients: Redis[] = [];
const nativeClients: TesseraClient[] = [];

beforeAll(async () => {
  [secured, open] = await Promise.all([
    startServer({ partitions: 2, resp: true, args: ["--requirepass", PASSWORD] }),
    startServer({ partitions: 1, resp: true }),
  ]);
});

afterAll(async () => {
  for (const c of redisClients) c.disconnect();
  for (const c of nativeClients) c.destroy();
  expect(await secured?.stop()).toBe(0);
  expect(await open?.stop()).toBe(0);
  // The password was on the command line, but the server never writes it anywhere.
  expect(secured.output()).not.toContain(PASSWORD);
});

function redis(port: number, options: RedisOptions = {}): Redis {
  const c = new Redis({ port, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, ...options });
  c.on("error", () => {}); // asserted through the rejected calls
  redisClients.push(c);
  return c;
}

async function rejectionMessage(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("expected the call to be refused");
}


const resp = (...words: string[]) => `*${words.length}\r\n` + words.map((w) => `$${Buffer.byteLength(w)}\r\n${w}\r\n`).join("");

describe("RESP port with --requirepass (ioredis)", () => {
  it("without a password: NOAUTH for commands, the connection stays open; WRONGPASS, then AUTH and commands work", async () => {
    // RESP2: ioredis sends no HELLO, so it connects and each command meets the gate.
    const io = redis(secured.respPort, { protocol: 2, enableReadyCheck: false });
    await io.connect();
    expect(await rejectionMessage(io.set("k", "v"))).toBe(NOAUTH);
    expect(await rejectionMessage(io.get("k"))).toBe(NOAUTH);
    expect(await rejectionMessage(io.ping())).toBe(NOAUTH);
    expect(await rejectionMessage(io.flushall())).toBe(NOAUTH);
    expect(io.status).toBe("ready");
    expect(await rejectionMessage(io.auth("wrong"))).toBe(WRONGPASS);
    expect(await rejectionMessage(io.auth("alice", PASSWORD))).toBe(WRONGPASS);
    expect(await rejectionMessage(io.get("k"))).toBe(NOAUTH);
    expect(await io.auth(PASSWORD)).toBe("OK");
    expect(await io.set("auth:k", "v")).toBe("OK");
    expect(await io.get("auth:k")).toBe("v");
    // The refused commands did not run: nothing but auth:k was written.
    expect(await io.dbsize()).toBe(1);
  });

  it("without a password, ioredis's RESP3 handshake (HELLO 3) is refused with HELLO's NOAUTH", async () => {
    const io = redis(secured.respPort, { enableReadyCheck: false });
    const errors: string[] = [];
    io.on("error", (e: Error) => errors.push(e.message));
    await io.connect().catch((e: Error) => errors.push(e.message));
    const deadline = Date.now() + 5000;
    while (!errors.some((m) => m.includes("NOAUTH")) && Date.now() < deadline) await sleep(10);
    expect(errors.join("\n")).toContain(HELLO_NOAUTH);
  });

  it("with the right password every command works from the start: AUTH (RESP2) and HELLO 3 AUTH (RESP3)", async () => {
    const io = redis(secured.respPort, { password: PASSWORD, protocol: 2 });
    await io.connect();
    expect(await io.set("auth:a", "1")).toBe("OK");
    expect(await io.incr("auth:a")).toBe(2);
    const resp3 = redis(secured.respPort, { password: PASSWORD });
    await resp3.connect();
    expect(await resp3.get("auth:a")).toBe("2");
    const withUser = redis(secured.respPort, { username: "default", password: PASSWORD, protocol: 2 });
    await withUser.connect();
    expect(await withUser.incr("auth:a")).toBe(3);
  });

  it.each([2, 3] as const)("with a wrong password (RESP%i) the server answers WRONGPASS and runs nothing", async (protocol) => {
    const io = redis(secured.respPort, { password: "not it", protocol, enableReadyCheck: false });
    const errors: string[] = [];
    io.on("error", (e: Error) => errors.push(e.message));
    await io.connect().catch((e: Error) => errors.push(e.message));
    const deadline = Date.now() + 5000;
    while (!errors.some((m) => m.includes("WRONGPASS")) && Date.now() < deadline) await sleep(10);
    expect(errors.join("\n")).toContain(WRONGPASS);
    if (io.status === "ready") expect(await rejectionMessage(io.get("k"))).toBe(NOAUTH);
  });

  it("INFO, CONFIG GET and CLIENT LIST never show the password", async () => {
    const io = redis(secured.respPort, { password: PASSWORD });
    await io.connect();
    const info = await io.info("everything");
    expect(info).not.toContain(PASSWORD);
    expect(info).toContain("tcp_port:");
    const config = (await io.config("GET", "*")) as string[];
    expect(config.length).toBeGreaterThan(0);
    for (const v of config) expect(v).not.toContain(PASSWORD);
    expect(String(await io.call("CLIENT", "LIST"))).not.toContain(PASSWORD);
  });
});

describe("RESP port with --requirepass (raw socket)", () => {
  it("answers AUTH + SET + GET pipelined in one write, in order", async () => {
    const raw = new RawClient(secured.respPort);
    const wire = resp("AUTH", PASSWORD) + resp("SET", "auth:raw", "pipelined") + resp("GET", "auth:raw");
    const expected = "+OK\r\n+OK\r\n$9\r\npipelined\r\n";
    expect(await raw.exchange(wire, expected.length)).toBe(expected);
    raw.socket.destroy();
  });

  it("refuses the commands before AUTH in the same pipeline and runs those after it", async () => {
    const raw = new RawClient(secured.respPort);
    const wire = resp("SET", "auth:early", "x") + resp("SCAN", "0", "MATCH", "*") + resp("AUTH", PASSWORD) + resp("GET", "auth:early") + "PING\r\n";
    const expected = `-${NOAUTH}\r\n-${NOAUTH}\r\n+OK\r\n$-1\r\n+PONG\r\n`;
    expect(await raw.exchange(wire, expected.length)).toBe(expected);
    expect(raw.closed).toBe(false);
    raw.socket.destroy();
  });

  it("HELLO needs AUTH first or its AUTH option; QUIT works unauthenticated", async () => {
    const raw = new RawClient(secured.respPort);
    expect(await raw.exchange(resp("HELLO", "3"), HELLO_NOAUTH.length + 3)).toBe(`-${HELLO_NOAUTH}\r\n`);
    expect(await raw.exchange(resp("HELLO", "3", "AUTH", "default", "nope"), WRONGPASS.length + 3)).toBe(`-${WRONGPASS}\r\n`);
    const hello = await raw.exchange(resp("HELLO", "3", "AUTH", "default", PASSWORD), 10);
    expect(hello.startsWith("%7\r\n")).toBe(true); // a RESP3 map: authenticated and switched
    await sleep(50);
    expect(await raw.exchange(resp("GET", "auth:none"), 3)).toBe("_\r\n"); // RESP3 null
    raw.socket.destroy();

    const quitter = new RawClient(secured.respPort);
    expect(await quitter.exchange(resp("QUIT"), 5)).toBe("+OK\r\n");
    const deadline = Date.now() + 5000;
    while (!quitter.closed && Date.now() < deadline) await sleep(10);
    expect(quitter.closed).toBe(true);
  });
});

describe("request size limits before AUTH", () => {
  it("RESP: more than 10 arguments or a bulk over 16 KiB is a protocol error that closes the connection", async () => {
    for (const [wire, message] of [
      [resp("AUTH", ...Array.from({ length: 10 }, (_, i) => String(i))), "-ERR Protocol error: unauthenticated multibulk length\r\n"],
      [resp("AUTH", "x".repeat(16 * 1024 + 1)), "-ERR Protocol error: unauthenticated bulk length\r\n"],
    ] as const) {
      const raw = new RawClient(secured.respPort);
      expect(await raw.exchange(wire, message.length)).toBe(message);
      const deadline = Date.now() + 5000;
      while (!raw.closed && Date.now() < deadline) await sleep(10);
      expect(raw.closed).toBe(true);
    }
  });

  it("RESP: a large value right after AUTH in the same write is accepted", async () => {
    const raw = new RawClient(secured.respPort);
    const value = "v".repeat(200 * 1024);
    const wire = resp("AUTH", PASSWORD) + resp("SET", "auth:big", value) + resp("STRLEN", "auth:big");
    const expected = `+OK\r\n+OK\r\n:${value.length}\r\n`;
    expect(await raw.exchange(wire, expected.length)).toBe(expected);
    raw.socket.destroy();
  });

  it("native: a frame over 64 KiB before AUTH is refused (TOOBIG) and closes; after AUTH large values work", async () => {
    const stranger = await TesseraClient.connect({ port: secured.port, reconnect: false });
    nativeClients.push(stranger);
    let error: unknown;
    try {
      await stranger.set("auth:big-native", Buffer.alloc(100 * 1024, 1));
    } catch (e) {
      error = e;
    }
    expect(String(error)).toMatch(/TOOBIG frame of \d+ bytes is larger than the limit of 65536 bytes for a connection that has not authenticated/);
    const c = await TesseraClient.connect({ port: secured.port, password: PASSWORD, reconnect: false });
    nativeClients.push(c);
    expect(await c.set("auth:big-native", Buffer.alloc(1024 * 1024, 1))).toBe("OK");
    expect(await c.strlen("auth:big-native")).toBe(1024 * 1024);
  });
});

describe("native port with --requirepass", () => {
  it("the client with the password connects and works", async () => {
    const c = await TesseraClient.connect({ port: secured.port, password: PASSWORD, reconnect: false });
    nativeClients.push(c);
    expect(await c.set("auth:native", "yes")).toBe("OK");
    expect(await c.getString("auth:native")).toBe("yes");
  });

  it("a wrong password rejects connect with WRONGPASS", async () => {
    let error: unknown;
    try {
      nativeClients.push(await TesseraClient.connect({ port: secured.port, password: "wrong", reconnect: false }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TesseraError);
    expect((error as TesseraError).code).toBe("WRONGPASS");
    expect((error as TesseraError).message).toBe(WRONGPASS);
  });

  it("without the password: NOAUTH, the connection stays usable, then AUTH", async () => {
    const c = await TesseraClient.connect({ port: secured.port, reconnect: false });
    nativeClients.push(c);
    expect(await call(c, "GET", "auth:native")).toEqual({ error: NOAUTH });
    expect(await call(c, "PING")).toEqual({ error: NOAUTH });
    expect(await call(c, "HELLO", 2)).toEqual({ error: HELLO_NOAUTH });
    expect(await call(c, "AUTH", "wrong")).toEqual({ error: WRONGPASS });
    expect(c.isConnected).toBe(true);
    expect(await call(c, "AUTH", "default", PASSWORD)).toBe("OK");
    expect(await call(c, "GET", "auth:native")).toBe("yes");
  });
});

describe("CONFIG SET requirepass", () => {
  it("rotates the password: new connections need the new one, open ones stay authenticated", async () => {
    const server = await startServer({ partitions: 1, resp: false, args: ["--requirepass", "old-pass"] });
    try {
      const admin = await TesseraClient.connect({ port: server.port, password: "old-pass", reconnect: false });
      nativeClients.push(admin);
      expect(await call(admin, "CONFIG", "SET", "requirepass", "new-pass")).toBe("OK");
      expect(await admin.set("still", "works")).toBe("OK"); // the open connection keeps its authentication
      let error: unknown;
      try {
        nativeClients.push(await TesseraClient.connect({ port: server.port, password: "old-pass", reconnect: false }));
      } catch (e) {
        error = e;
      }
      expect((error as TesseraError).code).toBe("WRONGPASS");
      const fresh = await TesseraClient.connect({ port: server.port, password: "new-pass", reconnect: false });
      nativeClients.push(fresh);
      expect(await fresh.getString("still")).toBe("works");
      expect(JSON.stringify(await call(fresh, "CONFIG", "GET", "*"))).not.toContain("new-pass");
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });
});

describe("server without --requirepass", () => {
  it("answers AUTH <password> with Redis's error and AUTH default <anything> with OK", async () => {
    const raw = new RawClient(open.respPort);
    const wire = resp("AUTH", "pw") + resp("AUTH", "default", "anything") + resp("AUTH", "bob", "pw") + resp("SET", "k", "v");
    const expected = `-${NO_PASSWORD_CONFIGURED}\r\n+OK\r\n-${WRONGPASS}\r\n+OK\r\n`;
    expect(await raw.exchange(wire, expected.length)).toBe(expected);
    raw.socket.destroy();

    const io = redis(open.respPort);
    await io.connect();
    expect(await rejectionMessage(io.auth("pw"))).toBe(NO_PASSWORD_CONFIGURED);
    expect(await io.get("k")).toBe("v");

    const c = await TesseraClient.connect({ port: open.port, reconnect: false });
    nativeClients.push(c);
    expect(await call(c, "AUTH", "pw")).toEqual({ error: NO_PASSWORD_CONFIGURED });
    expect(await call(c, "GET", "k")).toBe("v");
    // A client configured with a password for a server that has none is told so at connect.
    let error: unknown;
    try {
      nativeClients.push(await TesseraClient.connect({ port: open.port, password: "pw", reconnect: false }));
    } catch (e) {
      error = e;
    }
    expect((error as TesseraError).message).toBe(NO_PASSWORD_CONFIGURED);
  });
});
