/**
 * A reply held back until its turn. When a partition answers a later request of a session
 * before an earlier one, the later reply cannot be written to the socket yet; it is recorded
 * here as compact bytes (not `Reply` objects) and replayed into the front end's sink when every
 * earlier reply of that session has gone out. Buffers are pooled with their pending request, so
 * a steady pipeline allocates nothing.
 *
 * Layout: a sequence of records, each a tag byte followed by its payload:
 *   OK | NIL                              (no payload)
 *   STATUS   u32 byteLength, utf-8 bytes
 *   INT      f64 (safe integers)
 *   BIGINT   i64 (little-endian)
 *   BULK     u32 byteLength, bytes
 *   ARRAY    u32 count
 *   ERROR    u8 codeLength, code bytes, u32 messageLength, utf-8 bytes
 *   PUSH     u32 count (a pub/sub push: RESP3 `>`, else an array)
 */
import type { ErrorCode, ReplySink } from "@tessera/proto";

/** A sink that can write pub/sub pushes (the RESP front end: RESP3 `>`, RESP2 `*`). */
export interface PushSink {
  push(count: number): void;
}

/** Starts a push of `count` elements: a push where the sink has them, else an array. */
export function pushHeader(sink: ReplySink, count: number): void {
  const s = sink as ReplySink & Partial<PushSink>;
  if (s.push !== undefined) s.push(count);
  else sink.array(count);
}

const OK = 1;
const NIL = 2;
const STATUS = 3;
const INT = 4;
const BIGINT = 5;
const BULK = 6;
const ARRAY = 7;
const ERROR = 8;
const PUSH = 9;

const INITIAL_BYTES = 256;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const EMPTY = new Uint8Array(0);

export class ReplyBuffer implements ReplySink {
  // Allocated on first use: most pending requests are answered in order and never need one.
  private bytes = EMPTY;
  private view = new DataView(EMPTY.buffer);
  private length = 0;
  /** Top-level replies recorded (arrays count once, with their elements). */
  private completed = 0;
  /** Open array frames: elements still missing in each, innermost last. */
  private readonly missing: number[] = [];

  /** Bytes recorded so far. */
  get byteLength(): number {
    return this.length;
  }

  /** Complete top-level replies recorded. */
  get replies(): number {
    return this.completed;
  }

  /** Forget everything; keeps the allocation (shrinks a buffer that grew past 64 KiB). */
  reset(): void {
    if (this.length === 0 && this.bytes === EMPTY) return; // never used: the common case
    this.length = 0;
    this.completed = 0;
    this.missing.length = 0;
    if (this.bytes.byteLength > 65536) {
      this.bytes = EMPTY;
      this.view = new DataView(EMPTY.buffer);
    }
  }

  ok(): void {
    this.reserve(1);
    this.bytes[this.length++] = OK;
    this.element();
  }

  status(text: string): void {
    const max = text.length * 3;
    this.reserve(5 + max);
    this.bytes[this.length] = STATUS;
    const written = encoder.encodeInto(text, this.bytes.subarray(this.length + 5)).written;
    this.view.setUint32(this.length + 1, written, true);
    this.length += 5 + written;
    this.element();
  }

  nil(): void {
    this.reserve(1);
    this.bytes[this.length++] = NIL;
    this.element();
  }

  integer(value: number | bigint): void {
    this.reserve(9);
    if (typeof value === "bigint") {
      this.bytes[this.length] = BIGINT;
      this.view.setBigInt64(this.length + 1, value, true);
    } else {
      this.bytes[this.length] = INT;
      this.view.setFloat64(this.length + 1, value, true);
    }
    this.length += 9;
    this.element();
  }

  bulk(bytes: Uint8Array, offset: number, length: number): void {
    this.reserve(5 + length);
    this.bytes[this.length] = BULK;
    this.view.setUint32(this.length + 1, length, true);
    this.bytes.set(bytes.subarray(offset, offset + length), this.length + 5);
    this.length += 5 + length;
    this.element();
  }

  array(count: number): void {
    this.reserve(5);
    this.bytes[this.length] = ARRAY;
    this.view.setUint32(this.length + 1, count, true);
    this.length += 5;
    if (count === 0) this.element();
    else this.missing.push(count);
  }

  /** A pub/sub push of `count` elements (see PushSink). */
  push(count: number): void {
    this.array(count);
    this.bytes[this.length - 5] = PUSH;
  }

  error(code: ErrorCode, message: string): void {
    this.reserve(6 + code.length + message.length * 3);
    let at = this.length;
    this.bytes[at++] = ERROR;
    this.bytes[at++] = code.length;
    for (let i = 0; i < code.length; i++) this.bytes[at++] = code.charCodeAt(i);
    const written = encoder.encodeInto(message, this.bytes.subarray(at + 4)).written;
    this.view.setUint32(at, written, true);
    this.length = at + 4 + written;
    this.element();
  }

  /** The recorded bytes (a view; valid until the next write or reset). */
  get recorded(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  /** Write every recorded reply into `sink`, in order. The buffer is left as it was. */
  replay(sink: ReplySink): void {
    replayRecords(this.bytes, this.view, 0, this.length, sink);
  }

  /** One element finished: close every array it completes; count finished top-level replies. */
  private element(): void {
    const m = this.missing;
    while (m.length > 0) {
      const top = m.length - 1;
      if (--m[top]! > 0) return;
      m.pop();
    }
    this.completed++;
  }

  private reserve(extra: number): void {
    const need = this.length + extra;
    if (need <= this.bytes.byteLength) return;
    let size = Math.max(INITIAL_BYTES, this.bytes.byteLength * 2);
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
    this.view = new DataView(next.buffer);
  }
}

/** Replays the records in bytes[start, end) into `sink`. */
export function replayRecords(b: Uint8Array, v: DataView, start: number, end: number, sink: ReplySink): void {
  let at = start;
  while (at < end) {
    switch (b[at++]) {
      case OK:
        sink.ok();
        break;
      case NIL:
        sink.nil();
        break;
      case STATUS: {
        const n = v.getUint32(at, true);
        sink.status(decoder.decode(b.subarray(at + 4, at + 4 + n)));
        at += 4 + n;
        break;
      }
      case INT:
        sink.integer(v.getFloat64(at, true));
        at += 8;
        break;
      case BIGINT:
        sink.integer(v.getBigInt64(at, true));
        at += 8;
        break;
      case BULK: {
        const n = v.getUint32(at, true);
        sink.bulk(b, at + 4, n);
        at += 4 + n;
        break;
      }
      case ARRAY:
        sink.array(v.getUint32(at, true));
        at += 4;
        break;
      case PUSH:
        pushHeader(sink, v.getUint32(at, true));
        at += 4;
        break;
      case ERROR: {
        const codeLength = b[at++]!;
        let code = "";
        for (let i = 0; i < codeLength; i++) code += String.fromCharCode(b[at + i]!);
        at += codeLength;
        const n = v.getUint32(at, true);
        sink.error(code as ErrorCode, decoder.decode(b.subarray(at + 4, at + 4 + n)));
        at += 4 + n;
        break;
      }
      default:
        throw new Error(`ReplyBuffer.replay: corrupt record tag ${b[at - 1]} at ${at - 1}`);
    }
  }
}
