/**
 * Bit commands on string values: GETBIT, SETBIT, BITCOUNT, BITPOS, BITOP, with Redis 7's semantics
 * (bit 0 is the most significant bit of the first byte; BIT / BYTE ranges; the order in which
 * arguments are checked). SETBIT writes the whole value back through the store, so it costs
 * O(value size) where Redis's costs O(1): large bitmaps update slower.
 */
import { Errors, type ReplySink } from "@tessera/proto";
import * as layout from "../item-layout.js";
import { PutResult as PutResultImport } from "../store.js";
import * as argsModule from "./args.js";
import { replyPutError, type CommandContext } from "./context.js";
const { ascii, isWord, parseInt64, parsed, word } = argsModule; // locals: imported bindings may be getters (tsx)
const { NO_REF } = layout;
const PutResult = PutResultImport;

const EMPTY = new Uint8Array(0);
const W_BIT = word("BIT");
const W_BYTE = word("BYTE");
const B_SET = ascii("SET");
const B_PXAT = ascii("PXAT");
const B_DEL = ascii("DEL");
const BITOP_OPS = [word("AND"), word("OR"), word("XOR"), word("NOT")];
const OFFSET_ERROR = "bit offset is not an integer or out of range";
/** Redis's limit: offsets address at most proto-max-bulk-len (512 MB) of bits. */
const MAX_BIT_OFFSET = 2 ** 32;

/** The bit offset argument, or -1 after replying Redis's error. */
function bitOffset(arg: Uint8Array, out: ReplySink): number {
  if (!parseInt64(arg) || parsed.big || parsed.num < 0 || parsed.num >= MAX_BIT_OFFSET) {
    out.error("ERR", OFFSET_ERROR);
    return -1;
  }
  return parsed.num;
}

export function getbit(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const offset = bitOffset(argv[2]!, out);
  if (offset < 0) return;
  const store = ctx.store;
  const ref = store.lookupRead(argv[1]!);
  if (ref === NO_REF) {
    out.integer(0);
    return;
  }
  store.loadValue(ref);
  const byte = Math.floor(offset / 8);
  if (byte >= store.valueLength) {
    out.integer(0);
    return;
  }
  out.integer((store.valueBytes[store.valueOffset + byte]! >> (7 - (offset & 7))) & 1);
}

export function setbit(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const offset = bitOffset(argv[2]!, out);
  if (offset < 0) return;
  if (!parseInt64(argv[3]!) || parsed.big || (parsed.num !== 0 && parsed.num !== 1)) {
    out.error("ERR", "bit is not an integer or out of range");
    return;
  }
  const on = parsed.num;
  const store = ctx.store;
  const key = argv[1]!;
  const byte = Math.floor(offset / 8);
  if (byte + 1 > store.maxValueBytes) {
    out.error("TOOBIG", Errors.valueTooBig(store.maxValueBytes));
    return;
  }
  const found = store.lookup(key);
  let value: Uint8Array;
  let expiryMs = 0;
  if (found === NO_REF) {
    value = new Uint8Array(byte + 1);
  } else {
    store.loadValue(found);
    value = new Uint8Array(Math.max(store.valueLength, byte + 1));
    value.set(store.valueBytes.subarray(store.valueOffset, store.valueOffset + store.valueLength));
    expiryMs = store.expiryOf(found);
  }
  const shift = 7 - (offset & 7);
  const old = (value[byte]! >> shift) & 1;
  value[byte] = (value[byte]! & ~(1 << shift)) | (on << shift);
  const result = store.put(key, found, value, 0, value.length, EMPTY, 0, 0, expiryMs, false);
  if (result !== PutResult.OK) {
    replyPutError(ctx, result, out);
    return;
  }
  if (ctx.writeLog !== null) ctx.log(expiryMs === 0 ? [B_SET, key, value] : [B_SET, key, value, B_PXAT, ascii(String(expiryMs))]);
  out.integer(old);
}

/** A bit or byte range resolved against a value, as bitcountCommand / bitposCommand do. */
interface Range {
  start: number; // bytes
  end: number;
  firstNegMask: number;
  lastNegMask: number;
}

/**
 * Redis's range arithmetic: negative indexes from the end, clamped; in BIT units the edge
 * bytes get masks for the bits outside the range. null when start > end after clamping is
 * left to the caller (start and end are returned as is).
 */
function resolveRange(start: bigint, end: bigint, length: number, isBit: boolean): Range {
  let total = BigInt(length);
  if (isBit) total <<= 3n;
  if (start < 0n) start += total;
  if (end < 0n) end += total;
  if (start < 0n) start = 0n;
  if (end < 0n) end = 0n;
  if (end >= total) end = total - 1n;
  let firstNegMask = 0;
  let lastNegMask = 0;
  if (isBit && start <= end) {
    const s = Number(start & 7n);
    const e = Number(end & 7n);
    firstNegMask = ~((1 << (8 - s)) - 1) & 0xff;
    lastNegMask = (1 << (7 - e)) - 1;
    start >>= 3n;
    end >>= 3n;
  }
  return { start: Number(start), end: Number(end), firstNegMask, lastNegMask };
}

/** A 64-bit integer argument as a bigint, or null after replying the error. */
function int64Arg(arg: Uint8Array, out: ReplySink): bigint | null {
  if (!parseInt64(arg)) {
    out.error("ERR", Errors.notInteger());
    return null;
  }
  return parsed.big ? parsed.bigint : BigInt(parsed.num);
}

function popcount(b: number): number {
  b = b - ((b >> 1) & 0x55);
  b = (b & 0x33) + ((b >> 2) & 0x33);
  return (b + (b >> 4)) & 0x0f;
}

/** BITCOUNT key [start end [BYTE | BIT]]: a missing key is 0 whatever the arguments (Redis). */
export function bitcount(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const store = ctx.store;
  const ref = store.lookupRead(argv[1]!);
  if (ref === NO_REF) {
    out.integer(0);
    return;
  }
  store.loadValue(ref);
  const bytes = store.valueBytes;
  const base = store.valueOffset;
  const length = store.valueLength;
  let range: Range;
  if (argv.length === 4 || argv.length === 5) {
    const start = int64Arg(argv[2]!, out);
    if (start === null) return;
    const end = int64Arg(argv[3]!, out);
    if (end === null) return;
    if (start < 0n && end < 0n && start > end) {
      out.integer(0);
      return;
    }
    let isBit = false;
    if (argv.length === 5) {
      if (isWord(argv[4]!, W_BIT)) isBit = true;
      else if (!isWord(argv[4]!, W_BYTE)) {
        out.error("ERR", Errors.syntax());
        return;
      }
    }
    range = resolveRange(start, end, length, isBit);
  } else if (argv.length === 2) {
    range = { start: 0, end: length - 1, firstNegMask: 0, lastNegMask: 0 };
  } else {
    out.error("ERR", Errors.syntax());
    return;
  }
  if (range.start > range.end) {
    out.integer(0);
    return;
  }
  let count = 0;
  for (let i = range.start; i <= range.end; i++) count += popcount(bytes[base + i]!);
  if (range.firstNegMask !== 0) count -= popcount(bytes[base + range.start]! & range.firstNegMask);
  if (range.lastNegMask !== 0) count -= popcount(bytes[base + range.end]! & range.lastNegMask);
  out.integer(count);
}

/**
 * Redis's redisBitpos over bytes[from, from + count): the first bit equal to `bit`; for a clear
 * bit not found, count * 8 (the zero padding after the end), for a set bit -1.
 */
function bitpos(bytes: Uint8Array, from: number, count: number, bit: number): number {
  for (let i = 0; i < count; i++) {
    const b = bytes[from + i]!;
    if ((bit === 1 && b !== 0) || (bit === 0 && b !== 0xff)) {
      for (let k = 0; k < 8; k++) if (((b >> (7 - k)) & 1) === bit) return i * 8 + k;
    }
  }
  return bit === 1 ? -1 : count * 8;
}

/** BITPOS key bit [start [end [BYTE | BIT]]], as Redis 7's bitposCommand. */
export function bitposCommand(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  if (!parseInt64(argv[2]!)) {
    out.error("ERR", Errors.notInteger());
    return;
  }
  if (parsed.big || (parsed.num !== 0 && parsed.num !== 1)) {
    out.error("ERR", "The bit argument must be 1 or 0.");
    return;
  }
  const bit = parsed.num;
  const store = ctx.store;
  const ref = store.lookupRead(argv[1]!);
  if (ref === NO_REF) {
    out.integer(bit === 1 ? -1 : 0);
    return;
  }
  store.loadValue(ref);
  const bytes = store.valueBytes;
  const base = store.valueOffset;
  const length = store.valueLength;
  const argc = argv.length;
  let range: Range;
  let endGiven = false;
  if (argc >= 4 && argc <= 6) {
    const start = int64Arg(argv[3]!, out);
    if (start === null) return;
    let isBit = false;
    if (argc === 6) {
      if (isWord(argv[5]!, W_BIT)) isBit = true;
      else if (!isWord(argv[5]!, W_BYTE)) {
        out.error("ERR", Errors.syntax());
        return;
      }
    }
    let end: bigint;
    if (argc >= 5) {
      const e = int64Arg(argv[4]!, out);
      if (e === null) return;
      end = e;
      endGiven = true;
    } else {
      end = isBit ? (BigInt(length) << 3n) + 7n : BigInt(length) - 1n;
    }
    range = resolveRange(start, end, length, isBit);
  } else if (argc === 3) {
    range = { start: 0, end: length - 1, firstNegMask: 0, lastNegMask: 0 };
  } else {
    out.error("ERR", Errors.syntax());
    return;
  }
  if (range.start > range.end) {
    out.integer(-1);
    return;
  }
  let start = range.start;
  let count = range.end - range.start + 1;
  const { firstNegMask, lastNegMask } = range;
  const one = new Uint8Array(1);
  let pos: number;
  found: {
    if (firstNegMask !== 0) {
      let b = bit === 1 ? bytes[base + start]! & ~firstNegMask & 0xff : bytes[base + start]! | firstNegMask;
      if (lastNegMask !== 0 && count === 1) b = bit === 1 ? b & ~lastNegMask & 0xff : b | lastNegMask;
      one[0] = b;
      pos = bitpos(one, 0, 1, bit);
      if (count === 1 || (pos !== -1 && pos !== 8)) break found;
      start++;
      count--;
    }
    const middle = count - (lastNegMask !== 0 ? 1 : 0);
    if (middle > 0) {
      pos = bitpos(bytes, base + start, middle, bit);
      if (count === middle || (pos !== -1 && pos !== middle * 8)) break found;
      start += middle;
      count -= middle;
    }
    one[0] = bit === 1 ? bytes[base + range.end]! & ~lastNegMask & 0xff : bytes[base + range.end]! | lastNegMask;
    pos = bitpos(one, 0, 1, bit);
  }
  if (endGiven && bit === 0 && pos === count * 8) {
    out.integer(-1);
    return;
  }
  if (pos !== -1) pos += start * 8;
  out.integer(pos);
}

/**
 * BITOP AND | OR | XOR | NOT destkey srckey [srckey ...]: missing sources are empty strings,
 * shorter ones are zero-padded; the result replaces destkey (no expiry) or deletes it when
 * empty. Returns the result's length. All keys on this partition (the router checks).
 */
export function bitop(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const op = BITOP_OPS.findIndex((w) => isWord(argv[1]!, w));
  if (op < 0) {
    out.error("ERR", Errors.syntax());
    return;
  }
  if (op === 3 && argv.length !== 4) {
    out.error("ERR", "BITOP NOT must be called with a single source key.");
    return;
  }
  const store = ctx.store;
  const sources: Uint8Array[] = [];
  let maxLength = 0;
  for (let i = 3; i < argv.length; i++) {
    const ref = store.lookupRead(argv[i]!);
    if (ref === NO_REF) {
      sources.push(EMPTY);
      continue;
    }
    store.loadValue(ref);
    const v = store.valueBytes.slice(store.valueOffset, store.valueOffset + store.valueLength);
    sources.push(v);
    if (v.length > maxLength) maxLength = v.length;
  }
  const dest = argv[2]!;
  if (maxLength === 0) {
    const ref = store.lookup(dest);
    if (ref !== NO_REF) {
      store.removeFound(dest, ref);
      if (ctx.writeLog !== null) ctx.log([B_DEL, dest]);
    }
    out.integer(0);
    return;
  }
  const result = new Uint8Array(maxLength);
  const first = sources[0]!;
  for (let j = 0; j < maxLength; j++) {
    let acc = j < first.length ? first[j]! : 0;
    if (op === 3) acc = ~acc & 0xff;
    for (let k = 1; k < sources.length; k++) {
      const src = sources[k]!;
      const b = j < src.length ? src[j]! : 0;
      if (op === 0) acc &= b;
      else if (op === 1) acc |= b;
      else acc ^= b;
    }
    result[j] = acc;
  }
  const put = store.put(dest, store.lookup(dest), result, 0, result.length, EMPTY, 0, 0, 0, false);
  if (put !== PutResult.OK) {
    replyPutError(ctx, put, out);
    return;
  }
  if (ctx.writeLog !== null) ctx.log([B_SET, dest, result]);
  out.integer(maxLength);
}
