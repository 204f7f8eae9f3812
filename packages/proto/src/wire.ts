/**
 * Protobuf wire-format primitives shared by the hand-written codecs (frame, request, reply).
 *
 * The hand-written codecs exist because the server's hot path reads and writes millions of
 * small messages per second; protobufjs (the reference, see ./schema.ts) is kept for tests and
 * for anyone who prefers a generated codec. Everything here works on Uint8Array and plain
 * numbers, allocates nothing, and throws `WireError` on malformed input.
 */

/** Why a frame or message was refused. The code doubles as the error reply's code. */
export type WireErrorCode = "PROTO" | "TOOBIG";

/**
 * A malformed or oversized frame/message. After a framing error the stream cannot be resynced:
 * the server answers with an error reply carrying `code` and `message`, then closes.
 */
export class WireError extends Error {
  readonly code: WireErrorCode;
  /** The id of the request refused, when it could be read (0 otherwise). */
  readonly requestId: number;
  constructor(code: WireErrorCode, message: string, requestId = 0) {
    super(message);
    this.name = "WireError";
    this.code = code;
    this.requestId = requestId;
  }
}

// Protobuf wire types.
export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LEN = 2;
export const WIRE_START_GROUP = 3;
export const WIRE_END_GROUP = 4;
export const WIRE_FIXED32 = 5;

/** Nesting limit for messages and groups; the same as protoc's and protobufjs's default. */
export const RECURSION_LIMIT = 100;

/** Bytes a varint of the unsigned 32-bit `value` takes (1..5). */
export function varintSize32(value: number): number {
  value >>>= 0;
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

/** Writes the unsigned 32-bit `value` as a varint at `pos`; returns the position after it. */
export function writeVarint32(buf: Uint8Array, pos: number, value: number): number {
  value >>>= 0;
  while (value >= 0x80) {
    buf[pos++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  buf[pos++] = value;
  return pos;
}

/** Bytes a varint of the 64-bit value (lo, hi as unsigned 32-bit halves) takes (1..10). */
export function varintSize64(lo: number, hi: number): number {
  hi >>>= 0;
  if (hi === 0) return varintSize32(lo);
  // 32 bits of lo plus the bits of hi, 7 per byte.
  let bits = 32;
  while (hi !== 0) {
    bits++;
    hi >>>= 1;
  }
  return Math.ceil(bits / 7);
}

/** Writes a 64-bit varint given as unsigned 32-bit halves; returns the position after it. */
export function writeVarint64(buf: Uint8Array, pos: number, lo: number, hi: number): number {
  lo >>>= 0;
  hi >>>= 0;
  while (hi !== 0) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  while (lo >= 0x80) {
    buf[pos++] = (lo & 0x7f) | 0x80;
    lo >>>= 7;
  }
  buf[pos++] = lo;
  return pos;
}

/**
 * A cursor over one buffer. Reads advance `pos`; `lo`/`hi` receive the halves of the last
 * 64-bit varint. One instance is reused per decoder so reads allocate nothing.
 */
export class WireReader {
  buf: Uint8Array = new Uint8Array(0);
  pos = 0;
  end = 0;
  /** Low 32 bits (unsigned) of the last varint read by `varint64`. */
  lo = 0;
  /** High 32 bits (unsigned) of the last varint read by `varint64`. */
  hi = 0;

  reset(buf: Uint8Array, pos: number, end: number): void {
    this.buf = buf;
    this.pos = pos;
    this.end = end;
  }

  /**
   * Reads a varint of up to 10 bytes into `lo`/`hi`. A varint longer than 10 bytes, or one cut
   * off by the end, is malformed.
   */
  varint64(): void {
    const buf = this.buf;
    const end = this.end;
    let pos = this.pos;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (;;) {
      if (pos >= end) throw truncated();
      const b = buf[pos++]!;
      if (shift < 28) {
        lo |= (b & 0x7f) << shift;
      } else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi = (b & 0x7f) >>> 4;
      } else {
        hi |= (b & 0x7f) << (shift - 32);
      }
      if (b < 0x80) break;
      shift += 7;
      if (shift >= 70) throw new WireError("PROTO", "malformed varint (more than 10 bytes)");
    }
    this.pos = pos;
    this.lo = lo >>> 0;
    this.hi = hi >>> 0;
  }

  /** Reads a varint and returns its low 32 bits, unsigned (protobuf's uint32 semantics). */
  uint32(): number {
    const buf = this.buf;
    const pos = this.pos;
    // Fast path: one byte, the common case for tags, ids and short lengths.
    if (pos < this.end) {
      const b = buf[pos]!;
      if (b < 0x80) {
        this.pos = pos + 1;
        return b;
      }
    }
    this.varint64();
    return this.lo;
  }

  /** Reads a length prefix and checks it against the bytes left; returns the length. */
  length(): number {
    this.varint64();
    const len = this.lo;
    if (this.hi !== 0 || len > this.end - this.pos) throw truncated();
    return len;
  }

  /** Skips a field's value of the given wire type (the tag already read). */
  skip(wireType: number, fieldNumber: number, depth: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.varint64();
        return;
      case WIRE_FIXED64:
        this.advance(8);
        return;
      case WIRE_LEN: {
        const len = this.length(); // read before adding: `pos += length()` would add to the old pos
        this.pos += len;
        return;
      }
      case WIRE_START_GROUP: {
        if (depth >= RECURSION_LIMIT) throw new WireError("PROTO", "message nested too deeply");
        for (;;) {
          const tag = this.uint32();
          const field = tag >>> 3;
          if (field === 0) throw new WireError("PROTO", "illegal tag: field number 0");
          const wt = tag & 7;
          if (wt === WIRE_END_GROUP) {
            if (field !== fieldNumber) throw new WireError("PROTO", "invalid end group tag");
            return;
          }
          this.skip(wt, field, depth + 1);
        }
      }
      case WIRE_FIXED32:
        this.advance(4);
        return;
      default:
        throw new WireError("PROTO", `invalid wire type ${wireType}`);
    }
  }

  private advance(n: number): void {
    if (n > this.end - this.pos) throw truncated();
    this.pos += n;
  }
}

function truncated(): WireError {
  return new WireError("PROTO", "truncated message");
}

/** Encodes a string's UTF-8 bytes; the result's byteLength is exact. */
export const utf8Encoder = new TextEncoder();
/** Strict UTF-8 decoding, so invalid text on the wire is an error rather than U+FFFD. */
export const utf8DecoderStrict = new TextDecoder("utf-8", { fatal: true });
