import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { CollectingSink, type Reply, type ReplySink } from "@tessera/proto";
import { RESPONSE_FORM_INLINE, RESPONSE_HEADER_BYTES, RingReplyWriter, decodeReply, encodeErrorReply } from "../src/ring/reply-codec.js";
import { RingConsumer, RingProducer, allocateRing } from "../src/ring/spsc-ring.js";
import { readRequestBody, requestBodyBytes, writeRequestBody } from "../src/ring/request-codec.js";

/** Writes a Reply value into a sink (the inverse of CollectingSink). */
function emit(r: Reply, out: ReplySink): void {
  switch (r.kind) {
    case "ok": return out.ok();
    case "nil": return out.nil();
    case "status": return out.status(r.text);
    case "integer": {
      const v = r.value;
      return out.integer(v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v);
    }
    case "bulk": return out.bulk(r.value, 0, r.value.length);
    case "error": return out.error(r.code, r.message);
    case "array":
      out.array(r.items.length);
      for (const item of r.items) emit(item, out);
  }
}

const replyArb: fc.Arbitrary<Reply> = fc.letrec<{ reply: Reply }>((tie) => ({
  reply: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.constant<Reply>({ kind: "ok" }),
    fc.constant<Reply>({ kind: "nil" }),
    fc.stringMatching(/^[A-Za-z ]{0,20}$/).map((text): Reply => ({ kind: "status", text })),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((value): Reply => ({ kind: "integer", value })),
    fc.integer({ min: -1000, max: 1000 }).map((v): Reply => ({ kind: "integer", value: BigInt(v) })),
    fc.uint8Array({ maxLength: 100 }).map((value): Reply => ({ kind: "bulk", value })),
    fc.string({ unit: "grapheme", maxLength: 30 }).map((message): Reply => ({ kind: "error", code: "WRONGTYPE", message })),
    fc.array(tie("reply"), { maxLength: 5 }).map((items): Reply => ({ kind: "array", items })),
  ),
})).reply;

describe("reply codec", () => {
  it("property: replies survive RingReplyWriter -> decodeReply unchanged, tokens and order kept", () => {
    fc.assert(
      fc.property(fc.array(replyArb, { minLength: 1, maxLength: 20 }), (replies) => {
        const w = new RingReplyWriter(16); // tiny: forces growth
        replies.forEach((r, i) => {
          w.begin(1000 + i, i % 2);
          emit(r, w);
          w.end();
        });
        expect(w.count).toBe(replies.length);
        const sink = new CollectingSink();
        for (let i = 0; i < w.count; i++) {
          expect(w.token(i)).toBe(1000 + i);
          expect(w.flags(i)).toBe(i % 2);
          const end = decodeReply(w.stage, w.replyStart(i), sink);
          expect(end).toBe(w.replyEnd(i));
        }
        expect(sink.take()).toEqual(replies);
      }),
      { numRuns: 300 },
    );
  });

  it("property: a staged batch copied in one piece (tryWriteRecords) reads back as the same records, across the ring's wrap", () => {
    fc.assert(
      fc.property(fc.array(fc.array(replyArb, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 12 }), (batches) => {
        const ring = allocateRing(4096); // small: batches wrap around the end
        const producer = new RingProducer(ring);
        const consumer = new RingConsumer(ring);
        const w = new RingReplyWriter(16);
        let token = 1;
        for (const replies of batches) {
          const expected: { token: number; reply: Reply }[] = [];
          for (const r of replies) {
            w.begin(token, 0);
            emit(r, w);
            w.end();
            expected.push({ token: token++, reply: r });
          }
          if (!producer.tryWriteRecords(w.stage, w.framedStart(0), w.stagedBytes)) {
            // Only a run over half the ring is refused (the consumer drains every batch).
            expect(w.stagedBytes - w.framedStart(0)).toBeGreaterThan(2048);
            w.reset();
            continue;
          }
          w.reset();
          producer.publish();
          const sink = new CollectingSink();
          const tokens: number[] = [];
          for (let at = consumer.next(); at >= 0; at = consumer.next()) {
            tokens.push(consumer.view.getUint32(at, true));
            expect(consumer.view.getUint32(at + 4, true)).toBe(RESPONSE_FORM_INLINE);
            const end = decodeReply(consumer.bytes, at + RESPONSE_HEADER_BYTES, sink);
            expect(end).toBe(at + consumer.recordBytes);
          }
          consumer.release();
          expect(tokens).toEqual(expected.map((e) => e.token));
          expect(sink.take()).toEqual(expected.map((e) => e.reply));
        }
      }),
      { numRuns: 200 },
    );
  });

  it("asserts a handler writes exactly one reply", () => {
    const w = new RingReplyWriter();
    expect(() => w.ok()).toThrow(/outside begin/);
    w.begin(1, 0);
    w.array(2);
    w.ok();
    expect(() => w.end()).toThrow(/incomplete/);
    w.rollBack();
    w.ok();
    expect(() => w.ok()).toThrow(/more than one reply/);
  });

  it("rollBack discards a half-written reply so an error can replace it", () => {
    const w = new RingReplyWriter();
    w.begin(7, 0);
    w.array(3);
    w.bulk(new Uint8Array([1, 2, 3]), 0, 3);
    w.rollBack();
    w.error("ERR", "internal error");
    w.end();
    const sink = new CollectingSink();
    decodeReply(w.stage, w.replyStart(0), sink);
    expect(sink.take()).toEqual([{ kind: "error", code: "ERR", message: "internal error" }]);
  });

  it("replaces a reply over maxReplyBytes by a TOOBIG error", () => {
    const w = new RingReplyWriter(64, 1000);
    w.begin(1, 0);
    w.array(3);
    w.bulk(new Uint8Array(600), 0, 600);
    w.bulk(new Uint8Array(600), 0, 600);
    w.nil();
    w.end();
    const sink = new CollectingSink();
    decodeReply(w.stage, w.replyStart(0), sink);
    const [r] = sink.take();
    expect(r).toMatchObject({ kind: "error", code: "TOOBIG" });
  });

  it("encodes integers as numbers unless they need 64 bits", () => {
    const w = new RingReplyWriter();
    w.begin(1, 0);
    w.integer(-42);
    w.end();
    w.begin(2, 0);
    w.integer(2n ** 62n);
    w.end();
    const seen: (number | bigint)[] = [];
    const sink = { integer: (v: number | bigint) => seen.push(v) } as unknown as ReplySink;
    decodeReply(w.stage, w.replyStart(0), sink);
    decodeReply(w.stage, w.replyStart(1), sink);
    expect(seen).toEqual([-42, 2n ** 62n]);
  });

  it("encodeErrorReply makes a standalone error reply", () => {
    const bytes = encodeErrorReply("TRYAGAIN", "partition 3 restarted");
    const sink = new CollectingSink();
    expect(decodeReply(bytes, 0, sink)).toBe(bytes.length);
    expect(sink.take()).toEqual([{ kind: "error", code: "TRYAGAIN", message: "partition 3 restarted" }]);
  });
});

describe("request codec", () => {
  it("property: argv round-trips through a body as views", () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { minLength: 1, maxLength: 12 }), fc.nat(16), (argv, pad) => {
        const n = requestBodyBytes(argv);
        const buf = new Uint8Array(pad + n + 3);
        const view = new DataView(buf.buffer);
        expect(writeRequestBody(buf, view, pad, argv)).toBe(pad + n);
        const back = readRequestBody(buf, view, pad, pad + n);
        expect(back.map((a) => Array.from(a))).toEqual(argv.map((a) => Array.from(a)));
        expect(() => readRequestBody(buf, view, pad, pad + n - 1)).toThrow();
      }),
    );
  });
});
