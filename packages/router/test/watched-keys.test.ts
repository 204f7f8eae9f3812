import { describe, expect, it } from "vitest";
import { WatchedKeys } from "../src/partition/watched-keys.js";
import { keyHashSlot } from "../src/routing/hash-slot.js";

const b = (s: string) => Buffer.from(s);
const log = (w: WatchedKeys, ...parts: string[]) => w.append(parts.map(b));

describe("WatchedKeys", () => {
  it("EXEC goes ahead when no watched slot moved, and the watch is used up", () => {
    const w = new WatchedKeys();
    w.watch(1, [b("a"), b("b")]);
    log(w, "SET", "unrelated-key", "v");
    expect(keyHashSlot(b("unrelated-key"))).not.toBe(keyHashSlot(b("a")));
    expect(w.takeUnchanged(1)).toBe(true);
    // Used up: a second EXEC has no record, which counts as changed.
    expect(w.takeUnchanged(1)).toBe(false);
  });

  it("counts every logged form of a write: SET, DEL of several keys, MSET pairs, PEXPIREAT, FLUSHALL", () => {
    const cases: string[][] = [
      ["SET", "a", "1"],
      ["DEL", "x", "a"],
      ["MSET", "x", "1", "a", "2"],
      ["PEXPIREAT", "a", "123"],
      ["PERSIST", "a"],
      ["FLUSHALL"],
    ];
    for (const c of cases) {
      const w = new WatchedKeys();
      w.watch(7, [b("a")]);
      log(w, ...c);
      expect(w.takeUnchanged(7), c.join(" ")).toBe(false);
    }
    // An MSET value that happens to equal the watched key's name is not a key.
    const w = new WatchedKeys();
    w.watch(7, [b("a")]);
    log(w, "MSET", "x", "a");
    expect(w.takeUnchanged(7)).toBe(true);
  });

  it("WATCH of a key already watched keeps the first version and does not grow the list", () => {
    const w = new WatchedKeys();
    w.watch(1, [b("a")]);
    log(w, "SET", "a", "1");
    w.watch(1, [b("a"), b("a")]);
    expect(w.watchedSlots(1)).toBe(1);
    expect(w.takeUnchanged(1)).toBe(false);
  });

  it("keeps clients apart, and UNWATCH forgets", () => {
    const w = new WatchedKeys();
    w.watch(1, [b("a")]);
    w.watch(2, [b("b")]);
    log(w, "SET", "a", "1");
    expect(w.takeUnchanged(2)).toBe(true);
    expect(w.takeUnchanged(1)).toBe(false);
    w.watch(3, [b("c")]);
    w.unwatch(3);
    expect(w.watchingClients).toBe(0);
  });

  it("forwards every write to the log it wraps (the WAL's)", () => {
    const seen: string[] = [];
    const w = new WatchedKeys();
    w.inner = { append: (argv) => seen.push(argv.map((a) => Buffer.from(a).toString()).join(" ")) };
    log(w, "SET", "a", "1");
    log(w, "FLUSHALL");
    expect(seen).toEqual(["SET a 1", "FLUSHALL"]);
  });
});
