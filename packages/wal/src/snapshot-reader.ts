/**
 * Loads a snapshot into an engine at recovery, streaming the file in large chunks and checking
 * the whole-file CRC as it goes. Items are handed to the engine before the CRC is known (one pass,
 * no second read of a multi-GB file); if the check fails at the end the caller empties the engine
 * and falls back to the previous snapshot.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import * as crcModule from "./crc32c.js";
import * as codec from "./record-codec.js";
import * as format from "./snapshot-format.js";
import type { SnapshotHeader } from "./snapshot-format.js";
import { readFully } from "./segment-files.js";

// Local copies: under tsx's CommonJS path imported bindings are read through a getter call on
// every access; the per-item loop below read three of them per item (~5% of a snapshot load).
const { crc32c } = crcModule;
const { readU32, readU64 } = codec;
const { decodeSnapshotFooter, decodeSnapshotHeader, SNAPSHOT_FOOTER_BYTES, SNAPSHOT_HEADER_BYTES, SNAPSHOT_ITEM_HEADER_BYTES } = format;

export class SnapshotCorruptError extends Error {
  override readonly name = "SnapshotCorruptError";
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`snapshot ${path} is unusable: ${reason}`);
  }
}

/**
 * One item: the value is bytes[valueOffset, valueOffset + valueLength) of the read buffer; the key is
 * a reused array (short keys) or a view. Both are valid only during the call (copy to keep). No
 * object per item: this runs millions of times per recovery.
 */
export type LoadItem = (key: Uint8Array, bytes: Uint8Array, valueOffset: number, valueLength: number, expiresAtMs: number) => void;

export interface SnapshotLoadResult {
  header: SnapshotHeader;
  items: number;
  /**
   * Of `items`, those whose expiry passed while the server was down. They are loaded all the
   * same: a PERSIST or PEXPIRE in the WAL replayed next may have kept them alive (as Redis
   * loads an AOF's RDB preamble). The engine drops what is still expired when loading ends.
   */
  expired: number;
  bytes: number;
  ms: number;
}

const READ_CHUNK_BYTES = 8 << 20;

/** Read just the header (and check the footer is there), to list snapshots without loading them. */
export function readSnapshotHeader(path: string): SnapshotHeader | string {
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    if (size < SNAPSHOT_HEADER_BYTES + SNAPSHOT_FOOTER_BYTES) return "file too short";
    const h = Buffer.allocUnsafe(SNAPSHOT_HEADER_BYTES);
    readSync(fd, h, 0, h.length, 0);
    return decodeSnapshotHeader(h, 0);
  } finally {
    closeSync(fd);
  }
}

export function loadSnapshot(
  path: string,
  expect: { partitionId: number; partitions: number; onItemCount?: (items: number, header: SnapshotHeader) => void },
  loadItem: LoadItem,
  nowMs: number,
  onProgress?: (items: number) => void,
  progressEveryItems = 1 << 18,
): SnapshotLoadResult {
  const t0 = performance.now();
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    if (size < SNAPSHOT_HEADER_BYTES + SNAPSHOT_FOOTER_BYTES) throw new SnapshotCorruptError(path, `file too short (${size} bytes)`);
    const footerBuf = Buffer.allocUnsafe(SNAPSHOT_FOOTER_BYTES);
    readFully(fd, footerBuf, 0, SNAPSHOT_FOOTER_BYTES, size - SNAPSHOT_FOOTER_BYTES);
    const footer = decodeSnapshotFooter(footerBuf, 0);
    if (typeof footer === "string") throw new SnapshotCorruptError(path, footer);
    const dataEnd = size - SNAPSHOT_FOOTER_BYTES;
    if (footer.dataBytes !== dataEnd) throw new SnapshotCorruptError(path, `footer says ${footer.dataBytes} data bytes, file has ${dataEnd}`);

    let buf = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, Math.max(dataEnd, SNAPSHOT_HEADER_BYTES)));
    let filePos = 0; // file offset of buf[0]
    let have = 0; // valid bytes in buf
    let crc = 0;
    have = readFully(fd, buf, 0, Math.min(buf.length, dataEnd), 0);
    // Plain Uint8Array views: subarray() on one is far cheaper than on a Buffer (no species
    // constructor call into FastBuffer), and it runs once per item.
    let u8 = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
    const header = decodeSnapshotHeader(buf, 0);
    if (typeof header === "string") throw new SnapshotCorruptError(path, header);
    if (header.partitionId !== expect.partitionId || header.partitions !== expect.partitions) {
      throw new SnapshotCorruptError(
        path,
        `written by partition ${header.partitionId} of ${header.partitions}, expected partition ${expect.partitionId} of ${expect.partitions}`,
      );
    }
    expect.onItemCount?.(footer.count, header);
    let p = SNAPSHOT_HEADER_BYTES;
    let items = 0;
    let expired = 0;
    let nextProgress = progressEveryItems;
    const keyScratch: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(KEY_SCRATCH_MAX + 1).fill(undefined);
    for (;;) {
      if (filePos + p === dataEnd) break;
      // Make sure the whole next item is in the buffer; refill (and grow for huge items) if not.
      let need = SNAPSHOT_ITEM_HEADER_BYTES;
      if (have - p >= SNAPSHOT_ITEM_HEADER_BYTES) need += readU32(buf, p) + readU32(buf, p + 4);
      if (have - p < need) {
        if (filePos + p + need > dataEnd) throw new SnapshotCorruptError(path, `item at offset ${filePos + p} runs past the end of the data`);
        crc = crc32c(buf, crc, 0, p);
        const rest = have - p;
        if (need > buf.length) {
          const bigger = Buffer.allocUnsafe(need);
          buf.copy(bigger, 0, p, have);
          buf = bigger;
          u8 = new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
        } else {
          buf.copyWithin(0, p, have);
        }
        filePos += p;
        p = 0;
        const got = readFully(fd, buf, rest, Math.min(buf.length - rest, dataEnd - filePos - rest), filePos + rest);
        if (got === 0) throw new SnapshotCorruptError(path, `unexpected end of file at offset ${filePos + rest}`);
        have = rest + got;
        continue;
      }
      const keyBytes = readU32(u8, p);
      const valueBytes = readU32(u8, p + 4);
      const expiresAtMs = readU64(u8, p + 8);
      const k = p + SNAPSHOT_ITEM_HEADER_BYTES;
      const v = k + keyBytes;
      if (expiresAtMs !== 0 && expiresAtMs <= nowMs) expired++;
      loadItem(keyView(u8, k, keyBytes, keyScratch), u8, v, valueBytes, expiresAtMs);
      items++;
      p = v + valueBytes;
      if (onProgress !== undefined && items >= nextProgress) {
        nextProgress += progressEveryItems;
        onProgress(items);
      }
    }
    crc = crc32c(buf, crc, 0, p);
    if (crc !== footer.crc) throw new SnapshotCorruptError(path, "CRC32C mismatch (a bit flipped somewhere in the file)");
    if (items !== footer.count) throw new SnapshotCorruptError(path, `footer counts ${footer.count} items, file has ${items}`);
    return { header, items, expired, bytes: size, ms: performance.now() - t0 };
  } finally {
    closeSync(fd);
  }
}

/** Keys up to this length are copied into a reused array per length instead of viewed (a view is an object per item). */
const KEY_SCRATCH_MAX = 64;

/** The key bytes[at, at + length) as a Uint8Array valid until the next item: a reused copy for short keys, else a view. */
function keyView(bytes: Uint8Array, at: number, length: number, scratch: (Uint8Array | undefined)[]): Uint8Array {
  if (length > KEY_SCRATCH_MAX) return bytes.subarray(at, at + length);
  let key = scratch[length];
  if (key === undefined) key = scratch[length] = new Uint8Array(length);
  for (let i = 0; i < length; i++) key[i] = bytes[at + i]!;
  return key;
}

