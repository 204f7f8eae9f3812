import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { compact } from "../src/compaction.js";
import { nodeFs } from "../src/fs-seam.js";
import { lsnName, SNAPSHOT_SUFFIX, WAL_SUFFIX } from "../src/segment-files.js";
import { tempDir } from "./helpers.js";

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function layout(wal: number[], snaps: number[], extra: { wal?: string[]; snap?: string[] } = {}) {
  const { dir: root, cleanup } = tempDir();
  cleanups.push(cleanup);
  const walDir = join(root, "wal");
  const snapDir = join(root, "snap");
  mkdirSync(walDir);
  mkdirSync(snapDir);
  for (const l of wal) writeFileSync(join(walDir, lsnName(l, WAL_SUFFIX)), "x");
  for (const l of snaps) writeFileSync(join(snapDir, lsnName(l, SNAPSHOT_SUFFIX)), "x");
  for (const n of extra.wal ?? []) writeFileSync(join(walDir, n), "x");
  for (const n of extra.snap ?? []) writeFileSync(join(snapDir, n), "x");
  return { walDir, snapDir };
}

describe("compact", () => {
  it("keeps the WAL back to the oldest kept snapshot and deletes older snapshots", () => {
    const { walDir, snapDir } = layout([1, 100, 200, 300], [150, 250, 350]);
    const r = compact(nodeFs, walDir, snapDir, { keepSnapshots: 2, activeSegmentPath: null, inProgressSnapshotTmp: null });
    expect(r).toEqual({ segmentsDeleted: 2, snapshotsDeleted: 1, walStartLsn: 200 });
    expect(readdirSync(walDir)).toEqual([lsnName(200, WAL_SUFFIX), lsnName(300, WAL_SUFFIX)]);
    expect(readdirSync(snapDir)).toEqual([lsnName(250, SNAPSHOT_SUFFIX), lsnName(350, SNAPSHOT_SUFFIX)]);
  });

  it("removes what an interrupted WAL retry or snapshot left behind, but not the snapshot being written", () => {
    const walTmp = lsnName(100, WAL_SUFFIX) + ".tmp";
    const snapTmp = lsnName(400, SNAPSHOT_SUFFIX) + ".tmp";
    const liveTmp = lsnName(500, SNAPSHOT_SUFFIX) + ".tmp";
    const { walDir, snapDir } = layout([1, 100], [50], { wal: [walTmp, "notes.txt"], snap: [snapTmp, liveTmp] });
    compact(nodeFs, walDir, snapDir, { keepSnapshots: 2, activeSegmentPath: null, inProgressSnapshotTmp: join(snapDir, liveTmp) });
    expect(readdirSync(walDir).sort()).toEqual([lsnName(1, WAL_SUFFIX), lsnName(100, WAL_SUFFIX), "notes.txt"]);
    expect(readdirSync(snapDir).sort()).toEqual([lsnName(50, SNAPSHOT_SUFFIX), liveTmp]);
  });
});
