/**
 * RESP reply encoder: a ReplySink that writes RESP2 or RESP3 bytes into one growing output
 * buffer, which the connection hands to the socket in one write per batch of replies.
 *
 * RESP2 / RESP3 differences that matter here: nil is `$-1` / `_`, and a map (HELLO, CONFIG
 * GET, COMMAND DOCS) is a flat array / `%n`. The version is read from the session at every
 * write, so HELLO 3's own reply is already in RESP3, as in Redis.
 */
import type { ErrorCode } from "@tessera/proto";
import type { MapReplySink } from "../server-commands/index.js";

const CRLF_CR = 13;
const CRLF_LF = 10;
const OK_BYTES = Buffer.from("+OK\r\n");
const NIL2_BYTES = Buffer.from("$-1\r\n");
const NIL3_BYTES = Buffer.from("_\r\n");

/** First allocation and the size a buffer is brought back to after a large batch. */
const INITIAL_BYTES = 16 * 1024;

/** Batches up to this size are copied into Node's buffer pool (it serves allocations under 4 KiB). */
const POOLED_COPY_MAX_BYTES = 4095;

/** Small non-negative integers are encoded from a table: array/bulk headers and small integers are the common case. */
const SMALL_INT_LIMIT = 1024;
const SMALL_INTS: Buffer[] = [];
for (let i = 0; i < SMALL_INT_LIMIT; i++) SMALL_INTS.push(Buffer.from(String(i), "latin1"));

export interface RespVersionSource {
  respVersion: 2 | 3;
  /** Counts the error replies written (INFO errorstats), when the source is a router session. */
  readonly errorReplies?: { count(code: string): void } | null;
}

export class RespReplyEncoder implements MapReplySink {
  /** Encoded bytes are out[0, outLength). */
  protected out: Buffer = Buffer.allocUnsafe(INITIAL_BYTES);
  protected outLength = 0;

  /**
   * When non-zero, the protocol version replies are encoded in, instead of the session's: the
   * replies of requests sent before a HELLO that switched protocols keep the old one.
   */
  protected versionOverride: 0 | 2 | 3 = 0;

  constructor(protected readonly version: RespVersionSource) {}

  protected resp3(): boolean {
    return (this.versionOverride || this.version.respVersion) === 3;
  }

  ok(): void {
    this.raw(OK_BYTES);
  }

  status(text: string): void {
    this.ensure(text.length * 3 + 3);
    this.out[this.outLength++] = 43; // +
    this.outLength += this.out.write(text, this.outLength, "utf8");
    this.crlf();
  }

  nil(): void {
    this.raw(this.resp3() ? NIL3_BYTES : NIL2_BYTES);
  }

  /** A pub/sub push header: RESP3's `>`, RESP2's array. */
  push(count: number): void {
    this.ensure(16);
    this.out[this.outLength++] = this.resp3() ? 62 : 42; // > or *
    this.outLength += this.out.write(String(count), this.outLength, "latin1");
    this.crlf();
  }

  integer(value: number | bigint): void {
    this.ensure(24);
    this.out[this.outLength++] = 58; // :
    if (typeof value === "number" && value >= 0 && value < SMALL_INT_LIMIT) this.rawInto(SMALL_INTS[value]!);
    else this.outLength += this.out.write(String(value), this.outLength, "latin1");
    this.crlf();
  }

  bulk(bytes: Uint8Array, offset: number, length: number): void {
    this.ensure(length + 16);
    const out = this.out;
    out[this.outLength++] = 36; // $
    this.writeLength(length);
    if (length > 0) {
      out.set(length === bytes.length && offset === 0 ? bytes : bytes.subarray(offset, offset + length), this.outLength);
      this.outLength += length;
    }
    out[this.outLength++] = CRLF_CR;
    out[this.outLength++] = CRLF_LF;
  }

  array(count: number): void {
    this.ensure(16);
    this.out[this.outLength++] = 42; // *
    this.writeLength(count);
  }

  map(pairs: number): void {
    if (!this.resp3()) {
      this.array(pairs * 2);
      return;
    }
    this.ensure(16);
    this.out[this.outLength++] = 37; // %
    this.writeLength(pairs);
  }

  error(code: ErrorCode, message: string): void {
    this.version.errorReplies?.count(code);
    // Redis replaces CR/LF in error text so the reply stays one line.
    const text = `${code} ${message}`.replace(/[\r\n]+/g, " ");
    this.ensure(text.length * 3 + 3);
    this.out[this.outLength++] = 45; // -
    this.outLength += this.out.write(text, this.outLength, "utf8");
    this.crlf();
  }

  /** Bytes encoded and not yet taken. */
  get pendingBytes(): number {
    return this.outLength;
  }

  /**
   * Takes the encoded bytes for one socket write. The socket may hold on to what it is given
   * until the kernel took it, so the taken bytes are never written again: a small batch (the
   * common case at pipeline 1) is copied into a slice of Node's shared buffer pool and this
   * buffer is reused; a large one is handed over whole and a fresh buffer started.
   */
  takeOutput(): Buffer {
    const n = this.outLength;
    this.outLength = 0;
    if (n <= POOLED_COPY_MAX_BYTES) return Buffer.from(this.out.subarray(0, n));
    const taken = this.out.subarray(0, n);
    // Size the next buffer for a batch like this one, within [INITIAL_BYTES, 1 MiB].
    this.out = Buffer.allocUnsafe(Math.min(Math.max(INITIAL_BYTES, n), 1024 * 1024));
    return taken;
  }

  private writeLength(n: number): void {
    if (n < SMALL_INT_LIMIT) this.rawInto(SMALL_INTS[n]!);
    else this.outLength += this.out.write(String(n), this.outLength, "latin1");
    this.out[this.outLength++] = CRLF_CR;
    this.out[this.outLength++] = CRLF_LF;
  }

  private crlf(): void {
    this.out[this.outLength++] = CRLF_CR;
    this.out[this.outLength++] = CRLF_LF;
  }

  private raw(bytes: Buffer): void {
    this.ensure(bytes.length);
    this.rawInto(bytes);
  }

  /** Copies without a capacity check (the caller ensured room). Short constants: a byte loop beats set(). */
  private rawInto(bytes: Buffer): void {
    const out = this.out;
    let at = this.outLength;
    for (let i = 0; i < bytes.length; i++) out[at++] = bytes[i]!;
    this.outLength = at;
  }

  protected ensure(extra: number): void {
    const need = this.outLength + extra;
    if (need <= this.out.length) return;
    let size = this.out.length * 2;
    while (size < need) size *= 2;
    const grown = Buffer.allocUnsafe(size);
    this.out.copy(grown, 0, 0, this.outLength);
    this.out = grown;
  }
}
