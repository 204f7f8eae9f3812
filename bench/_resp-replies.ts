/**
 * The load generator's RESP side (`pnpm bench kv --protocol resp` / `--server redis`): encodes
 * GET/SET requests and counts complete replies in a byte stream without building them. Only
 * what GET and SET answer: simple strings, errors, integers and bulk strings (null included).
 */
const CR = 0x0d;

/** `*N\r\n$len\r\narg\r\n...` for one command, appended into `out` at `at`; returns the new end. */
export function encodeRespCommand(out: Buffer, at: number, args: readonly Buffer[]): number {
  at += out.write(`*${args.length}\r\n`, at, "latin1");
  for (const a of args) {
    at += out.write(`$${a.length}\r\n`, at, "latin1");
    at += a.copy(out, at);
    out[at++] = CR;
    out[at++] = 0x0a;
  }
  return at;
}

/** Bytes encodeRespCommand needs at most for `args`. */
export function respCommandBytes(args: readonly Buffer[]): number {
  let n = 16;
  for (const a of args) n += a.length + 16;
  return n;
}

export const REPLY_NONE = 0;
export const REPLY_OK = 1;
export const REPLY_ERROR = 2;

/** Splits a stream of RESP replies; `next()` says what the next complete one was. */
export class RespReplyScanner {
  private buf: Buffer = Buffer.alloc(0);
  private pos = 0;

  push(chunk: Buffer): void {
    if (this.pos >= this.buf.length) {
      this.buf = chunk;
    } else {
      this.buf = Buffer.concat([this.buf.subarray(this.pos), chunk]);
    }
    this.pos = 0;
  }

  /** REPLY_OK or REPLY_ERROR for the next complete reply (consumed), REPLY_NONE if incomplete. */
  next(): number {
    const b = this.buf;
    const start = this.pos;
    if (start >= b.length) return REPLY_NONE;
    const lineEnd = b.indexOf(CR, start);
    if (lineEnd < 0 || lineEnd + 1 >= b.length) return REPLY_NONE;
    const type = b[start];
    if (type === 0x24 /* $ */) {
      const len = Number(b.toString("latin1", start + 1, lineEnd));
      if (len < 0) {
        this.pos = lineEnd + 2;
        return REPLY_OK;
      }
      const end = lineEnd + 2 + len + 2;
      if (end > b.length) return REPLY_NONE;
      this.pos = end;
      return REPLY_OK;
    }
    if (type === 0x2b /* + */ || type === 0x3a /* : */ || type === 0x2d /* - */) {
      this.pos = lineEnd + 2;
      return type === 0x2d ? REPLY_ERROR : REPLY_OK;
    }
    throw new Error(`load generator: unexpected RESP reply type '${String.fromCharCode(type!)}'`);
  }
}
