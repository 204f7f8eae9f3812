/**
 * Redis-style glob matching (`stringmatchlen` in Redis's util.c) over bytes: `*`, `?`,
 * `[abc]`, `[^abc]`, `[a-z]`, and `\x` to take x literally. Used by CONFIG GET and by the RESP
 * SCAN/KEYS adapter (to find the literal prefix a pattern starts with).
 */

const STAR = 0x2a; // *
const QUESTION = 0x3f; // ?
const OPEN = 0x5b; // [
const CLOSE = 0x5d; // ]
const CARET = 0x5e; // ^
const DASH = 0x2d; // -
const BACKSLASH = 0x5c; // \

/** Bounded recursion depth for `*` (Redis bails out the same way on pathological patterns). */
const MAX_STAR_DEPTH = 1000;

/** True when `text` matches the glob `pattern`. Case-sensitive unless `nocase`. */
export function globMatch(pattern: Uint8Array, text: Uint8Array, nocase = false): boolean {
  const skipLongerMatches = { value: false };
  return matchFrom(pattern, 0, text, 0, nocase, skipLongerMatches, 0);
}

/** String convenience for off-hot-path callers (CONFIG GET, COMMAND). */
export function globMatchString(pattern: string, text: string, nocase = true): boolean {
  return globMatch(Buffer.from(pattern, "latin1"), Buffer.from(text, "latin1"), nocase);
}

function fold(c: number, nocase: boolean): number {
  return nocase && c >= 65 && c <= 90 ? c + 32 : c;
}

function matchFrom(
  p: Uint8Array,
  pi: number,
  s: Uint8Array,
  si: number,
  nocase: boolean,
  skipLongerMatches: { value: boolean },
  depth: number,
): boolean {
  if (depth > MAX_STAR_DEPTH) return false;
  while (pi < p.length && si < s.length) {
    const pc = p[pi]!;
    switch (pc) {
      case STAR: {
        while (pi + 1 < p.length && p[pi + 1] === STAR) pi++;
        if (pi + 1 === p.length) return true;
        for (let k = si; k < s.length; k++) {
          if (matchFrom(p, pi + 1, s, k, nocase, skipLongerMatches, depth + 1)) return true;
          // Once a deeper `*` failed to the end of the text, longer tries cannot succeed.
          if (skipLongerMatches.value) return false;
        }
        skipLongerMatches.value = true;
        return false;
      }
      case QUESTION:
        si++;
        pi++;
        continue;
      case OPEN: {
        pi++;
        const not = pi < p.length && p[pi] === CARET;
        if (not) pi++;
        let matched = false;
        const c = fold(s[si]!, nocase);
        for (;;) {
          if (pi >= p.length) {
            pi--; // unterminated class: Redis treats the end as the closing bracket
            break;
          }
          const q = p[pi]!;
          if (q === BACKSLASH && pi + 1 < p.length) {
            pi++;
            if (fold(p[pi]!, nocase) === c) matched = true;
          } else if (q === CLOSE) {
            break;
          } else if (pi + 2 < p.length && p[pi + 1] === DASH) {
            let lo = fold(q, nocase);
            let hi = fold(p[pi + 2]!, nocase);
            if (lo > hi) [lo, hi] = [hi, lo];
            pi += 2;
            if (c >= lo && c <= hi) matched = true;
          } else if (fold(q, nocase) === c) {
            matched = true;
          }
          pi++;
        }
        if (not) matched = !matched;
        if (!matched) return false;
        si++;
        pi++;
        continue;
      }
      default:
        // `\x` compares x literally (a trailing backslash compares itself).
        if (pc === BACKSLASH && pi + 1 < p.length) pi++;
        if (fold(p[pi]!, nocase) !== fold(s[si]!, nocase)) return false;
        si++;
        pi++;
        continue;
    }
  }
  if (si === s.length) {
    while (pi < p.length && p[pi] === STAR) pi++;
  }
  return pi === p.length && si === s.length;
}

/**
 * The literal bytes every match of `pattern` must start with, and whether the pattern is
 * exactly that prefix followed by one trailing `*` (then the ordered index alone answers it,
 * no per-key filtering). Escapes are resolved: `user\*x:*` has the prefix `user*x:`.
 */
export function globLiteralPrefix(pattern: Uint8Array): { prefix: Buffer; isPlainPrefix: boolean } {
  const out: number[] = [];
  let i = 0;
  for (; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === STAR || c === QUESTION || c === OPEN) break;
    if (c === BACKSLASH && i + 1 < pattern.length) {
      i++;
      out.push(pattern[i]!);
      continue;
    }
    out.push(c);
  }
  const prefix = Buffer.from(out);
  // Plain prefix: the rest is one or more `*` only (or nothing: an exact key is handled as
  // prefix + filter, since a prefix alone would also return longer keys).
  let rest = i;
  while (rest < pattern.length && pattern[rest] === STAR) rest++;
  const isPlainPrefix = i < pattern.length && rest === pattern.length;
  return { prefix, isPlainPrefix };
}
