import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { argvPayloadBytes, checkRecord, decodeRecordArgv, encodeRecord, RECORD_HEADER_BYTES, recordLsn, recordTxid } from "../src/record-codec.js";

function encode(argv: Uint8Array[], lsn = 7, txid = 0): Buffer {
  const buf = Buffer.alloc(RECORD_HEADER_BYTES + argvPayloadBytes(argv));
  expect(encodeRecord(buf, 0, lsn, txid, argv)).toBe(buf.length);
  return buf;
}

describe("WAL record codec", () => {
  it("round-trips argv, LSN and txid", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { minLength: 1, maxLength: 8 }), fc.nat(2 ** 40), fc.nat(2 ** 40), (argv, lsn, txid) => {
        const buf = encode(argv, lsn + 1, txid);
        expect(checkRecord(buf, 0, buf.length)).toBe("ok");
        expect(recordLsn(buf, 0)).toBe(lsn + 1);
        expect(recordTxid(buf, 0)).toBe(txid);
        expect(decodeRecordArgv(buf, 0).map((a) => Buffer.from(a))).toEqual(argv.map((a) => Buffer.from(a)));
      }),
    );
  });

  it("lays out [u32 length][u32 crc][u64 lsn][u64 txid][payload]", () => {
    const buf = encode([Buffer.from("SET"), Buffer.from("k"), Buffer.from("v")], 0x1_0000_0002, 5);
    expect(buf.readUInt32LE(0)).toBe(buf.length - RECORD_HEADER_BYTES);
    expect(buf.readBigUInt64LE(8)).toBe(0x1_0000_0002n);
    expect(buf.readBigUInt64LE(16)).toBe(5n);
    expect(buf.readUInt32LE(24)).toBe(3); // argc
  });

  it("detects every single flipped bit", () => {
    const buf = encode([Buffer.from("SET"), Buffer.from("key"), Buffer.from("value")]);
    for (let bit = 0; bit < buf.length * 8; bit++) {
      const copy = Buffer.from(buf);
      copy[bit >> 3]! ^= 1 << (bit & 7);
      // A flipped length bit may also read as "short" (the record seems to run past the end).
      expect(checkRecord(copy, 0, copy.length)).not.toBe("ok");
    }
  });

  it("reports a record cut anywhere as short or corrupt, never ok", () => {
    const buf = encode([Buffer.from("SET"), Buffer.from("key"), Buffer.alloc(100, 1)]);
    for (let cut = 0; cut < buf.length; cut++) expect(checkRecord(buf, 0, cut)).toBe("short");
  });

  it("rejects a zero-filled region (preallocated or zeroed pages)", () => {
    const zeros = Buffer.alloc(4096);
    expect(checkRecord(zeros, 0, zeros.length)).toBe("corrupt");
  });
});
