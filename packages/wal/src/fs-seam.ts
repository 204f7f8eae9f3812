/**
 * The file-system calls the durability write path makes, behind one seam so tests can inject a
 * failing disk (EIO on fsync, ENOSPC on write) where a real small file system cannot produce the
 * fault. Production uses node:fs directly; the seam adds no work on the hot path beyond one
 * property load per call.
 */
import * as fs from "node:fs";

export interface DurabilityFs {
  openSync(path: string, flags: string): number;
  writeSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number | null): number;
  fdatasyncSync(fd: number): void;
  /** fdatasync in libuv's thread pool; `done` runs on the calling thread's event loop. */
  fdatasync(fd: number, done: (err: Error | null) => void): void;
  fsyncSync(fd: number): void;
  ftruncateSync(fd: number, length: number): void;
  closeSync(fd: number): void;
  renameSync(from: string, to: string): void;
  unlinkSync(path: string): void;
}

export const nodeFs: DurabilityFs = {
  openSync: (path, flags) => fs.openSync(path, flags),
  writeSync: (fd, buf, offset, length, position) => fs.writeSync(fd, buf, offset, length, position),
  fdatasyncSync: (fd) => fs.fdatasyncSync(fd),
  fdatasync: (fd, done) => fs.fdatasync(fd, (err) => done(err)),
  fsyncSync: (fd) => fs.fsyncSync(fd),
  ftruncateSync: (fd, length) => fs.ftruncateSync(fd, length),
  closeSync: (fd) => fs.closeSync(fd),
  renameSync: (from, to) => fs.renameSync(from, to),
  unlinkSync: (path) => fs.unlinkSync(path),
};

/** Write all of `buf[offset, offset + length)`, looping over short writes. Throws on error. */
export function writeFully(fsx: DurabilityFs, fd: number, buf: Uint8Array, offset: number, length: number): void {
  let done = 0;
  while (done < length) {
    const n = fsx.writeSync(fd, buf, offset + done, length - done, null);
    if (n <= 0) throw Object.assign(new Error("write returned 0 bytes"), { code: "EIO" });
    done += n;
  }
}

/** fsync a directory so a create/rename/unlink inside it survives a power cut. */
export function fsyncDir(fsx: DurabilityFs, dir: string): void {
  const fd = fsx.openSync(dir, "r");
  try {
    fsx.fsyncSync(fd);
  } finally {
    fsx.closeSync(fd);
  }
}
