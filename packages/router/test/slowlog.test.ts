import { describe, expect, it } from "vitest";
import { redactSecrets, Slowlog, slowlogArgs } from "../src/slowlog.js";
import { CommandTiming, mergeCommandStats } from "../src/partition/command-timing.js";
import { Cmd } from "@tessera/proto";

const b = (s: string) => Buffer.from(s);
const text = (args: Uint8Array[]) => args.map((a) => Buffer.from(a).toString("latin1"));

describe("slowlogArgs (Redis's limits: 32 arguments, 128 bytes each)", () => {
  it("keeps short commands as they are, as copies", () => {
    const ring = Buffer.from("GETkey");
    const argv = [ring.subarray(0, 3), ring.subarray(3)];
    const kept = slowlogArgs(argv);
    expect(text(kept)).toEqual(["GET", "key"]);
    ring.fill(0x78);
    expect(text(kept)).toEqual(["GET", "key"]);
  });

  it("cuts an argument past 128 bytes and says how much is missing", () => {
    const value = "v".repeat(200);
    const kept = text(slowlogArgs([b("SET"), b("k"), b(value)]));
    expect(kept[2]).toBe(`${"v".repeat(128)}... (72 more bytes)`);
    expect(text(slowlogArgs([b("SET"), b("k"), b("v".repeat(128))]))[2]).toBe("v".repeat(128));
  });

  it("keeps 31 arguments and replaces the 32nd by a count of the rest", () => {
    const argv = [b("MSET"), ...Array.from({ length: 40 }, (_, i) => b(`a${i}`))];
    const kept = text(slowlogArgs(argv));
    expect(kept).toHaveLength(32);
    expect(kept[30]).toBe("a29");
    expect(kept[31]).toBe("... (10 more arguments)");
    expect(slowlogArgs(argv.slice(0, 32))).toHaveLength(32);
  });
});

describe("redactSecrets (as Redis 7 shows them)", () => {
  const shown = (...args: string[]) => text(redactSecrets(args.map(b)) as Uint8Array[]);
  it("hides AUTH's arguments, HELLO's AUTH user and password, CONFIG SET requirepass's value", () => {
    expect(shown("AUTH", "pw")).toEqual(["AUTH", "(redacted)"]);
    expect(shown("auth", "default", "pw")).toEqual(["auth", "(redacted)", "(redacted)"]);
    expect(shown("hello", "3", "auth", "default", "pw", "setname", "x")).toEqual(["hello", "3", "auth", "(redacted)", "(redacted)", "setname", "x"]);
    expect(shown("HELLO", "3")).toEqual(["HELLO", "3"]);
    expect(shown("config", "set", "maxclients", "5", "requirepass", "new")).toEqual(["config", "set", "maxclients", "5", "requirepass", "(redacted)"]);
    expect(shown("config", "get", "requirepass")).toEqual(["config", "get", "requirepass"]);
    expect(shown("SET", "auth", "pw")).toEqual(["SET", "auth", "pw"]);
  });
});

describe("Slowlog", () => {
  it("keeps the newest max-len entries, newest first; ids keep counting across RESET", () => {
    const log = new Slowlog(3);
    for (let i = 0; i < 5; i++) log.add(1_700_000_000_000 + i * 1000, 100 + i, [b(`c${i}`)], "127.0.0.1:1", "n");
    expect(log.length).toBe(3);
    expect(log.newest(10).map((e) => e.id)).toEqual([4, 3, 2]);
    expect(log.newest(1)[0]).toMatchObject({ id: 4, atSeconds: 1_700_000_004, durationUs: 104, clientAddr: "127.0.0.1:1", clientName: "n" });
    expect(log.newest(-1)).toHaveLength(3);
    expect(log.newest(0)).toEqual([]);
    log.setMaxLen(1);
    expect(log.newest(-1).map((e) => e.id)).toEqual([4]);
    log.reset();
    expect(log.length).toBe(0);
    log.add(0, 1, [], "", "");
    expect(log.newest(1)[0]!.id).toBe(5);
    log.skip(3); // three slow commands a partition did not send (over max-len)
    log.add(0, 1, [], "", "");
    expect(log.newest(1)[0]!.id).toBe(9);
  });

  it("max-len 0 keeps nothing", () => {
    const log = new Slowlog(0);
    log.add(0, 1, [], "", "");
    expect(log.length).toBe(0);
  });
});

describe("CommandTiming", () => {
  it("counts calls, microseconds and failures by command; logs only what reaches the threshold", () => {
    const t = new CommandTiming(new SharedArrayBuffer(CommandTiming.bytes()));
    t.record(Cmd.GET!, 3.4, false, 10, [b("GET"), b("k")], 7);
    t.record(Cmd.GET!, 12, false, 10, [b("GET"), b("k")], 7);
    t.record(Cmd.INCR!, 1, true, -1, [b("INCR"), b("k")], 7);
    t.reject(Cmd.SET!);
    expect(t.stats()).toEqual([
      { id: Cmd.GET, calls: 2, usec: 15, failed: 0, rejected: 0 },
      { id: Cmd.INCR, calls: 1, usec: 1, failed: 1, rejected: 0 },
      { id: Cmd.SET, calls: 0, usec: 0, failed: 0, rejected: 1 },
    ].sort((x, y) => x.id! - y.id!));
    const slow = t.takeSlow();
    expect(slow).toHaveLength(1);
    expect(slow[0]).toMatchObject({ durationUs: 12, clientId: 7 });
    expect(t.takeSlow()).toEqual([]);
    t.reset();
    expect(t.stats()).toEqual([]);
  });

  it("a second view of the same shared memory sees the figures (the host reading the worker's)", () => {
    const shared = new SharedArrayBuffer(CommandTiming.bytes());
    new CommandTiming(shared).record(Cmd.SET!, 5, false, -1, [], 0);
    expect(new CommandTiming(shared).stats()).toEqual([{ id: Cmd.SET, calls: 1, usec: 5, failed: 0, rejected: 0 }]);
  });

  it("mergeCommandStats sums by command", () => {
    expect(mergeCommandStats([{ id: 1, calls: 1, usec: 2, failed: 0, rejected: 1 }], [{ id: 1, calls: 2, usec: 3, failed: 1, rejected: 0 }, { id: 0, calls: 1, usec: 1, failed: 0, rejected: 0 }])).toEqual([
      { id: 0, calls: 1, usec: 1, failed: 0, rejected: 0 },
      { id: 1, calls: 3, usec: 5, failed: 1, rejected: 1 },
    ]);
  });
});
