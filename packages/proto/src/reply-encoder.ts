/**
 * Writes `Reply` frames (proto/tessera.proto, varint length prefix) straight from ReplySink
 * calls into one growable output buffer: the router calls `begin(id)`, then the sink methods
 * for exactly one value (an array counts as one value with its elements), and the frame closes
 * by itself. `take()` returns every completed frame as one Buffer for one socket write.
 *
 * Scalars know their size up front and are written in one pass. Arrays do not, so their
 * length prefixes are written as placeholders and backpatched when the last element arrives;
 * when the final varint is shorter or longer than the placeholder, the content moves by the
 * difference (a memmove of the array's own bytes, once per nesting level).
 *
 * The output is byte-for-byte what protobufjs writes for the same message (canonical varints,
 * fields in number order, `id` omitted when 0, empty code/message omitted from Error) --
 * checked by test/codec-conformance.test.ts.
 */
import type { ErrorCode, ReplySink } from "./reply.js";
import { OutputBuffer } from "./output-buffer.js";
import { varintSize32, varintSize64, writeVarint32, writeVarint64 } from "./wire.js";

// Field tags of Reply (field << 3 | wire type).
const TAG_ID = 0x08; // 1, varint
const TAG_OK = 0x12; // 2, len
const TAG_NIL = 0x1a; // 3, len
const TAG_INTEGER = 0x20; // 4, varint (sint64, zigzag)
const TAG_BULK = 0x2a; // 5, len
const TAG_ARRAY = 0x32; // 6, len
const TAG_ERROR = 0x3a; // 7, len
const TAG_STATUS = 0x42; // 8, len
const TAG_PUSH = 0x48; // 9, varint (bool)
// ArrayReply.items (1, len) and Error.code (1, len) / Error.message (2, len).
const TAG_ITEM = 0x0a;
const TAG_ERROR_CODE = 0x0a;
const TAG_ERROR_MESSAGE = 0x12;

/** Bytes reserved for a length prefix not yet known (covers lengths up to 16 KiB without a move). */
const PLACEHOLDER_BYTES = 2;
/** Deepest array nesting accepted (the decoders' limit is 100 messages, two per array level). */
export const MAX_REPLY_DEPTH = 32;

const TWO_POW_32 = 0x100000000;

export class ReplyEncoder implements ReplySink {
  private readonly out: OutputBuffer;

  /** Id of the reply being written; -1 when no reply is open. */
  private id = -1;
  /** The open reply is a push (beginPush): `push = true` goes after its value. */
  private pushing = false;
  /** Stream offset just after the last completed frame: what `take()` may hand out. */
  private completeEnd = 0;

  // Open arrays, innermost last: the stream offsets of the two placeholders (enclosing
  // message's length, then ArrayReply's length) and how many elements are still missing.
  private depth = 0;
  private readonly wrapperAt: number[] = [];
  private readonly arrayAt: number[] = [];
  private readonly missing: number[] = [];

  // Halves of the last zigzag-encoded integer (set by zigzag()).
  private lo = 0;
  private hi = 0;

  constructor(initialBytes = 16 * 1024) {
    this.out = new OutputBuffer(initialBytes);
  }

  /** Starts the reply to request `id`. Exactly one value must follow. */
  begin(id: number): void {
    if (this.id !== -1) throw new Error("ReplyEncoder.begin: the previous reply is not complete");
    if (!Number.isInteger(id) || id < 0 || id > 0xffffffff) throw new RangeError(`reply id must be a uint32, got ${id}`);
    this.id = id;
  }

  /**
   * Starts a push frame (a pub/sub message: id 0, `push = true`). Its value must be an array:
   * the flag is written when the array closes, inside the frame's length.
   */
  beginPush(): void {
    this.begin(0);
    this.pushing = true;
  }

  /** True while a reply has begun and its value is not complete. */
  get replyOpen(): boolean {
    return this.id !== -1;
  }

  /** Bytes of completed frames waiting for `take()`. */
  get byteLength(): number {
    return this.completeEnd - this.out.base - this.out.start;
  }

  /** All completed frames since the last take, as one Buffer the caller owns (empty if none). */
  take(): Buffer {
    return this.out.take(this.completeEnd - this.out.base);
  }

  /**
   * Drops the reply in progress (its bytes and open arrays), for when its value can no longer
   * be completed; completed frames are kept. Then `begin` may start another.
   */
  abort(): void {
    this.out.pos = this.completeEnd - this.out.base;
    this.depth = 0;
    this.id = -1;
    this.pushing = false;
  }

  ok(): void {
    const pos = this.openValue(2);
    const buf = this.out.buf;
    buf[pos] = TAG_OK;
    buf[pos + 1] = 0;
    this.closeValue(pos + 2);
  }

  nil(): void {
    const pos = this.openValue(2);
    const buf = this.out.buf;
    buf[pos] = TAG_NIL;
    buf[pos + 1] = 0;
    this.closeValue(pos + 2);
  }

  integer(value: number | bigint): void {
    this.zigzag(value);
    const lo = this.lo;
    const hi = this.hi;
    const pos = this.openValue(1 + varintSize64(lo, hi));
    const buf = this.out.buf;
    buf[pos] = TAG_INTEGER;
    this.closeValue(writeVarint64(buf, pos + 1, lo, hi));
  }

  bulk(bytes: Uint8Array, offset: number, length: number): void {
    if (offset < 0 || length < 0 || offset + length > bytes.length) throw new RangeError("ReplyEncoder.bulk: range outside the bytes");
    let pos = this.openValue(1 + varintSize32(length) + length);
    const buf = this.out.buf;
    buf[pos++] = TAG_BULK;
    pos = writeVarint32(buf, pos, length);
    if (length <= 32) {
      for (let i = 0; i < length; i++) buf[pos + i] = bytes[offset + i]!;
    } else {
      buf.set(bytes.subarray(offset, offset + length), pos);
    }
    this.closeValue(pos + length);
  }

  status(text: string): void {
    const length = Buffer.byteLength(text, "utf8");
    let pos = this.openValue(1 + varintSize32(length) + length);
    const buf = this.out.buf;
    buf[pos++] = TAG_STATUS;
    pos = writeVarint32(buf, pos, length);
    this.closeValue(pos + buf.write(text, pos, length, "utf8"));
  }

  error(code: ErrorCode, message: string): void {
    const codeBytes = Buffer.byteLength(code, "utf8");
    const messageBytes = Buffer.byteLength(message, "utf8");
    // proto3: empty strings are not written.
    const inner =
      (codeBytes === 0 ? 0 : 1 + varintSize32(codeBytes) + codeBytes) +
      (messageBytes === 0 ? 0 : 1 + varintSize32(messageBytes) + messageBytes);
    let pos = this.openValue(1 + varintSize32(inner) + inner);
    const buf = this.out.buf;
    buf[pos++] = TAG_ERROR;
    pos = writeVarint32(buf, pos, inner);
    if (codeBytes !== 0) {
      buf[pos++] = TAG_ERROR_CODE;
      pos = writeVarint32(buf, pos, codeBytes);
      pos += buf.write(code, pos, codeBytes, "utf8");
    }
    if (messageBytes !== 0) {
      buf[pos++] = TAG_ERROR_MESSAGE;
      pos = writeVarint32(buf, pos, messageBytes);
      pos += buf.write(message, pos, messageBytes, "utf8");
    }
    this.closeValue(pos);
  }

  array(count: number): void {
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`ReplyEncoder.array: count must be a non-negative integer, got ${count}`);
    if (this.id === -1) throw new Error("ReplyEncoder: a value was written without begin(id)");
    if (this.depth >= MAX_REPLY_DEPTH) throw new Error(`ReplyEncoder.array: arrays nested deeper than ${MAX_REPLY_DEPTH}`);
    const out = this.out;
    const topLevel = this.depth === 0;
    // Top level: [frame length][id][TAG_ARRAY][ArrayReply length]; nested: [TAG_ITEM][item length][TAG_ARRAY][ArrayReply length].
    const idBytes = topLevel && this.id !== 0 ? 1 + varintSize32(this.id) : 0;
    const buf = out.reserve((topLevel ? 0 : 1) + PLACEHOLDER_BYTES + idBytes + 1 + PLACEHOLDER_BYTES);
    let pos = out.pos;
    if (!topLevel) buf[pos++] = TAG_ITEM;
    const wrapperAt = out.base + pos;
    pos += PLACEHOLDER_BYTES;
    if (idBytes !== 0) {
      buf[pos++] = TAG_ID;
      pos = writeVarint32(buf, pos, this.id);
    }
    buf[pos++] = TAG_ARRAY;
    const arrayAt = out.base + pos;
    pos += PLACEHOLDER_BYTES;
    out.pos = pos;

    const d = this.depth++;
    this.wrapperAt[d] = wrapperAt;
    this.arrayAt[d] = arrayAt;
    this.missing[d] = count;
    if (count === 0) this.closeArrays();
  }

  /**
   * Reserves room for a value field of `fieldBytes` bytes plus its framing (top level: frame
   * length and id; in an array: the item's tag and length), writes the framing, and returns
   * the index in `out.buf` where the field goes.
   */
  private openValue(fieldBytes: number): number {
    if (this.id === -1) throw new Error("ReplyEncoder: a value was written without begin(id)");
    if (this.pushing && this.depth === 0) throw new Error("ReplyEncoder: a push must be an array");
    const out = this.out;
    if (this.depth === 0) {
      const id = this.id;
      const size = (id !== 0 ? 1 + varintSize32(id) : 0) + fieldBytes;
      const buf = out.reserve(varintSize32(size) + size);
      let pos = writeVarint32(buf, out.pos, size);
      if (id !== 0) {
        buf[pos++] = TAG_ID;
        pos = writeVarint32(buf, pos, id);
      }
      return pos;
    }
    const buf = out.reserve(1 + varintSize32(fieldBytes) + fieldBytes);
    let pos = out.pos;
    buf[pos++] = TAG_ITEM;
    return writeVarint32(buf, pos, fieldBytes);
  }

  /** Records the end of a value written at the current level and closes what it completes. */
  private closeValue(pos: number): void {
    const out = this.out;
    out.pos = pos;
    if (this.depth === 0) {
      this.completeEnd = out.base + pos;
      this.id = -1;
      return;
    }
    if (--this.missing[this.depth - 1]! === 0) this.closeArrays();
  }

  /** Closes the innermost array (its last element was just written) and any it completes. */
  private closeArrays(): void {
    for (;;) {
      const d = --this.depth;
      // Inner length first: moving its content shifts the end, which the outer length covers.
      this.patchLength(this.arrayAt[d]!);
      if (d === 0 && this.pushing) {
        // Field 9 after the value, as protobufjs orders fields; the frame length covers it.
        const buf = this.out.reserve(2);
        buf[this.out.pos] = TAG_PUSH;
        buf[this.out.pos + 1] = 1;
        this.out.pos += 2;
        this.pushing = false;
      }
      this.patchLength(this.wrapperAt[d]!);
      if (d === 0) {
        this.completeEnd = this.out.base + this.out.pos;
        this.id = -1;
        return;
      }
      if (--this.missing[d - 1]! !== 0) return;
    }
  }

  /** Writes the length of everything after the placeholder at stream offset `at`. */
  private patchLength(at: number): void {
    const out = this.out;
    let i = at - out.base;
    const contentStart = i + PLACEHOLDER_BYTES;
    const length = out.pos - contentStart;
    const size = varintSize32(length);
    if (size !== PLACEHOLDER_BYTES) {
      if (size > PLACEHOLDER_BYTES) {
        out.reserve(size - PLACEHOLDER_BYTES);
        i = at - out.base; // the buffer may have moved
      }
      out.buf.copyWithin(i + size, i + PLACEHOLDER_BYTES, out.pos);
      out.pos += size - PLACEHOLDER_BYTES;
    }
    writeVarint32(out.buf, i, length);
  }

  /** Zigzag-encodes a signed 64-bit value into this.lo / this.hi (unsigned halves). */
  private zigzag(value: number | bigint): void {
    let lo: number;
    let hi: number;
    if (typeof value === "number") {
      if (value >= -0x40000000 && value < 0x40000000 && (value | 0) === value) {
        // Small: zigzag fits in 32 bits.
        this.lo = ((value << 1) ^ (value >> 31)) >>> 0;
        this.hi = 0;
        return;
      }
      if (!Number.isSafeInteger(value)) throw new RangeError(`ReplyEncoder.integer: ${value} is not a safe integer (pass a bigint)`);
      const magnitude = value < 0 ? -value : value;
      lo = magnitude % TWO_POW_32 >>> 0;
      hi = Math.floor(magnitude / TWO_POW_32) >>> 0;
      if (value < 0) {
        // Two's complement of the 64-bit magnitude.
        lo = (~lo + 1) >>> 0;
        hi = (~hi + (lo === 0 ? 1 : 0)) >>> 0;
      }
    } else {
      if (value < -0x8000000000000000n || value > 0x7fffffffffffffffn) throw new RangeError(`ReplyEncoder.integer: ${value} is outside the signed 64-bit range`);
      const u = BigInt.asUintN(64, value);
      lo = Number(u & 0xffffffffn);
      hi = Number(u >> 32n);
    }
    // zigzag: (v << 1) ^ (v >> 63)
    const mask = hi >> 31; // 0 or -1
    this.hi = (((hi << 1) | (lo >>> 31)) ^ mask) >>> 0;
    this.lo = ((lo << 1) ^ mask) >>> 0;
  }
}
