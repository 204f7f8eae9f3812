/**
 * Errors the client raises. Server errors keep the server's code and words; connection
 * problems say what happened to the connection and whether the request may have run.
 */

/** An error reply from the server: `code` is its first word (ERR, WRONGTYPE, OOM, ...). */
export class TesseraError extends Error {
  /** ERR, WRONGTYPE, OOM, TOOBIG, PROTO, ... as the server sent it. */
  readonly code: string;
  /** The server's message without the code. */
  readonly detail: string;

  constructor(code: string, detail: string) {
    super(code === "" ? detail : `${code} ${detail}`);
    this.name = "TesseraError";
    this.code = code;
    this.detail = detail;
  }
}

/**
 * Why a request did not get a reply:
 * - `lost`: the connection dropped after the request was written; it may or may not have run.
 * - `not-sent`: the request was never written (the client gave up reconnecting, or was closed).
 * - `closed`: the client was closed before the call.
 * - `connect-failed`: connecting (or reconnecting) failed.
 * - `queue-full`: too many requests in flight or queued (see maxPendingRequests).
 * - `protocol`: the server sent bytes the client could not decode; the connection was dropped.
 */
export type ConnectionErrorReason = "lost" | "not-sent" | "closed" | "connect-failed" | "queue-full" | "protocol";

export class ConnectionError extends Error {
  readonly reason: ConnectionErrorReason;

  constructor(reason: ConnectionErrorReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ConnectionError";
    this.reason = reason;
  }
}
