/**
 * The read side of the WAL, used once at recovery: walk the segments in LSN order from a start
 * LSN, hand every valid record to the caller exactly once, and repair the tail.
 *
 * - A torn or corrupt record ends the segment: the file is truncated there (bytes reported) and
 *   reading goes on with the next segment only if it continues the LSN sequence (the case of a
 *   failed write that `WalWriter.retry` re-wrote into a fresh segment).
 * - Records whose LSN was already seen (duplicates from such a retry, or records before the
 *   snapshot) are skipped.
 * - A gap in the sequence means records are missing: nothing after it can be applied safely, so
 *   the remaining segments are renamed *.discarded (kept for forensics, ignored from then on)
 *   and reported. Never fatal: the server comes up with every record before the gap.
 */
import { closeSync, fstatSync, fsyncSync, ftruncateSync, openSync, renameSync, statSync } from "node:fs";
import * as codec from "./record-codec.js";
import { listLsnFiles, readFully, WAL_SUFFIX } from "./segment-files.js";

// Local copies: under tsx's CommonJS path imported bindings are read through a getter call on
// every access, which showed in the replay profile; the per-record loop reads plain constants.
const { checkRecord, decodeRecordArgv, RECORD_HEADER_BYTES, recordLsn, recordPayloadBytes, recordTxid } = codec;

export interface WalReplayResult {
  /** LSN the next record must get (one past the last applied, or fromLsn if none). */
  nextLsn: number;
  records: number;
  duplicates: number;
  segments: number;
  bytesRead: number;
  /** Bytes cut off torn or corrupt segment tails. */
  truncatedBytes: number;
  truncations: { path: string; offset: number; bytes: number; reason: string }[];
  /** Segments renamed *.discarded after a gap (their bytes are not in truncatedBytes). */
  discarded: { path: string; bytes: number }[];
  discardedBytes: number;
}

export class WalGapError extends Error {
  override readonly name = "WalGapError";
}

export type RecordHandler = (argv: Uint8Array[], lsn: number, txid: number) => void;

/** Segments are read through one reused buffer of this size (grown only for a larger record). */
const READ_CHUNK_BYTES = 8 << 20;

/**
 * Replays every record from `fromLsn` on. `readChunkBytes` is the read buffer's size (tests use a
 * tiny one to put records across chunk boundaries).
 */
export function replayWal(dir: string, fromLsn: number, onRecord: RecordHandler, readChunkBytes = READ_CHUNK_BYTES): WalReplayResult {
  const segments = listLsnFiles(dir, WAL_SUFFIX);
  const r: WalReplayResult = {
    nextLsn: fromLsn,
    records: 0,
    duplicates: 0,
    segments: 0,
    bytesRead: 0,
    truncatedBytes: 0,
    truncations: [],
    discarded: [],
    discardedBytes: 0,
  };
  // One buffer for every segment, not readFileSync per segment: a fresh 64 MiB buffer per
  // segment costs a page fault per 4 KiB on first touch, which was a visible part of replay.
  // A plain Uint8Array (not a Buffer): the argv views decodeRecordArgv makes per record are
  // much cheaper to create on it (no FastBuffer species constructor).
  let buf = new Uint8Array(0);
  let expected = fromLsn;
  let stopped = false;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    if (stopped) {
      discard(seg.path, r);
      continue;
    }
    // Wholly before the start LSN: the next segment starts at or before it.
    const next = segments[i + 1];
    if (next !== undefined && next.lsn <= expected) continue;
    if (seg.lsn > expected) {
      if (r.segments === 0) {
        // The WAL starts after the state we have: a snapshot it relied on is gone or unreadable.
        // Coming up without those records would silently lose data: the operator must decide.
        throw new WalGapError(
          `WAL in ${dir} starts at LSN ${seg.lsn} but ${expected === 1 ? "no usable snapshot was found" : `the recovered state ends at LSN ${expected - 1}`}: ` +
            `the snapshot covering LSNs below ${seg.lsn} is missing or corrupt. Restore it from a backup, or move ` +
            `${dir} aside to start this partition from the records that remain.`,
        );
      }
      // A hole between what we have and this segment: stop here.
      stopped = true;
      discard(seg.path, r);
      continue;
    }
    const fd = openSync(seg.path, "r");
    let size = 0;
    let badAt = -1; // file offset of the first record that is not applied
    let bad: string | null = null;
    try {
      size = fstatSync(fd).size;
      r.segments++;
      r.bytesRead += size;
      if (buf.length < Math.min(size, readChunkBytes)) buf = new Uint8Array(Math.min(size, readChunkBytes));
      let filePos = 0; // file offset of buf[0]
      let have = readFully(fd, buf, 0, Math.min(buf.length, size), 0);
      let off = 0;
      for (;;) {
        if (filePos + off === size) break;
        const check = checkRecord(buf, off, have);
        if (check === "short" && filePos + have < size) {
          // The record runs past the buffer but maybe not past the file: move the rest to the
          // front, grow for a record larger than the buffer, and read on. (A length field is
          // trusted here only after checkRecord bounded it by MAX_RECORD_PAYLOAD_BYTES.)
          const need = have - off >= RECORD_HEADER_BYTES ? RECORD_HEADER_BYTES + recordPayloadBytes(buf, off) : RECORD_HEADER_BYTES;
          if (filePos + off + need <= size) {
            const rest = have - off;
            if (need > buf.length) {
              const bigger = new Uint8Array(need);
              bigger.set(buf.subarray(off, have));
              buf = bigger;
            } else {
              buf.copyWithin(0, off, have);
            }
            filePos += off;
            off = 0;
            const got = readFully(fd, buf, rest, Math.min(buf.length, size - filePos) - rest, filePos + rest);
            have = rest + got;
            // The file shrank under us: what is left is a torn tail (checked again below).
            if (got > 0) continue;
            size = filePos + have;
          }
        }
        if (check !== "ok") {
          bad = check === "short" ? "torn record at the end of the segment" : "corrupt record (length or CRC32C mismatch)";
          break;
        }
        const lsn = recordLsn(buf, off);
        if (lsn > expected) {
          bad = `LSN gap: expected ${expected}, found ${lsn}`;
          stopped = true;
          break;
        }
        const recordBytes = RECORD_HEADER_BYTES + recordPayloadBytes(buf, off);
        if (lsn < expected) {
          r.duplicates++;
        } else {
          onRecord(decodeRecordArgv(buf, off), lsn, recordTxid(buf, off));
          r.records++;
          expected++;
        }
        off += recordBytes;
      }
      badAt = filePos + off;
    } finally {
      closeSync(fd);
    }
    if (bad !== null) truncate(seg.path, badAt, size - badAt, bad, r);
  }
  r.nextLsn = expected;
  return r;
}

/**
 * About how many distinct keys a replay from `fromLsn` will write, without reading all the
 * records: for presizing the hash index before recovery inserts anything (growing it on the way
 * re-hashes every key, a slab read each, ~20% of WAL replay time before).
 *
 * Records: segments followed by another hold (next LSN - own LSN) records; the last one is
 * extrapolated from the record sizes in its first MiB. Keys: records times the share of
 * distinct keys (argv[1]) among the records of that sample, so a log of counter updates on a
 * few keys does not presize for millions. Within one MiB keys repeat less than over the whole
 * log, so the share errs high, which is the cheap side: a table a little too large, never a
 * rebuild. Never more than one per 32 bytes of WAL; the engine's memory budget has the last word.
 */
export function estimateReplayKeys(dir: string, fromLsn: number): number {
  const segments = listLsnFiles(dir, WAL_SUFFIX);
  let records = 0;
  let keyShare = 1;
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    const next = segments[i + 1];
    if (next !== undefined && next.lsn <= fromLsn) continue;
    let size: number;
    try {
      size = statSync(seg.path).size;
    } catch {
      continue;
    }
    const most = Math.floor(size / MIN_RECORD_BYTES);
    if (next !== undefined) {
      records += Math.min(most, Math.max(0, next.lsn - Math.max(seg.lsn, fromLsn)));
    } else {
      const sample = sampleSegment(seg.path, size);
      records += Math.min(most, sample.records);
      keyShare = sample.keyShare;
    }
  }
  return Math.ceil(records * keyShare);
}

/** Smallest possible record: header, argc and one empty argument. */
const MIN_RECORD_BYTES = RECORD_HEADER_BYTES + 8;
const SAMPLE_BYTES = 1 << 20;

/**
 * Records in a segment of `size` bytes, extrapolated from the valid records in its first MiB,
 * and the share of distinct keys among those records.
 */
function sampleSegment(path: string, size: number): { records: number; keyShare: number } {
  const sample = new Uint8Array(Math.min(size, SAMPLE_BYTES));
  const fd = openSync(path, "r");
  let got: number;
  try {
    got = readFully(fd, sample, 0, sample.length, 0);
  } finally {
    closeSync(fd);
  }
  const keys = new Set<string>();
  const latin1 = new TextDecoder("latin1");
  let off = 0;
  let n = 0;
  while (checkRecord(sample, off, got) === "ok") {
    const argv = decodeRecordArgv(sample, off);
    if (argv.length >= 2) keys.add(latin1.decode(argv[1]));
    off += RECORD_HEADER_BYTES + recordPayloadBytes(sample, off);
    n++;
  }
  if (n === 0) return { records: 0, keyShare: 1 };
  return { records: got === size ? n : Math.ceil((n * size) / off), keyShare: Math.max(keys.size, 1) / n };
}


function truncate(path: string, offset: number, bytes: number, reason: string, r: WalReplayResult): void {
  const fd = openSync(path, "r+");
  try {
    ftruncateSync(fd, offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  r.truncatedBytes += bytes;
  r.truncations.push({ path, offset, bytes, reason });
}

function discard(path: string, r: WalReplayResult): void {
  const bytes = statSync(path).size;
  renameSync(path, `${path}.discarded`);
  r.discarded.push({ path, bytes });
  r.discardedBytes += bytes;
}
