/**
 * Decodes a `Reply` frame body (proto/tessera.proto) into a `Reply` value, for the client and
 * for tests. Reads exactly what protobufjs reads (see test/codec-conformance.test.ts): unknown
 * fields and fields of the wrong wire type are skipped, the last of several `value` fields
 * wins (an `array` or `error` repeated back to back merges, as protobuf merges messages),
 * strings must be valid UTF-8. A Reply with no value at all decodes as nil.
 *
 * Bulk values are views into `frame`, not copies: copy them if `frame` may be reused.
 */
import type { ErrorCode, Reply } from "./reply.js";
import { RECURSION_LIMIT, WIRE_LEN, WireError, WireReader, utf8DecoderStrict } from "./wire.js";

export interface DecodedReply {
  /** The request id this answers (0 for connection-level errors and pushes). */
  id: number;
  value: Reply;
  /** A push: a pub/sub message the server sent unasked, not an answer. */
  push: boolean;
}

const OK: Reply = Object.freeze({ kind: "ok" });
const NIL: Reply = Object.freeze({ kind: "nil" });

const TAG_ID = 0x08;
const TAG_OK = 0x12;
const TAG_NIL = 0x1a;
const TAG_INTEGER = 0x20;
const TAG_BULK = 0x2a;
const TAG_ARRAY = 0x32;
const TAG_ERROR = 0x3a;
const TAG_STATUS = 0x42;
const TAG_PUSH = 0x48;

const reader = new WireReader();
// Set by readReply: the id and push flag of the message just read.
let lastId = 0;
let lastPush = false;

/** Decodes one Reply frame body. Throws WireError("PROTO") when it is malformed. */
export function decodeReply(frame: Uint8Array): DecodedReply {
  reader.reset(frame, 0, frame.length);
  const value = readReply(reader, frame.length, 0);
  return { id: lastId, value, push: lastPush };
}

function readReply(r: WireReader, end: number, depth: number): Reply {
  if (depth > RECURSION_LIMIT) throw new WireError("PROTO", "reply nested too deeply");
  let id = 0;
  let push = false;
  let value: Reply | null = null;
  while (r.pos < end) {
    const tag = r.uint32();
    switch (tag) {
      case TAG_ID:
        id = r.uint32();
        break;
      case TAG_PUSH:
        r.varint64();
        push = r.lo !== 0 || r.hi !== 0;
        break;
      case TAG_OK:
        skipMessage(r, r.length(), depth + 1); // Ok has no fields; anything inside is unknown
        value = OK;
        break;
      case TAG_NIL:
        skipMessage(r, r.length(), depth + 1);
        value = NIL;
        break;
      case TAG_INTEGER:
        r.varint64();
        value = { kind: "integer", value: zigzagDecode(r.lo, r.hi) };
        break;
      case TAG_BULK: {
        const len = r.length();
        value = { kind: "bulk", value: r.buf.subarray(r.pos, r.pos + len) };
        r.pos += len;
        break;
      }
      case TAG_STATUS: {
        const len = r.length();
        value = { kind: "status", text: readString(r, len) };
        break;
      }
      case TAG_ARRAY: {
        const len = r.length();
        const items: Reply[] = value !== null && value.kind === "array" ? (value.items as Reply[]) : [];
        readArrayReply(r, r.pos + len, depth + 1, items);
        value = { kind: "array", items };
        break;
      }
      case TAG_ERROR: {
        const len = r.length();
        const previous = value !== null && value.kind === "error" ? value : null;
        value = readError(r, r.pos + len, depth + 1, previous);
        break;
      }
      default: {
        const field = tag >>> 3;
        if (field === 0) throw new WireError("PROTO", "illegal tag: field number 0");
        r.skip(tag & 7, field, depth);
      }
    }
    if (r.pos > end) throw new WireError("PROTO", "truncated message");
  }
  lastId = id;
  lastPush = push;
  return value ?? NIL;
}

/** Skips a sub-message of `len` bytes field by field, so it is validated as protobufjs would. */
function skipMessage(r: WireReader, len: number, depth: number): void {
  if (len === 0) return;
  if (depth > RECURSION_LIMIT) throw new WireError("PROTO", "reply nested too deeply");
  const end = r.pos + len;
  const outerEnd = r.end;
  r.end = end;
  while (r.pos < end) {
    const tag = r.uint32();
    const field = tag >>> 3;
    if (field === 0) throw new WireError("PROTO", "illegal tag: field number 0");
    r.skip(tag & 7, field, depth);
  }
  r.end = outerEnd;
}

function readArrayReply(r: WireReader, end: number, depth: number, items: Reply[]): void {
  if (depth > RECURSION_LIMIT) throw new WireError("PROTO", "reply nested too deeply");
  const outerEnd = r.end;
  r.end = end; // a nested message must not read past its own length
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_LEN)) {
      const len = r.length();
      const itemEnd = r.pos + len;
      const savedEnd = r.end;
      r.end = itemEnd;
      items.push(readReply(r, itemEnd, depth + 1));
      r.end = savedEnd;
    } else {
      const field = tag >>> 3;
      if (field === 0) throw new WireError("PROTO", "illegal tag: field number 0");
      r.skip(tag & 7, field, depth);
    }
  }
  r.end = outerEnd;
}

function readError(r: WireReader, end: number, depth: number, previous: { code: ErrorCode; message: string } | null): Reply {
  if (depth > RECURSION_LIMIT) throw new WireError("PROTO", "reply nested too deeply");
  let code = previous === null ? "" : previous.code;
  let message = previous === null ? "" : previous.message;
  const outerEnd = r.end;
  r.end = end;
  while (r.pos < end) {
    const tag = r.uint32();
    if (tag === ((1 << 3) | WIRE_LEN)) code = readString(r, r.length());
    else if (tag === ((2 << 3) | WIRE_LEN)) message = readString(r, r.length());
    else {
      const field = tag >>> 3;
      if (field === 0) throw new WireError("PROTO", "illegal tag: field number 0");
      r.skip(tag & 7, field, depth);
    }
  }
  r.end = outerEnd;
  return { kind: "error", code: code as ErrorCode, message };
}

function readString(r: WireReader, len: number): string {
  const start = r.pos;
  r.pos = start + len;
  if (len === 0) return "";
  const buf = r.buf;
  // ASCII fast path (statuses and error words are ASCII).
  if (len <= 64) {
    let ascii = true;
    for (let i = start; i < start + len; i++) {
      if (buf[i]! >= 0x80) {
        ascii = false;
        break;
      }
    }
    if (ascii) return Buffer.from(buf.buffer, buf.byteOffset + start, len).toString("latin1");
  }
  try {
    return utf8DecoderStrict.decode(buf.subarray(start, start + len));
  } catch {
    throw new WireError("PROTO", "invalid UTF-8 in a string field");
  }
}

function zigzagDecode(lo: number, hi: number): bigint {
  // (n >>> 1) ^ -(n & 1) over 64 bits.
  if (hi === 0 && lo < 0x20000000) {
    // Fits a small number: avoid the 64-bit path.
    return BigInt((lo >>> 1) ^ -(lo & 1));
  }
  const u = (BigInt(hi) << 32n) | BigInt(lo);
  return (u & 1n) === 0n ? u >> 1n : -(u >> 1n) - 1n;
}
