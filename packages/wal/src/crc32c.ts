/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), the checksum of every WAL record and
 * snapshot file. Table-driven slicing-by-8: eight 256-entry tables let the inner loop consume
 * eight bytes per iteration with independent lookups, several times faster than the byte-wise
 * loop in V8. No native addon: nothing to build, nothing to break on a Node upgrade.
 *
 * Test vector (RFC 3720, B.4): crc32c("123456789") = 0xE3069283.
 */

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
