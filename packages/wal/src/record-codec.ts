/**
 * WAL record layout (little-endian), one per effective write:
 *
 *   offset  size  field
 *        0     4  payloadBytes  (u32)  length of the payload that follows the 24-byte header
 *        4     4  crc           (u32)  CRC-32C over bytes [8, 24 + payloadBytes): lsn, txid, payload
 *        8     8  lsn           (u64)  log sequence number, +1 per record, never reused
 *       16     8  txid          (u64)  0 = not part of a transaction; else the transaction's id
 *                                       (the LSN of its first record): its records are applied
 *                                       at recovery only once its commit record (argv `EXEC`,
 *                                       the same txid) is read
 *       24     n  payload       argv:  u32 argc, then per argument u32 length + bytes
 *
 * The CRC starts at the LSN so a record copied to the wrong place (or a zero-filled page, whose
 * CRC is not zero) is rejected, and the length is checked against the file and a hard cap
 * before it is trusted.
 */
import { crc32c } from "./crc32c.js";

export const RECORD_HEADER_BYTES = 24;
/** The argv of a transaction's commit record: the last record with its txid. */
export const TXN_COMMIT_ARGV: readonly Uint8Array[] = [new TextEncoder().encode("EXEC")];
/** Upper bound on one record's payload: larger lengths in a file can only be corruption. */
export const MAX_RECORD_PAYLOAD_BYTES = 1 << 30;

/** Bytes the payload of `argv` takes. */
export function argvPayloadBytes(argv: readonly Uint8Array[]): number {
  let n = 4;
  for (let i = 0; i < argv.length; i++) n += 4 + argv[i]!.length;
  return n;
}

/**
 * Write one record for `argv` at `offset` of `buf` (which must have room for
 * RECORD_HEADER_BYTES + argvPayloadBytes(argv)). Returns the offset after it.
 */
export function encodeRecord(buf: Buffer, offset: number, lsn: number, txid: number, argv: readonly Uint8Array[]): number {
  const payloadBytes = argvPayloadBytes(argv);
  let p = offset + RECORD_HEADER_BYTES;
  buf.writeUInt32LE(argv.length, p);
  p += 4;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    buf.writeUInt32LE(a.length, p);
    p += 4;
    buf.set(a, p);
    p += a.length;
  }
  buf.writeUInt32LE(payloadBytes, offset);
  writeU64(buf, offset + 8, lsn);
  writeU64(buf, offset + 16, txid);
  const crc = crc32c(buf, 0, offset + 8, 16 + payloadBytes);
  buf.writeUInt32LE(crc, offset + 4);
  return p;
}

export type RecordCheck =
  /** A whole, valid record; its total size is RECORD_HEADER_BYTES + payloadBytes. */
  | "ok"
  /** The bytes end before the record does (a torn write at the tail). */
  | "short"
  /** The length is impossible or the CRC does not match. */
  | "corrupt";

/** Validate the record at `offset` given `end` (exclusive) as the last readable byte. */
export function checkRecord(buf: Uint8Array, offset: number, end: number): RecordCheck {
  if (end - offset < RECORD_HEADER_BYTES) return "short";
  const payloadBytes = readU32(buf, offset);
  if (payloadBytes < 4 || payloadBytes > MAX_RECORD_PAYLOAD_BYTES) return "corrupt";
  if (end - offset < RECORD_HEADER_BYTES + payloadBytes) return "short";
  const crc = readU32(buf, offset + 4);
  if (crc32c(buf, 0, offset + 8, 16 + payloadBytes) !== crc) return "corrupt";
  // The argument lengths must exactly fill the payload, or the record is not one we wrote.
  const payloadEnd = offset + RECORD_HEADER_BYTES + payloadBytes;
  let p = offset + RECORD_HEADER_BYTES;
  const argc = readU32(buf, p);
  p += 4;
  if (argc < 1 || argc > (payloadBytes - 4) / 4) return "corrupt";
  for (let i = 0; i < argc; i++) {
    if (p + 4 > payloadEnd) return "corrupt";
    p += 4 + readU32(buf, p);
    if (p > payloadEnd) return "corrupt";
  }
  return p === payloadEnd ? "ok" : "corrupt";
}

export function recordPayloadBytes(buf: Uint8Array, offset: number): number {
  return readU32(buf, offset);
}

export function recordLsn(buf: Uint8Array, offset: number): number {
  return readU64(buf, offset + 8);
}

export function recordTxid(buf: Uint8Array, offset: number): number {
  return readU64(buf, offset + 16);
}

/**
 * Decode the argv of a record checked "ok". The arguments are views into `buf` (no copy): they
 * are valid until `buf` is reused, which is all the engine needs since it never keeps argv.
 */
export function decodeRecordArgv(buf: Uint8Array, offset: number): Uint8Array[] {
  let p = offset + RECORD_HEADER_BYTES;
  const argc = readU32(buf, p);
  p += 4;
  const argv = new Array<Uint8Array>(argc);
  for (let i = 0; i < argc; i++) {
    const len = readU32(buf, p);
    p += 4;
    argv[i] = buf.subarray(p, p + len);
    p += len;
  }
  return argv;
}

export function readU32(buf: Uint8Array, p: number): number {
  return (buf[p]! | (buf[p + 1]! << 8) | (buf[p + 2]! << 16) | (buf[p + 3]! << 24)) >>> 0;
}

/**
 * LSNs, txids, counts and times are u64 on disk but plain numbers in memory: 2^53 records is
 * 285 years at a million writes a second, and numbers avoid a BigInt allocation per record.
 * A value above 2^53 on disk can only be corruption; it reads as a number that fails the
 * caller's continuity checks.
 */
export function readU64(buf: Uint8Array, p: number): number {
  return readU32(buf, p + 4) * 0x1_0000_0000 + readU32(buf, p);
}

export function writeU64(buf: Buffer, p: number, value: number): void {
  if (!Number.isSafeInteger(value) || value < 0) throw new RangeError(`u64 field out of range: ${value}`);
  buf.writeUInt32LE(value % 0x1_0000_0000, p);
  buf.writeUInt32LE(Math.floor(value / 0x1_0000_0000), p + 4);
}
