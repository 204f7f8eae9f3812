/**
 * The data directory's identity: <dataDir>/tessera.meta.json records the on-disk format version
 * and the partition count the data was written with. Keys are spread over partitions by
 * slot = crc16(key) mod 16384 -> partition, so a different count would leave keys in the wrong
 * partition's WAL: the server refuses to start instead, with a message that says what to do.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";

export const META_FILE = "tessera.meta.json";
export const DATA_FORMAT_VERSION = 1;

export interface DataDirMeta {
  formatVersion: number;
  partitions: number;
  createdAt: string;
}

export class DataDirError extends Error {
  override readonly name = "DataDirError";
}

/**
 * Call once at server start, before any partition opens its WAL. Creates the directory and the
 * meta file on first start; afterwards checks the partition count and format version match.
 * Throws DataDirError (message meant for the operator) on a mismatch.
 */
export function checkDataDir(dataDir: string, partitions: number): DataDirMeta {
  if (!Number.isInteger(partitions) || partitions < 1) throw new RangeError(`partitions must be a positive integer, got ${partitions}`);
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, META_FILE);
  if (!existsSync(path)) {
    // Partition directories without a meta file (written by hand, or the meta file was lost):
    // their count is the best evidence of the count the data was written with.
    const found = readdirSync(dataDir).filter((n) => /^p\d+$/.test(n)).length;
    if (found > 0 && found !== partitions) {
      throw new DataDirError(
        `${dataDir} has no ${META_FILE} but holds ${found} partition directories (p0..p${found - 1}); this server was started with ` +
          `--partitions ${partitions}. Start with --partitions ${found}, or start with an empty --data-dir.`,
      );
    }
    const meta: DataDirMeta = { formatVersion: DATA_FORMAT_VERSION, partitions, createdAt: new Date().toISOString() };
    writeFileDurably(dataDir, path, JSON.stringify(meta, null, 2) + "\n");
    return meta;
  }
  let meta: DataDirMeta;
  try {
    meta = JSON.parse(readFileSync(path, "utf8")) as DataDirMeta;
  } catch (e) {
    throw new DataDirError(`${path} is not valid JSON (${(e as Error).message}); restore it or move ${dataDir} aside.`);
  }
  if (meta.formatVersion !== DATA_FORMAT_VERSION) {
    throw new DataDirError(
      `${dataDir} holds data in format version ${String(meta.formatVersion)}; this server reads version ${DATA_FORMAT_VERSION}. ` +
        `Use a matching Tessera version, or start with an empty --data-dir.`,
    );
  }
  if (meta.partitions !== partitions) {
    throw new DataDirError(
      `${dataDir} was written with --partitions ${meta.partitions}, but this server was started with --partitions ${partitions}. ` +
        `Keys are placed by partition, so the count cannot change in place: start with --partitions ${meta.partitions}, ` +
        `or start with an empty --data-dir and load the data into it (e.g. from a client-side export).`,
    );
  }
  return meta;
}

function writeFileDurably(dir: string, path: string, text: string): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, "w");
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  const dfd = openSync(dir, "r");
  try {
    fsyncSync(dfd);
  } finally {
    closeSync(dfd);
  }
}
