import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkDataDir, DataDirError, META_FILE } from "../src/index.js";
import { ensureDir } from "../src/segment-files.js";
import { tempDir } from "./helpers.js";

let cleanup: (() => void) | null = null;
afterEach(() => {
  cleanup?.();
  cleanup = null;
});

describe("checkDataDir", () => {
  it("writes the meta file on first start and accepts the same count afterwards", () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const dir = join(t.dir, "nested", "data");
    const meta = checkDataDir(dir, 4);
    expect(meta.partitions).toBe(4);
    expect(JSON.parse(readFileSync(join(dir, META_FILE), "utf8"))).toMatchObject({ formatVersion: 1, partitions: 4 });
    expect(checkDataDir(dir, 4).createdAt).toBe(meta.createdAt);
  });

  it("refuses a different partition count, naming both counts and what to do", () => {
    const t = tempDir();
    cleanup = t.cleanup;
    checkDataDir(t.dir, 4);
    let err: unknown;
    try {
      checkDataDir(t.dir, 8);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DataDirError);
    const msg = (err as Error).message;
    expect(msg).toContain("--partitions 4");
    expect(msg).toContain("--partitions 8");
    expect(msg).toMatch(/start with --partitions 4/);
  });

  it("without a meta file, partition directories already there must match the count", () => {
    const t = tempDir();
    cleanup = t.cleanup;
    for (const p of ["p0", "p1", "p2"]) mkdirSync(join(t.dir, p));
    expect(() => checkDataDir(t.dir, 2)).toThrow(/holds 3 partition directories.*--partitions 2.*Start with --partitions 3/);
    expect(checkDataDir(t.dir, 3).partitions).toBe(3);
  });

  it("refuses an unknown format version and unreadable meta", () => {
    const t = tempDir();
    cleanup = t.cleanup;
    writeFileSync(join(t.dir, META_FILE), JSON.stringify({ formatVersion: 99, partitions: 1 }));
    expect(() => checkDataDir(t.dir, 1)).toThrow(/format version 99/);
    writeFileSync(join(t.dir, META_FILE), "{not json");
    expect(() => checkDataDir(t.dir, 1)).toThrow(DataDirError);
  });
});

describe("ensureDir", () => {
  it("creates every missing level, and is a no-op after", () => {
    const t = tempDir();
    cleanup = t.cleanup;
    const dir = join(t.dir, "p0", "wal");
    ensureDir(dir);
    expect(statSync(dir).isDirectory()).toBe(true);
    ensureDir(dir);
    ensureDir(join(t.dir, "p0", "snap")); // one level missing
    expect(statSync(join(t.dir, "p0", "snap")).isDirectory()).toBe(true);
  });
});
