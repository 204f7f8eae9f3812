/**
 * Naming of WAL segments and snapshots: files are named by an LSN, zero-padded to 20 digits so
 * that byte order equals numeric order and a directory listing sorts them.
 *
 *   <dataDir>/p<id>/wal/<firstLsn>.wal      records with LSN >= firstLsn (up to the next segment's)
 *   <dataDir>/p<id>/snap/<lsn>.snap         the state after every record with LSN < lsn
 */
import { mkdirSync, readdirSync, readSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fsyncDir, nodeFs } from "./fs-seam.js";

export const WAL_SUFFIX = ".wal";
export const SNAPSHOT_SUFFIX = ".snap";
export const TMP_SUFFIX = ".tmp";

export function lsnName(lsn: number, suffix: string): string {
  return lsn.toString().padStart(20, "0") + suffix;
}

export function partitionDir(dataDir: string, partitionId: number): string {
  return join(dataDir, `p${partitionId}`);
}
export function walDir(dataDir: string, partitionId: number): string {
  return join(partitionDir(dataDir, partitionId), "wal");
}
export function snapshotDir(dataDir: string, partitionId: number): string {
  return join(partitionDir(dataDir, partitionId), "snap");
}

/**
 * Creates `dir` and any missing parents, and fsyncs the parent of each directory it created: a
 * new directory's name is an entry in its parent, and without that fsync a power cut could
 * lose the whole WAL directory although every segment in it was fsynced.
 */
export function ensureDir(dir: string): void {
  const first = mkdirSync(dir, { recursive: true });
  if (first === undefined) return;
  const target = resolve(dir);
  for (let d = resolve(first); ; d = join(d, relative(d, target).split(sep)[0]!)) {
    fsyncDir(nodeFs, dirname(d));
    if (d === target) break;
  }
}

export interface LsnFile {
  readonly lsn: number;
  readonly path: string;
}

/** Files in `dir` named <20 digits><suffix>, ascending by LSN. Anything else is ignored. */
export function listLsnFiles(dir: string, suffix: string): LsnFile[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  const out: LsnFile[] = [];
  for (const n of names) {
    if (n.length !== 20 + suffix.length || !n.endsWith(suffix)) continue;
    const digits = n.slice(0, 20);
    if (!/^[0-9]{20}$/.test(digits)) continue;
    out.push({ lsn: Number(digits), path: join(dir, n) });
  }
  out.sort((a, b) => a.lsn - b.lsn);
  return out;
}

/**
 * readSync until `length` bytes are in `buf` at `offset` or the file ends; returns the bytes
 * read (short only at end of file). A single readSync may return less than asked for.
 */
export function readFully(fd: number, buf: Uint8Array, offset: number, length: number, position: number): number {
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, offset + done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return done;
}
