import { describe, expect, it } from "vitest";
import { decodeScanCursor } from "../src/routing/scan-cursor.js";
import { translateRedisScan } from "../src/resp/scan-adapter.js";
import { ScanCursorRegistry } from "../src/resp/scan-cursors.js";

const args = (...words: string[]) => words.map((w) => Buffer.from(w));
const words = (argv: Uint8Array[]) => argv.map((a) => Buffer.from(a).toString("latin1"));

describe("ScanCursorRegistry", () => {
  it("hands out numeric cursors that map back to key positions", () => {
    const r = new ScanCursorRegistry();
    const c = r.register(Buffer.from("user:42"));
    expect(c).toMatch(/^[1-9][0-9]*$/);
    expect(Buffer.from(r.lookup(c)!).toString()).toBe("user:42");
    expect(r.lookup("0")).toEqual(new Uint8Array(0));
    expect(r.lookup("12x")).toBeNull();
    // Other spellings of a number, as Redis's strtoull reads them.
    expect(Buffer.from(r.lookup(`00${c}`)!).toString()).toBe("user:42");
    expect(Buffer.from(r.lookup(`+${c}`)!).toString()).toBe("user:42");
    for (const zero of ["00", "+0", " 0"]) expect(r.lookup(zero)).toEqual(new Uint8Array(0));
    for (const bad of ["", "+", " ", "-1", "0x1", "1 "]) expect(r.lookup(bad)).toBeNull();
    expect(r.lookup(String(Number(c) + 1000))).toBeNull();
  });
  it("stays within its bounds, evicting the oldest cursors", () => {
    const r = new ScanCursorRegistry(3, 1024);
    const ids = ["a", "b", "c", "d"].map((k) => r.register(Buffer.from(k)));
    expect(r.size).toBe(3);
    expect(r.lookup(ids[0]!)).toBeNull();
    expect(Buffer.from(r.lookup(ids[3]!)!).toString()).toBe("d");
    const bytes = new ScanCursorRegistry(100, 10);
    const big = [bytes.register(Buffer.alloc(6)), bytes.register(Buffer.alloc(6))];
    expect(bytes.size).toBe(1);
    expect(bytes.lookup(big[1]!)).not.toBeNull();
  });
});

describe("translateRedisScan", () => {
  const reg = new ScanCursorRegistry();
  it("uses a plain-prefix MATCH as the prefix, with no filter", () => {
    const t = translateRedisScan(args("SCAN", "0", "MATCH", "user:*", "COUNT", "50"), reg);
    expect(t.kind).toBe("native");
    if (t.kind === "native") expect(words(t.argv)).toEqual(["SCAN", "user:", "LIMIT", "50"]);
  });
  it("uses the literal prefix plus MATCH for other globs, and resolves cursors", () => {
    const c = reg.register(Buffer.from("user:10"));
    const t = translateRedisScan(args("SCAN", c, "MATCH", "user:1?"), reg);
    if (t.kind !== "native") throw new Error("expected native");
    const w = words(t.argv);
    expect(w.slice(0, 4)).toEqual(["SCAN", "user:1", "LIMIT", "10"]);
    expect(w[4]).toBe("CURSOR");
    expect(Buffer.from(decodeScanCursor(w[5]!)!).toString()).toBe("user:10");
    expect(w.slice(6)).toEqual(["MATCH", "user:1?"]);
  });
  it("scans everything for MATCH * or no MATCH; clamps COUNT", () => {
    const t = translateRedisScan(args("SCAN", "0", "MATCH", "*", "COUNT", "999999999"), reg);
    if (t.kind !== "native") throw new Error("expected native");
    expect(words(t.argv)).toEqual(["SCAN", "", "LIMIT", "100000"]);
  });
  it("answers Redis's errors and TYPE filters", () => {
    expect(translateRedisScan(args("SCAN", "abc"), reg)).toEqual({ kind: "error", message: "invalid cursor" });
    expect(translateRedisScan(args("SCAN", "0", "COUNT", "0"), reg)).toEqual({ kind: "error", message: "syntax error" });
    expect(translateRedisScan(args("SCAN", "0", "COUNT", "x"), reg)).toEqual({ kind: "error", message: "value is not an integer or out of range" });
    expect(translateRedisScan(args("SCAN", "0", "MATCH"), reg)).toEqual({ kind: "error", message: "syntax error" });
    expect(translateRedisScan(args("SCAN", "0", "BOGUS", "1"), reg)).toEqual({ kind: "error", message: "syntax error" });
    expect(translateRedisScan(args("SCAN", "0", "TYPE", "list"), reg)).toEqual({ kind: "empty" });
    expect(translateRedisScan(args("SCAN", "0", "TYPE", "nope"), reg)).toEqual({ kind: "error", message: "unknown type name 'nope'" });
    expect(translateRedisScan(args("SCAN", "0", "TYPE", "string"), reg).kind).toBe("native");
  });
});
