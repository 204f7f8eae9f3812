/**
 * A tiny in-test server speaking the native protocol with the real codec, answering from a
 * Map. Enough to exercise the client: pipelining, id matching (it can answer a batch in
 * reverse order), errors, dropped connections and held replies. Loopback only, port 0.
 */
import { createServer, type Server, type Socket } from "node:net";
import { DecodedRequest, FrameDecoder, ReplyEncoder, WireError, decodeRequest } from "@tessera/proto";

export interface FakeServerOptions {
  /** Answer the requests of each received chunk in reverse order (ids keep them matched). */
  reverseBatches?: boolean;
  /** Require AUTH with this password (user "default"), answering NOAUTH / WRONGPASS as the server does. */
  password?: string;
}

export interface Received {
  id: number;
  argv: string[];
}

export class FakeServer {
  readonly data = new Map<string, Buffer>();
  readonly received: Received[] = [];
  readonly sockets = new Set<Socket>();
  /** Number of 'data' chunks received, all connections together. */
  chunks = 0;
  /** While true, replies are held (not written) until `release()`. */
  holding = false;
  connectionsAccepted = 0;
  private held: { socket: Socket; bytes: Buffer }[] = [];
  private readonly server: Server;
  private readonly options: FakeServerOptions;
  port = 0;

  private constructor(options: FakeServerOptions) {
    this.options = options;
    this.server = createServer((socket) => this.accept(socket));
  }

  static async start(options: FakeServerOptions = {}, port = 0): Promise<FakeServer> {
    const s = new FakeServer(options);
    await new Promise<void>((resolve, reject) => {
      s.server.once("error", reject);
      s.server.listen(port, "127.0.0.1", () => resolve());
    });
    s.port = (s.server.address() as { port: number }).port;
    return s;
  }

  /** Drops every connection abruptly (as a crash would), keeping the listener. */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
    this.sockets.clear();
    this.held = [];
  }

  /** Writes the held replies. */
  release(): void {
    this.holding = false;
    for (const { socket, bytes } of this.held) if (!socket.destroyed) socket.write(bytes);
    this.held = [];
  }

  /** Stops listening and drops connections. */
  async stop(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    this.connectionsAccepted++;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const decoder = new FrameDecoder();
    const request = new DecodedRequest();
    let authenticated = this.options.password === undefined;
    socket.on("error", () => {});
    socket.on("close", () => this.sockets.delete(socket));
    socket.on("end", () => socket.end()); // the client's close(): finish and close our side
    socket.on("data", (chunk: Buffer) => {
      this.chunks++;
      const batch: Buffer[] = [];
      decoder.push(chunk);
      try {
        for (let f = decoder.next(); f !== null; f = decoder.next()) {
          decodeRequest(f, request);
          const argv = request.argv.slice(0, request.argc).map((a) => Buffer.from(a));
          this.received.push({ id: request.id, argv: argv.map((a) => a.toString()) });
          const enc = new ReplyEncoder(256);
          enc.begin(request.id);
          const name = argv[0]!.toString().toUpperCase();
          if (name === "AUTH") {
            const user = argv.length === 3 ? argv[1]!.toString() : "default";
            if (this.options.password !== undefined && user === "default" && argv[argv.length - 1]!.toString() === this.options.password) {
              authenticated = true;
              enc.ok();
            } else enc.error("WRONGPASS", "invalid username-password pair or user is disabled.");
          } else if (!authenticated) enc.error("NOAUTH", "Authentication required.");
          else this.execute(argv, enc);
          batch.push(enc.take());
        }
      } catch (e) {
        if (!(e instanceof WireError)) throw e;
        const enc = new ReplyEncoder(256);
        enc.begin(0);
        enc.error(e.code, e.message);
        socket.end(enc.take());
        return;
      }
      if (this.options.reverseBatches === true) batch.reverse();
      const bytes = Buffer.concat(batch);
      if (this.holding) this.held.push({ socket, bytes });
      else socket.write(bytes);
    });
  }

  private execute(argv: Buffer[], out: ReplyEncoder): void {
    const name = argv[0]!.toString().toUpperCase();
    const s = (i: number) => argv[i]!.toString();
    const key = argv.length > 1 ? s(1) : "";
    if (key.startsWith("wrongtype")) {
      out.error("WRONGTYPE", "Operation against a key holding the wrong kind of value");
      return;
    }
    switch (name) {
      case "PING":
        if (argv.length > 1) out.bulk(argv[1]!, 0, argv[1]!.length);
        else out.status("PONG");
        return;
      case "GET":
      case "GETDEL": {
        const v = this.data.get(key);
        if (v === undefined) out.nil();
        else out.bulk(v, 0, v.length);
        if (name === "GETDEL") this.data.delete(key);
        return;
      }
      case "SET": {
        const flags = argv.slice(3).map((a) => a.toString().toUpperCase());
        const old = this.data.get(key);
        const nx = flags.includes("NX");
        const xx = flags.includes("XX");
        const get = flags.includes("GET");
        const skip = (nx && old !== undefined) || (xx && old === undefined);
        if (!skip) this.data.set(key, argv[2]!);
        if (get) {
          if (old === undefined) out.nil();
          else out.bulk(old, 0, old.length);
        } else if (skip) out.nil();
        else out.ok();
        return;
      }
      case "DEL":
      case "EXISTS": {
        let n = 0;
        for (let i = 1; i < argv.length; i++) {
          if (this.data.has(s(i))) n++;
          if (name === "DEL") this.data.delete(s(i));
        }
        out.integer(n);
        return;
      }
      case "MGET":
        out.array(argv.length - 1);
        for (let i = 1; i < argv.length; i++) {
          const v = this.data.get(s(i));
          if (v === undefined) out.nil();
          else out.bulk(v, 0, v.length);
        }
        return;
      case "MSET":
        if (argv.length < 3 || argv.length % 2 === 0) {
          out.error("ERR", "wrong number of arguments for 'mset' command");
          return;
        }
        for (let i = 1; i < argv.length; i += 2) this.data.set(s(i), argv[i + 1]!);
        out.ok();
        return;
      case "INCR":
      case "DECR":
      case "INCRBY":
      case "DECRBY": {
        const v = this.data.get(key);
        let n: bigint;
        try {
          n = v === undefined ? 0n : BigInt(v.toString());
        } catch {
          out.error("ERR", "value is not an integer or out of range");
          return;
        }
        const by = name === "INCR" ? 1n : name === "DECR" ? -1n : name === "INCRBY" ? BigInt(s(2)) : -BigInt(s(2));
        n += by;
        this.data.set(key, Buffer.from(n.toString()));
        out.integer(n);
        return;
      }
      case "APPEND": {
        const v = Buffer.concat([this.data.get(key) ?? Buffer.alloc(0), argv[2]!]);
        this.data.set(key, v);
        out.integer(v.length);
        return;
      }
      case "STRLEN":
        out.integer(this.data.get(key)?.length ?? 0);
        return;
      case "EXPIRE":
      case "PEXPIRE":
      case "EXPIREAT":
      case "PEXPIREAT":
      case "PERSIST":
        out.integer(this.data.has(key) ? 1 : 0);
        return;
      case "TTL":
      case "PTTL":
        out.integer(this.data.has(key) ? -1 : -2);
        return;
      case "DBSIZE":
        out.integer(this.data.size);
        return;
      case "FLUSHALL":
        this.data.clear();
        out.ok();
        return;
      case "KEYS": {
        const pattern = s(1);
        const prefix = pattern.endsWith("*") ? pattern.slice(0, -1) : pattern;
        const keys = [...this.data.keys()].filter((k) => (pattern.endsWith("*") ? k.startsWith(prefix) : k === pattern)).sort();
        out.array(keys.length);
        for (const k of keys) out.bulk(Buffer.from(k), 0, Buffer.byteLength(k));
        return;
      }
      case "SCAN": {
        // SCAN prefix [LIMIT n] [CURSOR c]; the cursor here is the last key returned.
        const prefix = s(1);
        let limit = 10;
        let after = "";
        for (let i = 2; i + 1 < argv.length; i += 2) {
          if (s(i).toUpperCase() === "LIMIT") limit = Number(s(i + 1));
          if (s(i).toUpperCase() === "CURSOR") after = s(i + 1) === "0" ? "" : s(i + 1);
        }
        const keys = [...this.data.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
        const page = keys.slice(0, limit);
        const next = keys.length > limit ? page[page.length - 1]! : "0";
        out.array(2);
        out.bulk(Buffer.from(next), 0, Buffer.byteLength(next));
        out.array(page.length);
        for (const k of page) out.bulk(Buffer.from(k), 0, Buffer.byteLength(k));
        return;
      }
      default:
        out.error("ERR", `unknown command '${argv[0]!.toString()}'`);
    }
  }
}
