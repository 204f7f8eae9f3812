import { Errors, type ReplySink } from "@tessera/proto";
import * as layout from "../item-layout.js";
import { PutResult as PutResultImport } from "../store.js";
import * as argsModule from "./args.js";
import { replyPutError, type CommandContext } from "./context.js";
import { addLongDouble, formatLongDoubleHuman, parseLongDouble } from "./long-double.js";
const { ascii, formatBigInt, formatInt, isWord, parseInt64, parsed, word } = argsModule; // locals: imported bindings may be getters (tsx)
const PutResult = PutResultImport; // a local: imported bindings may be getters (tsx)

// Local copies: under some loaders (tsx's CommonJS path) imported bindings are read through
// getter calls on every access; hot paths read plain module constants instead.
const { MAX_EXPIRY_MS, NO_REF } = layout;

/**
 * String commands: SET GET GETDEL MGET MSET INCR INCRBY DECR DECRBY APPEND STRLEN SETNX SETEX
 * PSETEX GETSET GETEX GETRANGE (SUBSTR) SETRANGE INCRBYFLOAT MSETNX.
 */

const EMPTY = new Uint8Array(0);
const W_NX = word("NX");
const W_XX = word("XX");
const W_GET = word("GET");
const W_KEEPTTL = word("KEEPTTL");
const W_EX = word("EX");
const W_PX = word("PX");
const W_EXAT = word("EXAT");
const W_PXAT = word("PXAT");
const B_SET = ascii("SET");
const B_DEL = ascii("DEL");
const B_PXAT = ascii("PXAT");
const B_MSET = ascii("MSET");
const B_PEXPIREAT = ascii("PEXPIREAT");
const B_PERSIST = ascii("PERSIST");
const W_PERSIST = word("PERSIST");

const EXPIRE_NONE = 0;
const EXPIRE_EX = 1;
const EXPIRE_PX = 2;
const EXPIRE_EXAT = 3;
const EXPIRE_PXAT = 4;

export function get(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const store = ctx.store;
  const ref = store.lookupRead(argv[1]!);
  if (ref === NO_REF) {
    out.nil();
    return;
  }
  store.touch(ref);
  store.loadValue(ref);
  out.bulk(store.valueBytes, store.valueOffset, store.valueLength);
}

export function set(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const store = ctx.store;
  const key = argv[1]!;
  const value = argv[2]!;
  let nx = false;
  let xx = false;
  let withGet = false;
  let keepTtl = false;
  let expireKind = EXPIRE_NONE;
  let expireArg: Uint8Array = EMPTY;
  const argc = argv.length;
  for (let i = 3; i < argc; i++) {
    const a = argv[i]!;
    if (isWord(a, W_NX) && !xx) nx = true;
    else if (isWord(a, W_XX) && !nx) xx = true;
    else if (isWord(a, W_GET)) withGet = true;
    else if (isWord(a, W_KEEPTTL) && expireKind === EXPIRE_NONE) keepTtl = true;
    else if (!keepTtl && i + 1 < argc && expireKindOf(a) !== EXPIRE_NONE) {
      const kind = expireKindOf(a);
      // The same option again is allowed, the last one wins (Redis); two different ones are not.
      if (expireKind !== EXPIRE_NONE && expireKind !== kind) {
        out.error("ERR", Errors.syntax());
        return;
      }
      expireKind = kind;
      expireArg = argv[++i]!;
    } else {
      out.error("ERR", Errors.syntax());
      return;
    }
  }
  let expiryMs = 0;
  if (expireKind !== EXPIRE_NONE) {
    expiryMs = expiryFromOption(ctx, expireKind, expireArg, "set", out);
    if (expiryMs < 0) return;
  }

  const found = store.lookup(key);
  // With GET the old value is the reply, but it must be copied out before the write (which may
  // overwrite it in place) and replied after it (which may fail with OOM).
  let old: Uint8Array | null = null;
  if (withGet && found !== NO_REF) {
    store.loadValue(found);
    old = store.valueBytes.slice(store.valueOffset, store.valueOffset + store.valueLength);
  }
  if ((nx && found !== NO_REF) || (xx && found === NO_REF)) {
    if (old !== null) out.bulk(old, 0, old.length);
    else out.nil();
    return;
  }
  if (keepTtl && found !== NO_REF) expiryMs = store.expiryOf(found);
  if (store.isExpired(expiryMs)) {
    // Already expired (EXAT/PXAT in the past): the key ends up absent.
    if (found !== NO_REF) {
      store.removeFound(key, found);
      if (ctx.writeLog !== null) ctx.log([B_DEL, key]);
    }
  } else {
    const result = store.put(key, found, value, 0, value.length, EMPTY, 0, 0, expiryMs, false);
    if (result !== PutResult.OK) {
      replyPutError(ctx, result, out);
      return;
    }
    if (ctx.writeLog !== null) ctx.log(expiryMs === 0 ? [B_SET, key, value] : [B_SET, key, value, B_PXAT, ascii(String(expiryMs))]);
  }
  if (withGet) {
    if (old !== null) out.bulk(old, 0, old.length);
    else out.nil();
  } else {
    out.ok();
  }
}

/** Which expiry option the word is (EX, PX, EXAT, PXAT), or EXPIRE_NONE. */
function expireKindOf(a: Uint8Array): number {
  return isWord(a, W_EX) ? EXPIRE_EX : isWord(a, W_PX) ? EXPIRE_PX : isWord(a, W_EXAT) ? EXPIRE_EXAT : isWord(a, W_PXAT) ? EXPIRE_PXAT : EXPIRE_NONE;
}

/**
 * The absolute expiry (ms) an EX / PX / EXAT / PXAT option of `command` asks for, or -1 after
 * replying Redis's error (not an integer; not positive or past what the header holds).
 */
function expiryFromOption(ctx: CommandContext, kind: number, arg: Uint8Array, command: string, out: ReplySink): number {
  if (!parseInt64(arg)) {
    out.error("ERR", Errors.notInteger());
    return -1;
  }
  // Big values are far past MAX_EXPIRY_MS (or not positive): invalid either way.
  let v = parsed.big ? -1 : parsed.num;
  if (v > 0 && v <= MAX_EXPIRY_MS) {
    if (kind === EXPIRE_EX || kind === EXPIRE_EXAT) v *= 1000;
    if (kind === EXPIRE_EX || kind === EXPIRE_PX) v += ctx.store.now();
  }
  if (v <= 0 || v > MAX_EXPIRY_MS) {
    out.error("ERR", Errors.invalidExpire(command));
    return -1;
  }
  return v;
}

export function getdel(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const store = ctx.store;
  const key = argv[1]!;
  const ref = store.lookupRead(key);
  if (ref === NO_REF) {
    out.nil();
    return;
  }
  store.loadValue(ref);
  out.bulk(store.valueBytes, store.valueOffset, store.valueLength);
  store.removeFound(key, ref);
  if (ctx.writeLog !== null) ctx.log([B_DEL, key]);
}

export function mget(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const store = ctx.store;
  const n = argv.length - 1;
  out.array(n);
  for (let i = 1; i <= n; i++) {
    const ref = store.lookupRead(argv[i]!);
    if (ref === NO_REF) {
      out.nil();
      continue;
    }
    store.loadValue(ref);
    out.bulk(store.valueBytes, store.valueOffset, store.valueLength);
  }
}

export function mset(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const store = ctx.store;
  if (argv.length % 2 !== 1) {
    out.error("ERR", Errors.wrongArity("mset"));
    return;
  }
  for (let i = 1; i < argv.length; i += 2) {
    const key = argv[i]!;
    const value = argv[i + 1]!;
    const found = store.lookup(key);
    const result = store.put(key, found, value, 0, value.length, EMPTY, 0, 0, 0, false);
    if (result !== PutResult.OK) {
      // The pairs before this one are applied (and logged); this one and the rest are not.
      if (ctx.writeLog !== null && i > 1) ctx.log([B_MSET, ...argv.slice(1, i)]);
      replyPutError(ctx, result, out);
      return;
    }
  }
  if (ctx.writeLog !== null) ctx.log([B_MSET, ...argv.slice(1)]);
  out.ok();
}

/**
 * MSETNX key value [key value ...]: all or nothing, so the router sends it only when every key
 * is on this partition. 1 if it set them, 0 if any key exists.
 */
export function msetnx(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const store = ctx.store;
  if (argv.length % 2 !== 1) {
    out.error("ERR", Errors.wrongArity("msetnx"));
    return;
  }
  for (let i = 1; i < argv.length; i += 2) {
    if (store.lookup(argv[i]!) !== NO_REF) {
      out.integer(0);
      return;
    }
  }
  for (let i = 1; i < argv.length; i += 2) {
    const key = argv[i]!;
    const value = argv[i + 1]!;
    const result = store.put(key, store.lookup(key), value, 0, value.length, EMPTY, 0, 0, 0, false);
    if (result !== PutResult.OK) {
      // All or nothing: take back the keys this command created before the failure.
      for (let j = 1; j < i; j += 2) {
        const created = store.lookup(argv[j]!); // NO_REF for a key named twice, already removed
        if (created !== NO_REF) store.removeFound(argv[j]!, created);
      }
      replyPutError(ctx, result, out);
      return;
    }
  }
  if (ctx.writeLog !== null) ctx.log([B_MSET, ...argv.slice(1)]);
  out.integer(1);
}

export function incr(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  incrBy(ctx, argv[1]!, 1, 0n, false, out);
}

export function decr(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  incrBy(ctx, argv[1]!, -1, 0n, false, out);
}

export function incrby(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  if (!parseInt64(argv[2]!)) {
    out.error("ERR", Errors.notInteger());
    return;
  }
  incrBy(ctx, argv[1]!, parsed.num, parsed.bigint, parsed.big, out);
}

export function decrby(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  if (!parseInt64(argv[2]!)) {
    out.error("ERR", Errors.notInteger());
    return;
  }
  if (parsed.big) {
    if (parsed.bigint === -(2n ** 63n)) {
      out.error("ERR", "decrement would overflow");
      return;
    }
    incrBy(ctx, argv[1]!, 0, -parsed.bigint, true, out);
    return;
  }
  incrBy(ctx, argv[1]!, -parsed.num, 0n, false, out);
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const FAST_LIMIT = 2 ** 52;

/** Adds (by, or byBig when isBig) to the integer at key; numbers unless a value needs 64 bits. */
function incrBy(ctx: CommandContext, key: Uint8Array, by: number, byBig: bigint, isBig: boolean, out: ReplySink): void {
  const store = ctx.store;
  const found = store.lookup(key);
  let current = 0;
  let currentBig = 0n;
  let currentIsBig = false;
  let expiryMs = 0;
  if (found !== NO_REF) {
    store.loadValue(found);
    if (!parseInt64(store.valueBytes, store.valueOffset, store.valueLength)) {
      out.error("ERR", Errors.notInteger());
      return;
    }
    current = parsed.num;
    currentBig = parsed.bigint;
    currentIsBig = parsed.big;
    expiryMs = store.expiryOf(found);
  }
  const scratch = ctx.scratch;
  let n: number;
  let resultNum = 0;
  let resultBig = 0n;
  let big = false;
  if (!isBig && !currentIsBig && by < FAST_LIMIT && by > -FAST_LIMIT && current < FAST_LIMIT && current > -FAST_LIMIT) {
    resultNum = current + by;
    n = formatInt(resultNum, scratch);
  } else {
    const sum = (currentIsBig ? currentBig : BigInt(current)) + (isBig ? byBig : BigInt(by));
    if (sum < INT64_MIN || sum > INT64_MAX) {
      out.error("ERR", Errors.overflow());
      return;
    }
    if (sum >= BigInt(Number.MIN_SAFE_INTEGER) && sum <= BigInt(Number.MAX_SAFE_INTEGER)) resultNum = Number(sum);
    else {
      big = true;
      resultBig = sum;
    }
    n = formatBigInt(sum, scratch);
  }
  const result = store.put(key, found, scratch, 0, n, EMPTY, 0, 0, expiryMs, false);
  if (result !== PutResult.OK) {
    replyPutError(ctx, result, out);
    return;
  }
  if (ctx.writeLog !== null) logSetValue(ctx, key, scratch.slice(0, n), expiryMs);
  if (big) out.integer(resultBig);
  else out.integer(resultNum);
}

export function append(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const store = ctx.store;
  const key = argv[1]!;
  const suffix = argv[2]!;
  const found = store.lookup(key);
  let result: number;
  let length: number;
  if (found === NO_REF) {
    result = store.put(key, NO_REF, suffix, 0, suffix.length, EMPTY, 0, 0, 0, false);
    length = suffix.length;
  } else {
    store.loadValue(found);
    length = store.valueLength + suffix.length;
    result = store.put(key, found, store.valueBytes, store.valueOffset, store.valueLength, suffix, 0, suffix.length, store.expiryOf(found), true);
  }
  if (result !== PutResult.OK) {
    replyPutError(ctx, result, out);
    return;
  }
  if (ctx.writeLog !== null) {
    // Logged as SET of the whole value: replaying APPEND after an expiry would differ.
    const ref = store.lookup(key);
    store.loadValue(ref);
    logSetValue(ctx, key, store.valueBytes.slice(store.valueOffset, store.valueOffset + store.valueLength), store.expiryOf(ref));
  }
  out.integer(length);
}

export function strlen(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const ref = ctx.store.lookupRead(argv[1]!);
  out.integer(ref === NO_REF ? 0 : ctx.store.valueLengthOf(ref));
}

function logSetValue(ctx: CommandContext, key: Uint8Array, value: Uint8Array, expiryMs: number): void {
  ctx.log(expiryMs === 0 ? [B_SET, key, value] : [B_SET, key, value, B_PXAT, ascii(String(expiryMs))]);
}

/** SETNX key value: 1 if it set the key (which had no value), 0 if the key exists. */
export function setnx(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const store = ctx.store;
  const key = argv[1]!;
  const value = argv[2]!;
  if (store.lookup(key) !== NO_REF) {
    out.integer(0);
    return;
  }
  const result = store.put(key, NO_REF, value, 0, value.length, EMPTY, 0, 0, 0, false);
  if (result !== PutResult.OK) {
    replyPutError(ctx, result, out);
    return;
  }
  if (ctx.writeLog !== null) ctx.log([B_SET, key, value]);
  out.integer(1);
}

export function setex(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  setWithTtl(ctx, argv, out, "setex", 1000);
}
export function psetex(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  setWithTtl(ctx, argv, out, "psetex", 1);
}

/** SETEX / PSETEX key ttl value: SET key value EX|PX ttl, with Redis's errors for the ttl. */
function setWithTtl(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink, name: string, unitMs: number): void {
  const store = ctx.store;
  const key = argv[1]!;
  const value = argv[3]!;
  if (!parseInt64(argv[2]!)) {
    out.error("ERR", Errors.notInteger());
    return;
  }
  const ttl = parsed.big ? -1 : parsed.num;
  const expiryMs = ttl > 0 && ttl <= MAX_EXPIRY_MS ? ttl * unitMs + store.now() : -1;
  if (expiryMs <= 0 || expiryMs > MAX_EXPIRY_MS) {
    out.error("ERR", Errors.invalidExpire(name));
    return;
  }
  const result = store.put(key, store.lookup(key), value, 0, value.length, EMPTY, 0, 0, expiryMs, false);
  if (result !== PutResult.OK) {
    replyPutError(ctx, result, out);
    return;
  }
  if (ctx.writeLog !== null) logSetValue(ctx, key, value, expiryMs);
  out.ok();
}

/** GETSET key value: SET key value GET (the expiry goes, as with SET). */
export function getset(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const store = ctx.store;
  const key = argv[1]!;
  const value = argv[2]!;
  const found = store.lookup(key);
  let old: Uint8Array | null = null;
  if (found !== NO_REF) {
    store.loadValue(found);
    old = store.valueBytes.slice(store.valueOffset, store.valueOffset + store.valueLength);
  }
  const result = store.put(key, found, value, 0, value.length, EMPTY, 0, 0, 0, false);
  if (result !== PutResult.OK) {
    replyPutError(ctx, result, out);
    return;
  }
  if (ctx.writeLog !== null) ctx.log([B_SET, key, value]);
  if (old !== null) out.bulk(old, 0, old.length);
  else out.nil();
}

/**
 * GETEX key [EX s | PX ms | EXAT unix-s | PXAT unix-ms | PERSIST]: the value, and the expiry set
 * or removed. As in Redis: the options are checked first (one kind, repeats allowed), then the
 * key (nil if missing), then the time; a time already past deletes the key after its value is read.
 */
export function getex(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const store = ctx.store;
  const key = argv[1]!;
  let kind = EXPIRE_NONE;
  let persist = false;
  let arg: Uint8Array = EMPTY;
  const argc = argv.length;
  for (let i = 2; i < argc; i++) {
    const a = argv[i]!;
    const time = expireKindOf(a);
    // The same option again is allowed (the last one wins), two different ones are not (Redis).
    if (time !== EXPIRE_NONE && (kind === EXPIRE_NONE || kind === time) && !persist && i + 1 < argc) {
      kind = time;
      arg = argv[++i]!;
    } else if (isWord(a, W_PERSIST) && kind === EXPIRE_NONE) {
      persist = true;
    } else {
      out.error("ERR", Errors.syntax());
      return;
    }
  }
  const ref = store.lookupRead(key);
  if (ref === NO_REF) {
    out.nil();
    return;
  }
  // Redis checks the time only once it has found the key.
  let expiryMs = 0;
  if (kind !== EXPIRE_NONE) {
    expiryMs = expiryFromOption(ctx, kind, arg, "getex", out);
    if (expiryMs < 0) return;
  }
  store.touch(ref);
  store.loadValue(ref);
  out.bulk(store.valueBytes, store.valueOffset, store.valueLength);
  if (kind !== EXPIRE_NONE) {
    if (store.isExpired(expiryMs)) {
      store.removeFound(key, ref);
      if (ctx.writeLog !== null) ctx.log([B_DEL, key]);
    } else {
      store.setExpiry(ref, expiryMs);
      if (ctx.writeLog !== null) ctx.log([B_PEXPIREAT, key, ascii(String(expiryMs))]);
    }
  } else if (persist && store.expiryOf(ref) !== 0) {
    store.setExpiry(ref, 0);
    if (ctx.writeLog !== null) ctx.log([B_PERSIST, key]);
  }
}

/** GETRANGE key start end: Redis's getrangeCommand, offsets in bytes, both ends inclusive. */
export function getrange(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const store = ctx.store;
  if (!parseInt64(argv[2]!)) {
    out.error("ERR", Errors.notInteger());
    return;
  }
  // In bigint: offsets are 64-bit, and ones past 2^53 must still compare exactly.
  let start = parsed.big ? parsed.bigint : BigInt(parsed.num);
  if (!parseInt64(argv[3]!)) {
    out.error("ERR", Errors.notInteger());
    return;
  }
  let end = parsed.big ? parsed.bigint : BigInt(parsed.num);
  const ref = store.lookupRead(argv[1]!);
  if (ref === NO_REF) {
    out.bulk(EMPTY, 0, 0);
    return;
  }
  store.loadValue(ref);
  const len = BigInt(store.valueLength);
  if (start < 0n && end < 0n && start > end) {
    out.bulk(EMPTY, 0, 0);
    return;
  }
  if (start < 0n) start += len;
  if (end < 0n) end += len;
  if (start < 0n) start = 0n;
  if (end < 0n) end = 0n;
  if (end >= len) end = len - 1n;
  if (start > end || len === 0n) {
    out.bulk(EMPTY, 0, 0);
    return;
  }
  out.bulk(store.valueBytes, store.valueOffset + Number(start), Number(end - start) + 1);
}

/**
 * SETRANGE key offset value: writes value at offset, zero-padding a shorter (or missing) value;
 * returns the new length. An empty value changes nothing (a missing key stays missing). The
 * expiry stays. A result past --max-value-bytes is refused (TOOBIG) before anything is built.
 */
export function setrange(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const store = ctx.store;
  const key = argv[1]!;
  const patch = argv[3]!;
  if (!parseInt64(argv[2]!)) {
    out.error("ERR", Errors.notInteger());
    return;
  }
  if (parsed.big ? parsed.bigint < 0n : parsed.num < 0) {
    out.error("ERR", "offset is out of range");
    return;
  }
  // An offset past 2^53 is past any value size too (checked below, once the key is known).
  const offset = parsed.big ? Number.MAX_SAFE_INTEGER : parsed.num;
  const found = store.lookup(key);
  const oldLength = found === NO_REF ? 0 : store.valueLengthOf(found);
  if (patch.length === 0) {
    out.integer(oldLength);
    return;
  }
  if (offset + patch.length > store.maxValueBytes) {
    out.error("TOOBIG", Errors.valueTooBig(store.maxValueBytes));
    return;
  }
  const length = Math.max(oldLength, offset + patch.length);
  const value = new Uint8Array(length);
  let expiryMs = 0;
  if (found !== NO_REF) {
    store.loadValue(found);
    value.set(store.valueBytes.subarray(store.valueOffset, store.valueOffset + store.valueLength));
    expiryMs = store.expiryOf(found);
  }
  value.set(patch, offset);
  const result = store.put(key, found, value, 0, length, EMPTY, 0, 0, expiryMs, false);
  if (result !== PutResult.OK) {
    replyPutError(ctx, result, out);
    return;
  }
  if (ctx.writeLog !== null) logSetValue(ctx, key, value, expiryMs);
  out.integer(length);
}

const NOT_A_FLOAT = "value is not a valid float";

/**
 * INCRBYFLOAT key increment: in Redis's long double arithmetic (long-double.ts), stored and
 * replied as Redis prints it; the expiry stays.
 */
export function incrbyfloat(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const store = ctx.store;
  const key = argv[1]!;
  const found = store.lookup(key);
  let current = parseLongDouble("0")!;
  let expiryMs = 0;
  if (found !== NO_REF) {
    store.loadValue(found);
    const parsedValue = parseLongDouble(latin1(store.valueBytes, store.valueOffset, store.valueLength));
    if (parsedValue === null) {
      out.error("ERR", NOT_A_FLOAT);
      return;
    }
    current = parsedValue;
    expiryMs = store.expiryOf(found);
  }
  const increment = parseLongDouble(latin1(argv[2]!, 0, argv[2]!.length));
  if (increment === null) {
    out.error("ERR", NOT_A_FLOAT);
    return;
  }
  const sum = addLongDouble(current, increment);
  if (sum === null || typeof sum === "string") {
    out.error("ERR", "increment would produce NaN or Infinity");
    return;
  }
  const value = ascii(formatLongDoubleHuman(sum));
  const result = store.put(key, found, value, 0, value.length, EMPTY, 0, 0, expiryMs, false);
  if (result !== PutResult.OK) {
    replyPutError(ctx, result, out);
    return;
  }
  if (ctx.writeLog !== null) logSetValue(ctx, key, value, expiryMs);
  out.bulk(value, 0, value.length);
}

function latin1(bytes: Uint8Array, offset: number, length: number): string {
  // Long inputs cannot be numbers strtold accepts in 5 KiB; do not decode megabytes to find out.
  if (length >= 5120) return "x";
  let s = "";
  for (let i = 0; i < length; i++) s += String.fromCharCode(bytes[offset + i]!);
  return s;
}
