import fc from "fast-check";
import protobuf from "protobufjs/minimal.js";
import { describe, expect, it } from "vitest";
import { FrameDecoder, WireError } from "../src/index.js";

const { Writer } = protobuf;

function delimited(body: Uint8Array): Uint8Array {
  return Writer.create().bytes(body).finish(); // varint length + body: the frame format
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("hex");
}

/** Feeds `stream` cut at `cuts` and returns every frame, checking views stay valid after later pushes. */
function decodeChunked(stream: Uint8Array, cuts: number[], maxFrameBytes?: number): Uint8Array[] {
  const d = new FrameDecoder(maxFrameBytes === undefined ? {} : { maxFrameBytes });
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  const frames: Uint8Array[] = [];
  const snapshots: string[] = [];
  let from = 0;
  for (const to of [...points, stream.length]) {
    // Each chunk is fresh memory, as a socket hands it over.
    d.push(Uint8Array.prototype.slice.call(stream, from, to));
    for (let f = d.next(); f !== null; f = d.next()) {
      frames.push(f);
      snapshots.push(hex(f));
    }
    from = to;
  }
  expect(d.idle).toBe(true);
  expect(d.bufferedBytes).toBe(0);
  // Frames handed out earlier were not overwritten by later chunks.
  expect(frames.map(hex)).toEqual(snapshots);
  return frames;
}

describe("FrameDecoder", () => {
  it("returns the same frames whatever the chunk boundaries", () => {
    const body = fc.oneof({ weight: 10, arbitrary: fc.uint8Array({ maxLength: 300 }) }, { weight: 1, arbitrary: fc.uint8Array({ minLength: 20_000, maxLength: 40_000 }) });
    fc.assert(
      fc.property(fc.array(body, { maxLength: 8 }), fc.array(fc.nat(), { maxLength: 20 }), (bodies, cuts) => {
        const stream = Buffer.concat(bodies.map(delimited));
        expect(decodeChunked(stream, cuts).map(hex)).toEqual(bodies.map(hex));
      }),
      { numRuns: 300 },
    );
  });

  it("handles byte-at-a-time delivery, including empty frames and 5-byte prefixes", () => {
    const bodies = [new Uint8Array(0), new Uint8Array([1]), new Uint8Array(200).fill(3), new Uint8Array(0)];
    const stream = Buffer.concat([...bodies.map(delimited), Buffer.from([0x80, 0x80, 0x80, 0x80, 0x00])]); // padded zero length
    const cuts = Array.from({ length: stream.length }, (_, i) => i);
    expect(decodeChunked(stream, cuts).map(hex)).toEqual([...bodies, new Uint8Array(0)].map(hex));
  });

  it("returns views of the chunk (no copy) for frames inside one chunk", () => {
    const chunk = Buffer.concat([delimited(new Uint8Array([9, 9])), delimited(new Uint8Array([8]))]);
    const d = new FrameDecoder();
    d.push(chunk);
    const f = d.next()!;
    expect(f.buffer).toBe(chunk.buffer);
    expect(d.next()!.buffer).toBe(chunk.buffer);
    expect(d.next()).toBeNull();
  });

  it("refuses an oversized frame as soon as its prefix arrives, and stays failed", () => {
    const d = new FrameDecoder({ maxFrameBytes: 1000 });
    d.push(Writer.create().uint32(1001).finish()); // just the prefix, no body
    let err: unknown;
    try {
      d.next();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(WireError);
    expect((err as WireError).code).toBe("TOOBIG");
    expect((err as WireError).message).toMatch(/1001 bytes is larger than the limit of 1000/);
    d.push(delimited(new Uint8Array(1)));
    expect(() => d.next()).toThrow(WireError);
    expect(d.error?.code).toBe("TOOBIG");
  });

  it("accepts a frame of exactly maxFrameBytes", () => {
    const body = new Uint8Array(1000).fill(1);
    expect(decodeChunked(delimited(body), [1, 500], 1000).map((f) => f.length)).toEqual([1000]);
  });

  it("refuses a length prefix longer than 5 bytes as malformed (split or not)", () => {
    const bad = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x01]);
    for (const cut of [0, 2, 5]) {
      const d = new FrameDecoder();
      let code: string | undefined;
      try {
        d.push(bad.subarray(0, cut));
        while (d.next() !== null);
        d.push(bad.subarray(cut));
        while (d.next() !== null);
      } catch (e) {
        code = (e as WireError).code;
      }
      expect(code).toBe("PROTO");
    }
  });

  it("refuses a 5-byte length above 4 GiB as too big", () => {
    const d = new FrameDecoder({ maxFrameBytes: 0xffffffff });
    d.push(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0]));
    expect(() => d.next()).toThrow(/larger than the limit/);
  });

  it("buffers only what arrived for a huge announced frame (no up-front allocation)", () => {
    const d = new FrameDecoder({ maxFrameBytes: 64 * 1024 * 1024 });
    d.push(Writer.create().uint32(64 * 1024 * 1024).finish());
    expect(d.next()).toBeNull();
    d.push(new Uint8Array(10));
    expect(d.next()).toBeNull();
    expect(d.bufferedBytes).toBe(10);
    // The internal buffer grows geometrically from a small start, never to the announced size.
    const held = (d as unknown as { partial: Uint8Array }).partial.length;
    expect(held).toBeLessThanOrEqual(64 * 1024);
  });

  it("refuses push() before the previous chunk is drained", () => {
    const d = new FrameDecoder();
    d.push(Buffer.concat([delimited(new Uint8Array(1)), delimited(new Uint8Array(1))]));
    d.next();
    expect(() => d.push(new Uint8Array(1))).toThrow(/not drained/);
  });
});

describe("FrameDecoder: changing the limit between frames", () => {
  it("checks each frame against the limit in force when its length is read", () => {
    // Two-byte varint length prefix (both sizes are in 128..16383).
    const frame = (n: number) => Buffer.concat([Buffer.from([(n & 0x7f) | 0x80, n >> 7]), Buffer.alloc(n, 1)]);
    const d = new FrameDecoder({ maxFrameBytes: 1000 });
    d.push(Buffer.concat([frame(300), frame(600)]));
    expect(d.next()!.length).toBe(300);
    d.maxFrameBytes = 500;
    expect(() => d.next()).toThrow(/frame of 600 bytes is larger than the limit of 500 bytes/);
    const raised = new FrameDecoder({ maxFrameBytes: 500 });
    raised.push(Buffer.concat([frame(300), frame(600)]));
    expect(raised.next()!.length).toBe(300);
    raised.maxFrameBytes = 1000;
    expect(raised.next()!.length).toBe(600);
  });
});
