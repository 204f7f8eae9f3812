import { Errors, type ReplySink } from "@tessera/proto";
import * as layout from "../item-layout.js";
import * as argsModule from "./args.js";
import { replyPutError, type CommandContext } from "./context.js";
import { PutResult as PutResultImport } from "../store.js";
const { ascii, isWord, parseInt64, parsed, word } = argsModule; // locals: imported bindings may be getters (tsx)

// Local copies: under some loaders (tsx's CommonJS path) imported bindings are read through
// getter calls on every access; hot paths read plain module constants instead.
const { NO_REF } = layout;
const PutResult = PutResultImport; // a local: imported bindings may be getters (tsx)
const EMPTY = new Uint8Array(0);

/**
 * Keyspace commands: DEL UNLINK EXISTS TOUCH TYPE RANDOMKEY RENAME RENAMENX COPY OBJECT MEMORY
 * DBSIZE FLUSHALL FLUSHDB.
 */

const B_DEL = ascii("DEL");
const B_FLUSHALL = ascii("FLUSHALL");
const W_ASYNC = word("ASYNC");
const W_SYNC = word("SYNC");

export function del(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const store = ctx.store;
  let deleted = 0;
  let logged: Uint8Array[] | null = null;
  for (let i = 1; i < argv.length; i++) {
    const key = argv[i]!;
    const ref = store.lookup(key);
    if (ref === NO_REF) continue;
    store.removeFound(key, ref);
    deleted++;
    if (ctx.writeLog !== null) (logged ??= [B_DEL]).push(key);
  }
  if (logged !== null) ctx.log(logged);
  out.integer(deleted);
}

export function exists(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const store = ctx.store;
  let n = 0;
  for (let i = 1; i < argv.length; i++) if (store.lookupRead(argv[i]!) !== NO_REF) n++;
  out.integer(n);
}

/** TOUCH key [key ...]: EXISTS that also marks each key as just used (for eviction). */
export function touch(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const store = ctx.store;
  let n = 0;
  for (let i = 1; i < argv.length; i++) {
    const ref = store.lookupRead(argv[i]!);
    if (ref === NO_REF) continue;
    store.touch(ref);
    n++;
  }
  out.integer(n);
}

/** TYPE key: every value is a string so far. */
export function type(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  out.status(ctx.store.lookupRead(argv[1]!) === NO_REF ? "none" : "string");
}

/** RANDOMKEY: a key of this partition picked at random (the router picks among partitions). */
export function randomkey(ctx: CommandContext, _argv: readonly Uint8Array[], out: ReplySink): void {
  const store = ctx.store;
  for (;;) {
    const ref = store.hash.randomRef(Math.random());
    if (ref === NO_REF) {
      out.nil();
      return;
    }
    const key = store.keyOf(ref).slice();
    // An expired pick is removed by the lookup (lazy expiry); each retry has one key fewer.
    if (store.lookup(key) !== NO_REF) {
      out.bulk(key, 0, key.length);
      return;
    }
  }
}

const B_SET = ascii("SET");
const B_PXAT = ascii("PXAT");
const W_REPLACE = word("REPLACE");
const W_DB = word("DB");

export function rename(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  renameGeneric(ctx, argv, out, false);
}
export function renamenx(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  renameGeneric(ctx, argv, out, true);
}

/**
 * RENAME / RENAMENX key newkey: the value and its expiry move to newkey (replacing it, or for
 * RENAMENX only if it is missing). The router sends them only when both keys are on this
 * partition (CROSSSLOT otherwise, as Redis Cluster needs one slot).
 */
function renameGeneric(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink, nx: boolean): void {
  const store = ctx.store;
  const from = argv[1]!;
  const to = argv[2]!;
  if (store.lookup(from) === NO_REF) {
    out.error("ERR", "no such key");
    return;
  }
  if (bytesEqual(from, to)) {
    if (nx) out.integer(0);
    else out.ok();
    return;
  }
  if (nx && store.lookup(to) !== NO_REF) {
    out.integer(0);
    return;
  }
  if (!copyValue(ctx, from, to, out)) return;
  store.removeFound(from, store.lookup(from));
  if (ctx.writeLog !== null) ctx.log([B_DEL, from]);
  if (nx) out.integer(1);
  else out.ok();
}

/** COPY source destination [DB 0] [REPLACE]: 1 if copied (value and expiry), else 0. */
export function copy(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const store = ctx.store;
  const from = argv[1]!;
  const to = argv[2]!;
  let replace = false;
  for (let i = 3; i < argv.length; i++) {
    const a = argv[i]!;
    if (isWord(a, W_REPLACE)) replace = true;
    else if (isWord(a, W_DB) && i + 1 < argv.length) {
      // Redis reads an int: past 32 bits it is "not an integer", as a non-number is.
      if (!parseInt64(argv[++i]!) || parsed.big || parsed.num < -(2 ** 31) || parsed.num >= 2 ** 31) {
        out.error("ERR", Errors.notInteger());
        return;
      }
      if (parsed.num !== 0) {
        out.error("ERR", "DB index is out of range");
        return;
      }
    } else {
      out.error("ERR", Errors.syntax());
      return;
    }
  }
  if (bytesEqual(from, to)) {
    out.error("ERR", "source and destination objects are the same");
    return;
  }
  if (store.lookup(from) === NO_REF || (!replace && store.lookup(to) !== NO_REF)) {
    out.integer(0);
    return;
  }
  if (copyValue(ctx, from, to, out)) out.integer(1);
}

/**
 * Writes `from`'s value and expiry to `to` (replacing it) and logs it; false after replying the
 * error of a failed put (OOM, TOOBIG). The SET goes to the WAL before a rename's DEL, so a
 * torn tail can leave both keys but never neither.
 */
function copyValue(ctx: CommandContext, from: Uint8Array, to: Uint8Array, out: ReplySink): boolean {
  const store = ctx.store;
  const ref = store.lookup(from);
  store.loadValue(ref);
  const value = store.valueBytes.slice(store.valueOffset, store.valueOffset + store.valueLength);
  const expiryMs = store.expiryOf(ref);
  const result = store.put(to, store.lookup(to), value, 0, value.length, EMPTY, 0, 0, expiryMs, false);
  if (result !== PutResult.OK) {
    replyPutError(ctx, result, out);
    return false;
  }
  if (ctx.writeLog !== null) ctx.log(expiryMs === 0 ? [B_SET, to, value] : [B_SET, to, value, B_PXAT, ascii(String(expiryMs))]);
  return true;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

const OBJECT_HELP = [
  "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "ENCODING <key>",
  "    Return the kind of internal representation used in order to store the value",
  "    associated with a <key>: raw (one slab slot) or chunked (a chain of slab chunks).",
  "FREQ <key>",
  "    Return the access frequency index of the <key> (needs an LFU maxmemory-policy).",
  "IDLETIME <key>",
  "    Return the idle time of the <key>, that is the approximated number of",
  "    seconds elapsed since the last access to the key (minute resolution; the item",
  "    header keeps 8 bits of minutes, so idle times wrap after 256 minutes).",
  "REFCOUNT <key>",
  "    Return the number of references of the value associated with the specified",
  "    <key> (always 1: values are not shared).",
  "HELP",
  "    Print this help.",
];

/** OBJECT ENCODING | IDLETIME | FREQ | REFCOUNT key | HELP, with Redis 7's arity and unknown-subcommand errors. */
export function object(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const name = new TextDecoder().decode(argv[1]!);
  const sub = name.toUpperCase();
  if (sub === "HELP") return replyHelp(argv, out, "object", OBJECT_HELP);
  if (sub !== "ENCODING" && sub !== "IDLETIME" && sub !== "FREQ" && sub !== "REFCOUNT") {
    out.error("ERR", `unknown subcommand '${name}'. Try OBJECT HELP.`);
    return;
  }
  if (argv.length !== 3) return wrongSubcommandArity(out, "object", sub);
  const store = ctx.store;
  const ref = store.lookup(argv[2]!);
  if (ref === NO_REF) {
    out.nil();
    return;
  }
  if (sub === "ENCODING") writeText(out, store.isChained(ref) ? "chunked" : "raw");
  else if (sub === "REFCOUNT") out.integer(1);
  else if (sub === "IDLETIME") out.integer(store.idleSecondsOf(ref));
  else
    out.error(
      "ERR",
      "An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.",
    );
}

/** `<COMMAND> HELP`: Redis's array of status lines (HELP takes no argument). */
function replyHelp(argv: readonly Uint8Array[], out: ReplySink, command: string, lines: readonly string[]): void {
  if (argv.length !== 2) return wrongSubcommandArity(out, command, "HELP");
  out.array(lines.length);
  for (const line of lines) out.status(line);
}

/** Redis 7's wording for a container command's subcommand called with the wrong arity. */
function wrongSubcommandArity(out: ReplySink, command: string, sub: string): void {
  out.error("ERR", `wrong number of arguments for '${command}|${sub.toLowerCase()}' command`);
}

function writeText(out: ReplySink, text: string): void {
  const bytes = new TextEncoder().encode(text);
  out.bulk(bytes, 0, bytes.length);
}

const MEMORY_HELP = [
  "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "USAGE <key> [SAMPLES <count>]",
  "    Return memory in bytes used by <key> and its value: its slab slot (and chunks),",
  "    plus its share of the hash and ordered indexes. SAMPLES is accepted and ignored.",
  "HELP",
  "    Print this help.",
];

/** MEMORY USAGE key [SAMPLES n] | HELP (the key is argument 2, so USAGE reaches its partition). */
export function memory(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  const dec = new TextDecoder();
  const name = dec.decode(argv[1]!);
  const sub = name.toUpperCase();
  if (sub === "HELP") return replyHelp(argv, out, "memory", MEMORY_HELP);
  if (sub !== "USAGE") {
    out.error("ERR", `unknown subcommand '${name}'. Try MEMORY HELP.`);
    return;
  }
  if (argv.length < 3) return wrongSubcommandArity(out, "memory", sub);
  // SAMPLES n, any number of times (the last wins; a value does not change the answer here).
  for (let j = 3; j < argv.length; j += 2) {
    if (dec.decode(argv[j]!).toUpperCase() !== "SAMPLES" || j + 1 >= argv.length) {
      out.error("ERR", Errors.syntax());
      return;
    }
    const n = dec.decode(argv[j + 1]!);
    if (!/^-?(0|[1-9][0-9]{0,18})$/.test(n)) {
      out.error("ERR", Errors.notInteger());
      return;
    }
    if (n.startsWith("-")) {
      out.error("ERR", Errors.syntax());
      return;
    }
  }
  const ref = ctx.store.lookup(argv[2]!);
  if (ref === NO_REF) out.nil();
  else out.integer(ctx.store.footprintOf(ref));
}

export function dbsize(ctx: CommandContext, _argv: readonly Uint8Array[], out: ReplySink): void {
  out.integer(ctx.store.keyCount);
}

/** FLUSHALL / FLUSHDB [ASYNC | SYNC]: both flush synchronously (slab pages are kept for reuse). */
export function flushall(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  if (argv.length > 2 || (argv.length === 2 && !isWord(argv[1]!, W_ASYNC) && !isWord(argv[1]!, W_SYNC))) {
    out.error("ERR", Errors.syntax());
    return;
  }
  ctx.store.clear();
  if (ctx.writeLog !== null) ctx.log([B_FLUSHALL]);
  out.ok();
}
