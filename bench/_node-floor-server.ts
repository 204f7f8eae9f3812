/**
 * The Node floor: a single-threaded Node RESP server over a `Map`, with none of Tessera's
 * architecture. It reads with Tessera's own RESP parser and answers GET, SET, PING and the
 * CONFIG GET that redis-benchmark sends on connect; everything else gets an error. One socket
 * write per read, as Tessera's RESP connections do.
 *
 * What it is for: `pnpm bench vs-redis --floor` runs it beside Redis and Tessera, so the table
 * shows how much of Tessera's distance to Redis is Node's own socket path (this server) and how
 * much is Tessera's (routing, the hop to a partition worker and back, the engine). It is a
 * measuring stick, not a product: a JavaScript object per key, no limits, no persistence.
 *
 *   node --import tsx bench/_node-floor-server.ts --port P
 */
import { createServer, type Socket } from "node:net";
import { RespRequestParser } from "@tessera/router";

const portIndex = process.argv.indexOf("--port");
const port = portIndex >= 0 ? Number(process.argv[portIndex + 1]) : NaN;
if (!Number.isInteger(port) || port <= 0) {
  console.error("usage: node --import tsx bench/_node-floor-server.ts --port P");
  process.exit(2);
}

const LIMITS = { maxBulkBytes: 512 * 1024 * 1024, maxArgs: 1024 * 1024, maxRequestBytes: 512 * 1024 * 1024 };
const OK = Buffer.from("+OK\r\n");
const PONG = Buffer.from("+PONG\r\n");
const NIL = Buffer.from("$-1\r\n");
const EMPTY_ARRAY = Buffer.from("*0\r\n");
const store = new Map<string, Buffer>();

/** Case-insensitive ASCII compare of a command name. */
function is(name: Uint8Array, upper: string): boolean {
  if (name.length !== upper.length) return false;
  for (let i = 0; i < name.length; i++) if ((name[i]! & 0xdf) !== upper.charCodeAt(i)) return false;
  return true;
}

function keyOf(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");
}

/** A reply batch grows here; each write sends a fresh copy of it (the socket may hold it). */
let out = Buffer.allocUnsafe(64 * 1024);
let outLength = 0;

/** Appends `bytes`, first making room for `reserve` bytes (at least `bytes.length`). */
function put(bytes: Uint8Array, reserve = bytes.length): void {
  if (outLength + reserve > out.length) {
    const bigger = Buffer.allocUnsafe(Math.max(out.length * 2, outLength + reserve));
    out.copy(bigger, 0, 0, outLength);
    out = bigger;
  }
  out.set(bytes, outLength);
  outLength += bytes.length;
}

function putBulk(v: Buffer): void {
  const header = `$${v.length}\r\n`;
  const need = header.length + v.length + 2;
  if (outLength + need > out.length) put(new Uint8Array(0), need);
  outLength += out.write(header, outLength, "latin1");
  v.copy(out, outLength);
  outLength += v.length;
  out[outLength++] = 13;
  out[outLength++] = 10;
}

function serve(socket: Socket): void {
  socket.setNoDelay(true);
  const parser = new RespRequestParser(LIMITS);
  socket.on("error", () => socket.destroy());
  socket.on("data", (chunk: Buffer) => {
    parser.push(chunk);
    outLength = 0;
    for (;;) {
      const argv = parser.next();
      if (argv === null) break;
      const name = argv[0]!;
      if (is(name, "GET") && argv.length === 2) {
        const v = store.get(keyOf(argv[1]!));
        if (v === undefined) put(NIL);
        else putBulk(v);
      } else if (is(name, "SET") && argv.length >= 3) {
        store.set(keyOf(argv[1]!), Buffer.from(argv[2]!));
        put(OK);
      } else if (is(name, "PING")) {
        put(PONG);
      } else if (is(name, "CONFIG")) {
        put(EMPTY_ARRAY);
      } else {
        put(Buffer.from(`-ERR the Node floor server only answers GET, SET, PING and CONFIG\r\n`));
      }
    }
    if (parser.error !== null) {
      socket.end(`-ERR ${parser.error}\r\n`);
      return;
    }
    if (outLength > 0) socket.write(Buffer.from(out.subarray(0, outLength)));
  });
}

createServer(serve).listen(port, "127.0.0.1", () => console.log(`node floor server ready on 127.0.0.1:${port}`));
// A clean exit on the signals the benches stop servers with (and --cpu-prof writes its profile).
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => process.exit(0));
