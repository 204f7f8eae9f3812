import { Errors, type ReplySink } from "@tessera/proto";
import { globLiteralPrefix, globMatch } from "../glob.js";
import * as argsModule from "./args.js";
import type { CommandContext } from "./context.js";
const { isWord, parseInt64, parsed, word } = argsModule; // locals: imported bindings may be getters (tsx)

/**
 * Scans: the partition-level SCAN and KEYS, served by the ordered index in key order.
 *
 *   SCAN prefix [LIMIT n] [CURSOR afterKey] [MATCH glob]
 *   -> [nextAfterKey ("" when this partition has no more), [keys in byte order]]
 *
 * LIMIT (default 10) bounds the keys examined; with MATCH only matching ones are returned.
 * Expired keys are examined (they use up LIMIT) but never returned, and are deleted after the reply.
 */

const W_LIMIT = word("LIMIT");
const W_CURSOR = word("CURSOR");
const W_MATCH = word("MATCH");
const DEFAULT_LIMIT = 10;
/** Upper bound of one page: keeps one request's work and reply bounded. */
const MAX_LIMIT = 100_000;
const EMPTY = new Uint8Array(0);

export function scan(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const store = ctx.store;
  const prefix = argv[1]!;
  let limit = DEFAULT_LIMIT;
  let after: Uint8Array | null = null;
  let match: Uint8Array | null = null;
  for (let i = 2; i < argv.length; i += 2) {
    const a = argv[i]!;
    if (i + 1 >= argv.length) {
      out.error("ERR", Errors.syntax());
      return;
    }
    const v = argv[i + 1]!;
    if (isWord(a, W_LIMIT)) {
      if (!parseInt64(v)) {
        out.error("ERR", Errors.notInteger());
        return;
      }
      if (parsed.big || parsed.num < 1) {
        out.error("ERR", Errors.syntax());
        return;
      }
      limit = Math.min(parsed.num, MAX_LIMIT);
    } else if (isWord(a, W_CURSOR)) {
      after = v.length === 0 ? null : v;
    } else if (isWord(a, W_MATCH)) {
      // "*" matches everything, the empty key included (as Redis's SCAN skips matching then).
      match = v.length === 1 && v[0] === 42 ? null : v;
    } else {
      out.error("ERR", Errors.syntax());
      return;
    }
  }
  // One more than the limit tells whether anything is left after this page; one more again
  // because a page must not end on the empty key: "" as the next cursor means "no more".
  ctx.refCount = 0;
  store.ordered.scan(prefix, after, limit + 2, ctx.collectRef);
  let pageSize = limit;
  if (ctx.refCount > limit && store.keyOf(ctx.refs[limit - 1]!).length === 0) pageSize++;
  const examined = Math.min(ctx.refCount, pageSize);
  const more = ctx.refCount > pageSize;
  const refs = ctx.refs;
  const now = store.now();
  let returned = 0;
  let expired = 0;
  // Mark what is returned in the spare high bit of a parallel pass: count first (array length).
  for (let i = 0; i < examined; i++) {
    const ref = refs[i]!;
    const e = store.expiryOf(ref);
    if (e !== 0 && e <= now) {
      expired++;
      continue;
    }
    if (match === null || globMatch(match, store.keyOf(ref))) returned++;
  }
  out.array(2);
  if (more) {
    const last = store.keyOf(refs[examined - 1]!);
    out.bulk(last, 0, last.length);
  } else {
    out.bulk(EMPTY, 0, 0);
  }
  out.array(returned);
  for (let i = 0; i < examined; i++) {
    const ref = refs[i]!;
    const e = store.expiryOf(ref);
    if (e !== 0 && e <= now) continue;
    const key = store.keyOf(ref);
    if (match === null || globMatch(match, key)) out.bulk(key, 0, key.length);
  }
  if (expired > 0) reclaimExpired(ctx, examined);
}

export function keys(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const store = ctx.store;
  const pattern = argv[1]!;
  const all = pattern.length === 1 && pattern[0] === 42; /* "*" matches every key, even "" */
  ctx.refCount = 0;
  store.ordered.scan(globLiteralPrefix(pattern), null, Infinity, ctx.collectRef);
  const n = ctx.refCount;
  const refs = ctx.refs;
  const now = store.now();
  let returned = 0;
  let expired = 0;
  for (let i = 0; i < n; i++) {
    const ref = refs[i]!;
    const e = store.expiryOf(ref);
    if (e !== 0 && e <= now) {
      expired++;
      continue;
    }
    if (all || globMatch(pattern, store.keyOf(ref))) returned++;
  }
  out.array(returned);
  for (let i = 0; i < n; i++) {
    const ref = refs[i]!;
    const e = store.expiryOf(ref);
    if (e !== 0 && e <= now) continue;
    const key = store.keyOf(ref);
    if (all || globMatch(pattern, key)) out.bulk(key, 0, key.length);
  }
  if (expired > 0) reclaimExpired(ctx, n);
  // KEYS over a large keyspace grew the scratch array: give the memory back.
  if (ctx.refs.length > 1 << 16) ctx.refs = new Uint32Array(1024);
}

/** Deletes the expired items among the first `n` collected refs (after the reply was written). */
function reclaimExpired(ctx: CommandContext, n: number): void {
  const store = ctx.store;
  const now = store.now();
  const refs = ctx.refs;
  for (let i = 0; i < n; i++) {
    const ref = refs[i]!;
    const e = store.expiryOf(ref);
    // Deleting only frees (never moves) items, so the remaining collected refs stay valid.
    if (e !== 0 && e <= now) {
      if (store.onExpire !== null) store.onExpire(store.keyOf(ref));
      store.removeRef(ref);
      store.expiredKeys++;
    }
  }
}
