import { describe, expect, it } from "vitest";
import { RespReplyEncoder } from "../src/resp/resp-encoder.js";

function encoder(version: 2 | 3 = 2) {
  const session = { respVersion: version };
  return { e: new RespReplyEncoder(session), session };
}
const out = (e: RespReplyEncoder) => e.takeOutput().toString("latin1");

describe("RespReplyEncoder", () => {
  it("encodes every reply type in RESP2", () => {
    const { e } = encoder(2);
    e.ok();
    e.status("PONG");
    e.nil();
    e.integer(42);
    e.integer(-7);
    e.integer(123456789012);
    e.integer(2n ** 63n - 1n);
    e.bulk(Buffer.from("xhellox"), 1, 5);
    e.bulk(Buffer.alloc(0), 0, 0);
    e.array(2);
    e.bulk(Buffer.from("a"), 0, 1);
    e.nil();
    e.array(0);
    e.error("ERR", "unknown command 'foo'");
    e.error("WRONGTYPE", "Operation against a key holding the wrong kind of value");
    expect(out(e)).toBe(
      "+OK\r\n+PONG\r\n$-1\r\n:42\r\n:-7\r\n:123456789012\r\n:9223372036854775807\r\n$5\r\nhello\r\n$0\r\n\r\n" +
        "*2\r\n$1\r\na\r\n$-1\r\n*0\r\n-ERR unknown command 'foo'\r\n-WRONGTYPE Operation against a key holding the wrong kind of value\r\n",
    );
  });
  it("uses RESP3 null and map after HELLO 3, flat arrays for maps in RESP2", () => {
    const { e, session } = encoder(2);
    e.map(1);
    session.respVersion = 3;
    e.map(1);
    e.nil();
    expect(out(e)).toBe("*2\r\n%1\r\n_\r\n");
  });
  it("keeps error replies on one line", () => {
    const { e } = encoder();
    e.error("ERR", "bad\r\nthing");
    expect(out(e)).toBe("-ERR bad thing\r\n");
  });
  it("grows for large bulks and hands each batch over in a fresh buffer", () => {
    const { e } = encoder();
    const big = Buffer.alloc(100_000, 0x62);
    e.bulk(big, 0, big.length);
    const first = e.takeOutput();
    expect(first.length).toBe(100_000 + 11);
    e.ok();
    const second = e.takeOutput();
    expect(second.toString()).toBe("+OK\r\n");
    expect(first.subarray(0, 9).toString()).toBe("$100000\r\n"); // not overwritten by the next batch
  });
});
