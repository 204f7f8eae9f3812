/**
 * The partitions' internal reply encoding, and the response records that carry it.
 *
 * A reply is a type byte and a payload, little-endian:
 *   OK      0x01
 *   STATUS  0x02 [u32 length][ASCII bytes]
 *   NIL     0x03
 *   INT     0x04 [f64]            a safe integer, as a double (ints stay JS numbers end to end)
 *   BIGINT  0x05 [i64]            an integer beyond 2^53
 *   BULK    0x06 [u32 length][bytes]
 *   ARRAY   0x07 [u32 count]      followed by `count` replies
 *   ERROR   0x08 [u8 code length][ASCII code][u32 message length][UTF-8 message]
 *
 * Response record payload on the ring: [u32 token][u32 form] then the reply (form 0), or
 * [u32 large id] (form 1: the reply was too big for the ring and travels in its own buffer,
 * posted over the control channel before the record is published).
 *
 * `RingReplyWriter` is the worker's `ReplySink`: it encodes each reply into a reusable staging
 * buffer, tagged with its token. Staging (rather than writing straight into the ring) is what
 * lets the worker run group commit first and turn a batch's write replies into IOERR when the
 * disk failed, and lets a batch finish executing even when the response ring is momentarily
 * full. It costs one memcpy of each reply.
 */
import type { ErrorCode, ReplySink } from "@tessera/proto";

export const REPLY_OK = 0x01;
export const REPLY_STATUS = 0x02;
export const REPLY_NIL = 0x03;
export const REPLY_INT = 0x04;
export const REPLY_BIGINT = 0x05;
export const REPLY_BULK = 0x06;
export const REPLY_ARRAY = 0x07;
export const REPLY_ERROR = 0x08;

export const RESPONSE_HEADER_BYTES = 8;
export const RESPONSE_FORM_INLINE = 0;
export const RESPONSE_FORM_LARGE = 1;

/** Flag on a staged reply: the request was a WRITE (its reply becomes IOERR if the commit fails). */
export const STAGED_WRITE = 1;

const DEFAULT_STAGE_BYTES = 64 * 1024;
const DEFAULT_MAX_REPLY_BYTES = 512 * 1024 * 1024;
const DEFAULT_STAGE_SLOTS = 1024;

// Scratch for doubles and 64-bit integers (no DataView per call on the decode path).
const scratch = new Uint8Array(8);
const scratchF64 = new Float64Array(scratch.buffer);
const scratchI64 = new BigInt64Array(scratch.buffer);
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

function readU32(b: Uint8Array, o: number): number {
  return (b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24)) >>> 0;
}

/**
 * Decodes one reply at `offset` into `sink`; returns the offset just after it. Bulk replies are
 * handed to the sink as (buf, offset, length) without a copy (the sink copies, per ReplySink).
 */
export function decodeReply(buf: Uint8Array, offset: number, sink: ReplySink): number {
  let p = offset;
  // Replies still owed: 1 for the top level, plus the elements of arrays opened on the way.
  let owed = 1;
  while (owed > 0) {
    owed--;
    const type = buf[p++];
    switch (type) {
      case REPLY_OK:
        sink.ok();
        break;
      case REPLY_NIL:
        sink.nil();
        break;
      case REPLY_INT: {
        for (let i = 0; i < 8; i++) scratch[i] = buf[p + i]!;
        p += 8;
        sink.integer(scratchF64[0]!);
        break;
      }
      case REPLY_BIGINT: {
        for (let i = 0; i < 8; i++) scratch[i] = buf[p + i]!;
        p += 8;
        sink.integer(scratchI64[0]!);
        break;
      }
      case REPLY_BULK: {
        const n = readU32(buf, p);
        p += 4;
        sink.bulk(buf, p, n);
        p += n;
        break;
      }
      case REPLY_ARRAY: {
        const n = readU32(buf, p);
        p += 4;
        sink.array(n);
        owed += n;
        break;
      }
      case REPLY_STATUS: {
        const n = readU32(buf, p);
        p += 4;
        let text = "";
        for (let i = 0; i < n; i++) text += String.fromCharCode(buf[p + i]!);
        p += n;
        sink.status(text);
        break;
      }
      case REPLY_ERROR: {
        const codeLength = buf[p++]!;
        let code = "";
        for (let i = 0; i < codeLength; i++) code += String.fromCharCode(buf[p + i]!);
        p += codeLength;
        const n = readU32(buf, p);
        p += 4;
        // slice(): TextDecoder refuses views of a SharedArrayBuffer. Errors are rare.
        const message = utf8Decoder.decode(buf.slice(p, p + n));
        p += n;
        sink.error(code as ErrorCode, message);
        break;
      }
      default:
        throw new Error(`reply-codec: unknown reply type ${type} at offset ${p - 1}`);
    }
  }
  return p;
}

/** Encodes one error reply into a fresh buffer (for replies the host makes up: a dead worker). */
export function encodeErrorReply(code: ErrorCode, message: string): Uint8Array {
  const w = new RingReplyWriter(256 + message.length * 3);
  w.begin(0, 0);
  w.error(code, message);
  w.end();
  return w.stage.slice(w.replyStart(0), w.replyEnd(0));
}

/**
 * Bytes in front of each staged reply: the ring's record header (u32 payload length) and the
 * response header (u32 token, u32 form). Each staged reply is thus a complete inline response
 * record, padded to 8 bytes as the ring lays records out, so a batch of them can be copied
 * into the response ring in one piece (`RingProducer.tryWriteRecords`).
 */
export const STAGED_FRAME_BYTES = 4 + RESPONSE_HEADER_BYTES;

/**
 * The worker's ReplySink. Usage per request: `begin(token, flags)`, hand the writer to the
 * engine, `end()`. Staged replies are then read back by index (`token(i)`, `replyStart(i)`,
 * `replyEnd(i)` into `stage`) and copied into the response ring, record by record, or all at
 * once from `framedStart(i)` to `stagedBytes` (see STAGED_FRAME_BYTES); `reset()` starts the
 * next batch.
 */
export class RingReplyWriter implements ReplySink {
  /** Staged reply bytes; reallocated when it grows (read it after writing, not before). */
  stage: Uint8Array;
  private view: DataView;
  private length = 0;
  /** Number of complete replies staged. */
  count = 0;
  private tokens: Uint32Array;
  private starts: Int32Array;
  private ends: Int32Array;
  private flagsOf: Uint8Array;
  /** Replies (values) the reply being written still owes; 0 outside begin..end. */
  private owed = 0;
  private currentStart = -1;
  private currentToken = 0;
  private currentFlags = 0;
  private tooBig = false;
  /** Largest reply staged since reset(), in bytes (records over the ring's inline limit go out of band). */
  largestReply = 0;

  constructor(
    private readonly initialBytes = DEFAULT_STAGE_BYTES,
    /** A reply larger than this is replaced by a TOOBIG error (bounds the staging memory). */
    readonly maxReplyBytes = DEFAULT_MAX_REPLY_BYTES,
  ) {
    this.stage = new Uint8Array(initialBytes);
    this.view = new DataView(this.stage.buffer);
    this.tokens = new Uint32Array(DEFAULT_STAGE_SLOTS);
    this.starts = new Int32Array(DEFAULT_STAGE_SLOTS);
    this.ends = new Int32Array(DEFAULT_STAGE_SLOTS);
    this.flagsOf = new Uint8Array(DEFAULT_STAGE_SLOTS);
  }

  /** Bytes staged in this batch. */
  get stagedBytes(): number {
    return this.length;
  }

  /** True between begin() and end(). */
  get writing(): boolean {
    return this.currentStart >= 0;
  }

  begin(token: number, flags: number): void {
    if (this.currentStart >= 0) throw new Error("RingReplyWriter.begin: previous reply not ended");
    this.owed = 1;
    // Room for the record frame, written by end() once the reply's length is known.
    const needed = this.length + STAGED_FRAME_BYTES;
    if (needed > this.stage.length) this.grow(needed);
    this.length = needed;
    this.currentStart = needed;
    this.currentToken = token;
    this.currentFlags = flags;
    this.tooBig = false;
  }

  /** Changes the current reply's flags (EXEC knows whether it wrote only once it ran). */
  setFlags(flags: number): void {
    if (this.currentStart < 0) throw new Error("RingReplyWriter.setFlags: no reply begun");
    this.currentFlags = flags;
  }

  /** Ends the current reply. Throws if the handler wrote less or more than one reply. */
  end(): void {
    if (this.currentStart < 0) throw new Error("RingReplyWriter.end: no reply begun");
    if (this.tooBig) {
      const limit = this.maxReplyBytes;
      this.rollBack();
      this.error("TOOBIG", `reply is larger than the limit of ${limit} bytes; use SCAN or smaller values`);
    }
    if (this.owed !== 0) throw new Error(`RingReplyWriter.end: reply incomplete (${this.owed} value(s) missing)`);
    const i = this.count;
    if (i === this.tokens.length) this.growSlots();
    const start = this.currentStart;
    const end = this.length;
    this.tokens[i] = this.currentToken;
    this.starts[i] = start;
    this.ends[i] = end;
    this.flagsOf[i] = this.currentFlags;
    this.count = i + 1;
    this.currentStart = -1;
    const replyBytes = end - start;
    if (replyBytes > this.largestReply) this.largestReply = replyBytes;
    // The frame: ring record header, then the response header (token, inline form).
    const frame = start - STAGED_FRAME_BYTES;
    const view = this.view;
    view.setUint32(frame, RESPONSE_HEADER_BYTES + replyBytes, true);
    view.setUint32(frame + 4, this.tokens[i]!, true);
    view.setUint32(frame + 8, RESPONSE_FORM_INLINE, true);
    // Pad to 8 as the ring does (the padding's bytes are never read).
    const padded = frame + ((STAGED_FRAME_BYTES + replyBytes + 7) & ~7);
    if (padded > this.stage.length) this.grow(padded);
    this.length = padded;
  }

  /** Where reply i's framed record starts in `stage`. */
  framedStart(i: number): number {
    return this.starts[i]! - STAGED_FRAME_BYTES;
  }

  /** Discards whatever the current reply wrote so far; the reply stays begun (write one anew). */
  rollBack(): void {
    if (this.currentStart < 0) throw new Error("RingReplyWriter.rollBack: no reply begun");
    this.length = this.currentStart;
    this.owed = 1;
    this.tooBig = false;
  }

  token(i: number): number {
    return this.tokens[i]!;
  }
  replyStart(i: number): number {
    return this.starts[i]!;
  }
  replyEnd(i: number): number {
    return this.ends[i]!;
  }
  flags(i: number): number {
    return this.flagsOf[i]!;
  }
  /** Reply i is an error (INFO commandstats' failed_calls). */
  isError(i: number): boolean {
    return this.stage[this.starts[i]!] === REPLY_ERROR;
  }
  /** Reply i is an error with this code (ASCII), e.g. "OOM". */
  errorCodeIs(i: number, code: string): boolean {
    const s = this.stage;
    const at = this.starts[i]!;
    if (s[at] !== REPLY_ERROR || s[at + 1] !== code.length) return false;
    for (let k = 0; k < code.length; k++) if (s[at + 2 + k] !== code.charCodeAt(k)) return false;
    return true;
  }

  /** Forgets the staged batch; gives back memory a huge reply made the stage grow to. */
  reset(): void {
    if (this.currentStart >= 0) throw new Error("RingReplyWriter.reset: a reply is still being written");
    this.length = 0;
    this.count = 0;
    this.largestReply = 0;
    if (this.stage.length > this.initialBytes * 64) {
      this.stage = new Uint8Array(this.initialBytes);
      this.view = new DataView(this.stage.buffer);
    }
  }

  // ---- ReplySink ------------------------------------------------------------------------

  ok(): void {
    if (!this.value(1)) return;
    this.stage[this.length++] = REPLY_OK;
  }

  nil(): void {
    if (!this.value(1)) return;
    this.stage[this.length++] = REPLY_NIL;
  }

  status(text: string): void {
    const n = text.length;
    if (!this.value(5 + n)) return;
    const s = this.stage;
    let p = this.length;
    s[p] = REPLY_STATUS;
    this.view.setUint32(p + 1, n, true);
    p += 5;
    for (let i = 0; i < n; i++) s[p + i] = text.charCodeAt(i) & 0x7f;
    this.length = p + n;
  }

  integer(value: number | bigint): void {
    if (!this.value(9)) return;
    const p = this.length;
    if (typeof value === "number") {
      this.stage[p] = REPLY_INT;
      this.view.setFloat64(p + 1, value, true);
    } else {
      this.stage[p] = REPLY_BIGINT;
      this.view.setBigInt64(p + 1, value, true);
    }
    this.length = p + 9;
  }

  bulk(bytes: Uint8Array, offset: number, length: number): void {
    if (!this.value(5 + length)) return;
    const s = this.stage;
    let p = this.length;
    s[p] = REPLY_BULK;
    this.view.setUint32(p + 1, length, true);
    p += 5;
    if (length <= 32) {
      for (let i = 0; i < length; i++) s[p + i] = bytes[offset + i]!;
    } else {
      s.set(bytes.subarray(offset, offset + length), p);
    }
    this.length = p + length;
  }

  array(count: number): void {
    const fits = this.value(5);
    this.owed += count; // the elements are owed even when the reply is being dropped as too big
    if (!fits) return;
    const p = this.length;
    this.stage[p] = REPLY_ARRAY;
    this.view.setUint32(p + 1, count, true);
    this.length = p + 5;
  }

  error(code: ErrorCode, message: string): void {
    const worst = 6 + code.length + message.length * 3;
    if (!this.value(worst)) return;
    const s = this.stage;
    let p = this.length;
    s[p++] = REPLY_ERROR;
    s[p++] = code.length;
    for (let i = 0; i < code.length; i++) s[p + i] = code.charCodeAt(i) & 0x7f;
    p += code.length;
    const written = utf8.encodeInto(message, s.subarray(p + 4, p + 4 + message.length * 3)).written;
    this.view.setUint32(p, written, true);
    this.length = p + 4 + written;
  }

  // ---- internals --------------------------------------------------------------------------

  /**
   * Accounts for one value of at most `bytes` encoded bytes: checks it belongs to an open reply,
   * makes room. Returns false when the reply is over the size limit (it is then dropped whole).
   */
  private value(bytes: number): boolean {
    if (this.owed <= 0) {
      throw new Error(this.currentStart < 0 ? "RingReplyWriter: reply written outside begin()/end()" : "RingReplyWriter: handler wrote more than one reply");
    }
    this.owed--;
    if (this.tooBig) return false;
    const needed = this.length + bytes;
    if (needed - this.currentStart > this.maxReplyBytes) {
      this.tooBig = true;
      return false;
    }
    if (needed > this.stage.length) this.grow(needed);
    return true;
  }

  private grow(needed: number): void {
    let n = this.stage.length * 2;
    while (n < needed) n *= 2;
    const next = new Uint8Array(n);
    next.set(this.stage.subarray(0, this.length));
    this.stage = next;
    this.view = new DataView(next.buffer);
  }

  private growSlots(): void {
    const n = this.tokens.length * 2;
    const tokens = new Uint32Array(n);
    tokens.set(this.tokens);
    const starts = new Int32Array(n);
    starts.set(this.starts);
    const ends = new Int32Array(n);
    ends.set(this.ends);
    const flags = new Uint8Array(n);
    flags.set(this.flagsOf);
    this.tokens = tokens;
    this.starts = starts;
    this.ends = ends;
    this.flagsOf = flags;
  }
}
