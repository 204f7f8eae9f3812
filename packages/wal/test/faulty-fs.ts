/**
 * A DurabilityFs over the real node:fs that counts calls and can be told to fail the next
 * write or fdatasync with an errno code, to exercise the failure path without a broken disk.
 * (The tmpfs test in partition-durability.test.ts uses a real full file system.)
 */
import { nodeFs, type DurabilityFs } from "../src/index.js";

export class FaultyFs implements DurabilityFs {
  writes = 0;
  fdatasyncs = 0;
  opens: string[] = [];
  failWrites: string | null = null;
  failFdatasyncs: string | null = null;
  /** Bytes a failing write still lands before it throws (a torn write). */
  tornBytes = 0;

  openSync(path: string, flags: string): number {
    this.opens.push(path);
    return nodeFs.openSync(path, flags);
  }
  writeSync(fd: number, buf: Uint8Array, offset: number, length: number, position: number | null): number {
    if (this.failWrites !== null) {
      if (this.tornBytes > 0) nodeFs.writeSync(fd, buf, offset, Math.min(this.tornBytes, length), position);
      throw errno(this.failWrites, "write");
    }
    this.writes++;
    return nodeFs.writeSync(fd, buf, offset, length, position);
  }
  fdatasyncSync(fd: number): void {
    if (this.failFdatasyncs !== null) throw errno(this.failFdatasyncs, "fdatasync");
    this.fdatasyncs++;
    nodeFs.fdatasyncSync(fd);
  }
  fdatasync(fd: number, done: (err: Error | null) => void): void {
    if (this.failFdatasyncs !== null) {
      const err = errno(this.failFdatasyncs, "fdatasync");
      setImmediate(() => done(err));
      return;
    }
    this.fdatasyncs++;
    nodeFs.fdatasync(fd, done);
  }
  fsyncSync(fd: number): void {
    nodeFs.fsyncSync(fd);
  }
  ftruncateSync(fd: number, length: number): void {
    nodeFs.ftruncateSync(fd, length);
  }
  closeSync(fd: number): void {
    nodeFs.closeSync(fd);
  }
  renameSync(from: string, to: string): void {
    nodeFs.renameSync(from, to);
  }
  unlinkSync(path: string): void {
    nodeFs.unlinkSync(path);
  }
}

function errno(code: string, syscall: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected ${syscall} failure`), { code, syscall });
}
