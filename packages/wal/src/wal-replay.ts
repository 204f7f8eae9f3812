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
import { closeSync, openSync, readFileSync, renameSync, statSync, ftruncateSync, fsyncSync } from "node:fs";
import { checkRecord, decodeRecordArgv, RECORD_HEADER_BYTES, recordLsn, recordPayloadBytes, recordTxid } from "./record-codec.js";
import { listLsnFiles, WAL_SUFFIX } from "./segment-files.js";

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

export function replayWal(dir: string, fromLsn: number, onRecord: RecordHandler): WalReplayResult {
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
          `WAL in ${dir} starts at LSN ${seg.lsn} but the recovered state ends at LSN ${expected - 1}: ` +
            `the snapshot covering LSNs below ${seg.lsn} is missing or corrupt. Restore it from a backup, or move ` +
            `${dir} aside to start this partition from the records that remain.`,
        );
      }
      // A hole between what we have and this segment: stop here.
      stopped = true;
      discard(seg.path, r);
      continue;
    }
    const buf = readFileSync(seg.path);
    r.segments++;
    r.bytesRead += buf.length;
    let off = 0;
    let bad: string | null = null;
    while (off < buf.length) {
      const check = checkRecord(buf, off, buf.length);
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
      const size = RECORD_HEADER_BYTES + recordPayloadBytes(buf, off);
      if (lsn < expected) {
        r.duplicates++;
      } else {
        onRecord(decodeRecordArgv(buf, off), lsn, recordTxid(buf, off));
        r.records++;
        expected++;
      }
      off += size;
    }
    if (bad !== null) truncate(seg.path, off, buf.length - off, bad, r);
  }
  r.nextLsn = expected;
  return r;
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
