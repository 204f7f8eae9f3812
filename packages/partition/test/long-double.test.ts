/**
 * INCRBYFLOAT against answers Redis 7.0.15 gave on x86-64 for the same inputs (set the first,
 * INCRBYFLOAT by the second). Taken with scripts/diff-incrbyfloat.ts, which also compares
 * random inputs against a running redis-server (120,000 of them, no difference, 2026-12-03).
 */
import { describe, expect, it } from "vitest";
import { PartitionEngine } from "../src/index.js";
import { addLongDouble, formatLongDoubleHuman, parseLongDouble } from "../src/commands/long-double.js";
import { cmd } from "./helpers.js";

const REDIS_ANSWERS: [string, string, string | { err: string }][] = [
    ["10.50", "0.1", "10.6"],
    ["0.1", "0.2", "0.3"],
    ["5.0e3", "2.0e2", "5200"],
    ["3", "-3", "0"],
    ["-0", "0", "0"],
    ["0", "-0.0", "0"],
    ["1.", ".5", "1.5"],
    ["0x10", "0x1.8p3", "28"],
    ["1e-5", "1e-5", "0.00002"],
    ["123456789012345678901234567890", "1", "123456789012345678899921813504"],
    ["10000000000", "0.1", "10000000000.09999999962747097"],
    ["1.7976931348623157e308", "1e308", "279769313486231570002352240441350078789299929179619934003987695617693370918830364684014944221042050987341155710361544171686148029276505307138777262321877129888036065002204239033812550598509174132739480498569620043582760541189365866551522561741435317031294527744011878159793174665688773926186886103199182225408"],
    ["1e-4950", "0", "0"],
    ["9.9e-320", "1e-320", "0"],
    ["0.30000000000000004", "0", "0.30000000000000004"],
    ["-1e-20", "0", "0"],
    ["2.5", "0.000000000000000005", "2.5"],
    ["1", "1e-17", "1.00000000000000001"],
    ["1", "5e-18", "1"],
    ["1", "1.5e-17", "1.00000000000000001"],
    ["inf", "1", {"err":"ERR increment would produce NaN or Infinity"}],
    ["1", "-inf", {"err":"ERR increment would produce NaN or Infinity"}],
    ["nan", "1", {"err":"ERR value is not a valid float"}],
    ["1", "nan", {"err":"ERR value is not a valid float"}],
    ["abc", "1", {"err":"ERR value is not a valid float"}],
    ["1", " 1", {"err":"ERR value is not a valid float"}],
    ["1", "1 ", {"err":"ERR value is not a valid float"}],
    ["1", "", {"err":"ERR value is not a valid float"}],
    ["1", "1e5000", {"err":"ERR value is not a valid float"}],
    ["1", "1e-5000", {"err":"ERR value is not a valid float"}],
    ["3.0e3", "1.0e-3", "3000.00099999999999989"],
    ["-5", "2.25", "-2.75"],
    ["99999999999999999999", "0.00001", "100000000000000000000"],
    ["0.1", "-0.1", "0"],
    ["1.23456789012345678901", "0", "1.23456789012345679"],
];

describe("INCRBYFLOAT", () => {
  it("answers as Redis does, digit for digit, errors included", () => {
    const e = new PartitionEngine({});
    for (const [value, increment, redis] of REDIS_ANSWERS) {
      cmd(e, "SET", "k", value);
      expect({ value, increment, reply: cmd(e, "INCRBYFLOAT", "k", increment) }).toEqual({ value, increment, reply: redis });
    }
  });

  it("starts a missing key at 0, keeps the expiry, refuses NaN and infinities", () => {
    const e = new PartitionEngine({});
    expect(cmd(e, "INCRBYFLOAT", "new", "2.5")).toBe("2.5");
    cmd(e, "SET", "t", "1", "PX", "100000");
    expect(cmd(e, "INCRBYFLOAT", "t", "0.5")).toBe("1.5");
    expect(cmd(e, "PTTL", "t")).toBeGreaterThan(90_000);
    expect(cmd(e, "INCRBYFLOAT", "t", "inf")).toEqual({ err: "ERR increment would produce NaN or Infinity" });
    expect(cmd(e, "GET", "t")).toBe("1.5");
  });

  it("rounds to the 64-bit significand, ties to even", () => {
    // 2^64 + 1 is not representable: it rounds to 2^64 (the tie goes to the even significand).
    const big = parseLongDouble("18446744073709551617");
    expect(big !== null && typeof big !== "string" && formatLongDoubleHuman(big)).toBe("18446744073709551616");
    const three = parseLongDouble("18446744073709551619"); // 2^64 + 3: a tie, rounds up to 2^64 + 4
    expect(three !== null && typeof three !== "string" && formatLongDoubleHuman(three)).toBe("18446744073709551620");
    expect(addLongDouble(parseLongDouble("inf")!, parseLongDouble("-inf")!)).toBeNull();
  });
});
