/**
 * Property test: random command streams, sent pipelined through the client to the real server
 * (3 partitions, so multi-key commands span partitions), compared reply by reply with a model
 * (a Map). One connection: its replies come back in order and each partition runs its part of
 * the stream in order, so the model can apply the stream sequentially. Some steps are MULTI ...
 * EXEC blocks on hash-tagged keys (one partition): QUEUED for each command, then EXEC's array
 * holds what the model answers for them in turn.
 */
import type { TesseraClient } from "@tessera/client";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectClient, plain } from "./support/clients.js";
import { startServer, type ServerProcess } from "./support/server-process.js";

type Cmd = string[];

// Few keys, so commands collide; hash-tagged ones share a partition.
const key = fc.constantFrom("a", "b", "c", "k1", "k2", "k3", "key:x", "key:y", "{t}1", "{t}2", "z");
const intText = fc.integer({ min: -1000, max: 1000 }).map(String);
const wordText = fc.stringMatching(/^[a-z]{0,6}$/);
const value = fc.oneof(intText, wordText);

const command: fc.Arbitrary<Cmd> = fc.oneof(
  fc.tuple(key, value).map(([k, v]) => ["SET", k, v]),
  fc.tuple(key, value, fc.constantFrom("NX", "XX"), fc.boolean()).map(([k, v, c, g]) => (g ? ["SET", k, v, c, "GET"] : ["SET", k, v, c])),
  fc.tuple(key, value).map(([k, v]) => ["SET", k, v, "GET"]),
  key.map((k) => ["GET", k]),
  key.map((k) => ["GETDEL", k]),
  fc.array(key, { minLength: 1, maxLength: 5 }).map((ks) => ["DEL", ...ks]),
  fc.array(key, { minLength: 1, maxLength: 5 }).map((ks) => ["EXISTS", ...ks]),
  fc.array(key, { minLength: 1, maxLength: 6 }).map((ks) => ["MGET", ...ks]),
  fc.array(fc.tuple(key, value), { minLength: 1, maxLength: 4 }).map((kvs) => ["MSET", ...kvs.flat()]),
  key.map((k) => ["INCR", k]),
  key.map((k) => ["DECR", k]),
  fc.tuple(key, fc.integer({ min: -500, max: 500 })).map(([k, n]) => ["INCRBY", k, String(n)]),
  fc.tuple(key, fc.integer({ min: -500, max: 500 })).map(([k, n]) => ["DECRBY", k, String(n)]),
  fc.tuple(key, wordText).map(([k, v]) => ["APPEND", k, v]),
  key.map((k) => ["STRLEN", k]),
  key.map((k) => ["TTL", k]),
  key.map((k) => ["PERSIST", k]),
  fc.constant<Cmd>(["DBSIZE"]),
  fc.constantFrom("*", "k*", "key:*", "{t}*").map((p) => ["KEYS", p]),
  fc.tuple(fc.constantFrom("", "k", "key:", "{"), fc.integer({ min: 1, max: 12 })).map(([p, n]) => ["SCAN", p, "LIMIT", String(n)]),
);

// Commands of a transaction: keys sharing one hash tag, so one partition.
const tKey = fc.constantFrom("{t}1", "{t}2", "{t}3");
const txnCommand: fc.Arbitrary<Cmd> = fc.oneof(
  fc.tuple(tKey, value).map(([k, v]) => ["SET", k, v]),
  fc.tuple(tKey, value).map(([k, v]) => ["SET", k, v, "GET"]),
  tKey.map((k) => ["GET", k]),
  tKey.map((k) => ["INCR", k]),
  fc.tuple(tKey, fc.integer({ min: -500, max: 500 })).map(([k, n]) => ["INCRBY", k, String(n)]),
  fc.array(tKey, { minLength: 1, maxLength: 3 }).map((ks) => ["DEL", ...ks]),
  fc.array(tKey, { minLength: 1, maxLength: 3 }).map((ks) => ["MGET", ...ks]),
  fc.array(fc.tuple(tKey, value), { minLength: 1, maxLength: 3 }).map((kvs) => ["MSET", ...kvs.flat()]),
  fc.tuple(tKey, wordText).map(([k, v]) => ["APPEND", k, v]),
  fc.constant<Cmd>(["PING"]),
);
/** A step of the stream: one command, or a MULTI ... EXEC block (its commands without MULTI/EXEC). */
type Step = { cmd: Cmd } | { txn: Cmd[] };
const step: fc.Arbitrary<Step> = fc.oneof(
  { weight: 8, arbitrary: command.map((cmd) => ({ cmd })) },
  { weight: 1, arbitrary: fc.array(txnCommand, { maxLength: 5 }).map((txn) => ({ txn })) },
);

/** The wire commands of a stream and, per command, the model's expected reply (computed in order). */
function expand(steps: readonly Step[], model: Map<string, string>): { wire: Cmd[]; expected: () => unknown[] } {
  const wire: Cmd[] = [];
  for (const s of steps) {
    if ("cmd" in s) wire.push(s.cmd);
    else wire.push(["MULTI"], ...s.txn, ["EXEC"]);
  }
  const expected = () => {
    const out: unknown[] = [];
    for (const s of steps) {
      if ("cmd" in s) {
        // SCAN: also how many keys had the prefix then, which decides whether the cursor is "0".
        if (s.cmd[0] === "SCAN") out.push({ keys: applyModel(model, s.cmd), total: [...model.keys()].filter((k) => k.startsWith(s.cmd[1]!)).length });
        else out.push(applyModel(model, s.cmd));
        continue;
      }
      out.push("OK", ...s.txn.map(() => "QUEUED"), s.txn.map((c) => applyModel(model, c)));
    }
    return out;
  };
  return { wire, expected };
}

const isInt = (v: string) => /^-?(0|[1-9]\d*)$/.test(v) && v !== "-0";
const NOT_INT = { error: "ERR value is not an integer or out of range" };

/** Applies one command to the model and returns the expected plain reply. */
function applyModel(m: Map<string, string>, cmd: Cmd): unknown {
  const [name, ...a] = cmd;
  const sorted = () => [...m.keys()].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
  switch (name) {
    case "SET": {
      const [k, v, ...opts] = a as [string, string, ...string[]];
      const old = m.get(k) ?? null;
      const nx = opts.includes("NX");
      const xx = opts.includes("XX");
      const get = opts.includes("GET");
      const apply = (!nx || old === null) && (!xx || old !== null);
      if (apply) m.set(k, v);
      return get ? old : apply ? "OK" : null;
    }
    case "GET":
      return m.get(a[0]!) ?? null;
    case "GETDEL": {
      const v = m.get(a[0]!) ?? null;
      m.delete(a[0]!);
      return v;
    }
    case "DEL": {
      let n = 0;
      for (const k of a) if (m.delete(k)) n++;
      return n;
    }
    case "EXISTS":
      return a.filter((k) => m.has(k)).length;
    case "MGET":
      return a.map((k) => m.get(k) ?? null);
    case "MSET":
      for (let i = 0; i < a.length; i += 2) m.set(a[i]!, a[i + 1]!);
      return "OK";
    case "INCR":
    case "DECR":
    case "INCRBY":
    case "DECRBY": {
      const k = a[0]!;
      const by = name === "INCR" ? 1 : name === "DECR" ? -1 : name === "INCRBY" ? Number(a[1]) : -Number(a[1]);
      const cur = m.get(k) ?? "0";
      if (!isInt(cur)) return NOT_INT;
      const next = Number(cur) + by;
      m.set(k, String(next));
      return next;
    }
    case "APPEND": {
      const v = (m.get(a[0]!) ?? "") + a[1]!;
      m.set(a[0]!, v);
      return Buffer.byteLength(v);
    }
    case "STRLEN":
      return Buffer.byteLength(m.get(a[0]!) ?? "");
    case "TTL":
      return m.has(a[0]!) ? -1 : -2;
    case "PERSIST":
      return 0;
    case "DBSIZE":
      return m.size;
    case "KEYS": {
      const prefix = a[0]!.slice(0, -1);
      return sorted().filter((k) => k.startsWith(prefix));
    }
    case "SCAN":
      // Only the keys are modelled; the cursor is checked separately.
      return sorted().filter((k) => k.startsWith(a[0]!)).slice(0, Number(a[2]));
    case "PING":
      return "PONG";
    default:
      throw new Error(`model does not know ${name}`);
  }
}

describe("random command streams against a model", () => {
  let server: ServerProcess;
  let client: TesseraClient;

  beforeAll(async () => {
    server = await startServer({ partitions: 3 });
    client = await connectClient(server.port);
  });

  afterAll(async () => {
    await client?.close();
    expect(await server?.stop()).toBe(0);
  });

  it("every reply equals the model's", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 80 }), async (steps) => {
        await client.flushAll();
        const model = new Map<string, string>();
        const { wire: cmds, expected: expectedReplies } = expand(steps, model);
        // Pipelined: every command leaves in the same tick.
        const pending = cmds.map((c) => client.commandReply(c[0]!, c.slice(1)));
        const replies = await Promise.all(pending);
        const expectedAll = expectedReplies();
        expect(expectedAll.length).toBe(cmds.length);
        for (let i = 0; i < cmds.length; i++) {
          const cmd = cmds[i]!;
          const expected = expectedAll[i];
          const got = plain(replies[i]!);
          if (cmd[0] === "SCAN") {
            const [cursor, keys] = got as [string, string[]];
            const { keys: expectedKeys, total } = expected as { keys: string[]; total: number };
            expect(keys, `#${i} ${cmd.join(" ")}`).toEqual(expectedKeys);
            if (total < Number(cmd[3])) expect(cursor, `#${i} ${cmd.join(" ")}`).toBe("0");
            if (total > Number(cmd[3])) expect(cursor, `#${i} ${cmd.join(" ")}`).not.toBe("0");
          } else {
            expect(got, `#${i} ${cmd.join(" ")}`).toEqual(expected);
          }
        }
        // A full scan walks exactly the model's keys, in order.
        const scanned: string[] = [];
        for await (const k of client.scan("", { limit: 3 })) scanned.push(k.toString());
        expect(scanned).toEqual([...model.keys()].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))));
      }),
      { numRuns: 200 },
    );
  });
});
