/**
 * Log compaction after a snapshot: WAL segments whose records all precede the snapshot we would
 * fall back to are deleted, and snapshots beyond the newest `keepSnapshots` are deleted.
 *
 * Why the fallback snapshot and not the newest: recovery falls back to the previous snapshot
 * when the newest is corrupt, and then needs the WAL from the previous snapshot's LSN. Deleting
 * up to the newest would make that fallback lose every write between the two. The price is at
 * most one snapshot interval of extra WAL on disk.
 *
 * A segment's records all precede LSN L when the next segment's first LSN is <= L (segments are
 * named by their first LSN, and a retry duplicate in an older segment also sits in the newer one).
 */
import { readdirSync, rmSync } from "node:fs";
import type { DurabilityFs } from "./fs-seam.js";
import { fsyncDir } from "./fs-seam.js";
import { listLsnFiles, SNAPSHOT_SUFFIX, TMP_SUFFIX, WAL_SUFFIX } from "./segment-files.js";
import { join } from "node:path";

export interface CompactionResult {
  segmentsDeleted: number;
  snapshotsDeleted: number;
  /** WAL records below this LSN are no longer on disk. */
  walStartLsn: number;
}

export function compact(
  fsx: DurabilityFs,
  walDir: string,
  snapDir: string,
  opts: { keepSnapshots: number; activeSegmentPath: string | null; inProgressSnapshotTmp: string | null },
): CompactionResult {
  let snapshotsDeleted = 0;
  let segmentsDeleted = 0;
  const snaps = listLsnFiles(snapDir, SNAPSHOT_SUFFIX);
  const keep = Math.max(1, opts.keepSnapshots);
  for (let i = 0; i < snaps.length - keep; i++) {
    fsx.unlinkSync(snaps[i]!.path);
    snapshotsDeleted++;
  }
  // Leftover temporaries from a snapshot a crash or a disk error interrupted.
  for (const n of readdirSync(snapDir)) {
    if (!n.endsWith(TMP_SUFFIX)) continue;
    const p = join(snapDir, n);
    if (p === opts.inProgressSnapshotTmp) continue;
    rmSync(p, { force: true });
  }
  // And of a WAL retry's rewrite (WalWriter.rewriteBuffer) a crash or a disk error interrupted:
  // the segment it was to replace is still there, as it was.
  for (const n of listNames(walDir)) {
    if (n.endsWith(WAL_SUFFIX + TMP_SUFFIX)) rmSync(join(walDir, n), { force: true });
  }
  const kept = snaps.slice(Math.max(0, snaps.length - keep));
  // Fewer snapshots than the fallback depth: if the newest turns out corrupt, recovery falls back
  // to no snapshot at all and needs the WAL from its first record.
  const coveredBelow = kept.length < keep ? 0 : kept[0]!.lsn;
  const segs = listLsnFiles(walDir, WAL_SUFFIX);
  let walStartLsn = segs.length === 0 ? coveredBelow : segs[0]!.lsn;
  for (let i = 0; i + 1 < segs.length; i++) {
    const s = segs[i]!;
    if (s.path === opts.activeSegmentPath) break;
    if (segs[i + 1]!.lsn > coveredBelow) break;
    fsx.unlinkSync(s.path);
    segmentsDeleted++;
    walStartLsn = segs[i + 1]!.lsn;
  }
  if (snapshotsDeleted > 0) fsyncDir(fsx, snapDir);
  if (segmentsDeleted > 0) fsyncDir(fsx, walDir);
  return { segmentsDeleted, snapshotsDeleted, walStartLsn };
}

function listNames(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
}
