/**
 * Snapshot file layout (little-endian). One file per snapshot: <lsn>.snap, holding the state of
 * the partition after every WAL record with LSN < lsn.
 *
 *   header (32 bytes)
 *      0  u32  magic 0x504E5354 ("TSNP")
 *      4  u16  format version (1)
 *      6  u16  flags (0)
 *      8  u32  partition id
 *     12  u32  partitions (count when written: a snapshot is only valid for the same count)
 *     16  u64  lsn
 *     24  u64  createdAtMs (Unix ms)
 *   records, one per item
 *      0  u32  keyBytes
 *      4  u32  valueBytes
 *      8  u64  expiresAtMs (absolute Unix ms; 0 = no expiry)
 *     16       key, then value
 *   footer (24 bytes)
 *      0  u32  magic 0x454E5354 ("TSNE")
 *      4  u32  CRC-32C over header and records (everything before the footer)
 *      8  u64  record count
 *     16  u64  bytes before the footer (must equal file size - 24)
 *
 * A snapshot is trusted only when the footer is present, the byte count matches the file, and
 * the CRC over everything before it matches: a file cut short or with a flipped bit is rejected
 * as a whole and recovery falls back to the previous snapshot.
 */
import { readU32, readU64, writeU64 } from "./record-codec.js";

export const SNAPSHOT_MAGIC = 0x504e5354;
export const SNAPSHOT_FOOTER_MAGIC = 0x454e5354;
export const SNAPSHOT_VERSION = 1;
export const SNAPSHOT_HEADER_BYTES = 32;
export const SNAPSHOT_FOOTER_BYTES = 24;
export const SNAPSHOT_ITEM_HEADER_BYTES = 16;

export interface SnapshotHeader {
  version: number;
  partitionId: number;
  partitions: number;
  lsn: number;
  createdAtMs: number;
}

export interface SnapshotFooter {
  crc: number;
  count: number;
  dataBytes: number;
}

export function encodeSnapshotHeader(buf: Buffer, offset: number, h: SnapshotHeader): number {
  buf.writeUInt32LE(SNAPSHOT_MAGIC, offset);
  buf.writeUInt16LE(h.version, offset + 4);
  buf.writeUInt16LE(0, offset + 6);
  buf.writeUInt32LE(h.partitionId, offset + 8);
  buf.writeUInt32LE(h.partitions, offset + 12);
  writeU64(buf, offset + 16, h.lsn);
  writeU64(buf, offset + 24, h.createdAtMs);
  return offset + SNAPSHOT_HEADER_BYTES;
}

/** Decode a header, or return why it is not one. */
export function decodeSnapshotHeader(buf: Uint8Array, offset: number): SnapshotHeader | string {
  if (buf.length - offset < SNAPSHOT_HEADER_BYTES) return "file shorter than a snapshot header";
  if (readU32(buf, offset) !== SNAPSHOT_MAGIC) return "bad magic (not a Tessera snapshot)";
  const version = buf[offset + 4]! | (buf[offset + 5]! << 8);
  if (version !== SNAPSHOT_VERSION) return `unsupported snapshot format version ${version}`;
  return {
    version,
    partitionId: readU32(buf, offset + 8),
    partitions: readU32(buf, offset + 12),
    lsn: readU64(buf, offset + 16),
    createdAtMs: readU64(buf, offset + 24),
  };
}

export function encodeSnapshotFooter(buf: Buffer, offset: number, f: SnapshotFooter): number {
  buf.writeUInt32LE(SNAPSHOT_FOOTER_MAGIC, offset);
  buf.writeUInt32LE(f.crc, offset + 4);
  writeU64(buf, offset + 8, f.count);
  writeU64(buf, offset + 16, f.dataBytes);
  return offset + SNAPSHOT_FOOTER_BYTES;
}

export function decodeSnapshotFooter(buf: Uint8Array, offset: number): SnapshotFooter | string {
  if (readU32(buf, offset) !== SNAPSHOT_FOOTER_MAGIC) return "missing footer (snapshot incomplete or cut short)";
  return { crc: readU32(buf, offset + 4), count: readU64(buf, offset + 8), dataBytes: readU64(buf, offset + 16) };
}
