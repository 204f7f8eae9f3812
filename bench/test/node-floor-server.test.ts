import { spawn, type ChildProcess } from "node:child_process";
import { connect, type Socket } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, stopProcess, waitReady } from "../_servers.js";

const benchDir = join(dirname(fileURLToPath(import.meta.url)), "..");

/** RESP multibulk for one command. */
const cmd = (...args: string[]) => `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`;

/** Sends `text` and resolves with everything received once it is `expected.length` bytes long. */
function exchange(socket: Socket, text: string, expectedBytes: number): Promise<string> {
  return new Promise((resolve) => {
    let got = "";
    const onData = (d: Buffer) => {
      got += d.toString("latin1");
      if (got.length >= expectedBytes) {
        socket.off("data", onData);
        resolve(got);
      }
    };
    socket.on("data", onData);
    socket.write(text);
  });
}

describe("the Node floor server (vs-redis's reference)", () => {
  let child: ChildProcess;
  let socket: Socket;

  beforeAll(async () => {
    const port = await freePort();
    child = spawn(process.execPath, ["--import", "tsx", join(benchDir, "_node-floor-server.ts"), "--port", String(port)], { stdio: "ignore", cwd: join(benchDir, "..") });
    await waitReady(port, child, "node floor server");
    socket = connect({ port, host: "127.0.0.1" });
    await new Promise((r) => socket.once("connect", r));
  }, 60_000);

  afterAll(async () => {
    socket?.destroy();
    if (child !== undefined) await stopProcess(child);
  });

  it("answers what redis-benchmark sends: SET, GET (hit and miss), PING, CONFIG GET, in one pipeline", async () => {
    const value = "v".repeat(200);
    const expected = `+OK\r\n$200\r\n${value}\r\n$-1\r\n+PONG\r\n*0\r\n`;
    const got = await exchange(socket, cmd("SET", "k", value) + cmd("GET", "k") + cmd("GET", "missing") + cmd("PING") + cmd("CONFIG", "GET", "save"), expected.length);
    expect(got).toBe(expected);
  });

  it("refuses other commands by name instead of pretending", async () => {
    const got = await exchange(socket, cmd("INCR", "k"), 10);
    expect(got).toMatch(/^-ERR the Node floor server only answers GET, SET, PING and CONFIG\r\n$/);
  });
});
