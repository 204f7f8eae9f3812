/**
 * Micro-benchmark of the native codec: the hand-written hot-path codec against the protobufjs
 * reference, for small GET/SET-sized messages.
 *
 *   node --import tsx bench/_codec.ts [--ms 300]
 *
 * Prints one line per case and, last, a JSON object with ops/s. Single-threaded; figures
 * depend on the machine and its load, so compare them only within one run.
 */
import {
  DecodedRequest,
  FrameDecoder,
  ProtoReader,
  ProtoReply,
  ProtoRequest,
  ReplyEncoder,
  RequestEncoder,
  decodeReply,
  decodeRequest,
} from "@tessera/proto";

const msIndex = process.argv.indexOf("--ms");
const budgetMs = msIndex > 0 ? Number(process.argv[msIndex + 1]) : 300;

function measure(name: string, batch: number, fn: () => void): number {
  for (let i = 0; i < 3; i++) fn(); // warm up
  let ops = 0;
  const start = process.hrtime.bigint();
  let elapsedNs = 0n;
  while (elapsedNs < BigInt(budgetMs) * 1_000_000n) {
    fn();
    ops += batch;
    elapsedNs = process.hrtime.bigint() - start;
  }
  const perSec = (ops * 1e9) / Number(elapsedNs);
  console.log(`${name.padEnd(44)} ${(perSec / 1e6).toFixed(2).padStart(7)} M ops/s`);
  return Math.round(perSec);
}

const BATCH = 1000;
const key = Buffer.from("user:000123:profile");
const value = Buffer.alloc(64, 0x61);
const args = [key, value];

// Request encode.
const reqEnc = new RequestEncoder();
const results: Record<string, number> = {};
results.requestEncodeFast = measure("request encode (RequestEncoder)", BATCH, () => {
  for (let i = 1; i <= BATCH; i++) reqEnc.encode(i, "SET", args);
  reqEnc.take();
});
results.requestEncodeProtobufjs = measure("request encode (protobufjs encodeDelimited)", BATCH, () => {
  const w = ProtoRequest.encodeDelimited({ id: 1, command: "SET", args });
  for (let i = 2; i <= BATCH; i++) ProtoRequest.encodeDelimited({ id: i, command: "SET", args }, w);
  w.finish();
});

// Request decode (framing + message).
for (let i = 1; i <= BATCH; i++) reqEnc.encode(i, "SET", args);
const requestStream = reqEnc.take();
const decoded = new DecodedRequest();
const frameDecoder = new FrameDecoder();
results.requestDecodeFast = measure("request frame+decode (FrameDecoder+decodeRequest)", BATCH, () => {
  frameDecoder.push(requestStream);
  for (let f = frameDecoder.next(); f !== null; f = frameDecoder.next()) decodeRequest(f, decoded);
});
results.requestDecodeProtobufjs = measure("request frame+decode (protobufjs decodeDelimited)", BATCH, () => {
  const reader = protobufReader(requestStream);
  while (reader.pos < reader.len) ProtoRequest.decodeDelimited(reader);
});

// Reply encode: a bulk reply (GET hit) and an integer reply.
const replyEnc = new ReplyEncoder();
results.replyEncodeFast = measure("reply encode bulk (ReplyEncoder)", BATCH, () => {
  for (let i = 1; i <= BATCH; i++) {
    replyEnc.begin(i);
    replyEnc.bulk(value, 0, value.length);
  }
  replyEnc.take();
});
results.replyEncodeProtobufjs = measure("reply encode bulk (protobufjs)", BATCH, () => {
  const w = ProtoReply.encodeDelimited({ id: 1, bulk: value });
  for (let i = 2; i <= BATCH; i++) ProtoReply.encodeDelimited({ id: i, bulk: value }, w);
  w.finish();
});
results.replyEncodeArrayFast = measure("reply encode MGET x10 array (ReplyEncoder)", BATCH, () => {
  for (let i = 1; i <= BATCH; i++) {
    replyEnc.begin(i);
    replyEnc.array(10);
    for (let j = 0; j < 10; j++) replyEnc.bulk(value, 0, value.length);
  }
  replyEnc.take();
});

// Reply decode (the client's side).
for (let i = 1; i <= BATCH; i++) {
  replyEnc.begin(i);
  replyEnc.bulk(value, 0, value.length);
}
const replyStream = replyEnc.take();
const replyFrames = new FrameDecoder();
results.replyDecodeFast = measure("reply frame+decode (decodeReply)", BATCH, () => {
  replyFrames.push(replyStream);
  for (let f = replyFrames.next(); f !== null; f = replyFrames.next()) decodeReply(f);
});
results.replyDecodeProtobufjs = measure("reply frame+decode (protobufjs)", BATCH, () => {
  const reader = protobufReader(replyStream);
  while (reader.pos < reader.len) ProtoReply.decodeDelimited(reader);
});

console.log(JSON.stringify({ bench: "codec", unit: "ops/s", ...results }));

function protobufReader(bytes: Uint8Array): ReturnType<typeof ProtoReader.create> {
  // One reader over the whole stream; decodeDelimited advances it frame by frame.
  return ProtoReader.create(bytes);
}
