/**
 * A bare native-protocol client over a raw socket, for tests that need to send exactly chosen
 * bytes (malformed frames, pipelines, connection limits). Not the product client.
 */
import { connect, type Socket } from "node:net";
import { decodeReply, FrameDecoder, RequestEncoder, type Reply } from "@tessera/proto";

export interface ReplyFrame {
  id: number;
  value: Reply;
}

export class RawNativeClient {
  readonly frames: ReplyFrame[] = [];
  closed = false;
  private readonly decoder = new FrameDecoder({ maxFrameBytes: 1 << 30 });
  private readonly encoder = new RequestEncoder();
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.decoder.push(chunk);
      for (let f = this.decoder.next(); f !== null; f = this.decoder.next()) {
        const r = decodeReply(f.slice());
        this.frames.push({ id: r.id, value: r.value });
      }
      this.wake();
    });
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
    socket.on("error", () => {});
  }

  static connect(port: number, host = "127.0.0.1"): Promise<RawNativeClient> {
    return new Promise((resolve, reject) => {
      const s = connect({ port, host }, () => resolve(new RawNativeClient(s)));
      s.once("error", reject);
    });
  }

  /** Queue a request; `flush()` sends everything queued in one write. */
  queue(id: number, words: (string | Uint8Array)[]): void {
    this.encoder.encode(id, words[0]!, words.slice(1));
  }

  flush(): void {
    this.socket.write(this.encoder.take());
  }

  send(id: number, words: (string | Uint8Array)[]): void {
    this.queue(id, words);
    this.flush();
  }

  writeRaw(bytes: Uint8Array): void {
    this.socket.write(bytes);
  }

  /** Waits until `n` reply frames arrived in total (or the socket closed, or the timeout). */
  async waitFrames(n: number, timeoutMs = 5000): Promise<ReplyFrame[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length < n && !this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`waited for ${n} replies, got ${this.frames.length}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.frames.slice(0, n);
  }

  async call(id: number, words: (string | Uint8Array)[]): Promise<Reply> {
    const before = this.frames.length;
    this.send(id, words);
    const frames = await this.waitFrames(before + 1);
    return frames[before]!.value;
  }

  async waitClosed(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      if (Date.now() > deadline) throw new Error("socket did not close");
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }
}
