/**
 * Splits a TCP byte stream into frames: each frame is a varint length (at most 5 bytes, the
 * protobuf "delimited" format) followed by that many bytes of one protobuf message.
 *
 * Usage, once per socket 'data' event:
 *
 *     decoder.push(chunk);
 *     for (let frame = decoder.next(); frame !== null; frame = decoder.next()) handle(frame);
 *
 * Chunk boundaries may fall anywhere, including inside the length prefix.
 *
 * Memory: a frame that lies wholly inside one chunk is returned as a view of that chunk (no
 * copy). Only a frame split across chunks is copied, into a buffer that grows as its bytes
 * arrive (never beyond the announced length, and never beyond `maxFrameBytes`), so a peer
 * that announces a huge frame and then stalls costs at most what it actually sent. A returned
 * frame is never overwritten later: the decoder gives up the buffer it returns, so callers may
 * keep views into a frame for as long as they like.
 *
 * Errors: a length prefix longer than 5 bytes is `WireError("PROTO")`; a length above
 * `maxFrameBytes` is `WireError("TOOBIG")`. Both are thrown from `next()` as soon as the
 * prefix is read (before the body arrives), and the decoder stays failed: framing is lost, so
 * the caller should answer with an error and close the connection.
 */
import { WireError } from "./wire.js";

/** Default frame limit: a 64 MiB value (the engine's default maxValueBytes) plus room for key and framing. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024 + 1024 * 1024;

/** The longest length prefix: 5 varint bytes cover any 32-bit length. */
const MAX_PREFIX_BYTES = 5;
/** First allocation for a frame split across chunks; doubled as bytes arrive. */
const MIN_PARTIAL_BYTES = 4096;

export interface FrameDecoderOptions {
  /** Largest frame body accepted, in bytes (default DEFAULT_MAX_FRAME_BYTES). */
  maxFrameBytes?: number;
}

export class FrameDecoder {
  /**
   * Largest frame body accepted. May be changed between frames: it is checked when a frame's
   * length prefix is read (the native server keeps it small until a connection authenticates).
   */
  maxFrameBytes: number;

  // The chunk being read and the read position in it.
  private chunk: Uint8Array = new Uint8Array(0);
  private chunkPos = 0;

  // A length prefix split across chunks: its bytes so far.
  private readonly prefix = new Uint8Array(MAX_PREFIX_BYTES);
  private prefixLen = 0;

  // A frame body split across chunks: the bytes so far and the announced length (-1 = none).
  private partial: Uint8Array | null = null;
  private partialLen = 0;
  private partialNeed = -1;

  private failure: WireError | null = null;

  constructor(options: FrameDecoderOptions = {}) {
    const max = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    if (!Number.isInteger(max) || max < 0 || max > 0xffffffff) {
      throw new RangeError(`maxFrameBytes must be an integer in [0, 2^32-1], got ${max}`);
    }
    this.maxFrameBytes = max;
  }

  /**
   * Hands the decoder the next chunk of the stream. The previous chunk must have been drained
   * (`next()` returned null): the decoder keeps no queue of chunks, which is what bounds it.
   */
  push(chunk: Uint8Array): void {
    if (this.chunkPos < this.chunk.length && this.failure === null) {
      throw new Error("FrameDecoder.push: the previous chunk was not drained (call next() until it returns null)");
    }
    this.chunk = chunk;
    this.chunkPos = 0;
  }

  /** The next complete frame body, or null when more bytes are needed. Throws WireError. */
  next(): Uint8Array | null {
    if (this.failure !== null) throw this.failure;
    const chunk = this.chunk;
    const end = chunk.length;

    // Continue a frame body split across chunks.
    if (this.partialNeed >= 0) return this.continuePartial();

    if (this.chunkPos >= end) return null;

    // Read the length prefix, possibly continuing one split across chunks.
    let pos = this.chunkPos;
    let length: number;
    if (this.prefixLen === 0 && end - pos >= MAX_PREFIX_BYTES) {
      // Fast path: the whole prefix is in this chunk.
      let b = chunk[pos++]!;
      length = b & 0x7f;
      if (b >= 0x80) {
        b = chunk[pos++]!;
        length |= (b & 0x7f) << 7;
        if (b >= 0x80) {
          b = chunk[pos++]!;
          length |= (b & 0x7f) << 14;
          if (b >= 0x80) {
            b = chunk[pos++]!;
            length |= (b & 0x7f) << 21;
            if (b >= 0x80) {
              b = chunk[pos++]!;
              if (b >= 0x80) return this.fail("PROTO", "malformed frame length (more than 5 varint bytes)");
              length = (length >>> 0) + b * 0x10000000; // may exceed 2^32: then it is too big anyway
            }
          }
        }
      }
    } else {
      const r = this.readSplitPrefix();
      if (r < 0) return null;
      length = r;
      pos = this.chunkPos;
    }
    if (length > this.maxFrameBytes) {
      return this.fail("TOOBIG", `frame of ${length} bytes is larger than the limit of ${this.maxFrameBytes} bytes`);
    }

    if (end - pos >= length) {
      this.chunkPos = pos + length;
      // The constructor, not subarray: a Buffer's subarray goes through its species constructor.
      return new Uint8Array(chunk.buffer, chunk.byteOffset + pos, length);
    }

    // The body continues in later chunks: copy what is here.
    this.chunkPos = pos;
    this.partialNeed = length;
    this.partialLen = 0;
    this.partial = new Uint8Array(Math.min(length, Math.max(MIN_PARTIAL_BYTES, 2 * (end - pos))));
    return this.continuePartial();
  }

  /** Bytes held for a frame not yet complete (prefix and body). */
  get bufferedBytes(): number {
    return this.prefixLen + this.partialLen;
  }

  /** True when no partial frame is held and the current chunk is drained. */
  get idle(): boolean {
    return this.prefixLen === 0 && this.partialNeed < 0 && this.chunkPos >= this.chunk.length;
  }

  /** The error that stopped the decoder, if any. */
  get error(): WireError | null {
    return this.failure;
  }

  // Consumes prefix bytes from the chunk; returns the length, or -1 if the chunk ran out.
  private readSplitPrefix(): number {
    const chunk = this.chunk;
    let pos = this.chunkPos;
    while (pos < chunk.length) {
      const b = chunk[pos++]!;
      this.prefix[this.prefixLen++] = b;
      if (b < 0x80) {
        this.chunkPos = pos;
        let length = 0;
        for (let i = this.prefixLen - 1; i >= 0; i--) length = length * 128 + (this.prefix[i]! & 0x7f);
        this.prefixLen = 0;
        return length;
      }
      if (this.prefixLen === MAX_PREFIX_BYTES) {
        this.chunkPos = pos;
        return this.fail("PROTO", "malformed frame length (more than 5 varint bytes)");
      }
    }
    this.chunkPos = pos;
    return -1;
  }

  private continuePartial(): Uint8Array | null {
    const chunk = this.chunk;
    const available = chunk.length - this.chunkPos;
    if (available === 0) return null;
    const need = this.partialNeed - this.partialLen;
    const take = available < need ? available : need;
    let partial = this.partial!;
    if (this.partialLen + take > partial.length) {
      // Grow geometrically, but never past the announced length.
      let capacity = partial.length * 2;
      while (capacity < this.partialLen + take) capacity *= 2;
      if (capacity > this.partialNeed) capacity = this.partialNeed;
      const grown = new Uint8Array(capacity);
      grown.set(partial.subarray(0, this.partialLen));
      partial = this.partial = grown;
    }
    partial.set(chunk.subarray(this.chunkPos, this.chunkPos + take), this.partialLen);
    this.partialLen += take;
    this.chunkPos += take;
    if (this.partialLen < this.partialNeed) return null;
    // Complete: hand the buffer over and forget it, so the caller's views stay valid.
    const frame = partial.length === this.partialNeed ? partial : partial.subarray(0, this.partialNeed);
    this.partial = null;
    this.partialLen = 0;
    this.partialNeed = -1;
    return frame;
  }

  private fail(code: "PROTO" | "TOOBIG", message: string): never {
    this.failure = new WireError(code, message);
    // Drop everything held: nothing after a framing error can be trusted.
    this.partial = null;
    this.partialLen = 0;
    this.partialNeed = -1;
    this.prefixLen = 0;
    this.chunk = new Uint8Array(0);
    this.chunkPos = 0;
    throw this.failure;
  }
}
