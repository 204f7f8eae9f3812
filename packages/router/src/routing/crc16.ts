/**
 * CRC16-CCITT (XMODEM variant: polynomial 0x1021, initial value 0, no reflection), the checksum
 * Redis Cluster hashes keys with. Keeping the exact function means a key lands in the same hash
 * slot here as in a Redis cluster, so tooling and hash-tag habits carry over unchanged.
 */

/** 256-entry lookup table, built once at load (one table walk per byte instead of eight shifts). */
const TABLE = buildTable();

function buildTable(): Uint16Array {
  const table = new Uint16Array(256);
  for (let i = 0; i < 256; i++) {
    let crc = i << 8;
    for (let bit = 0; bit < 8; bit++) {
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
    }
    table[i] = crc;
  }
  return table;
}

/** CRC16/XMODEM of `length` bytes of `bytes` from `offset`. */
export function crc16(bytes: Uint8Array, offset = 0, length = bytes.length - offset): number {
  let crc = 0;
  const end = offset + length;
  for (let i = offset; i < end; i++) {
    crc = ((crc << 8) & 0xff00) ^ TABLE[((crc >>> 8) ^ bytes[i]!) & 0xff]!;
  }
  return crc;
}
