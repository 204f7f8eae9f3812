/**
 * Key -> hash slot, by Redis Cluster's rules: slot = crc16(k) mod 16384, where k is the whole
 * key unless the key holds a hash tag. A hash tag is the bytes between the first '{' and the
 * first '}' after it, when that span is non-empty; then only the tag is hashed, so
 * `{user:42}:cart` and `{user:42}:profile` share a slot (and therefore a partition).
 */
import { crc16 } from "./crc16.js";

export const HASH_SLOTS = 16384;

const OPEN_BRACE = 0x7b; // '{'
const CLOSE_BRACE = 0x7d; // '}'

/** Hash slot (0..16383) of a key given as raw bytes. */
export function keyHashSlot(key: Uint8Array, offset = 0, length = key.length - offset): number {
  const end = offset + length;
  let open = -1;
  for (let i = offset; i < end; i++) {
    if (key[i] === OPEN_BRACE) {
      open = i;
      break;
    }
  }
  if (open >= 0) {
    for (let j = open + 1; j < end; j++) {
      if (key[j] === CLOSE_BRACE) {
        // "{}" (empty tag) does not count: the whole key is hashed, as in Redis.
        if (j > open + 1) return crc16(key, open + 1, j - open - 1) & (HASH_SLOTS - 1);
        break;
      }
    }
  }
  return crc16(key, offset, length) & (HASH_SLOTS - 1);
}
