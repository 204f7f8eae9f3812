/**
 * Micro-benchmark of the RESP front end's own work per request, without sockets or partitions:
 * parse pipelined `SET key <200 bytes>` / `GET key` requests arriving in 16-request chunks (as
 * redis-benchmark -P 16 sends them), resolve each command name, and encode the replies (+OK,
 * and a 200-byte bulk). Run: node --import tsx bench/_resp-codec.ts [--requests N]
 * (not in the `pnpm bench` list: a development tool, like the other _ files).
 * Prints ns per request for parsing and for encoding; the last line is JSON.
 */
import { lookupCommand } from "../packages/router/src/resp/command-lookup.js";
import { RespReplyEncoder } from "../packages/router/src/resp/resp-encoder.js";
import { RespRequestParser } from "../packages/router/src/resp/resp-parser.js";

const argIndex = process.argv.indexOf("--requests");
const requests = argIndex > 0 ? Number(process.argv[argIndex + 1]) : 2_000_000;
const PIPELINE = 16;
const value = "x".repeat(200);

function encodeRequest(argv: string[]): string {
  return `*${argv.length}\r\n` + argv.map((a) => `$${a.length}\r\n${a}\r\n`).join("");
}

// 64 distinct chunks, each 16 requests (half SET, half GET), reused round-robin.
const chunks: Buffer[] = [];
for (let c = 0; c < 64; c++) {
  let wire = "";
  for (let i = 0; i < PIPELINE; i++) {
    const key = `key:${(c * PIPELINE + i) % 100_000}`.padEnd(16, "0");
    wire += i % 2 === 0 ? encodeRequest(["SET", key, value]) : encodeRequest(["GET", key]);
  }
  chunks.push(Buffer.from(wire, "latin1"));
}

function parseRun(n: number): number {
  const parser = new RespRequestParser({ maxBulkBytes: 64 << 20, maxArgs: 1 << 20, maxRequestBytes: 65 << 20 });
  let found = 0;
  for (let done = 0; done < n; done += PIPELINE) {
    parser.push(chunks[(done / PIPELINE) & 63]!);
    for (let argv = parser.next(); argv !== null; argv = parser.next()) {
      const name = argv[0]!;
      if (lookupCommand(name) !== undefined) found++;
    }
  }
  return found;
}

function encodeRun(n: number): number {
  const enc = new RespReplyEncoder({ respVersion: 2 });
  const bulk = Buffer.from(value);
  let bytes = 0;
  for (let done = 0; done < n; done += PIPELINE) {
    for (let i = 0; i < PIPELINE; i++) {
      if (i % 2 === 0) enc.ok();
      else enc.bulk(bulk, 0, bulk.length);
    }
    bytes += enc.takeOutput().length;
  }
  return bytes;
}

function time(fn: (n: number) => number, n: number): number {
  fn(Math.min(n, 200_000)); // warm-up
  const t0 = process.hrtime.bigint();
  const r = fn(n);
  const ns = Number(process.hrtime.bigint() - t0);
  if (r <= 0) throw new Error("benchmark did no work");
  return ns / n;
}

const parseNs = time(parseRun, requests);
const encodeNs = time(encodeRun, requests);
console.log(`RESP parse + command lookup: ${parseNs.toFixed(0)} ns/request`);
console.log(`RESP encode (+OK / 200-byte bulk, one takeOutput per 16): ${encodeNs.toFixed(0)} ns/request`);
console.log(JSON.stringify({ bench: "resp-codec", requests, pipeline: PIPELINE, parseNsPerRequest: Math.round(parseNs), encodeNsPerRequest: Math.round(encodeNs) }));
