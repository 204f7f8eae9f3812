/**
 * A raw TCP client for end-to-end tests that must send exact bytes (malformed RESP, several
 * commands in one write) and read exactly what comes back, which a real client library would
 * not let them do.
 */
import { connect, type Socket } from "node:net";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class RawClient {
  readonly socket: Socket;
  /** Everything received so far, as latin1 text. */
  received = "";
  closed = false;

  constructor(port: number) {
    this.socket = connect({ port, host: "127.0.0.1" });
    this.socket.on("data", (d) => (this.received += d.toString("latin1")));
    this.socket.on("close", () => (this.closed = true));
    this.socket.on("error", () => {});
  }

  /** Waits until `done()` holds, polling, for at most `timeoutMs`. */
  async until(done: () => boolean, timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!done() && Date.now() < deadline) await sleep(10);
  }

  /** Writes `wire` in one write and waits until `expectedLength` more bytes arrived (or 5 s). */
  async exchange(wire: string, expectedLength: number): Promise<string> {
    const before = this.received.length;
    this.socket.write(wire);
    await this.until(() => this.received.length - before >= expectedLength || this.closed);
    return this.received.slice(before);
  }
}
