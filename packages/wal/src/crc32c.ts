/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of every WAL record and
 * snapshot file.
 *
 * Two implementations with identical results:
 * - the hardware instruction (SSE4.2 crc32 / ARMv8 CRC) through @node-rs/crc32, a prebuilt
 *   napi addon (no build step; installed as a per-platform optional package). About 9 GB/s
 *   against about 1 GB/s for the JavaScript loop: in an earlier profile the JS CRC was 15-22% of
 *   recovery CPU. Each call costs ~130 ns of napi overhead plus a subarray view, so it is used
 *   only from NATIVE_MIN_BYTES up (snapshot chunks, large WAL records).
 * - table-driven slicing-by-8 in JavaScript: eight 256-entry tables let the inner loop consume
 *   eight bytes per iteration with independent lookups. Used for short inputs, and for
 *   everything when the addon cannot load (a platform without a prebuilt binary, a broken
 *   install): the addon is an accelerator, never a requirement.
 *
 * Test vector (RFC 3720, B.4): crc32c("123456789") = 0xE3069283.
 */
import { createRequire } from "node:module";

type NativeCrc = (input: Uint8Array, initialState?: number) => number;

/** The addon's crc32c, or null when it does not load (or TESSERA_CRC32C=js asks for the fallback). */
function loadNative(): NativeCrc | null {
  if (process.env.TESSERA_CRC32C === "js") return null;
  try {
    const mod = createRequire(import.meta.url)("@node-rs/crc32") as { crc32c?: NativeCrc };
    const fn = mod.crc32c;
    // Trust it only if it gives the RFC 3720 value and continues like ours (crc(b, crc(a))).
    if (typeof fn !== "function") return null;
    const check = new TextEncoder().encode("123456789");
    if (fn(check) !== 0xe3069283 || fn(check.subarray(5), fn(check.subarray(0, 5))) !== 0xe3069283) return null;
    return fn;
  } catch {
    return null;
  }
}

const native: NativeCrc | null = loadNative();
/** Which implementation serves long inputs: "native" (hardware) or "js". */
export const crc32cImplementation: "native" | "js" = native === null ? "js" : "native";
/**
 * Inputs shorter than this go to the JS loop. In isolation the crossover is ~140 bytes (napi
 * call + view), but inside WAL replay 250-byte records checked natively were no faster than
 * with the JS loop (the call and its view object cost more there), so the bar is set where the
 * addon wins clearly (~2x at 512 bytes, ~4x at 1 KiB).
 */
const NATIVE_MIN_BYTES = 512;

const POLY_REFLECTED = 0x82f63b78;

/** T[k * 256 + b]: CRC of byte b followed by k zero bytes. */
const T = buildTables();

function buildTables(): Uint32Array {
  const t = new Uint32Array(8 * 256);
  for (let b = 0; b < 256; b++) {
    let c = b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY_REFLECTED : c >>> 1;
    t[b] = c >>> 0;
  }
  for (let b = 0; b < 256; b++) {
    let c = t[b]!;
    for (let k = 1; k < 8; k++) {
      c = t[c & 0xff]! ^ (c >>> 8);
      t[k * 256 + b] = c >>> 0;
    }
  }
  return t;
}

/**
 * Continue a CRC-32C over `bytes[offset, offset + length)`. Start with `crc = 0`; the value
 * returned is the finished CRC of everything fed so far (pre/post inversion handled here), so
 * `crc32c(b, crc32c(a))` equals the CRC of a followed by b.
 */
export function crc32c(bytes: Uint8Array, crc = 0, offset = 0, length = bytes.length - offset): number {
  if (native !== null && length >= NATIVE_MIN_BYTES) {
    return native(offset === 0 && length === bytes.length ? bytes : bytes.subarray(offset, offset + length), crc);
  }
  return crc32cJs(bytes, crc, offset, length);
}

/** The JavaScript implementation alone (fallback, short inputs, and the reference the tests compare the addon with). */
export function crc32cJs(bytes: Uint8Array, crc = 0, offset = 0, length = bytes.length - offset): number {
  let c = ~crc;
  let i = offset;
  const end = offset + length;
  // Byte-wise until the 8-byte loop; alignment does not matter for a Uint8Array.
  const end8 = end - 7;
  while (i < end8) {
    const lo = c ^ (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24));
    c =
      T[1792 + (lo & 0xff)]! ^
      T[1536 + ((lo >>> 8) & 0xff)]! ^
      T[1280 + ((lo >>> 16) & 0xff)]! ^
      T[1024 + (lo >>> 24)]! ^
      T[768 + bytes[i + 4]!]! ^
      T[512 + bytes[i + 5]!]! ^
      T[256 + bytes[i + 6]!]! ^
      T[bytes[i + 7]!]!;
    i += 8;
  }
  while (i < end) {
    c = T[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
    i++;
  }
  return ~c >>> 0;
}
