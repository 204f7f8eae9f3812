import { CollectingSink, commandByName, type Reply } from "@tessera/proto";
import type { PartitionEngine } from "../src/index.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A clock the test moves by hand. */
export class VirtualClock {
  constructor(public now = 1_700_000_000_000) {}
  nowMs(): number {
    return this.now;
  }
  advance(ms: number): void {
    this.now += ms;
  }
}

export function argvOf(args: readonly (string | Uint8Array)[]): Uint8Array[] {
  return args.map((a) => (typeof a === "string" ? enc.encode(a) : a));
}

/** Runs one command and returns its reply. */
export function run(engine: PartitionEngine, ...args: (string | Uint8Array)[]): Reply {
  const argv = argvOf(args);
  const name = typeof args[0] === "string" ? args[0] : dec.decode(args[0]);
  const spec = commandByName(name);
  if (spec === undefined) throw new Error(`no such command ${name}`);
  const sink = new CollectingSink();
  engine.execute(spec, argv, sink);
  const replies = sink.take();
  if (replies.length !== 1) throw new Error(`expected one reply, got ${replies.length}`);
  return replies[0]!;
}

/** A reply in a compact, comparable form: strings for bulks, numbers for integers, etc. */
export type Plain = string | number | null | "OK" | { err: string } | Plain[];
export function plain(r: Reply): Plain {
  switch (r.kind) {
    case "ok":
      return "OK";
    case "status":
      return r.text;
    case "nil":
      return null;
    case "integer":
      return Number(r.value);
    case "bulk":
      return dec.decode(r.value);
    case "array":
      return r.items.map(plain);
    case "error":
      return { err: `${r.code} ${r.message}` };
  }
}

export function cmd(engine: PartitionEngine, ...args: (string | Uint8Array)[]): Plain {
  return plain(run(engine, ...args));
}
