/**
 * Streaming parser of RESP requests, as Redis reads them (networking.c: processMultibulkBuffer,
 * processInlineBuffer):
 * - multibulk: `*<n>\r\n` then n times `$<len>\r\n<bytes>\r\n` (what every client library sends);
 * - inline: one line of space-separated words with "double" / 'single' quoting (what telnet
 *   and a hand-typed `redis-cli` fallback send).
 *
 * Zero-copy: arguments are views into the received chunks. A chunk is never written after it
 * arrived (a partial request is continued in a new, concatenated buffer), so views already
 * handed out stay valid for as long as anyone holds them. While a large request is incomplete,
 * chunks are only collected (not re-parsed) until the bytes the parser is known to need have
 * arrived, so a 64 MiB value arriving in 64 KiB reads costs O(n), not O(n^2).
 *
 * Limits, each with Redis's error words (the connection is closed after the error reply):
 * - argument count > maxArgs, or a malformed count  -> "Protocol error: invalid multibulk length"
 * - bulk length > maxBulkBytes, negative, malformed -> "Protocol error: invalid bulk length"
 * - a request's bulks adding up to > maxRequestBytes -> "Protocol error: request is larger than max-frame-bytes (N)"
 * - count/length line or inline line over 64 KiB without its line end -> "Protocol error: too big ..."
 * - unbalanced quotes in an inline request           -> "Protocol error: unbalanced quotes in request"
 * - while `preAuth` (the connection must still AUTH): more than 10 arguments -> "Protocol error:
 *   unauthenticated multibulk length", a bulk over 16 KiB -> "Protocol error: unauthenticated
 *   bulk length" (Redis's limits: a stranger cannot make the server buffer large requests)
 * A request that is merely incomplete waits for more bytes.
 */

export interface RespParserLimits {
  /** Largest single argument (Redis: proto-max-bulk-len); Tessera uses max-value-bytes. */
  maxBulkBytes: number;
  /** Most arguments in one request, the command name included. */
  maxArgs: number;
  /** Largest request (sum of its arguments); Tessera uses max-frame-bytes. */
  maxRequestBytes: number;
}

/** Redis's PROTO_INLINE_MAX_SIZE: longest inline request and longest count/length line. */
export const INLINE_MAX_BYTES = 64 * 1024;
export const DEFAULT_MAX_ARGS = 1024 * 1024;

const CR = 13;
const LF = 10;
const STAR = 42; // *
const DOLLAR = 36; // $
const MINUS = 45; // -
const ZERO = 48;

const EMPTY = Buffer.alloc(0);

/** Redis's limits for a connection that has not authenticated (networking.c). */
export const PREAUTH_MAX_ARGS = 10;
export const PREAUTH_MAX_BULK_BYTES = 16 * 1024;

export class RespRequestParser {
  /** Unparsed bytes live in buf[pos, buf.length). */
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** Chunks received but not yet joined to buf because the parser already knows it needs more. */
  private readonly waiting: Buffer[] = [];
  private waitingBytes = 0;
  /** Bytes (from pos) the current incomplete element needs before parsing is worth retrying. */
  private needBytes = 0;

  // State of a multibulk request in progress.
  /** Arguments still to read; 0 = between requests. */
  private argsLeft = 0;
  /** Length of the bulk being read; -1 = its `$len` line is next. */
  private bulkLen = -1;
  /** Bytes of arguments the current request declared so far (bounded by maxRequestBytes). */
  private requestBytes = 0;
  /** The request being assembled (a new array per request). */
  private argv: Uint8Array[] = [];

  /** Set once a protocol error was found: the message (without the ERR code). The parser then stops. */
  error: string | null = null;

  /**
   * The connection has not authenticated yet: requests are held to PREAUTH_MAX_ARGS and
   * PREAUTH_MAX_BULK_BYTES. The owner clears it after the AUTH that succeeds; the next request
   * is parsed with the full limits (next() parses one request per call).
   */
  preAuth = false;

  constructor(private readonly limits: RespParserLimits) {
    if (!(limits.maxBulkBytes > 0 && limits.maxArgs > 0 && limits.maxRequestBytes > 0)) {
      throw new Error("RespRequestParser: limits must be positive");
    }
  }

  /** Bytes received and not yet consumed by a complete request (for buffer accounting). */
  get bufferedBytes(): number {
    return this.buf.length - this.pos + this.waitingBytes;
  }

  /** True while a request has started but is not complete. */
  get midRequest(): boolean {
    return this.argsLeft > 0 || this.bufferedBytes > 0;
  }

  /** Adds received bytes. Call `next()` until it returns null afterwards. */
  push(chunk: Buffer): void {
    if (this.error !== null || chunk.length === 0) return;
    const have = this.buf.length - this.pos;
    if (have === 0 && this.waitingBytes === 0) {
      this.buf = chunk;
      this.pos = 0;
      return;
    }
    this.waiting.push(chunk);
    this.waitingBytes += chunk.length;
    if (have + this.waitingBytes < this.needBytes) return;
    this.join();
  }

  /**
   * The next complete request (argv[0] = command name), or null when more bytes are needed or a
   * protocol error was found (then `error` is set). The arguments are views of received bytes,
   * which are never overwritten.
   */
  next(): Uint8Array[] | null {
    if (this.error !== null) return null;
    if (this.waitingBytes > 0) {
      if (this.buf.length - this.pos + this.waitingBytes < this.needBytes) return null;
      this.join();
    }
    const buf = this.buf;
    for (;;) {
      if (this.argsLeft === 0) {
        if (this.pos >= buf.length) return this.drained();
        if (buf[this.pos] !== STAR) {
          const inline = this.parseInline();
          if (inline === 1) return this.argv;
          if (inline === 0) return null;
          continue; // empty line: skipped, as Redis does
        }
        // `*<count>\r\n`
        const cr = this.findCr(this.pos + 1);
        if (cr < 0) {
          if (buf.length - this.pos > INLINE_MAX_BYTES) return this.fail("Protocol error: too big mbulk count string");
          this.needBytes = buf.length - this.pos + 1;
          return null;
        }
        const count = parseStrictInt(buf, this.pos + 1, cr);
        if (count === null || count > this.limits.maxArgs) return this.fail("Protocol error: invalid multibulk length");
        if (this.preAuth && count > PREAUTH_MAX_ARGS) return this.fail("Protocol error: unauthenticated multibulk length");
        this.pos = cr + 2;
        if (count <= 0) continue; // `*0` and `*-1` are ignored, as in Redis
        this.argsLeft = count;
        this.bulkLen = -1;
        this.requestBytes = 0;
        // A fresh array per request: cheaper in V8 than truncating one (length = 0 is a runtime call).
        this.argv = [];
      }
      if (this.bulkLen < 0) {
        // `$<len>\r\n`
        if (this.pos >= buf.length) return this.wait(1);
        const c = buf[this.pos]!;
        if (c !== DOLLAR) return this.fail(`Protocol error: expected '$', got '${printable(c)}'`);
        // Fast path: plain digits then CR LF (every well-formed length line); anything else
        // takes the general path, which finds the CR first and then judges the line, as Redis does.
        let cr = this.pos + 1;
        let len = 0;
        let d = buf[cr];
        if (d === ZERO) {
          d = buf[++cr]; // "0" is the only length that may start with a zero
        } else {
          while (d !== undefined && d >= ZERO && d <= ZERO + 9 && cr - this.pos <= 15) {
            len = len * 10 + (d - ZERO);
            d = buf[++cr];
          }
        }
        if (!(d === CR && cr > this.pos + 1 && cr + 1 < buf.length)) {
          cr = this.findCr(this.pos + 1);
          if (cr < 0) {
            if (buf.length - this.pos > INLINE_MAX_BYTES) return this.fail("Protocol error: too big bulk count string");
            return this.wait(buf.length - this.pos + 1);
          }
          const parsed = parseStrictInt(buf, this.pos + 1, cr);
          len = parsed === null ? -1 : parsed;
        }
        if (len < 0 || len > this.limits.maxBulkBytes) return this.fail("Protocol error: invalid bulk length");
        if (this.preAuth && len > PREAUTH_MAX_BULK_BYTES) return this.fail("Protocol error: unauthenticated bulk length");
        this.requestBytes += len;
        if (this.requestBytes > this.limits.maxRequestBytes) {
          return this.fail(`Protocol error: request is larger than max-frame-bytes (${this.limits.maxRequestBytes})`);
        }
        this.bulkLen = len;
        this.pos = cr + 2;
      }
      const end = this.pos + this.bulkLen;
      if (end + 2 > buf.length) return this.wait(this.bulkLen + 2);
      // A plain Uint8Array view: Buffer#subarray goes through the FastBuffer subclass constructor.
      this.argv.push(new Uint8Array(buf.buffer, buf.byteOffset + this.pos, this.bulkLen));
      this.pos = end + 2; // Redis skips the CRLF after the data without checking it
      this.bulkLen = -1;
      if (--this.argsLeft === 0) {
        this.needBytes = 0;
        return this.argv;
      }
    }
  }

  private wait(needBytes: number): null {
    this.needBytes = needBytes;
    return null;
  }

  /** Everything consumed: drop the reference to the last chunk so it can be collected. */
  private drained(): null {
    this.buf = EMPTY;
    this.pos = 0;
    this.needBytes = 0;
    return null;
  }

  private fail(message: string): null {
    this.error = message;
    this.buf = EMPTY;
    this.pos = 0;
    this.waiting.length = 0;
    this.waitingBytes = 0;
    this.argv = [];
    return null;
  }

  /** Joins the unparsed tail of buf and the waiting chunks into a new buffer (old ones stay intact). */
  private join(): void {
    const parts: Buffer[] = [];
    if (this.pos < this.buf.length) parts.push(this.buf.subarray(this.pos));
    for (const c of this.waiting) parts.push(c);
    this.buf = parts.length === 1 ? parts[0]! : Buffer.concat(parts, this.buf.length - this.pos + this.waitingBytes);
    this.pos = 0;
    this.waiting.length = 0;
    this.waitingBytes = 0;
  }

  /** Index of the CR of a `\r\n` at or after `from` (with the LF present), or -1. */
  private findCr(from: number): number {
    const buf = this.buf;
    // Count and length lines are short: a byte loop beats indexOf's call overhead here.
    const limit = Math.min(buf.length - 1, from + INLINE_MAX_BYTES + 1);
    for (let i = from; i < limit; i++) if (buf[i] === CR) return i;
    return -1;
  }

  /** 1 = a request is in argv, 0 = need more bytes (or failed), -1 = an empty line was skipped. */
  private parseInline(): number {
    const buf = this.buf;
    const nl = buf.indexOf(LF, this.pos);
    if (nl < 0) {
      if (buf.length - this.pos > INLINE_MAX_BYTES) this.fail("Protocol error: too big inline request");
      else this.needBytes = buf.length - this.pos + 1;
      return 0;
    }
    if (nl - this.pos > INLINE_MAX_BYTES) {
      this.fail("Protocol error: too big inline request");
      return 0;
    }
    let end = nl;
    if (end > this.pos && buf[end - 1] === CR) end--;
    const words = splitInlineArgs(buf, this.pos, end);
    this.pos = nl + 1;
    if (words === null) {
      this.fail("Protocol error: unbalanced quotes in request");
      return 0;
    }
    if (words.length === 0) return -1;
    if (words.length > this.limits.maxArgs) {
      this.fail("Protocol error: invalid multibulk length");
      return 0;
    }
    this.argv = words;
    this.needBytes = 0;
    return 1;
  }
}

/** Redis's string2ll over bytes: optional '-', digits, no leading zeros, no '+', fits in a safe integer. */
export function parseStrictInt(buf: Uint8Array, start: number, end: number): number | null {
  if (start >= end) return null;
  let i = start;
  let negative = false;
  if (buf[i] === MINUS) {
    negative = true;
    i++;
    if (i === end) return null;
  }
  if (buf[i] === ZERO && end - i > 1) return null;
  if (end - i > 15) return null; // beyond 15 digits exceeds every limit we accept
  let n = 0;
  for (; i < end; i++) {
    const d = buf[i]! - ZERO;
    if (d < 0 || d > 9) return null;
    n = n * 10 + d;
  }
  if (negative && n === 0) return null;
  return negative ? -n : n;
}

function printable(c: number): string {
  return c >= 32 && c < 127 ? String.fromCharCode(c) : `\\x${c.toString(16).padStart(2, "0")}`;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 11 || c === 12 || c === 13;
}

function hexValue(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/**
 * Redis's sdssplitargs over bytes: words separated by whitespace; "double quotes" with \xHH,
 * \n \r \t \b \a escapes; 'single quotes' with \' only. A closing quote must be followed by
 * whitespace or the end. Returns null on unbalanced quotes. Off the hot path (inline requests).
 */
export function splitInlineArgs(buf: Uint8Array, start: number, end: number): Buffer[] | null {
  const words: Buffer[] = [];
  let p = start;
  for (;;) {
    while (p < end && isSpace(buf[p]!)) p++;
    if (p >= end) return words;
    const word: number[] = [];
    let inDq = false;
    let inSq = false;
    let done = false;
    while (!done) {
      if (inDq) {
        if (p >= end) return null;
        const c = buf[p]!;
        if (c === 0x5c && p + 3 < end && buf[p + 1] === 0x78 && hexValue(buf[p + 2]!) >= 0 && hexValue(buf[p + 3]!) >= 0) {
          word.push(hexValue(buf[p + 2]!) * 16 + hexValue(buf[p + 3]!));
          p += 3;
        } else if (c === 0x5c && p + 1 < end) {
          p++;
          const e = buf[p]!;
          word.push(e === 0x6e ? 10 : e === 0x72 ? 13 : e === 0x74 ? 9 : e === 0x62 ? 8 : e === 0x61 ? 7 : e);
        } else if (c === 0x22) {
          if (p + 1 < end && !isSpace(buf[p + 1]!)) return null;
          done = true;
        } else {
          word.push(c);
        }
      } else if (inSq) {
        if (p >= end) return null;
        const c = buf[p]!;
        if (c === 0x5c && p + 1 < end && buf[p + 1] === 0x27) {
          p++;
          word.push(0x27);
        } else if (c === 0x27) {
          if (p + 1 < end && !isSpace(buf[p + 1]!)) return null;
          done = true;
        } else {
          word.push(c);
        }
      } else {
        if (p >= end) {
          done = true;
          break;
        }
        const c = buf[p]!;
        if (isSpace(c)) done = true;
        else if (c === 0x22) inDq = true;
        else if (c === 0x27) inSq = true;
        else word.push(c);
      }
      if (p < end) p++;
    }
    words.push(Buffer.from(word));
  }
}
