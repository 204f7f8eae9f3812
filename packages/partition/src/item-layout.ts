/**
 * Layout of one item in slab memory. Items start on 8-byte boundaries, so the header is read
 * as four 32-bit words through the page's Uint32Array view. The header is 16 bytes because the
 * per-key overhead budget is tight (every byte here is paid a million times per million keys):
 *
 *   word 0  key length (16 bits) | recency (8 bits, coarse minutes) | frequency (8 bits, log counter)
 *   word 1  value length (29 bits) | flags (3 bits: FREE, CHUNK, CHAINED)
 *   word 2  absolute expiry in Unix ms, low 32 bits (0 with word 3's low 12 bits = no expiry)
 *   word 3  absolute expiry, high 12 bits (expiry < 2^44 ms, i.e. until year 2527) | version (20 bits)
 *   then    key bytes, then value bytes
 *
 * The version is a 20-bit wrapping counter bumped on every write (WATCH compares it; a full wrap
 * of 1,048,576 writes to one key between WATCH and EXEC is the accepted blind spot).
 *
 * A free slot reuses the words: word 0 = previous free slot, word 1 = FREE, word 2 = next free
 * slot (doubly linked so a page being returned to the pool can unlink its slots in O(slots)).
 *
 * A chunk of a chained (large) value: word 0 = next chunk ref, word 1 = CHUNK | payload length,
 * payload from byte 8. The chained item's own value area holds the first chunk ref (4 bytes).
 */
export const ITEM_HEADER_BYTES = 16;
export const CHUNK_HEADER_BYTES = 8;

export const W_KEY = 0;
export const W_VALUE = 1;
export const W_EXPIRY_LO = 2;
export const W_EXPIRY_HI_VERSION = 3;
/** Free-list links inside a free slot. */
export const W_FREE_PREV = 0;
export const W_FREE_NEXT = 2;
/** Chunk link inside a chunk slot. */
export const W_CHUNK_NEXT = 0;

export const FLAG_FREE = 0x8000_0000;
export const FLAG_CHUNK = 0x4000_0000;
export const FLAG_CHAINED = 0x2000_0000;
export const FLAGS_MASK = 0xe000_0000;
export const VALUE_LENGTH_MASK = 0x1fff_ffff;
/** Largest value length the header can hold (29 bits). */
export const MAX_VALUE_LENGTH_FIELD = VALUE_LENGTH_MASK;

export const KEY_LENGTH_MASK = 0xffff;
/** Longest key the header can hold. Longer keys are refused with TOOBIG. */
export const MAX_KEY_BYTES = 0xffff;

export const EXPIRY_HI_MASK = 0xfff;
/** Expiry times must stay below 2^44 ms (year 2527); larger ones are refused as invalid. */
export const MAX_EXPIRY_MS = 2 ** 44 - 1;
export const VERSION_SHIFT = 12;
export const VERSION_MASK = 0xfffff;

/** "No item": refs are unsigned 32-bit, and this value is never a slot start. */
export const NO_REF = 0xffff_ffff;
