/**
 * MurmurHash3 (x86, 32-bit) over a byte range, as a signed 32-bit integer. Keys are hashed once per command; the result
 * picks the hash-table slot (high bits) and the fingerprint (low bits).
 */
export function hashBytes(bytes: Uint8Array, offset: number, length: number): number {
  let h = 0x9747b28c ^ length;
  const end4 = offset + (length & ~3);
  let i = offset;
  for (; i < end4; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = length & 3;
  if (tail !== 0) {
    let k = bytes[i]!;
    if (tail > 1) k ^= bytes[i + 1]! << 8;
    if (tail > 2) k ^= bytes[i + 2]! << 16;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, 0x1b873593);
    h ^= k;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  // A signed 32-bit result stays a small integer in V8 (an unsigned one above 2^31 would be boxed).
  return h | 0;
}
