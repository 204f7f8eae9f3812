import { Errors, type ReplySink } from "@tessera/proto";
import * as layout from "../item-layout.js";
import * as argsModule from "./args.js";
import type { CommandContext } from "./context.js";
const { ascii, isWord, parseInt64, parsed, word } = argsModule; // locals: imported bindings may be getters (tsx)

// Local copies: under some loaders (tsx's CommonJS path) imported bindings are read through
// getter calls on every access; hot paths read plain module constants instead.
const { MAX_EXPIRY_MS, NO_REF } = layout;

/** Expiry commands: EXPIRE PEXPIRE EXPIREAT PEXPIREAT TTL PTTL EXPIRETIME PEXPIRETIME PERSIST. */

const W_NX = word("NX");
const W_XX = word("XX");
const W_GT = word("GT");
const W_LT = word("LT");
const B_DEL = ascii("DEL");
const B_PEXPIREAT = ascii("PEXPIREAT");
const B_PERSIST = ascii("PERSIST");
const LLONG_MAX = 2n ** 63n - 1n;
const LLONG_MIN = -(2n ** 63n);

export function expire(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  expireGeneric(ctx, argv, out, "expire", 1000, true);
}
export function pexpire(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  expireGeneric(ctx, argv, out, "pexpire", 1, true);
}
export function expireat(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  expireGeneric(ctx, argv, out, "expireat", 1000, false);
}
export function pexpireat(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  expireGeneric(ctx, argv, out, "pexpireat", 1, false);
}

/** Redis's expireGenericCommand: options first, then the time, then the conditions. */
function expireGeneric(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink, name: string, unitMs: number, relative: boolean): void {
  const store = ctx.store;
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  for (let i = 3; i < argv.length; i++) {
    const a = argv[i]!;
    if (isWord(a, W_NX)) nx = true;
    else if (isWord(a, W_XX)) xx = true;
    else if (isWord(a, W_GT)) gt = true;
    else if (isWord(a, W_LT)) lt = true;
    else {
      out.error("ERR", `Unsupported option ${new TextDecoder().decode(a)}`);
      return;
    }
  }
  if (nx && (xx || gt || lt)) {
    out.error("ERR", "NX and XX, GT or LT options at the same time are not compatible");
    return;
  }
  if (gt && lt) {
    out.error("ERR", "GT and LT options at the same time are not compatible");
    return;
  }
  if (!parseInt64(argv[2]!)) {
    out.error("ERR", Errors.notInteger());
    return;
  }
  let when: number;
  if (!parsed.big && Math.abs(parsed.num) < 2 ** 40) {
    // Fast path: exact in doubles whatever the unit and base.
    when = parsed.num * unitMs + (relative ? store.now() : 0);
  } else {
    // Redis's overflow checks, in bigint.
    let w = parsed.big ? parsed.bigint : BigInt(parsed.num);
    if (unitMs === 1000) {
      if (w > LLONG_MAX / 1000n || w < LLONG_MIN / 1000n) {
        out.error("ERR", Errors.invalidExpire(name));
        return;
      }
      w *= 1000n;
    }
    if (relative) {
      const base = BigInt(store.now());
      if (w > LLONG_MAX - base) {
        out.error("ERR", Errors.invalidExpire(name));
        return;
      }
      w += base;
    }
    when = w < 0n ? -1 : w > BigInt(MAX_EXPIRY_MS) ? Infinity : Number(w);
  }
  if (when > MAX_EXPIRY_MS) {
    // Tessera's header holds expiries up to 2^44 ms (year 2527).
    out.error("ERR", Errors.invalidExpire(name));
    return;
  }
  const key = argv[1]!;
  const ref = store.lookup(key);
  if (ref === NO_REF) {
    out.integer(0);
    return;
  }
  const current = store.expiryOf(ref);
  if ((nx && current !== 0) || (xx && current === 0) || (gt && (current === 0 || when <= current)) || (lt && current !== 0 && when >= current)) {
    out.integer(0);
    return;
  }
  if (when <= store.now() && !store.loading) {
    store.removeFound(key, ref);
    if (ctx.writeLog !== null) ctx.log([B_DEL, key]);
  } else {
    store.setExpiry(ref, when);
    if (ctx.writeLog !== null) ctx.log([B_PEXPIREAT, key, ascii(String(when))]);
  }
  out.integer(1);
}

export function ttl(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  replyExpiry(ctx, argv, out, TTL_SECONDS);
}
export function pttl(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  replyExpiry(ctx, argv, out, TTL_MS);
}
export function expiretime(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  replyExpiry(ctx, argv, out, AT_SECONDS);
}
export function pexpiretime(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  replyExpiry(ctx, argv, out, AT_MS);
}

const TTL_SECONDS = 0;
const TTL_MS = 1;
const AT_SECONDS = 2;
const AT_MS = 3;

/**
 * TTL / PTTL (time left; seconds rounded) and EXPIRETIME / PEXPIRETIME (the absolute time;
 * seconds truncated): -2 if the key is missing, -1 without an expiry.
 */
function replyExpiry(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink, mode: number): void {
  const store = ctx.store;
  const ref = store.lookupRead(argv[1]!);
  if (ref === NO_REF) {
    out.integer(-2);
    return;
  }
  const expiry = store.expiryOf(ref);
  if (expiry === 0) {
    out.integer(-1);
    return;
  }
  if (mode === AT_MS) out.integer(expiry);
  else if (mode === AT_SECONDS) out.integer(Math.floor(expiry / 1000));
  else {
    const left = Math.max(0, expiry - store.now());
    out.integer(mode === TTL_MS ? left : Math.floor((left + 500) / 1000));
  }
}

export function persist(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const store = ctx.store;
  const key = argv[1]!;
  const ref = store.lookup(key);
  if (ref === NO_REF || store.expiryOf(ref) === 0) {
    out.integer(0);
    return;
  }
  store.setExpiry(ref, 0);
  if (ctx.writeLog !== null) ctx.log([B_PERSIST, key]);
  out.integer(1);
}
