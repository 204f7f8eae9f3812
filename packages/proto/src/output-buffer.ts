/**
 * A growable byte buffer for encoders whose output goes to a socket.
 *
 * Bytes handed out by `take()` are never written again: `socket.write` keeps a reference to
 * the Buffer it was given until the kernel has it, so reusing that memory would corrupt the
 * stream. When the buffer fills, a new one is allocated and only the bytes not yet taken move
 * over; the old one is freed once the socket is done with it.
 *
 * Positions that must survive a move (placeholders to backpatch) are kept as absolute stream
 * offsets: index in `buf` = offset - `base`.
 */
export class OutputBuffer {
  buf: Buffer;
  /** Write index in `buf`. */
  pos = 0;
  /** Index in `buf` of the first byte not yet taken. */
  start = 0;
  /** Stream offset of buf[0]. */
  base = 0;
  private readonly initialBytes: number;

  constructor(initialBytes: number) {
    if (!Number.isInteger(initialBytes) || initialBytes < 64) throw new RangeError(`initialBytes must be an integer >= 64, got ${initialBytes}`);
    this.initialBytes = initialBytes;
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** Makes room for `n` more bytes at `pos`; returns the (possibly new) buffer. */
  reserve(n: number): Buffer {
    if (this.buf.length - this.pos >= n) return this.buf;
    return this.grow(n);
  }

  /** Bytes written and not yet taken. */
  get pendingBytes(): number {
    return this.pos - this.start;
  }

  /** Hands out buf[start, end) (end <= pos) as a Buffer the caller owns; it is never rewritten. */
  take(end: number): Buffer {
    if (end < this.start || end > this.pos) throw new RangeError("OutputBuffer.take: end out of range");
    const out = this.buf.subarray(this.start, end);
    this.start = end;
    if (this.start === this.pos && this.buf.length - this.pos < 64) {
      // The rest of this buffer is too small to be worth keeping; start a fresh one next time.
      this.base += this.pos;
      this.buf = Buffer.allocUnsafe(this.initialBytes);
      this.pos = this.start = 0;
    }
    return out;
  }

  private grow(n: number): Buffer {
    const pending = this.pos - this.start;
    const need = pending + n;
    // Geometric growth when a long reply is written piece by piece (amortised O(1) per byte);
    // one large write (a big value) gets what it needs plus the usual slack, not double.
    let capacity: number;
    if (need <= this.initialBytes >>> 1) capacity = this.initialBytes;
    else if (n > pending) capacity = need + this.initialBytes;
    else capacity = 2 * need;
    const next = Buffer.allocUnsafe(capacity);
    this.buf.copy(next, 0, this.start, this.pos);
    this.base += this.start;
    this.buf = next;
    this.pos = pending;
    this.start = 0;
    return next;
  }
}
