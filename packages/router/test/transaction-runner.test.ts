import { describe, expect, it } from "vitest";
import { CollectingSink, commandByName, type CommandSpec } from "@tessera/proto";
import { CommandTiming } from "../src/partition/command-timing.js";
import { TransactionRunner } from "../src/partition/transaction-runner.js";
import { encodeExecArgv } from "../src/transaction.js";

const te = new TextEncoder();
const args = (...p: string[]) => p.map((x) => te.encode(x));
const spec = (n: string): CommandSpec => commandByName(n)!;

/** A runner over a fake engine: a set of keys that are "past their time" and expire when asked. */
function rig() {
  const overdue = new Set<string>();
  let hook: ((key: Uint8Array) => void) | null = null;
  const runner = new TransactionRunner({
    execute: (_s, _a, out) => out.ok(),
    durability: null,
    setWriteLog: () => {},
    setExpireHook: (h) => {
      hook = h;
    },
    expireIfDue: (key) => {
      const k = Buffer.from(key).toString();
      if (overdue.delete(k)) hook?.(key);
    },
    timing: new CommandTiming(),
    partitionId: 0,
  });
  const run = (client: number, name: string, argv: Uint8Array[]) => {
    const sink = new CollectingSink();
    runner.run(spec(name), argv, client, sink, -1);
    return sink.take()[0];
  };
  const exec = (client: number) => run(client, "EXEC", encodeExecArgv(te.encode("EXEC"), true, [{ spec: spec("SET"), argv: args("SET", "x", "1") }]));
  return { overdue, run, exec };
}

describe("TransactionRunner: WATCH and expiry", () => {
  it("a watched key past its time that active expiry has not reached fails EXEC", () => {
    const r = rig();
    expect(r.run(1, "WATCH", args("WATCH", "k"))).toEqual({ kind: "ok" });
    r.overdue.add("k"); // its time passes after WATCH
    expect(r.exec(1)).toEqual({ kind: "nil" });
  });

  it("a key already past its time when watched does not fail EXEC (Redis 7)", () => {
    const r = rig();
    r.overdue.add("k");
    expect(r.run(1, "WATCH", args("WATCH", "k"))).toEqual({ kind: "ok" });
    expect(r.exec(1)).toEqual({ kind: "array", items: [{ kind: "ok" }] });
  });

  it("an unwatched key expiring does not matter to this client", () => {
    const r = rig();
    r.run(1, "WATCH", args("WATCH", "k"));
    r.overdue.add("other");
    expect(r.exec(1)).toEqual({ kind: "array", items: [{ kind: "ok" }] });
  });
});
