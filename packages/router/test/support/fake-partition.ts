/**
 * An in-process stand-in for a partition worker, for the router's unit tests: a Map-backed
 * store that understands the handful of commands the router routes, answering after a
 * controllable delay so replies come back out of order. Not an engine: no expiry, no types.
 */
import { Cmd, type CommandSpec, type ReplySink } from "@tessera/proto";
import type { PartitionCallbacks, PartitionPort, ReplyDecoder } from "../../src/partition-port.js";
import { ReplyBuffer, replayRecords } from "../../src/routing/reply-buffer.js";

/** Decoder for the fake's reply encoding (the ReplyBuffer record format, one reply per call). */
export const decodeFakeReply: ReplyDecoder = (bytes, offset, sink) => {
  replayRecords(bytes, new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset, bytes.length, sink);
  return bytes.length;
};

const text = (b: Uint8Array) => Buffer.from(b).toString("latin1");

export interface FakeOptions {
  /** Milliseconds before the reply is delivered; `null` = hold until release(). */
  delayMs: () => number | null;
}

export class FakePartition implements PartitionPort {
  readonly store = new Map<string, Buffer>();
  readonly held: (() => void)[] = [];
  private pending = 0;
  submitted: string[][] = [];

  constructor(
    readonly id: number,
    private readonly callbacks: PartitionCallbacks,
    private readonly options: FakeOptions,
  ) {}

  async start(): Promise<void> {}
  async close(): Promise<void> {}
  get inFlight(): number {
    return this.pending;
  }

  submit(token: number, spec: CommandSpec, argv: readonly Uint8Array[]): void {
    this.submitted.push(argv.map(text));
    const reply = new ReplyBuffer();
    this.run(spec, argv.map((a) => Buffer.from(a)), reply);
    this.pending++;
    const deliver = () => {
      this.pending--;
      this.callbacks.onReply(token, reply.recorded, 0);
    };
    const delay = this.options.delayMs();
    if (delay === null) this.held.push(deliver);
    else setTimeout(deliver, delay);
  }

  /** Delivers held replies, newest first (the worst order for the router). */
  releaseReversed(): void {
    while (this.held.length > 0) this.held.pop()!();
  }

  private run(spec: CommandSpec, argv: Buffer[], out: ReplySink): void {
    const key = (i: number) => text(argv[i]!);
    switch (spec.id) {
      case Cmd.GET: {
        const v = this.store.get(key(1));
        if (v === undefined) out.nil();
        else out.bulk(v, 0, v.length);
        return;
      }
      case Cmd.SET:
        this.store.set(key(1), argv[2]!);
        out.ok();
        return;
      case Cmd.INCRBY: {
        const v = this.store.get(key(1));
        if (v !== undefined && !/^-?\d+$/.test(text(v))) {
          out.error("ERR", "value is not an integer or out of range");
          return;
        }
        const n = BigInt(v === undefined ? "0" : text(v)) + BigInt(key(2));
        this.store.set(key(1), Buffer.from(String(n)));
        out.integer(Number(n));
        return;
      }
      case Cmd.MGET:
        out.array(argv.length - 1);
        for (let i = 1; i < argv.length; i++) {
          const v = this.store.get(key(i));
          if (v === undefined) out.nil();
          else out.bulk(v, 0, v.length);
        }
        return;
      case Cmd.MSET:
        for (let i = 1; i < argv.length; i += 2) this.store.set(key(i), argv[i + 1]!);
        out.ok();
        return;
      case Cmd.DEL: {
        let n = 0;
        for (let i = 1; i < argv.length; i++) if (this.store.delete(key(i))) n++;
        out.integer(n);
        return;
      }
      case Cmd.EXISTS: {
        let n = 0;
        for (let i = 1; i < argv.length; i++) if (this.store.has(key(i))) n++;
        out.integer(n);
        return;
      }
      case Cmd.DBSIZE:
        out.integer(this.store.size);
        return;
      case Cmd.FLUSHALL:
        this.store.clear();
        out.ok();
        return;
      case Cmd.KEYS: {
        const prefix = key(1).replace(/\*$/, "");
        const keys = this.sortedKeys().filter((k) => k.startsWith(prefix));
        out.array(keys.length);
        for (const k of keys) out.bulk(Buffer.from(k, "latin1"), 0, k.length);
        return;
      }
      case Cmd.SCAN: {
        // Partition-level form: SCAN prefix LIMIT n [CURSOR after]
        const prefix = key(1);
        let limit = 10;
        let after = "";
        for (let i = 2; i < argv.length; i += 2) {
          if (key(i) === "LIMIT") limit = Number(key(i + 1));
          if (key(i) === "CURSOR") after = key(i + 1);
        }
        const keys = this.sortedKeys().filter((k) => k.startsWith(prefix) && (after === "" || Buffer.compare(Buffer.from(k, "latin1"), Buffer.from(after, "latin1")) > 0));
        const page = keys.slice(0, limit);
        const next = keys.length > limit ? page[page.length - 1]! : "";
        out.array(2);
        out.bulk(Buffer.from(next, "latin1"), 0, next.length);
        out.array(page.length);
        for (const k of page) out.bulk(Buffer.from(k, "latin1"), 0, k.length);
        return;
      }
      default:
        out.error("ERR", `fake partition does not know ${spec.name}`);
    }
  }

  private sortedKeys(): string[] {
    return [...this.store.keys()].sort((a, b) => Buffer.compare(Buffer.from(a, "latin1"), Buffer.from(b, "latin1")));
  }
}
