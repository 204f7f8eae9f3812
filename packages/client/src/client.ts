/**
 * The TypeScript client for Tessera's native (protobuf) protocol.
 *
 *     const c = await TesseraClient.connect({ host: "127.0.0.1", port: 7379 });
 *     await c.set("greeting", "hello", { ex: 60 });
 *     (await c.get("greeting"))?.toString(); // "hello"
 *     await c.close();
 *
 * Every method returns a promise; calls made in the same tick are pipelined into one socket
 * write (see connection.ts). Keys and values are `string | Buffer | Uint8Array`; strings are
 * sent as UTF-8. Values come back as Buffers (`getString` for text).
 *
 * Integers: counts and lengths (DEL, EXISTS, STRLEN, TTL, DBSIZE, ...) are numbers. The
 * INCR family and `command()` return a number when the value is within
 * ±Number.MAX_SAFE_INTEGER and a bigint beyond, so a 64-bit counter is never silently rounded.
 *
 * Errors: an error reply rejects with TesseraError (`code` is ERR, WRONGTYPE, OOM, ...);
 * connection trouble rejects with ConnectionError (`reason` says whether the request may
 * have run).
 */
import type { Reply, RequestArg } from "@tessera/proto";
import { Connection, type ConnectionStats } from "./connection.js";
import { resolveOptions, type ClientOptions } from "./options.js";
import {
  expectArray,
  expectBoolean,
  expectBulkOrNil,
  expectCount,
  expectInteger,
  expectOk,
  expectStatusOrBulk,
  throwIfError,
  toValue,
  copyBytes,
  type ReplyValue,
} from "./reply-convert.js";
import { TesseraError } from "./errors.js";
import { ClientTransaction } from "./transaction.js";
import { Subscriptions, type MessageListener, type PatternMessageListener } from "./subscriptions.js";

/** A key or value: strings are sent as UTF-8. */
export type Bytes = string | Buffer | Uint8Array;

export interface SetOptions {
  /** Expire after this many seconds. */
  ex?: number;
  /** Expire after this many milliseconds. */
  px?: number;
  /** Expire at this Unix time in seconds. */
  exat?: number;
  /** Expire at this Unix time in milliseconds. */
  pxat?: number;
  /** Keep the key's current time to live. */
  keepTtl?: boolean;
  /** Only set if the key does not exist. */
  nx?: boolean;
  /** Only set if the key exists. */
  xx?: boolean;
  /** Return the old value (or null) instead of OK. */
  get?: boolean;
}

export interface ExpireOptions {
  /** Only if the key has no expiry. */
  nx?: boolean;
  /** Only if the key has an expiry. */
  xx?: boolean;
  /** Only if the new expiry is later than the current one. */
  gt?: boolean;
  /** Only if the new expiry is earlier than the current one. */
  lt?: boolean;
}

/** GETEX's expiry change: at most one field. */
export interface GetExOptions {
  ex?: number;
  px?: number;
  exat?: number;
  pxat?: number;
  /** Remove the expiry. */
  persist?: boolean;
}

export interface ScanOptions {
  /** Keys per round trip (SCAN's LIMIT); the server's default when omitted. */
  limit?: number;
}

export class TesseraClient {
  private readonly connection: Connection;

  private constructor(connection: Connection) {
    this.connection = connection;
  }

  /**
   * Connects to a server; rejects with ConnectionError("connect-failed") if it cannot, and
   * with the server's TesseraError (code WRONGPASS, or ERR when the server has no password)
   * if `password` is given and refused.
   */
  static async connect(options: ClientOptions = {}): Promise<TesseraClient> {
    return new TesseraClient(await Connection.open(resolveOptions(options)));
  }

  /** Writes, requests and reconnect counts. */
  get stats(): Readonly<ConnectionStats> {
    return this.connection.stats;
  }

  /** True while a socket is connected (false while reconnecting or after close). */
  get isConnected(): boolean {
    return this.connection.isConnected;
  }

  /** Requests awaiting a reply or queued for a reconnect. */
  get pendingRequests(): number {
    return this.connection.pendingRequests;
  }

  /** Waits for the replies to everything sent, then closes. New calls are refused meanwhile. */
  close(): Promise<void> {
    return this.connection.close();
  }

  /** Closes at once; pending calls reject with ConnectionError. */
  destroy(): void {
    this.connection.destroy();
  }

  // ---- generic ------------------------------------------------------------------------------

  /**
   * Sends any command and returns its reply as plain values: Buffer (bulk), string (status,
   * "OK"), number or bigint (integer), null (nil), arrays of those. An error reply rejects
   * with TesseraError.
   */
  async command(name: string, ...args: (Bytes | number | bigint)[]): Promise<ReplyValue> {
    return toValue(await this.connection.send(name, args.map(arg)));
  }

  /** Sends any command and returns the raw protocol reply (error replies resolve, not reject). */
  commandReply(name: string, args: readonly RequestArg[]): Promise<Reply> {
    return this.connection.send(name, args);
  }

  // ---- pub/sub --------------------------------------------------------------------------------

  private subs: Subscriptions | null = null;

  private subscriptions(): Subscriptions {
    if (this.subs === null) {
      const s = new Subscriptions((name, args) => this.connection.send(name, args));
      this.connection.onPush = (value) => s.onPush(value);
      this.connection.onReconnect = () => s.resubscribe();
      this.subs = s;
    }
    return this.subs;
  }

  /**
   * Calls `listener(message, channel)` for every message PUBLISHed to these channels, from
   * when this resolves. The connection keeps serving other commands meanwhile; after a reconnect
   * the client subscribes again (messages published while it was disconnected are missed).
   */
  subscribe(channels: Bytes | readonly Bytes[], listener: MessageListener): Promise<void> {
    return this.subscriptions().subscribe(Array.isArray(channels) ? channels : [channels as Bytes], listener);
  }

  /** The same for every channel matching these glob patterns: `listener(message, channel, pattern)`. */
  psubscribe(patterns: Bytes | readonly Bytes[], listener: PatternMessageListener): Promise<void> {
    return this.subscriptions().psubscribe(Array.isArray(patterns) ? patterns : [patterns as Bytes], listener);
  }

  /** Stops these channels' listeners (every channel's without arguments). */
  unsubscribe(...channels: Bytes[]): Promise<void> {
    return this.subscriptions().unsubscribe(channels);
  }

  punsubscribe(...patterns: Bytes[]): Promise<void> {
    return this.subscriptions().punsubscribe(patterns);
  }

  /** Sends message to the channel's subscribers; resolves with how many received it. */
  async publish(channel: Bytes, message: Bytes): Promise<number> {
    return expectCount("PUBLISH", await this.connection.send("PUBLISH", [channel, message]));
  }

  // ---- transactions -------------------------------------------------------------------------

  /**
   * A MULTI ... EXEC block: queue commands with `.command(name, ...args)`, then `.exec()`.
   * Every key must be on one partition (use a {hash tag}); see ClientTransaction.
   */
  multi(): ClientTransaction {
    return new ClientTransaction((requests) => this.connection.sendAll(requests), arg);
  }

  /** WATCH: the next exec() on this connection resolves null if one of these keys is written first. */
  async watch(...keys: Bytes[]): Promise<"OK"> {
    return expectOk("WATCH", await this.connection.send("WATCH", keys));
  }

  async unwatch(): Promise<"OK"> {
    return expectOk("UNWATCH", await this.connection.send("UNWATCH", []));
  }

  // ---- strings ------------------------------------------------------------------------------

  async get(key: Bytes): Promise<Buffer | null> {
    return expectBulkOrNil("GET", await this.connection.send("GET", [key]));
  }

  /** GET, decoded as UTF-8. */
  async getString(key: Bytes): Promise<string | null> {
    const v = await this.get(key);
    return v === null ? null : v.toString("utf8");
  }

  /** SET with GET: resolves with the old value (or null when there was none). */
  set(key: Bytes, value: Bytes, options: SetOptions & { get: true }): Promise<Buffer | null>;
  /** SET: resolves "OK", or null when NX/XX prevented the write. */
  set(key: Bytes, value: Bytes, options?: SetOptions): Promise<"OK" | null>;
  async set(key: Bytes, value: Bytes, options?: SetOptions): Promise<"OK" | Buffer | null> {
    const args: RequestArg[] = [key, value];
    if (options !== undefined) {
      if (options.ex !== undefined) args.push("EX", int(options.ex));
      if (options.px !== undefined) args.push("PX", int(options.px));
      if (options.exat !== undefined) args.push("EXAT", int(options.exat));
      if (options.pxat !== undefined) args.push("PXAT", int(options.pxat));
      if (options.keepTtl === true) args.push("KEEPTTL");
      if (options.nx === true) args.push("NX");
      if (options.xx === true) args.push("XX");
      if (options.get === true) args.push("GET");
    }
    const reply = await this.connection.send("SET", args);
    if (options?.get === true) return expectBulkOrNil("SET", reply);
    throwIfError(reply);
    return reply.kind === "nil" ? null : expectOk("SET", reply);
  }

  async getDel(key: Bytes): Promise<Buffer | null> {
    return expectBulkOrNil("GETDEL", await this.connection.send("GETDEL", [key]));
  }

  async mget(keys: readonly Bytes[]): Promise<(Buffer | null)[]> {
    if (keys.length === 0) return [];
    const items = expectArray("MGET", await this.connection.send("MGET", keys));
    return items.map((item) => expectBulkOrNil("MGET", item));
  }

  /** MSET from an object, a Map, or [key, value] pairs. */
  async mset(entries: Record<string, Bytes> | Iterable<readonly [Bytes, Bytes]>): Promise<"OK"> {
    const args: RequestArg[] = [];
    const pairs: Iterable<readonly [Bytes, Bytes]> = isIterable(entries) ? entries : Object.entries(entries);
    for (const [k, v] of pairs) args.push(k, v);
    return expectOk("MSET", await this.connection.send("MSET", args));
  }

  /** MSETNX: sets every pair only if no key exists (true), else nothing (false); one partition's keys only. */
  async msetNx(entries: Record<string, Bytes> | Iterable<readonly [Bytes, Bytes]>): Promise<boolean> {
    const args: RequestArg[] = [];
    const pairs: Iterable<readonly [Bytes, Bytes]> = isIterable(entries) ? entries : Object.entries(entries);
    for (const [k, v] of pairs) args.push(k, v);
    return expectBoolean("MSETNX", await this.connection.send("MSETNX", args));
  }

  /** Number when the result is a safe integer, bigint beyond. */
  async incr(key: Bytes): Promise<number | bigint> {
    return expectInteger("INCR", await this.connection.send("INCR", [key]));
  }

  async incrBy(key: Bytes, increment: number | bigint): Promise<number | bigint> {
    return expectInteger("INCRBY", await this.connection.send("INCRBY", [key, int(increment)]));
  }

  async decr(key: Bytes): Promise<number | bigint> {
    return expectInteger("DECR", await this.connection.send("DECR", [key]));
  }

  async decrBy(key: Bytes, decrement: number | bigint): Promise<number | bigint> {
    return expectInteger("DECRBY", await this.connection.send("DECRBY", [key, int(decrement)]));
  }

  /** Adds a floating-point increment (computed as Redis does); resolves with the new value as text. */
  async incrByFloat(key: Bytes, increment: number | string): Promise<string> {
    const reply = await this.connection.send("INCRBYFLOAT", [key, String(increment)]);
    return expectBulkOrNil("INCRBYFLOAT", reply)!.toString("latin1");
  }

  /** The bit at offset (0 past the end). */
  async getBit(key: Bytes, offset: number): Promise<number> {
    return expectCount("GETBIT", await this.connection.send("GETBIT", [key, int(offset)]));
  }

  /** Sets or clears the bit at offset; resolves with the bit it had. */
  async setBit(key: Bytes, offset: number, value: 0 | 1): Promise<number> {
    return expectCount("SETBIT", await this.connection.send("SETBIT", [key, int(offset), int(value)]));
  }

  /** Set bits in the value, or in [start, end] in bytes (or bits with unit "BIT"). */
  async bitCount(key: Bytes, range?: { start: number; end: number; unit?: "BYTE" | "BIT" }): Promise<number> {
    const args: RequestArg[] = [key];
    if (range !== undefined) args.push(int(range.start), int(range.end), range.unit ?? "BYTE");
    return expectCount("BITCOUNT", await this.connection.send("BITCOUNT", args));
  }

  /** Appends; resolves with the new length. */
  async append(key: Bytes, value: Bytes): Promise<number> {
    return expectCount("APPEND", await this.connection.send("APPEND", [key, value]));
  }

  async strlen(key: Bytes): Promise<number> {
    return expectCount("STRLEN", await this.connection.send("STRLEN", [key]));
  }

  /** True if the key was set (it did not exist). */
  async setNx(key: Bytes, value: Bytes): Promise<boolean> {
    return expectBoolean("SETNX", await this.connection.send("SETNX", [key, value]));
  }

  /** SETEX: set with a time to live in seconds. */
  async setEx(key: Bytes, seconds: number, value: Bytes): Promise<"OK"> {
    return expectOk("SETEX", await this.connection.send("SETEX", [key, int(seconds), value]));
  }

  /** PSETEX: set with a time to live in milliseconds. */
  async pSetEx(key: Bytes, milliseconds: number, value: Bytes): Promise<"OK"> {
    return expectOk("PSETEX", await this.connection.send("PSETEX", [key, int(milliseconds), value]));
  }

  /** Sets the value and resolves with the old one (null if none); the expiry is cleared. */
  async getSet(key: Bytes, value: Bytes): Promise<Buffer | null> {
    return expectBulkOrNil("GETSET", await this.connection.send("GETSET", [key, value]));
  }

  /** The value, with the expiry set or removed as the options say. */
  async getEx(key: Bytes, options?: GetExOptions): Promise<Buffer | null> {
    const args: RequestArg[] = [key];
    if (options?.ex !== undefined) args.push("EX", int(options.ex));
    if (options?.px !== undefined) args.push("PX", int(options.px));
    if (options?.exat !== undefined) args.push("EXAT", int(options.exat));
    if (options?.pxat !== undefined) args.push("PXAT", int(options.pxat));
    if (options?.persist === true) args.push("PERSIST");
    return expectBulkOrNil("GETEX", await this.connection.send("GETEX", args));
  }

  /** Bytes start..end of the value, both inclusive; negative offsets count from the end. */
  async getRange(key: Bytes, start: number, end: number): Promise<Buffer> {
    return expectBulkOrNil("GETRANGE", await this.connection.send("GETRANGE", [key, int(start), int(end)])) ?? Buffer.alloc(0);
  }

  /** Overwrites the value from offset (zero-padding); resolves with the new length. */
  async setRange(key: Bytes, offset: number, value: Bytes): Promise<number> {
    return expectCount("SETRANGE", await this.connection.send("SETRANGE", [key, int(offset), value]));
  }

  // ---- keyspace -----------------------------------------------------------------------------

  /** "string", or "none" if the key is missing. */
  async type(key: Bytes): Promise<string> {
    return expectStatusOrBulk("TYPE", await this.connection.send("TYPE", [key]));
  }

  /** RENAME: moves the value and its expiry (both keys on one partition: use a {hash tag}). */
  async rename(key: Bytes, newKey: Bytes): Promise<"OK"> {
    return expectOk("RENAME", await this.connection.send("RENAME", [key, newKey]));
  }

  /** COPY: true if copied (value and expiry); with replace, over an existing destination. */
  async copy(source: Bytes, destination: Bytes, options?: { replace?: boolean }): Promise<boolean> {
    const args: RequestArg[] = [source, destination];
    if (options?.replace === true) args.push("REPLACE");
    return expectBoolean("COPY", await this.connection.send("COPY", args));
  }

  /** A key picked at random, or null when there are none. */
  async randomKey(): Promise<Buffer | null> {
    return expectBulkOrNil("RANDOMKEY", await this.connection.send("RANDOMKEY", []));
  }

  /** Same as del. */
  async unlink(...keys: Bytes[]): Promise<number> {
    if (keys.length === 0) return 0;
    return expectCount("UNLINK", await this.connection.send("UNLINK", keys));
  }

  /** How many of the keys exist, marking them as just used. */
  async touch(...keys: Bytes[]): Promise<number> {
    if (keys.length === 0) return 0;
    return expectCount("TOUCH", await this.connection.send("TOUCH", keys));
  }

  /** Deletes keys; resolves with how many existed. */
  async del(...keys: Bytes[]): Promise<number> {
    if (keys.length === 0) return 0;
    return expectCount("DEL", await this.connection.send("DEL", keys));
  }

  /** How many of the keys exist (a key named twice counts twice). */
  async exists(...keys: Bytes[]): Promise<number> {
    if (keys.length === 0) return 0;
    return expectCount("EXISTS", await this.connection.send("EXISTS", keys));
  }

  async dbsize(): Promise<number> {
    return expectCount("DBSIZE", await this.connection.send("DBSIZE", []));
  }

  async flushAll(): Promise<"OK"> {
    return expectOk("FLUSHALL", await this.connection.send("FLUSHALL", []));
  }

  // ---- expiry -------------------------------------------------------------------------------

  /** True if the expiry was set. */
  async expire(key: Bytes, seconds: number, options?: ExpireOptions): Promise<boolean> {
    return expectBoolean("EXPIRE", await this.connection.send("EXPIRE", expireArgs(key, seconds, options)));
  }

  async pexpire(key: Bytes, milliseconds: number, options?: ExpireOptions): Promise<boolean> {
    return expectBoolean("PEXPIRE", await this.connection.send("PEXPIRE", expireArgs(key, milliseconds, options)));
  }

  async expireAt(key: Bytes, unixSeconds: number, options?: ExpireOptions): Promise<boolean> {
    return expectBoolean("EXPIREAT", await this.connection.send("EXPIREAT", expireArgs(key, unixSeconds, options)));
  }

  async pexpireAt(key: Bytes, unixMs: number, options?: ExpireOptions): Promise<boolean> {
    return expectBoolean("PEXPIREAT", await this.connection.send("PEXPIREAT", expireArgs(key, unixMs, options)));
  }

  /** Seconds to live; -1 without expiry, -2 if the key is missing. */
  async ttl(key: Bytes): Promise<number> {
    return expectCount("TTL", await this.connection.send("TTL", [key]));
  }

  /** Milliseconds to live; -1 without expiry, -2 if the key is missing. */
  async pttl(key: Bytes): Promise<number> {
    return expectCount("PTTL", await this.connection.send("PTTL", [key]));
  }

  /** Unix time in seconds the key expires at; -1 without expiry, -2 if the key is missing. */
  async expireTime(key: Bytes): Promise<number> {
    return expectCount("EXPIRETIME", await this.connection.send("EXPIRETIME", [key]));
  }

  /** Unix time in milliseconds the key expires at; -1 without expiry, -2 if the key is missing. */
  async pexpireTime(key: Bytes): Promise<number> {
    return expectCount("PEXPIRETIME", await this.connection.send("PEXPIRETIME", [key]));
  }

  /** True if an expiry was removed. */
  async persist(key: Bytes): Promise<boolean> {
    return expectBoolean("PERSIST", await this.connection.send("PERSIST", [key]));
  }

  // ---- scans --------------------------------------------------------------------------------

  /**
   * Keys starting with `prefix`, in byte order across the whole server, fetched a page per
   * round trip (SCAN prefix LIMIT n CURSOR c) until the server's cursor says done.
   *
   *     for await (const key of client.scan("user:")) ...
   */
  async *scan(prefix: Bytes, options: ScanOptions = {}): AsyncGenerator<Buffer, void, undefined> {
    let cursor: Bytes = "0";
    for (;;) {
      const args: RequestArg[] = [prefix];
      if (options.limit !== undefined) args.push("LIMIT", int(options.limit));
      args.push("CURSOR", cursor);
      const page = expectArray("SCAN", await this.connection.send("SCAN", args));
      if (page.length !== 2) throw new TesseraError("PROTO", `unexpected reply to SCAN: expected [cursor, keys], got ${page.length} elements`);
      const next = expectBulkOrNil("SCAN", page[0]!);
      for (const key of expectArray("SCAN", page[1]!)) {
        const k = expectBulkOrNil("SCAN", key);
        if (k !== null) yield k;
      }
      // "0" is done; "" (a partition's "no more") is treated as done too, never as a restart.
      if (next === null || next.length === 0 || (next.length === 1 && next[0] === 0x30)) return;
      cursor = next;
    }
  }

  /** All keys matching a glob pattern, in byte order. Prefer scan() on large keyspaces. */
  async keys(pattern: Bytes): Promise<Buffer[]> {
    return expectArray("KEYS", await this.connection.send("KEYS", [pattern])).map((k) => copyBytes(bulkOf("KEYS", k)));
  }

  // ---- connection ---------------------------------------------------------------------------

  /** "PONG", or the message echoed back. */
  async ping(message?: Bytes): Promise<string> {
    return expectStatusOrBulk("PING", await this.connection.send("PING", message === undefined ? [] : [message]));
  }
}

function arg(a: Bytes | number | bigint): RequestArg {
  return typeof a === "number" || typeof a === "bigint" ? String(a) : a;
}

function int(n: number | bigint): string {
  if (typeof n === "number" && !Number.isInteger(n)) throw new RangeError(`expected an integer, got ${n}`);
  return String(n);
}

function expireArgs(key: Bytes, n: number, options: ExpireOptions | undefined): RequestArg[] {
  const args: RequestArg[] = [key, int(n)];
  if (options !== undefined) {
    if (options.nx === true) args.push("NX");
    if (options.xx === true) args.push("XX");
    if (options.gt === true) args.push("GT");
    if (options.lt === true) args.push("LT");
  }
  return args;
}

function bulkOf(command: string, reply: Reply): Uint8Array {
  throwIfError(reply);
  if (reply.kind !== "bulk") throw new TesseraError("PROTO", `unexpected reply to ${command}: expected a bulk string, got ${reply.kind}`);
  return reply.value;
}

function isIterable(x: unknown): x is Iterable<readonly [Bytes, Bytes]> {
  return typeof x === "object" && x !== null && typeof (x as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function";
}
