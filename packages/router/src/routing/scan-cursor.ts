/**
 * The cursor of a cross-partition SCAN: an opaque, URL-safe encoding (base64url, no padding)
 * of the last key position the scan has covered. "0" (or "") starts a scan and a returned "0"
 * means done; "0" can never be a real cursor because a canonical base64url string is never
 * one character long. Because the cursor is a key position, not a per-partition offset, keys
 * added or removed between pages never make another key be skipped or repeated.
 */

const ALPHABET = /^[A-Za-z0-9_-]*$/;

export function encodeScanCursor(afterKey: Uint8Array): string {
  if (afterKey.length === 0) return "0";
  return Buffer.from(afterKey.buffer, afterKey.byteOffset, afterKey.byteLength).toString("base64url");
}

/** The key position a cursor stands for (empty = from the start), or null when it is not a cursor we issued. */
export function decodeScanCursor(cursor: string): Uint8Array | null {
  if (cursor === "0" || cursor === "") return new Uint8Array(0);
  if (!ALPHABET.test(cursor) || cursor.length % 4 === 1) return null;
  const key = Buffer.from(cursor, "base64url");
  // Canonical form only: anything else was not produced by encodeScanCursor.
  if (key.length === 0 || key.toString("base64url") !== cursor) return null;
  return key;
}
