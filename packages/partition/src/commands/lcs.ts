/**
 * LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]: the longest common subsequence of
 * two string values, as Redis 7 computes it: the textbook dynamic-programming table, then one
 * walk back from its corner that collects the subsequence and, for IDX, the matching ranges
 * (last ones first). The same walk and tie-breaking as Redis, so replies match byte for byte.
 * Missing keys count as empty strings. The router sends LCS only when both keys are on this
 * partition (CROSSSLOT otherwise), as Redis Cluster requires one slot.
 */
import { Errors, type ReplySink } from "@tessera/proto";
import * as layout from "../item-layout.js";
import * as argsModule from "./args.js";
import type { CommandContext } from "./context.js";
const { isWord, parseInt64, parsed, word } = argsModule; // locals: imported bindings may be getters (tsx)
const { NO_REF } = layout;

const W_LEN = word("LEN");
const W_IDX = word("IDX");
const W_MINMATCHLEN = word("MINMATCHLEN");
const W_WITHMATCHLEN = word("WITHMATCHLEN");
const EMPTY = new Uint8Array(0);
const MATCHES = new TextEncoder().encode("matches");
const LEN = new TextEncoder().encode("len");

export function lcs(ctx: CommandContext, argv: readonly Uint8Array[], out: ReplySink): void {
  let getLen = false;
  let getIdx = false;
  let withMatchLen = false;
  let minMatchLen = 0;
  for (let i = 3; i < argv.length; i++) {
    const a = argv[i]!;
    if (isWord(a, W_IDX)) getIdx = true;
    else if (isWord(a, W_LEN)) getLen = true;
    else if (isWord(a, W_WITHMATCHLEN)) withMatchLen = true;
    else if (isWord(a, W_MINMATCHLEN) && i + 1 < argv.length) {
      if (!parseInt64(argv[++i]!)) {
        out.error("ERR", Errors.notInteger());
        return;
      }
      minMatchLen = parsed.big ? (parsed.bigint < 0n ? 0 : Number.MAX_SAFE_INTEGER) : Math.max(0, parsed.num);
    } else {
      out.error("ERR", Errors.syntax());
      return;
    }
  }
  if (getLen && getIdx) {
    out.error("ERR", "If you want both the length and indexes, please just use IDX.");
    return;
  }
  const a = valueOf(ctx, argv[1]!);
  const b = valueOf(ctx, argv[2]!);
  const alen = a.length;
  const blen = b.length;
  // Redis caps the transient table at proto-max-bulk-len; here the value limit stands for it.
  if ((alen + 1) * (blen + 1) * 4 > ctx.store.maxValueBytes) {
    out.error("ERR", "Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len (here: --max-value-bytes)");
    return;
  }
  const w = blen + 1;
  const table = new Uint32Array((alen + 1) * w);
  for (let i = 1; i <= alen; i++) {
    for (let j = 1; j <= blen; j++) {
      if (a[i - 1] === b[j - 1]) table[i * w + j] = table[(i - 1) * w + j - 1]! + 1;
      else {
        const up = table[(i - 1) * w + j]!;
        const left = table[i * w + j - 1]!;
        table[i * w + j] = up > left ? up : left;
      }
    }
  }
  const total = table[alen * w + blen]!;
  if (getLen) {
    out.integer(total);
    return;
  }
  const result = new Uint8Array(total);
  let idx = total;
  // Ranges as [aStart, aEnd, bStart, bEnd, length], in the order the walk finds them.
  const matches: number[][] = [];
  let aStart = alen;
  let aEnd = 0;
  let bStart = 0;
  let bEnd = 0;
  let i = alen;
  let j = blen;
  while (i > 0 && j > 0) {
    let emit = false;
    if (a[i - 1] === b[j - 1]) {
      result[idx - 1] = a[i - 1]!;
      if (aStart === alen) {
        aStart = i - 1;
        aEnd = i - 1;
        bStart = j - 1;
        bEnd = j - 1;
      } else if (aStart === i && bStart === j) {
        aStart--; // contiguous: extend the range backwards
        bStart--;
      } else {
        emit = true;
      }
      if (aStart === 0 || bStart === 0) emit = true;
      idx--;
      i--;
      j--;
    } else {
      if (table[(i - 1) * w + j]! > table[i * w + j - 1]!) i--;
      else j--;
      if (aStart !== alen) emit = true;
    }
    if (emit) {
      const matchLen = aEnd - aStart + 1;
      if (minMatchLen === 0 || matchLen >= minMatchLen) matches.push([aStart, aEnd, bStart, bEnd, matchLen]);
      aStart = alen; // the next match starts a new range
    }
  }
  if (!getIdx) {
    out.bulk(result, 0, result.length);
    return;
  }
  out.array(4);
  out.bulk(MATCHES, 0, MATCHES.length);
  out.array(matches.length);
  for (const m of matches) {
    out.array(withMatchLen ? 3 : 2);
    out.array(2);
    out.integer(m[0]!);
    out.integer(m[1]!);
    out.array(2);
    out.integer(m[2]!);
    out.integer(m[3]!);
    if (withMatchLen) out.integer(m[4]!);
  }
  out.bulk(LEN, 0, LEN.length);
  out.integer(total);
}

/** A key's value (a copy), or empty when the key is missing. */
function valueOf(ctx: CommandContext, key: Uint8Array): Uint8Array {
  const store = ctx.store;
  const ref = store.lookupRead(key);
  if (ref === NO_REF) return EMPTY;
  store.loadValue(ref);
  return store.valueBytes.slice(store.valueOffset, store.valueOffset + store.valueLength);
}
