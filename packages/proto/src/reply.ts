/**
 * Replies. Command handlers never build reply objects on the hot path: they write into a
 * `ReplySink`, and each side provides its own sink (the partition worker encodes into the
 * response ring, the router re-encodes into protobuf or RESP, tests collect `Reply` values).
 *
 * Error replies carry a code (the first word, as Redis writes it: ERR, WRONGTYPE, OOM, ...)
 * and a message without the code. The same words reach users on every interface.
 */

export type ErrorCode =
  | "ERR" // generic: wrong arity, syntax, unknown command, bad cursor
  | "WRONGTYPE" // value is of the wrong kind for the command
  | "OOM" // maxmemory reached
  | "NOAUTH"
  | "EXECABORT"
  | "BUSY"
  | "TRYAGAIN" // a partition restarted; the request did not run
  | "IOERR" // disk write failed; the write was not applied
  | "PROTO" // malformed frame
  | "TOOBIG" // value, frame or argument larger than a configured limit
  | "NOPROTO" // HELLO asked for a protocol version the server does not speak
  | "WRONGPASS" // HELLO/AUTH with a wrong username or password
  | "CROSSSLOT"; // a single-partition command was given keys on different partitions

export interface ReplySink {
  /** The simple status `OK`. */
  ok(): void;
  /** A simple status string (PONG, QUEUED, ...). ASCII without CR/LF. */
  status(text: string): void;
  /** The null reply (missing key). */
  nil(): void;
  /** A signed integer. `number` must be a safe integer; larger 64-bit values come as bigint. */
  integer(value: number | bigint): void;
  /** A byte string: `length` bytes of `bytes` starting at `offset`. The sink copies them. */
  bulk(bytes: Uint8Array, offset: number, length: number): void;
  /** Starts an array of `count` elements; the next `count` replies are its elements. */
  array(count: number): void;
  /** An error reply. */
  error(code: ErrorCode, message: string): void;
}

/** Reply values, for tests, the client and anything off the hot path. */
export type Reply =
  | { readonly kind: "ok" }
  | { readonly kind: "status"; readonly text: string }
  | { readonly kind: "nil" }
  | { readonly kind: "integer"; readonly value: bigint }
  | { readonly kind: "bulk"; readonly value: Uint8Array }
  | { readonly kind: "array"; readonly items: readonly Reply[] }
  | { readonly kind: "error"; readonly code: ErrorCode; readonly message: string };

/** A sink that builds `Reply` values; `take()` returns the finished top-level replies. */
export class CollectingSink implements ReplySink {
  private readonly done: Reply[] = [];
  // Open arrays: their items and how many are still missing.
  private readonly stack: { items: Reply[]; missing: number }[] = [];

  ok(): void {
    this.push({ kind: "ok" });
  }
  status(text: string): void {
    this.push({ kind: "status", text });
  }
  nil(): void {
    this.push({ kind: "nil" });
  }
  integer(value: number | bigint): void {
    this.push({ kind: "integer", value: BigInt(value) });
  }
  bulk(bytes: Uint8Array, offset: number, length: number): void {
    this.push({ kind: "bulk", value: bytes.slice(offset, offset + length) });
  }
  array(count: number): void {
    if (count === 0) {
      this.push({ kind: "array", items: [] });
      return;
    }
    this.stack.push({ items: [], missing: count });
  }
  error(code: ErrorCode, message: string): void {
    this.push({ kind: "error", code, message });
  }

  /** Finished top-level replies since the last take. Throws if an array is still open. */
  take(): Reply[] {
    if (this.stack.length !== 0) throw new Error("CollectingSink.take: an array reply is incomplete");
    return this.done.splice(0, this.done.length);
  }

  private push(r: Reply): void {
    let value = r;
    for (;;) {
      const top = this.stack[this.stack.length - 1];
      if (top === undefined) {
        this.done.push(value);
        return;
      }
      top.items.push(value);
      if (--top.missing > 0) return;
      this.stack.pop();
      value = { kind: "array", items: top.items };
    }
  }
}

/** Standard messages, worded as Redis words them, so every layer says the same thing. */
export const Errors = {
  wrongArity: (name: string) => `wrong number of arguments for '${name.toLowerCase()}' command`,
  unknownCommand: (name: string) => `unknown command '${name}'`,
  syntax: () => "syntax error",
  notInteger: () => "value is not an integer or out of range",
  overflow: () => "increment or decrement would overflow",
  invalidExpire: (name: string) => `invalid expire time in '${name.toLowerCase()}' command`,
  oom: () => "command not allowed when used memory > 'maxmemory'",
  valueTooBig: (limitBytes: number) => `value is larger than the limit of ${limitBytes} bytes (max-value-bytes)`,
  crossSlot: () => "Keys in request don't hash to the same slot (use a {hash tag} to keep them together)",
  maxClients: () => "max number of clients reached",
  invalidCursor: () => "invalid cursor",
  noAuth: () => "Authentication required.",
  wrongPass: () => "invalid username-password pair or user is disabled.",
  authWithoutPassword: () =>
    "AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?",
  helloNoAuth: () =>
    "HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time",
} as const;
