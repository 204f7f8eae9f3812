import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { crc32c, crc32cImplementation, crc32cJs } from "../src/crc32c.js";

/** Bit-at-a-time reference, obviously right, to check the sliced tables against. */
function crc32cBitwise(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  }
  return ~c >>> 0;
}

describe("crc32c", () => {
  it("matches the RFC 3720 test vectors", () => {
    expect(crc32c(Buffer.from("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => 31 - i))).toBe(0x113fdb5c);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });

  it("equals the bitwise reference on arbitrary data and offsets", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(20), fc.nat(20), (data, a, b) => {
        const start = Math.min(a, data.length);
        const end = Math.max(start, data.length - b);
        expect(crc32c(data, 0, start, end - start)).toBe(crc32cBitwise(data.subarray(start, end)));
      }),
    );
  });

  it("continues across pieces: crc(b, crc(a)) = crc(a ++ b)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), fc.uint8Array({ maxLength: 200 }), (a, b) => {
        const ab = new Uint8Array(a.length + b.length);
        ab.set(a);
        ab.set(b, a.length);
        expect(crc32c(b, crc32c(a))).toBe(crc32c(ab));
      }),
    );
  });

  it("uses the hardware CRC where the addon has a binary for this platform", () => {
    // linux x64/arm64, macOS and Windows have prebuilt binaries; elsewhere the JS loop is expected.
    const prebuilt = ["linux-x64", "linux-arm64", "darwin-x64", "darwin-arm64", "win32-x64"].includes(`${process.platform}-${process.arch}`);
    if (prebuilt && process.env.TESSERA_CRC32C !== "js") expect(crc32cImplementation).toBe("native");
  });

  it("gives the JS loop's values on long inputs (where the addon serves), at any offset and start value", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 150, maxLength: 5000 }), fc.nat(40), fc.nat(40), fc.nat(), (data, a, b, seed) => {
        const start = Math.min(a, data.length);
        const end = Math.max(start, data.length - b);
        const init = seed >>> 0;
        expect(crc32c(data, init, start, end - start)).toBe(crc32cJs(data, init, start, end - start));
      }),
      { numRuns: 300 },
    );
    // Start values with the top bit set, and memory in a SharedArrayBuffer (slab pages are).
    const sab = new Uint8Array(new SharedArrayBuffer(4096)).map((_, i) => (i * 131) & 0xff);
    for (const init of [0, 1, 0x7fffffff, 0x80000000, 0xffffffff]) {
      expect(crc32c(sab, init, 3, 4000)).toBe(crc32cJs(sab, init, 3, 4000));
    }
    const big = Uint8Array.from({ length: 1 << 20 }, (_, i) => (i * 2654435761) >>> 24);
    expect(crc32c(big)).toBe(crc32cJs(big));
    expect(crc32c(big.subarray(777), crc32c(big.subarray(0, 777)))).toBe(crc32cJs(big));
  });
});
