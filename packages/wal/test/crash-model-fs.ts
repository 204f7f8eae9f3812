/**
 * For the WAL crash-model tests: a DurabilityFs that does every operation on the real file
 * system (so readdir works) and keeps a shadow model of what is durable: per inode the cached
 * and durable bytes, per directory the cached and durable names. A failed sync drops the dirty
 * pages (Linux's behaviour) unless poisonOnFailure is off. `crashImage()` writes what a power
 * cut could leave into a fresh directory (a rename over a durable name leaves the old file or
 * the new one, never neither).
 */
import * as fs from "node:fs";
import { basename, join } from "node:path";
import type { DurabilityFs } from "../src/fs-seam.js";

interface Inode {
  id: number;
  cached: Buffer;
  cachedLen: number;
  durable: Buffer; // durable content
  poison: [number, number][]; // ranges whose pages a failed writeback dropped
}

type Fd = { kind: "file"; ino: Inode; pos: number } | { kind: "dir" };

export class CrashModelFs implements DurabilityFs {
  private nextIno = 1;
  cachedNames = new Map<string, Inode>();
  durableNames = new Map<string, Inode>();
  private fds = new Map<number, Fd>();
  /** pending background completions */
  pending: { done: () => void; doomed: boolean }[] = [];
  /** Fail the next call of these kinds. */
  fail: Partial<Record<"write" | "fdatasync" | "bgfdatasync" | "dirfsync" | "unlink" | "close" | "open" | "rename", boolean>> = {};
  tornBytes = 0;
  /** A failed sync drops the dirty pages (Linux); off: the error is transient, pages stay dirty. */
  poisonOnFailure = true;

  constructor(readonly dir: string, private rnd: () => number) {}
  /** Called before every mutating operation (crash checks inside a writer call). */
  onOp: ((what: string) => void) | null = null;
  private hook(what: string): void {
    if (this.onOp !== null) this.onOp(what);
  }

  private err(code: string, what: string): Error {
    return Object.assign(new Error(`${code}: injected ${what}`), { code });
  }

  openSync(path: string, flags: string): number {
    this.hook("open");
    if (path === this.dir) {
      const fd = fs.openSync(path, flags);
      this.fds.set(fd, { kind: "dir" });
      return fd;
    }
    if (this.fail.open) {
      this.fail.open = false;
      throw this.err("EIO", "open");
    }
    const name = basename(path);
    let ino = this.cachedNames.get(name);
    if (flags === "w") {
      if (ino === undefined) {
        ino = { id: this.nextIno++, cached: Buffer.alloc(0), cachedLen: 0, durable: Buffer.alloc(0), poison: [] };
        this.cachedNames.set(name, ino);
      } else {
        ino.cachedLen = 0;
        ino.poison = [];
      }
    } else if (ino === undefined) {
      throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
    }
    const fd = fs.openSync(path, flags);
    this.fds.set(fd, { kind: "file", ino, pos: 0 });
    return fd;
  }

  writeSync(fd: number, buf: Uint8Array, offset: number, length: number, _position: number | null): number {
    this.hook("write");
    const f = this.fds.get(fd);
    if (f === undefined || f.kind !== "file") throw new Error(`write to bad fd ${fd}`);
    let n = length;
    if (this.fail.write) {
      this.fail.write = false;
      n = Math.min(this.tornBytes, length);
      this.put(f, buf, offset, n);
      throw this.err("ENOSPC", "write");
    }
    this.put(f, buf, offset, n);
    return n;
  }

  private put(f: { ino: Inode; pos: number }, buf: Uint8Array, offset: number, n: number): void {
    const ino = f.ino;
    // O_WRONLY without O_APPEND: writes at the fd's position (fd opened 'w': pos starts 0).
    const endPos = f.pos + n;
    if (ino.cached.length < endPos) {
      const b = Buffer.alloc(Math.max(endPos, ino.cached.length * 2));
      ino.cached.copy(b, 0, 0, ino.cachedLen);
      ino.cached = b;
    }
    ino.cached.set(buf.subarray(offset, offset + n), f.pos);
    f.pos = endPos;
    ino.cachedLen = Math.max(ino.cachedLen, endPos);
  }

  private persistedContent(ino: Inode): Buffer {
    const b = Buffer.from(ino.cached.subarray(0, ino.cachedLen));
    for (const [s, e] of ino.poison) {
      const from = Math.min(s, b.length);
      const to = Math.min(e, b.length);
      b.fill(0, from, to);
      // A dropped page is lost from the cache, not from the disk: what a writeback (a background
      // sync that passed meanwhile) did put there stays, whatever a later sync does.
      const kept = Math.min(to, ino.durable.length);
      if (kept > from) ino.durable.copy(b, from, from, kept);
    }
    return b;
  }

  private syncInode(ino: Inode): void {
    ino.durable = this.persistedContent(ino);
  }

  private poisonDirty(ino: Inode): void {
    if (!this.poisonOnFailure) return;
    const durLen = ino.durable.length;
    if (ino.cachedLen > durLen) ino.poison.push([durLen, ino.cachedLen]);
  }

  fdatasyncSync(fd: number): void {
    this.hook("fdatasyncSync");
    const f = this.fds.get(fd);
    if (f === undefined || f.kind !== "file") throw new Error(`fdatasync bad fd ${fd}`);
    if (this.fail.fdatasync) {
      this.fail.fdatasync = false;
      this.poisonDirty(f.ino);
      throw this.err("EIO", "fdatasync");
    }
    this.syncInode(f.ino);
  }

  fdatasync(fd: number, done: (err: Error | null) => void): void {
    const f = this.fds.get(fd);
    if (f === undefined || f.kind !== "file") throw new Error(`bg fdatasync bad fd ${fd}`);
    const ino = f.ino;
    if (this.fail.bgfdatasync) {
      this.fail.bgfdatasync = false;
      // The writeback fails now: the dirty pages are dropped; the error is reported on return.
      this.poisonDirty(ino);
      this.pending.push({ doomed: true, done: () => done(this.err("EIO", "bg fdatasync")) });
      return;
    }
    const snap = this.persistedContent(ino);
    this.pending.push({
      doomed: false,
      done: () => {
        if (snap.length >= ino.durable.length || !snap.equals(ino.durable.subarray(0, snap.length))) {
          // only ever moves forward (a later sync may already have made more durable)
          if (ino.durable.length <= snap.length) ino.durable = snap;
        }
        // the fd must still be open when the sync returns
        if (!this.fds.has(fd)) throw new Error(`background fdatasync returned on closed fd ${fd}`);
        done(null);
      },
    });
  }

  fsyncSync(fd: number): void {
    this.hook("fsync");
    const f = this.fds.get(fd);
    if (f === undefined) throw new Error(`fsync bad fd ${fd}`);
    if (f.kind === "dir") {
      if (this.fail.dirfsync) {
        this.fail.dirfsync = false;
        throw this.err("EIO", "dir fsync");
      }
      this.durableNames = new Map(this.cachedNames);
      return;
    }
    if (this.fail.fdatasync) {
      this.fail.fdatasync = false;
      this.poisonDirty(f.ino);
      throw this.err("EIO", "fsync");
    }
    this.syncInode(f.ino);
  }

  ftruncateSync(_fd: number, _length: number): void {
    throw new Error("not modelled");
  }

  closeSync(fd: number): void {
    this.hook("close");
    if (!this.fds.has(fd)) throw new Error(`close of fd ${fd} not open (double close?)`);
    this.fds.delete(fd);
    fs.closeSync(fd);
    if (this.fail.close) {
      this.fail.close = false;
      throw this.err("EIO", "close");
    }
  }

  renameSync(from: string, to: string): void {
    this.hook("rename");
    if (this.fail.rename) {
      this.fail.rename = false;
      throw this.err("EIO", "rename");
    }
    const ino = this.cachedNames.get(basename(from));
    if (ino === undefined) throw Object.assign(new Error("ENOENT"), { code: "ENOENT" });
    this.cachedNames.delete(basename(from));
    this.cachedNames.set(basename(to), ino);
    fs.renameSync(from, to);
  }

  unlinkSync(path: string): void {
    this.hook("unlink");
    if (this.fail.unlink) {
      this.fail.unlink = false;
      throw this.err("EIO", "unlink");
    }
    this.cachedNames.delete(basename(path));
    fs.unlinkSync(path);
  }

  /** Adopts the files already in `dir` as durable (a restart after a crash). */
  adoptExisting(): void {
    for (const n of fs.readdirSync(this.dir)) {
      const content = fs.readFileSync(join(this.dir, n));
      const ino: Inode = { id: this.nextIno++, cached: Buffer.from(content), cachedLen: content.length, durable: Buffer.from(content), poison: [] };
      this.cachedNames.set(n, ino);
      this.durableNames.set(n, ino);
    }
  }

  /** Runs the oldest pending background completion. */
  completeOne(): boolean {
    const p = this.pending.shift();
    if (p === undefined) return false;
    p.done();
    return true;
  }

  get doomedOutstanding(): boolean {
    return this.pending.some((p) => p.doomed);
  }

  /**
   * What a power cut could leave: durable names always (unless unlinked in cache: maybe),
   * cached-only names maybe; content = durable bytes + (pessimistic or a random part of) the
   * cached-but-unsynced tail (when not poisoned).
   */
  crashImage(outDir: string, pessimistic: boolean, keepCachedTail?: (name: string) => boolean): void {
    const names = new Map<string, Inode>();
    for (const [n, ino] of this.durableNames) {
      const now = this.cachedNames.get(n);
      if (now === ino || pessimistic) names.set(n, ino);
      else if (now !== undefined) names.set(n, this.rnd() < 0.5 ? ino : now); // renamed over: old or new, never neither
      else if (this.rnd() < 0.5) names.set(n, ino); // unlinked
    }
    if (!pessimistic) for (const [n, ino] of this.cachedNames) if (!names.has(n) && this.rnd() < 0.5) names.set(n, ino);
    for (const [n, ino] of names) {
      let content = ino.durable;
      if (keepCachedTail?.(n)) {
        const full = this.persistedContent(ino);
        if (full.subarray(0, content.length).equals(content)) content = full;
      } else if (!pessimistic) {
        const full = this.persistedContent(ino);
        if (full.length > content.length && full.subarray(0, content.length).equals(content)) {
          const extra = Math.floor(this.rnd() * (full.length - content.length + 1));
          content = full.subarray(0, content.length + extra);
        }
      }
      fs.writeFileSync(join(outDir, n), content);
    }
  }
}
