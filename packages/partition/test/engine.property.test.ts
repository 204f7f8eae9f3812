/**
 * Model-based property test: random command streams (with a virtual clock moving forward) run
 * against the engine and against a plain Map model written from Redis's documented semantics;
 * every reply is compared. Also checks, per stream: internal invariants (audit), that replaying
 * the write log reproduces the state, and that a snapshot taken mid-stream is the point-in-time
 * image of the model.
 *
 * PROPERTY_RUNS (default 60) and PROPERTY_SEED make longer or reproducible runs.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { PartitionEngine, type WriteLog } from "../src/index.js";
import { cmd, type Plain, VirtualClock } from "./helpers.js";

const MAX_EXPIRY_MS = 2 ** 44 - 1;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const ERR_SYNTAX = { err: "ERR syntax error" };
const ERR_NOT_INT = { err: "ERR value is not an integer or out of range" };
const ERR_OVERFLOW = { err: "ERR increment or decrement would overflow" };

// ---- the model ---------------------------------------------------------------------------

interface Entry {
  v: string;
  exp: number; // 0 = none
}

class Model {
  /** Entries, including expired ones not yet touched (an upper bound of what the engine holds). */
  readonly m = new Map<string, Entry>();
  constructor(public now: number) {}

  live(k: string): Entry | undefined {
    const e = this.m.get(k);
    if (e === undefined) return undefined;
    if (e.exp !== 0 && e.exp <= this.now) {
      this.m.delete(k);
      return undefined;
    }
    return e;
  }
  liveKeys(): string[] {
    return [...this.m.keys()].filter((k) => this.isLive(k)).sort(byteOrder);
  }
  isLive(k: string): boolean {
    const e = this.m.get(k);
    return e !== undefined && (e.exp === 0 || e.exp > this.now);
  }
}

function byteOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0; // ASCII keys: code-unit order is byte order
}

function parseInt64(s: string): bigint | null {
  if (!/^(0|-?[1-9][0-9]*)$/.test(s) || s.length > 20) return null;
  const v = BigInt(s);
  return v < INT64_MIN || v > INT64_MAX ? null : v;
}

function intReply(v: bigint): number {
  return Number(v);
}

type Op =
  | { t: "set"; k: string; v: string; nx: boolean; xx: boolean; get: boolean; keepttl: boolean; ex: null | { kind: "EX" | "PX" | "EXAT" | "PXAT"; n: string } }
  | { t: "get" | "getdel" | "incr" | "decr" | "strlen" | "ttl" | "pttl" | "persist"; k: string }
  | { t: "incrby" | "decrby"; k: string; n: string }
  | { t: "append"; k: string; v: string }
  | { t: "del" | "exists" | "mget"; ks: string[] }
  | { t: "mset"; kvs: [string, string][] }
  | { t: "expire"; name: "EXPIRE" | "PEXPIRE" | "EXPIREAT" | "PEXPIREAT"; k: string; n: string; flags: string[] }
  | { t: "scanall"; prefix: string; limit: number; match: string | null }
  | { t: "scanfull"; prefix: string }
  | { t: "keys"; pattern: string }
  | { t: "dbsize" | "flushall" | "activeExpire" }
  | { t: "advance"; ms: number }
  | { t: "setnx" | "getset"; k: string; v: string }
  | { t: "setex"; name: "SETEX" | "PSETEX"; k: string; n: string; v: string }
  | { t: "getex"; k: string; opt: readonly string[] }
  | { t: "getrange"; k: string; start: string; end: string }
  | { t: "setrange"; k: string; offset: string; v: string }
  | { t: "touch" | "unlink"; ks: string[] }
  | { t: "type" | "expiretime" | "pexpiretime"; k: string }
  | { t: "rename" | "renamenx"; k: string; to: string }
  | { t: "copy"; k: string; to: string; opts: readonly string[] };

const MAX_VALUE_BYTES = 64 * 1024 * 1024;

/** Redis's getrangeCommand on a model value (ends inclusive, negative from the end). */
function modelGetrange(v: string, s: bigint, e: bigint): string {
  const len = BigInt(v.length);
  if (s < 0n && e < 0n && s > e) return "";
  if (s < 0n) s += len;
  if (e < 0n) e += len;
  if (s < 0n) s = 0n;
  if (e < 0n) e = 0n;
  if (e >= len) e = len - 1n;
  if (s > e || len === 0n) return "";
  return v.slice(Number(s), Number(e) + 1);
}

/** Applies op to the model and returns the expected reply (null for ops without one). */
function modelApply(model: Model, op: Op): Plain | "skip" {
  const now = model.now;
  switch (op.t) {
    case "set": {
      if ((op.nx && op.xx) || (op.keepttl && op.ex !== null)) return ERR_SYNTAX;
      let exp = 0;
      if (op.ex !== null) {
        const n = parseInt64(op.ex.n);
        if (n === null) return ERR_NOT_INT;
        let ms = n;
        if (ms <= 0n) return { err: "ERR invalid expire time in 'set' command" };
        if (op.ex.kind === "EX" || op.ex.kind === "EXAT") ms *= 1000n;
        if (op.ex.kind === "EX" || op.ex.kind === "PX") ms += BigInt(now);
        if (ms > BigInt(MAX_EXPIRY_MS)) return { err: "ERR invalid expire time in 'set' command" };
        exp = Number(ms);
      }
      const cur = model.live(op.k);
      const old = cur === undefined ? null : cur.v;
      if ((op.nx && cur !== undefined) || (op.xx && cur === undefined)) return op.get ? old : null;
      if (op.keepttl && cur !== undefined) exp = cur.exp;
      if (exp !== 0 && exp <= now) model.m.delete(op.k);
      else model.m.set(op.k, { v: op.v, exp });
      return op.get ? old : "OK";
    }
    case "get":
      return model.live(op.k)?.v ?? null;
    case "getdel": {
      const e = model.live(op.k);
      model.m.delete(op.k);
      return e?.v ?? null;
    }
    case "strlen":
      return model.live(op.k)?.v.length ?? 0;
    case "ttl":
    case "pttl": {
      const e = model.live(op.k);
      if (e === undefined) return -2;
      if (e.exp === 0) return -1;
      const left = e.exp - now;
      return op.t === "pttl" ? left : Math.floor((left + 500) / 1000);
    }
    case "persist": {
      const e = model.live(op.k);
      if (e === undefined || e.exp === 0) return 0;
      e.exp = 0;
      return 1;
    }
    case "incr":
    case "decr":
    case "incrby":
    case "decrby": {
      let by: bigint;
      if (op.t === "incr") by = 1n;
      else if (op.t === "decr") by = -1n;
      else {
        const n = parseInt64((op as { n: string }).n);
        if (n === null) return ERR_NOT_INT;
        if (op.t === "decrby" && n === INT64_MIN) return { err: "ERR decrement would overflow" };
        by = op.t === "incrby" ? n : -n;
      }
      const e = model.live(op.k);
      let cur = 0n;
      if (e !== undefined) {
        const p = parseInt64(e.v);
        if (p === null) return ERR_NOT_INT;
        cur = p;
      }
      const sum = cur + by;
      if (sum < INT64_MIN || sum > INT64_MAX) return ERR_OVERFLOW;
      model.m.set(op.k, { v: sum.toString(), exp: e?.exp ?? 0 });
      return intReply(sum);
    }
    case "setnx": {
      if (model.live(op.k) !== undefined) return 0;
      model.m.set(op.k, { v: op.v, exp: 0 });
      return 1;
    }
    case "getset": {
      const old = model.live(op.k)?.v ?? null;
      model.m.set(op.k, { v: op.v, exp: 0 });
      return old;
    }
    case "setex": {
      const n = parseInt64(op.n);
      if (n === null) return ERR_NOT_INT;
      const invalid = { err: `ERR invalid expire time in '${op.name.toLowerCase()}' command` };
      if (n <= 0n) return invalid;
      const ms = n * (op.name === "SETEX" ? 1000n : 1n) + BigInt(now);
      if (ms > BigInt(MAX_EXPIRY_MS)) return invalid;
      model.m.set(op.k, { v: op.v, exp: Number(ms) });
      return "OK";
    }
    case "getex": {
      // Options first (one kind, the same one again allowed), then the key, then the time.
      const o = op.opt;
      let kind: string | null = null;
      let n: string | null = null;
      let persist = false;
      for (let i = 0; i < o.length; i++) {
        const w = o[i]!;
        if (["EX", "PX", "EXAT", "PXAT"].includes(w) && (kind === null || kind === w) && !persist && i + 1 < o.length) {
          kind = w;
          n = o[++i]!;
        } else if (w === "PERSIST" && kind === null) persist = true;
        else return ERR_SYNTAX;
      }
      const e = model.live(op.k);
      if (e === undefined) return null;
      let exp: number | null = null;
      if (kind !== null) {
        const v = parseInt64(n!);
        if (v === null) return ERR_NOT_INT;
        const invalid = { err: "ERR invalid expire time in 'getex' command" };
        if (v <= 0n) return invalid;
        let ms = v;
        if (kind === "EX" || kind === "EXAT") ms *= 1000n;
        if (kind === "EX" || kind === "PX") ms += BigInt(now);
        if (ms > BigInt(MAX_EXPIRY_MS)) return invalid;
        exp = Number(ms);
      }
      if (exp !== null) {
        if (exp <= now) model.m.delete(op.k);
        else e.exp = exp;
      } else if (persist) e.exp = 0;
      return e.v;
    }
    case "getrange": {
      const s = parseInt64(op.start);
      const e = parseInt64(op.end);
      if (s === null || e === null) return ERR_NOT_INT;
      const cur = model.live(op.k);
      return cur === undefined ? "" : modelGetrange(cur.v, s, e);
    }
    case "setrange": {
      const off = parseInt64(op.offset);
      if (off === null) return ERR_NOT_INT;
      if (off < 0n) return { err: "ERR offset is out of range" };
      const e = model.live(op.k);
      const base = e?.v ?? "";
      if (op.v === "") return base.length;
      if (off + BigInt(op.v.length) > BigInt(MAX_VALUE_BYTES)) return { err: `TOOBIG value is larger than the limit of ${MAX_VALUE_BYTES} bytes (max-value-bytes)` };
      const o = Number(off);
      const padded = base.length < o ? base + "\0".repeat(o - base.length) : base;
      const v = padded.slice(0, o) + op.v + padded.slice(o + op.v.length);
      model.m.set(op.k, { v, exp: e?.exp ?? 0 });
      return v.length;
    }
    case "rename":
    case "renamenx": {
      const e = model.live(op.k);
      if (e === undefined) return { err: "ERR no such key" };
      if (op.k === op.to) return op.t === "renamenx" ? 0 : "OK";
      if (op.t === "renamenx" && model.live(op.to) !== undefined) return 0;
      model.m.set(op.to, { ...e });
      model.m.delete(op.k);
      return op.t === "renamenx" ? 1 : "OK";
    }
    case "copy": {
      let replace = false;
      for (let i = 0; i < op.opts.length; i++) {
        const w = op.opts[i]!;
        if (w === "REPLACE") replace = true;
        else if (w === "DB" && i + 1 < op.opts.length) {
          const db = op.opts[++i]!;
          const n = parseInt64(db);
          if (n === null || n < -(2n ** 31n) || n >= 2n ** 31n) return ERR_NOT_INT;
          if (Number(db) !== 0) return { err: "ERR DB index is out of range" };
        } else return ERR_SYNTAX;
      }
      if (op.k === op.to) return { err: "ERR source and destination objects are the same" };
      const e = model.live(op.k);
      if (e === undefined || (!replace && model.live(op.to) !== undefined)) return 0;
      model.m.set(op.to, { ...e });
      return 1;
    }
    case "touch":
      return op.ks.filter((k) => model.live(k) !== undefined).length;
    case "unlink": {
      let n = 0;
      for (const k of op.ks) {
        if (model.live(k) !== undefined) n++;
        model.m.delete(k);
      }
      return n;
    }
    case "type":
      return model.live(op.k) === undefined ? "none" : "string";
    case "expiretime":
    case "pexpiretime": {
      const e = model.live(op.k);
      if (e === undefined) return -2;
      if (e.exp === 0) return -1;
      return op.t === "pexpiretime" ? e.exp : Math.floor(e.exp / 1000);
    }
    case "append": {
      const e = model.live(op.k);
      const v = (e?.v ?? "") + op.v;
      model.m.set(op.k, { v, exp: e?.exp ?? 0 });
      return v.length;
    }
    case "del": {
      let n = 0;
      for (const k of op.ks) {
        if (model.live(k) !== undefined) n++;
        model.m.delete(k);
      }
      return n;
    }
    case "exists":
      return op.ks.filter((k) => model.live(k) !== undefined).length;
    case "mget":
      return op.ks.map((k) => model.live(k)?.v ?? null);
    case "mset":
      for (const [k, v] of op.kvs) model.m.set(k, { v, exp: 0 });
      return "OK";
    case "expire": {
      const lower = op.name.toLowerCase();
      const f = new Set(op.flags);
      for (const fl of op.flags) if (!["NX", "XX", "GT", "LT"].includes(fl)) return { err: `ERR Unsupported option ${fl}` };
      if (f.has("NX") && (f.has("XX") || f.has("GT") || f.has("LT"))) return { err: "ERR NX and XX, GT or LT options at the same time are not compatible" };
      if (f.has("GT") && f.has("LT")) return { err: "ERR GT and LT options at the same time are not compatible" };
      const n = parseInt64(op.n);
      if (n === null) return ERR_NOT_INT;
      let when = n;
      if (op.name === "EXPIRE" || op.name === "EXPIREAT") {
        if (when > INT64_MAX / 1000n || when < INT64_MIN / 1000n) return { err: `ERR invalid expire time in '${lower}' command` };
        when *= 1000n;
      }
      if (op.name === "EXPIRE" || op.name === "PEXPIRE") {
        if (when > INT64_MAX - BigInt(now)) return { err: `ERR invalid expire time in '${lower}' command` };
        when += BigInt(now);
      }
      if (when > BigInt(MAX_EXPIRY_MS)) return { err: `ERR invalid expire time in '${lower}' command` };
      const e = model.live(op.k);
      if (e === undefined) return 0;
      const w = Number(when);
      const c = e.exp;
      if ((f.has("NX") && c !== 0) || (f.has("XX") && c === 0) || (f.has("GT") && (c === 0 || w <= c)) || (f.has("LT") && c !== 0 && w >= c)) return 0;
      if (w <= now) model.m.delete(op.k);
      else e.exp = w;
      return 1;
    }
    case "scanfull":
      return ["", model.liveKeys().filter((k) => k.startsWith(op.prefix))];
    case "scanall": {
      const re = op.match === null ? null : globToRegExp(op.match);
      return model.liveKeys().filter((k) => k.startsWith(op.prefix) && (re === null || re.test(k)));
    }
    case "keys": {
      const re = globToRegExp(op.pattern);
      return model.liveKeys().filter((k) => re.test(k));
    }
    case "dbsize":
    case "activeExpire":
    case "advance":
      return "skip";
    case "flushall":
      model.m.clear();
      return "OK";
  }
}

/** Our patterns use only letters, '*', '?' and one-level [..] classes. */
function globToRegExp(p: string): RegExp {
  let re = "";
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === "*") re += ".*";
    else if (c === "?") re += ".";
    else if (c === "[") {
      const end = p.indexOf("]", i);
      re += `[${p.slice(i + 1, end)}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`, "s");
}

// ---- engine side --------------------------------------------------------------------------

function engineApply(engine: PartitionEngine, op: Op): Plain | "skip" {
  switch (op.t) {
    case "set": {
      const a = ["SET", op.k, op.v];
      if (op.nx) a.push("NX");
      if (op.xx) a.push("xx");
      if (op.get) a.push("GET");
      if (op.keepttl) a.push("KEEPTTL");
      if (op.ex !== null) a.push(op.ex.kind, op.ex.n);
      return cmd(engine, ...a);
    }
    case "get":
    case "getdel":
    case "incr":
    case "decr":
    case "strlen":
    case "ttl":
    case "pttl":
    case "persist":
      return cmd(engine, op.t.toUpperCase(), op.k);
    case "incrby":
    case "decrby":
      return cmd(engine, op.t.toUpperCase(), op.k, op.n);
    case "append":
      return cmd(engine, "APPEND", op.k, op.v);
    case "setnx":
    case "getset":
      return cmd(engine, op.t.toUpperCase(), op.k, op.v);
    case "setex":
      return cmd(engine, op.name, op.k, op.n, op.v);
    case "getex":
      return cmd(engine, "GETEX", op.k, ...op.opt);
    case "getrange":
      return cmd(engine, "GETRANGE", op.k, op.start, op.end);
    case "setrange":
      return cmd(engine, "SETRANGE", op.k, op.offset, op.v);
    case "touch":
    case "unlink":
      return cmd(engine, op.t.toUpperCase(), ...op.ks);
    case "type":
    case "expiretime":
    case "pexpiretime":
      return cmd(engine, op.t.toUpperCase(), op.k);
    case "rename":
    case "renamenx":
      return cmd(engine, op.t.toUpperCase(), op.k, op.to);
    case "copy":
      return cmd(engine, "COPY", op.k, op.to, ...op.opts);
    case "del":
    case "exists":
    case "mget":
      return cmd(engine, op.t.toUpperCase(), ...op.ks);
    case "mset":
      return cmd(engine, "MSET", ...op.kvs.flat());
    case "expire":
      return cmd(engine, op.name, op.k, op.n, ...op.flags);
    case "scanfull":
      return cmd(engine, "SCAN", op.prefix, "LIMIT", "100000");
    case "scanall": {
      // Paged: keys present throughout are returned exactly once, in order, across pages.
      const out: string[] = [];
      let cursor = "";
      for (let pages = 0; pages < 10_000; pages++) {
        const args = ["SCAN", op.prefix, "LIMIT", String(op.limit)];
        if (cursor !== "") args.push("CURSOR", cursor);
        if (op.match !== null) args.push("MATCH", op.match);
        const r = cmd(engine, ...args) as [string, string[]];
        out.push(...r[1]);
        cursor = r[0];
        if (cursor === "") return out;
      }
      throw new Error("scan did not finish");
    }
    case "keys":
      return cmd(engine, "KEYS", op.pattern);
    case "dbsize":
      return cmd(engine, "DBSIZE");
    case "flushall":
      return cmd(engine, "FLUSHALL");
    case "activeExpire":
      engine.activeExpire(50);
      return "skip";
    case "advance":
      return "skip";
  }
}

// ---- generators ---------------------------------------------------------------------------

const baseKeyArb = fc.constantFrom("a", "b", "c", "d", "ab", "abc", "b1", "b2", "n", "m", "", "zz");
const bigValue = (n: number) => "v".repeat(n);
const baseValueArb = fc.oneof(
  { weight: 100, arbitrary: fc.constantFrom("", "x", "hello", "0", "1", "-7", "42", "9223372036854775806", "-9223372036854775807", "007", " 1", "abc") },
  { weight: 40, arbitrary: fc.string({ maxLength: 40 }).map((s) => s.replace(/[^\x20-\x7e]/g, "?")) },
  { weight: 20, arbitrary: fc.integer({ min: 100, max: 600 }).map(bigValue) },
  { weight: 20, arbitrary: fc.integer({ min: 2000, max: 9000 }).map(bigValue) },
);
const intArgArb = fc.oneof(
  fc.integer({ min: -100, max: 100 }).map(String),
  fc.constantFrom("9223372036854775807", "-9223372036854775808", "9223372036854775808", "1.5", "x", "", "+1", "-0", "4611686018427387904"),
);

function timeArb(baseMs: () => number) {
  void baseMs;
  return fc.oneof(
    fc.integer({ min: -3, max: 8 }).map(String),
    fc.integer({ min: -3000, max: 8000 }).map(String),
    fc.constantFrom("x", "9223372036854775807", "-9223372036854775808", "99999999999999999"),
  );
}

const manyKeysArb = fc.integer({ min: 0, max: 399 }).map((i) => `k${i}`);
const heavyValueArb = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 30 }).map(bigValue) },
  { weight: 3, arbitrary: fc.integer({ min: 100, max: 1500 }).map(bigValue) },
  { weight: 1, arbitrary: fc.integer({ min: 2000, max: 12000 }).map(bigValue) },
);

function opArb(clockStart: number, capped = false): fc.Arbitrary<Op> {
  const keyArb = capped ? fc.oneof({ weight: 4, arbitrary: manyKeysArb }, { weight: 1, arbitrary: baseKeyArb }) : baseKeyArb;
  const valueArb = capped ? fc.oneof(heavyValueArb, baseValueArb) : baseValueArb;
  const t = timeArb(() => clockStart);
  const absSec = fc.integer({ min: -5, max: 20 }).map((d) => String(Math.floor(clockStart / 1000) + d));
  const absMs = fc.integer({ min: -5000, max: 20000 }).map((d) => String(clockStart + d));
  return fc.oneof(
    {
      weight: 160,
      arbitrary: fc.record({
        t: fc.constant("set" as const),
        k: keyArb,
        v: valueArb,
        nx: fc.constantFrom(false, false, false, true),
        xx: fc.constantFrom(false, false, false, true),
        get: fc.constantFrom(false, false, true),
        keepttl: fc.constantFrom(false, false, false, true),
        ex: fc.option(
          fc.oneof(
            fc.record({ kind: fc.constantFrom("EX" as const, "PX" as const), n: t }),
            fc.record({ kind: fc.constant("EXAT" as const), n: absSec }),
            fc.record({ kind: fc.constant("PXAT" as const), n: absMs }),
          ),
        ),
      }),
    },
    { weight: 120, arbitrary: fc.record({ t: fc.constantFrom("get" as const, "getdel" as const, "incr" as const, "decr" as const, "strlen" as const, "ttl" as const, "pttl" as const, "persist" as const), k: keyArb }) },
    { weight: 60, arbitrary: fc.record({ t: fc.constantFrom("incrby" as const, "decrby" as const), k: keyArb, n: intArgArb }) },
    { weight: 40, arbitrary: fc.record({ t: fc.constant("append" as const), k: keyArb, v: valueArb }) },
    { weight: 60, arbitrary: fc.record({ t: fc.constantFrom("del" as const, "exists" as const, "mget" as const), ks: fc.array(keyArb, { minLength: 1, maxLength: 4 }) }) },
    { weight: 20, arbitrary: fc.record({ t: fc.constant("mset" as const), kvs: fc.array(fc.tuple(keyArb, valueArb), { minLength: 1, maxLength: 3 }) }) },
    {
      weight: 80,
      arbitrary: fc.oneof(
        fc.record({ t: fc.constant("expire" as const), name: fc.constantFrom("EXPIRE" as const, "PEXPIRE" as const), k: keyArb, n: t, flags: fc.subarray(["NX", "XX", "GT", "LT"]) }),
        fc.record({ t: fc.constant("expire" as const), name: fc.constant("EXPIREAT" as const), k: keyArb, n: absSec, flags: fc.subarray(["XX", "GT", "LT"]) }),
        fc.record({ t: fc.constant("expire" as const), name: fc.constant("PEXPIREAT" as const), k: keyArb, n: absMs, flags: fc.subarray(["NX", "GT", "LT", "BOGUS"], { maxLength: 1 }) }),
      ),
    },
    { weight: 20, arbitrary: fc.record({ t: fc.constant("scanall" as const), prefix: fc.constantFrom("", "a", "b", "ab", "z"), limit: fc.integer({ min: 1, max: 4 }), match: fc.option(fc.constantFrom("*", "a*", "?", "*b*", "[ab]*", "b[0-9]")) }) },
    { weight: 20, arbitrary: fc.record({ t: fc.constant("scanfull" as const), prefix: fc.constantFrom("", "a", "b") }) },
    { weight: 20, arbitrary: fc.record({ t: fc.constant("keys" as const), pattern: fc.constantFrom("*", "a*", "?", "*b*", "[ab]*", "b[0-9]", "[^a]*") }) },
    { weight: 20, arbitrary: fc.record({ t: fc.constantFrom("dbsize" as const, "activeExpire" as const) }) },
    { weight: 1, arbitrary: fc.record({ t: fc.constant("flushall" as const) }) },
    { weight: 30, arbitrary: fc.record({ t: fc.constantFrom("setnx" as const, "getset" as const), k: keyArb, v: valueArb }) },
    { weight: 30, arbitrary: fc.record({ t: fc.constant("setex" as const), name: fc.constantFrom("SETEX" as const, "PSETEX" as const), k: keyArb, n: t, v: valueArb }) },
    {
      weight: 40,
      arbitrary: fc.record({
        t: fc.constant("getex" as const),
        k: keyArb,
        opt: fc.oneof(
          fc.constant([] as string[]),
          fc.constant(["PERSIST"]),
          fc.tuple(fc.constantFrom("EX", "PX"), t).map((x) => [...x]),
          fc.tuple(fc.constant("EXAT"), absSec).map((x) => [...x]),
          fc.tuple(fc.constant("PXAT"), absMs).map((x) => [...x]),
          fc.constantFrom(["EX"], ["PERSIST", "PERSIST"], ["EX", "5", "PERSIST"], ["PERSIST", "EX", "5"], ["EX", "5", "EX", "9"], ["EX", "5", "PX", "9"], ["EX", "-1"], ["EX", "x"], ["BOGUS"]),
        ),
      }),
    },
    {
      weight: 30,
      arbitrary: fc.record({
        t: fc.constant("getrange" as const),
        k: keyArb,
        start: fc.oneof(fc.integer({ min: -12, max: 12 }).map(String), fc.constantFrom("x", "9223372036854775807", "-9223372036854775808", "-9007199254740993", "9007199254740993")),
        end: fc.oneof(fc.integer({ min: -12, max: 12 }).map(String), fc.constantFrom("1.5", "9223372036854775807", "-9223372036854775808")),
      }),
    },
    {
      weight: 30,
      arbitrary: fc.record({
        t: fc.constant("setrange" as const),
        k: keyArb,
        offset: fc.oneof(fc.integer({ min: -2, max: 40 }).map(String), fc.constantFrom("x", "67108864", "99999999999", "9223372036854775807", "-9223372036854775808")),
        v: fc.oneof(fc.constantFrom("", "Z", "xyz"), valueArb),
      }),
    },
    { weight: 20, arbitrary: fc.record({ t: fc.constantFrom("touch" as const, "unlink" as const), ks: fc.array(keyArb, { minLength: 1, maxLength: 4 }) }) },
    { weight: 30, arbitrary: fc.record({ t: fc.constantFrom("type" as const, "expiretime" as const, "pexpiretime" as const), k: keyArb }) },
    { weight: 30, arbitrary: fc.record({ t: fc.constantFrom("rename" as const, "renamenx" as const), k: keyArb, to: keyArb }) },
    {
      weight: 20,
      arbitrary: fc.record({
        t: fc.constant("copy" as const),
        k: keyArb,
        to: keyArb,
        opts: fc.constantFrom([] as string[], ["REPLACE"], ["DB", "0"], ["DB", "0", "REPLACE"], ["DB", "1"], ["DB", "x"], ["DB", "4294967296"], ["DB", "-0"], ["DB"], ["NOPE"]),
      }),
    },
    { weight: 80, arbitrary: fc.record({ t: fc.constant("advance" as const), ms: fc.oneof(fc.integer({ min: 0, max: 20 }), fc.integer({ min: 0, max: 3000 })) }) },
  );
}

// ---- the property -------------------------------------------------------------------------

const RUNS = Number(process.env.PROPERTY_RUNS ?? 60);
const SEED = process.env.PROPERTY_SEED === undefined ? undefined : Number(process.env.PROPERTY_SEED);
const START = 1_700_000_000_000;

/**
 * Runs one stream against engine and model. With a memory cap, a write the engine refuses with
 * OOM must leave the model unchanged (the model is restored from a copy), and MSET is left out
 * (the engine applies the pairs before the one that failed).
 */
function runStream(ops: Op[], snapshotAt: number, maxMemoryBytes: number): void {
        const clock = new VirtualClock(START);
        const log: Uint8Array[][] = [];
        const writeLog: WriteLog = { append: (argv) => log.push(argv.map((a) => a.slice())) };
        // Small pages: values > 2 KiB are chained, classes and pages churn, rebalancing happens.
        const engine = new PartitionEngine({ clock, writeLog, slabPageBytes: 4096, maxMemoryBytes });
        const model = new Model(START);
        let oomReplies = 0;
        let snapshot: { image: Map<string, Entry>; at: number; emitted: Map<string, Entry> } | null = null;

        for (let i = 0; i < ops.length; i++) {
          const op = ops[i]!;
          if (i === snapshotAt && snapshot === null) {
            engine.snapshotBegin();
            const image = new Map<string, Entry>();
            for (const k of model.liveKeys()) image.set(k, { ...model.m.get(k)! });
            snapshot = { image, at: model.now, emitted: new Map() };
          }
          if (op.t === "advance") {
            clock.advance(op.ms);
            model.now = clock.now;
            continue;
          }
          if (maxMemoryBytes !== 0 && op.t === "mset") continue;
          const saved = maxMemoryBytes === 0 ? null : new Map([...model.m].map(([k, e]) => [k, { ...e }]));
          const expected = modelApply(model, op);
          const actual = engineApply(engine, op);
          if (saved !== null && typeof actual === "object" && actual !== null && "err" in actual && actual.err.startsWith("OOM ")) {
            model.m.clear();
            for (const [k, e] of saved) model.m.set(k, e);
            oomReplies++;
            continue;
          }
          if (op.t === "dbsize") {
            const n = actual as number;
            expect(n).toBeGreaterThanOrEqual(model.liveKeys().length);
            expect(n).toBeLessThanOrEqual(model.m.size);
          } else if (expected !== "skip") {
            expect(actual, `op ${i}: ${JSON.stringify(op).slice(0, 300)}`).toEqual(expected);
          }
          if (snapshot !== null && engine.snapshotRunning) {
            engine.snapshotStep(2, (k, v, e) => {
              const key = new TextDecoder().decode(k);
              expect(snapshot!.emitted.has(key), `snapshot emitted ${key} twice`).toBe(false);
              snapshot!.emitted.set(key, { v: new TextDecoder().decode(v), exp: e });
            });
          }
          if (i % 50 === 0) engine.audit();
        }
        engine.audit();

        // Snapshot: finish it, drop items already expired when it began, compare with the image.
        if (snapshot !== null) {
          while (engine.snapshotRunning) {
            engine.snapshotStep(16, (k, v, e) => {
              const key = new TextDecoder().decode(k);
              expect(snapshot!.emitted.has(key)).toBe(false);
              snapshot!.emitted.set(key, { v: new TextDecoder().decode(v), exp: e });
            });
          }
          const got = new Map([...snapshot.emitted].filter(([, e]) => e.exp === 0 || e.exp > snapshot!.at));
          expect(new Map([...got].sort((a, b) => byteOrder(a[0], b[0])))).toEqual(new Map([...snapshot.image].sort((a, b) => byteOrder(a[0], b[0]))));
        }

        // Write log: replaying it (at the same instant) reproduces every live key and TTL. Half
        // the runs replay the way recovery does a long log: the ordered index deferred and
        // rebuilt in one sort, by loadEnd() or, after a bare setLoading(false), by the first scan.
        const replica = new PartitionEngine({ clock, slabPageBytes: 4096, orderedRebuildMinKeys: 0 });
        const rebuildBy = log.length % 3; // 0: no deferral, 1: loadEnd(), 2: the first scan
        if (rebuildBy === 1) replica.loadBegin();
        else replica.setLoading(true);
        if (rebuildBy !== 0) replica.loadReplayBegin(log.length);
        for (const argv of log) cmd(replica, ...argv);
        if (rebuildBy === 1) replica.loadEnd();
        else replica.setLoading(false);
        const keys = model.liveKeys();
        expect(cmd(replica, "KEYS", "*")).toEqual(keys);
        for (const k of keys) {
          expect(cmd(replica, "GET", k)).toEqual(model.m.get(k)!.v);
          expect(cmd(replica, "PTTL", k)).toEqual(cmd(engine, "PTTL", k));
        }
        replica.audit();
        if (maxMemoryBytes !== 0) {
          const st = engine.stats();
          expect(st.reservedBytes).toBeLessThanOrEqual(maxMemoryBytes);
          capStats.oom += oomReplies;
          capStats.rebalanced += st.slabRebalancedPages;
          capStats.relocated += st.slabRelocatedItems;
        }
}

const capStats = { oom: 0, rebalanced: 0, relocated: 0 };
/** 400 small items, then 3 in 4 deleted: pages stay partly used, so large writes need rebalancing. */
const SMALL_FILL: Op[] = [
  ...Array.from({ length: 400 }, (_, i): Op => ({ t: "set", k: `k${i}`, v: "s".repeat(20), nx: false, xx: false, get: false, keepttl: false, ex: null })),
  ...Array.from({ length: 400 }, (_, i): Op => ({ t: "del", ks: [`k${i}`] })).filter((_, i) => i % 4 !== 0),
];

describe("engine vs model (property)", () => {
  it("random command streams give the model's replies; write log replays; snapshots are point-in-time", () => {
    fc.assert(
      fc.property(fc.array(opArb(START), { minLength: 50, maxLength: 400 }), fc.integer({ min: 0, max: 399 }), (ops, snapshotAt) => runStream(ops, snapshotAt, 0)),
      { numRuns: RUNS, seed: SEED, verbose: 0 },
    );
  });

  it("the same under a small memory cap: OOM refusals change nothing, rebalancing moves items safely", () => {
    fc.assert(
      fc.property(fc.array(opArb(START, true), { minLength: 100, maxLength: 500 }), fc.integer({ min: 0, max: 499 }), (ops, snapshotAt) =>
        // Start full of small items, so later large values need pages that only rebalancing frees.
        runStream([...SMALL_FILL, ...ops], snapshotAt, 48 * 1024),
      ),
      { numRuns: Math.max(1, Math.round(RUNS / 2)), seed: SEED, verbose: 0 },
    );
    // The cap must actually bite in these streams, or the test proves nothing.
    console.log(`capped streams: ${capStats.oom} OOM replies, ${capStats.rebalanced} pages rebalanced, ${capStats.relocated} items relocated`);
    expect(capStats.oom).toBeGreaterThan(0);
    expect(capStats.rebalanced).toBeGreaterThan(0);
    expect(capStats.relocated).toBeGreaterThan(0);
  });
});
