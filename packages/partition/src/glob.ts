/**
 * Glob matching on bytes, a port of Redis's stringmatchlen (util.c): `*`, `?`, `[abc]`,
 * `[^a-z]`, `\x` escapes; case-sensitive. Recursion only for `*`, bounded by nesting depth
 * (Redis's guard against pathological patterns).
 */
export function globMatch(pattern: Uint8Array, str: Uint8Array, strOff = 0, strLen = str.length - strOff): boolean {
  const skipLonger = { value: false };
  return matchAt(pattern, 0, str, strOff, strOff + strLen, skipLonger, 0);
}

const MAX_NESTING = 1000;

function matchAt(p: Uint8Array, pi: number, s: Uint8Array, si: number, send: number, skipLonger: { value: boolean }, nesting: number): boolean {
  if (nesting > MAX_NESTING) return false;
  const pend = p.length;
  while (pi < pend && si < send) {
    const c = p[pi]!;
    switch (c) {
      case 42 /* * */: {
        while (pi + 1 < pend && p[pi + 1] === 42) pi++;
        if (pi + 1 === pend) return true; // trailing star matches the rest
        while (si < send) {
          if (matchAt(p, pi + 1, s, si, send, skipLonger, nesting + 1)) return true;
          if (skipLonger.value) return false;
          si++;
        }
        skipLonger.value = true;
        return false;
      }
      case 63 /* ? */:
        si++;
        break;
      case 91 /* [ */: {
        pi++;
        const not = p[pi] === 94; /* ^ */
        if (not) pi++;
        let match = false;
        for (;;) {
          if (pi >= pend) {
            pi--; // unterminated class: treat the end as its end
            break;
          }
          const pc = p[pi]!;
          if (pc === 92 /* \ */ && pi + 1 < pend) {
            pi++;
            if (p[pi] === s[si]) match = true;
          } else if (pc === 93 /* ] */) {
            break;
          } else if (pi + 2 < pend && p[pi + 1] === 45 /* - */) {
            let start = pc;
            let end = p[pi + 2]!;
            if (start > end) {
              const t = start;
              start = end;
              end = t;
            }
            pi += 2;
            const ch = s[si]!;
            if (ch >= start && ch <= end) match = true;
          } else if (pc === s[si]) {
            match = true;
          }
          pi++;
        }
        if (not) match = !match;
        if (!match) return false;
        si++;
        break;
      }
      default:
        // A backslash escapes the next character (a trailing one matches itself).
        if (c === 92 /* \ */ && pi + 1 < pend) pi++;
        if (p[pi] !== s[si]) return false;
        si++;
        break;
    }
    pi++;
    if (si === send) {
      while (pi < pend && p[pi] === 42) pi++;
      break;
    }
  }
  return pi === pend && si === send;
}

/** The literal prefix of a glob (bytes before the first special character), to narrow a scan. */
export function globLiteralPrefix(pattern: Uint8Array): Uint8Array {
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i]!;
    if (c === 42 || c === 63 || c === 91 || c === 92) break;
    i++;
  }
  return pattern.subarray(0, i);
}
