import { commandByName } from "@tessera/proto";
import { describe, expect, it } from "vitest";
import { lookupCommand } from "../src/resp/command-lookup.js";

describe("lookupCommand", () => {
  it("finds commands in any case, repeatedly, and nothing else", () => {
    for (let round = 0; round < 3; round++) {
      for (const name of ["GET", "get", "GeT", "SET", "set", "PEXPIREAT", "pexpireat", "ping", "DBSIZE"]) {
        expect(lookupCommand(Buffer.from(name))).toBe(commandByName(name));
      }
      for (const junk of ["", "GETX", "GE", "x".repeat(17), "SET\\0", "nosuchcommand"]) {
        expect(lookupCommand(Buffer.from(junk))).toBeUndefined();
      }
    }
  });
  it("does not confuse names sharing a cache slot", () => {
    const names = ["GET", "SET", "DEL", "TTL", "MGET", "MSET", "INCR", "DECR", "KEYS", "SCAN", "ECHO", "PING", "TIME", "QUIT"];
    for (let i = 0; i < 5; i++) for (const n of names) expect(lookupCommand(Buffer.from(n))!.name).toBe(n);
  });
});
