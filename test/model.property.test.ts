/**
 * Property test: random command streams, sent pipelined through the client to the real server
 * (3 partitions, so multi-key commands span partitions), compared reply by reply with a model
 * (a Map). One connection: its replies come back in order and each partition runs its part of
 * the stream in order, so the model can apply the stream sequentially.
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
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 80 }), async (cmds) => {
        await client.flushAll();
        const model = new Map<string, string>();
        // Pipelined: every command leaves in the same tick.
        const pending = cmds.map((c) => client.commandReply(c[0]!, c.slice(1)));
        const replies = await Promise.all(pending);
        for (let i = 0; i < cmds.length; i++) {
          const cmd = cmds[i]!;
          const expected = applyModel(model, cmd);
          const got = plain(replies[i]!);
          if (cmd[0] === "SCAN") {
            const [cursor, keys] = got as [string, string[]];
            expect(keys, `#${i} ${cmd.join(" ")}`).toEqual(expected);
            const total = [...model.keys()].filter((k) => k.startsWith(cmd[1]!)).length;
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
