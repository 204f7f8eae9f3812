/**
 * A single-producer single-consumer ring of variable-length binary records in a
 * SharedArrayBuffer. One thread writes, one other thread reads; no locks.
 *
 * Layout of the SharedArrayBuffer:
 *   bytes [0, 256)        header, Int32 words (each hot word on its own 64-byte line so the
 *                         producer's and the consumer's writes do not false-share):
 *                           [0]  head: bytes ever published by the producer (wraps at 2^32)
 *                           [16] tail: bytes ever released by the consumer   (wraps at 2^32)
 *                           [32] data doorbell sequence   [33] consumer sleeping flag
 *                           [48] space doorbell sequence  [49] producer sleeping flag
 *   bytes [256, 256+cap)  data, `cap` a power of two
 *
 * Records: a 4-byte little-endian payload length, the payload, padding to a multiple of 8.
 * A record never straddles the end of the data region: when it would, the producer writes the
 * PAD marker (length 0xFFFFFFFF) at the current position and the record starts at 0; the
 * consumer skips from a PAD to the start. Every record is 8-aligned, so at least 8 bytes remain
 * before the end and the marker always fits.
 *
 * Head and tail are free-running 32-bit counters; the position is `counter & (cap - 1)` and the
 * used size is `(head - tail) | 0`, which stays right across the 2^32 wrap because cap <= 2^30.
 *
 * Memory ordering: the producer writes record bytes with plain stores, then publishes with
 * `Atomics.store(head)`; the consumer reads head with `Atomics.load` before reading bytes. JS
 * atomics are sequentially consistent, so that store/load pair orders the plain accesses
 * (release/acquire). Symmetrically for the tail: the consumer releases space with
 * `Atomics.store(tail)` only after it is done with the bytes (argv views into the ring stay
 * valid until then).
 *
 * Bounds: a record may take at most `cap / 2` bytes (header and padding included). That limit
 * guarantees an empty ring accepts any legal record wherever its head is (padding to the end
 * plus the record is then < cap), so a producer can never wait for space that cannot come.
 * Bigger records travel outside the ring (see `largeRecordThresholdBytes` in the codecs).
 */
import { Doorbell } from "./doorbell.js";

const HEADER_BYTES = 256;
const HEAD = 0;
const TAIL = 16;
const DATA_SEQ = 32;
const CONSUMER_SLEEPING = 33;
const SPACE_SEQ = 48;
const PRODUCER_SLEEPING = 49;
const PAD = -1; // 0xFFFFFFFF as an Int32
const RECORD_HEADER_BYTES = 4;

export const RING_MIN_BYTES = 4096;
export const RING_MAX_BYTES = 1 << 30;

function assert(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(`spsc-ring: assertion failed: ${message}`);
}

/** Rounds `n` up to a multiple of 8. */
function align8(n: number): number {
  return (n + 7) & ~7;
}

/** Allocates the SharedArrayBuffer for a ring with `dataBytes` of record space (a power of two). */
export function allocateRing(dataBytes: number): SharedArrayBuffer {
  assert(Number.isInteger(dataBytes) && dataBytes >= RING_MIN_BYTES && dataBytes <= RING_MAX_BYTES,
    `ring size ${dataBytes} must be within [${RING_MIN_BYTES}, ${RING_MAX_BYTES}]`);
  assert((dataBytes & (dataBytes - 1)) === 0, `ring size ${dataBytes} must be a power of two`);
  return new SharedArrayBuffer(HEADER_BYTES + dataBytes);
}

/** Rounds a requested ring size up to a legal one (power of two within bounds). */
export function legalRingBytes(requested: number): number {
  let n = RING_MIN_BYTES;
  while (n < requested && n < RING_MAX_BYTES) n *= 2;
  return n;
}

/** State and views shared by both ends. Each thread constructs its own end over the same SAB. */
abstract class RingEnd {
  readonly capacityBytes: number;
  /** The data region: record payloads are addressed as offsets into this array. */
  readonly bytes: Uint8Array;
  /** The same data region, for little-endian scalar access to payload fields. */
  readonly view: DataView;
  /** Largest payload a single record may carry. */
  readonly maxPayloadBytes: number;
  /** Producer rings it after publishing; the consumer sleeps on it. */
  readonly dataDoorbell: Doorbell;
  /** Consumer rings it after releasing space; a producer waiting for space sleeps on it. */
  readonly spaceDoorbell: Doorbell;
  protected readonly header: Int32Array;
  protected readonly words: Int32Array; // the data region as Int32 (record headers are 4-aligned)
  protected readonly mask: number;

  constructor(readonly buffer: SharedArrayBuffer) {
    const cap = buffer.byteLength - HEADER_BYTES;
    assert(cap >= RING_MIN_BYTES && (cap & (cap - 1)) === 0, "not a ring buffer (bad size)");
    this.capacityBytes = cap;
    this.mask = cap - 1;
    this.header = new Int32Array(buffer, 0, HEADER_BYTES / 4);
    this.bytes = new Uint8Array(buffer, HEADER_BYTES, cap);
    this.view = new DataView(buffer, HEADER_BYTES, cap);
    this.words = new Int32Array(buffer, HEADER_BYTES, cap / 4);
    this.maxPayloadBytes = cap / 2 - RECORD_HEADER_BYTES;
    this.dataDoorbell = new Doorbell(this.header, DATA_SEQ, CONSUMER_SLEEPING);
    this.spaceDoorbell = new Doorbell(this.header, SPACE_SEQ, PRODUCER_SLEEPING);
  }

  /** Bytes published and not yet released (a snapshot; the other side moves it). */
  usedBytes(): number {
    return (Atomics.load(this.header, HEAD) - Atomics.load(this.header, TAIL)) | 0;
  }
}

/** The writing end. Only one thread may own it. */
export class RingProducer extends RingEnd {
  /** Head including reserved, unpublished records. */
  private localHead: number;
  /** Last tail seen; refreshed only when the cached view says the ring is full. */
  private cachedTail: number;

  constructor(buffer: SharedArrayBuffer) {
    super(buffer);
    this.localHead = Atomics.load(this.header, HEAD);
    this.cachedTail = Atomics.load(this.header, TAIL);
  }

  /**
   * Reserves a record of `payloadBytes` and returns the offset in `bytes` where its payload must
   * be written, or -1 when the ring has no room right now (the caller waits for space). The
   * record becomes visible to the consumer at the next `publish()`.
   */
  tryReserve(payloadBytes: number): number {
    assert(payloadBytes >= 0 && payloadBytes <= this.maxPayloadBytes,
      `record of ${payloadBytes} bytes exceeds the ring's limit of ${this.maxPayloadBytes}`);
    const total = align8(RECORD_HEADER_BYTES + payloadBytes);
    const cap = this.capacityBytes;
    let pos = this.localHead & this.mask;
    const toEnd = cap - pos;
    const needed = total > toEnd ? toEnd + total : total;
    if (cap - ((this.localHead - this.cachedTail) | 0) < needed) {
      this.cachedTail = Atomics.load(this.header, TAIL);
      if (cap - ((this.localHead - this.cachedTail) | 0) < needed) return -1;
    }
    if (total > toEnd) {
      this.words[pos >> 2] = PAD;
      this.localHead = (this.localHead + toEnd) | 0;
      pos = 0;
    }
    this.words[pos >> 2] = payloadBytes;
    this.localHead = (this.localHead + total) | 0;
    return pos + RECORD_HEADER_BYTES;
  }

  /**
   * Copies `src[start, end)`, a run of complete records already laid out as the ring lays them
   * out (u32 payload length, payload, padding to 8; see RingReplyWriter's frames), to the ring
   * in one piece, so a batch costs one copy instead of one reservation per record. Returns
   * false, writing nothing, when the run is over half the ring or does not fit right now; the
   * caller then goes record by record. Visible at the next `publish()`.
   */
  tryWriteRecords(src: Uint8Array, start: number, end: number): boolean {
    const total = end - start;
    assert((total & 7) === 0 && total >= 0, `a run of records is a multiple of 8 bytes, got ${total}`);
    const cap = this.capacityBytes;
    if (total > cap / 2) return false;
    let pos = this.localHead & this.mask;
    const toEnd = cap - pos;
    const needed = total > toEnd ? toEnd + total : total;
    if (cap - ((this.localHead - this.cachedTail) | 0) < needed) {
      this.cachedTail = Atomics.load(this.header, TAIL);
      if (cap - ((this.localHead - this.cachedTail) | 0) < needed) return false;
    }
    if (total > toEnd) {
      this.words[pos >> 2] = PAD;
      this.localHead = (this.localHead + toEnd) | 0;
      pos = 0;
    }
    this.bytes.set(src.subarray(start, end), pos);
    this.localHead = (this.localHead + total) | 0;
    return true;
  }

  /** Makes every reserved record visible to the consumer. Returns false when there was none. */
  publish(): boolean {
    if (Atomics.load(this.header, HEAD) === this.localHead) return false;
    Atomics.store(this.header, HEAD, this.localHead);
    return true;
  }

  /** Bytes reserved but not yet published. */
  get unpublishedBytes(): number {
    return (this.localHead - Atomics.load(this.header, HEAD)) | 0;
  }

  /** True when the consumer has released everything the producer reserved. */
  isDrained(): boolean {
    return Atomics.load(this.header, TAIL) === this.localHead;
  }
}

/** The reading end. Only one thread may own it. */
export class RingConsumer extends RingEnd {
  /** Tail including records read but not yet released. */
  private localTail: number;
  /** Last head seen; refreshed when the consumer catches up with it. */
  private cachedHead: number;
  /** Payload length of the record last returned by `next()`. */
  recordBytes = 0;

  constructor(buffer: SharedArrayBuffer) {
    super(buffer);
    this.localTail = Atomics.load(this.header, TAIL);
    this.cachedHead = Atomics.load(this.header, HEAD);
  }

  /**
   * Offset in `bytes` of the next record's payload (its length in `recordBytes`), or -1 when no
   * published record is left. The record's bytes stay valid until `release()`.
   */
  next(): number {
    if (this.localTail === this.cachedHead) {
      this.cachedHead = Atomics.load(this.header, HEAD);
      if (this.localTail === this.cachedHead) return -1;
    }
    let pos = this.localTail & this.mask;
    let len = this.words[pos >> 2]!;
    if (len === PAD) {
      this.localTail = (this.localTail + (this.capacityBytes - pos)) | 0;
      // The producer pads only right before a record, so one must follow.
      assert(this.localTail !== this.cachedHead, "PAD at the head of the ring");
      pos = 0;
      len = this.words[0]!;
    }
    assert(len >= 0 && len <= this.maxPayloadBytes, `corrupt record length ${len}`);
    this.localTail = (this.localTail + align8(RECORD_HEADER_BYTES + len)) | 0;
    this.recordBytes = len;
    return pos + RECORD_HEADER_BYTES;
  }

  /** Steps back over the record last returned by `next()`, so the next call returns it again. */
  unread(offset: number): void {
    // offset is the payload offset; the record began 4 bytes earlier. A PAD skipped on the way
    // is skipped again next time, so going back to the record itself is enough.
    const recordPos = offset - RECORD_HEADER_BYTES;
    const total = align8(RECORD_HEADER_BYTES + this.recordBytes);
    this.localTail = (this.localTail - total) | 0;
    assert((this.localTail & this.mask) === recordPos, "unread of a record that was not the last one read");
  }

  /** True when a published record is waiting (does not consume it). */
  hasRecords(): boolean {
    if (this.localTail !== this.cachedHead) return true;
    this.cachedHead = Atomics.load(this.header, HEAD);
    return this.localTail !== this.cachedHead;
  }

  /** Gives the space of every record read so far back to the producer. */
  release(): boolean {
    if (Atomics.load(this.header, TAIL) === this.localTail) return false;
    Atomics.store(this.header, TAIL, this.localTail);
    return true;
  }
}
