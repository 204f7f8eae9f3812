import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { RespRequestParser, parseStrictInt, splitInlineArgs, type RespParserLimits } from "../src/resp/resp-parser.js";

const LIMITS: RespParserLimits = { maxBulkBytes: 1024 * 1024, maxArgs: 1024, maxRequestBytes: 4 * 1024 * 1024 };

/** Feeds the chunks and returns every request (as strings) plus the error, if any. */
function parseAll(chunks: (string | Buffer)[], limits = LIMITS): { requests: string[][]; error: string | null } {
  const p = new RespRequestParser(limits);
  const requests: string[][] = [];
  for (const c of chunks) {
    p.push(typeof c === "string" ? Buffer.from(c, "latin1") : c);
    for (let argv = p.next(); argv !== null; argv = p.next()) requests.push(argv.map((a) => Buffer.from(a).toString("latin1")));
  }
  return { requests, error: p.error };
}

function encode(argv: string[]): string {
  return `*${argv.length}\r\n` + argv.map((a) => `$${Buffer.byteLength(a, "latin1")}\r\n${a}\r\n`).join("");
}

describe("RespRequestParser: multibulk", () => {
  it("parses a pipeline of requests from one chunk", () => {
    const r = parseAll([encode(["SET", "k", "v"]) + encode(["GET", "k"]) + encode(["PING"])]);
    expect(r).toEqual({ requests: [["SET", "k", "v"], ["GET", "k"], ["PING"]], error: null });
  });

  it("gives the same requests however the bytes are split", () => {
    const word = fc.string({ unit: "binary", maxLength: 40 }).map((s) => Buffer.from(s, "utf8").toString("latin1"));
    fc.assert(
      fc.property(
        fc.array(fc.array(word, { minLength: 1, maxLength: 6 }), { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        (requests, cutSeeds) => {
          const wire = Buffer.from(requests.map(encode).join(""), "latin1");
          const cuts = [...new Set(cutSeeds.map((c) => c % (wire.length + 1)))].sort((a, b) => a - b);
          const chunks: Buffer[] = [];
          let at = 0;
          for (const c of [...cuts, wire.length]) {
            chunks.push(wire.subarray(at, c));
            at = c;
          }
          expect(parseAll(chunks)).toEqual({ requests, error: null });
        },
      ),
      { numRuns: 300 },
    );
  });

  it("keeps views valid after later chunks arrive (arguments are never overwritten)", () => {
    const p = new RespRequestParser(LIMITS);
    p.push(Buffer.from("*2\r\n$3\r\nGET\r\n$5\r\nhel"));
    expect(p.next()).toBeNull();
    p.push(Buffer.from("lo\r\n*1\r\n$4\r\nPI"));
    const first = p.next()!.slice();
    expect(p.next()).toBeNull();
    p.push(Buffer.from("NG\r\n"));
    const second = p.next()!.slice();
    expect(first.map((a) => Buffer.from(a).toString())).toEqual(["GET", "hello"]);
    expect(second.map((a) => Buffer.from(a).toString())).toEqual(["PING"]);
  });

  it("handles a large value arriving in many small chunks", () => {
    const value = Buffer.alloc(300_000, 0x61);
    const wire = Buffer.concat([Buffer.from(`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${value.length}\r\n`), value, Buffer.from("\r\n")]);
    const chunks: Buffer[] = [];
    for (let i = 0; i < wire.length; i += 1000) chunks.push(wire.subarray(i, i + 1000));
    const r = parseAll(chunks);
    expect(r.error).toBeNull();
    expect(r.requests).toHaveLength(1);
    expect(r.requests[0]![2]!.length).toBe(value.length);
  });

  it("ignores *0 and *-1, as Redis does", () => {
    expect(parseAll(["*0\r\n*-1\r\n" + encode(["PING"])])).toEqual({ requests: [["PING"]], error: null });
  });

  it("waits on an incomplete request without error", () => {
    expect(parseAll(["*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$10\r\nabc"])).toEqual({ requests: [], error: null });
  });
});

describe("RespRequestParser: protocol errors (Redis's words)", () => {
  it("invalid multibulk length", () => {
    expect(parseAll(["*abc\r\n"]).error).toBe("Protocol error: invalid multibulk length");
    expect(parseAll(["*1x\r\n"]).error).toBe("Protocol error: invalid multibulk length");
    expect(parseAll(["*+1\r\n"]).error).toBe("Protocol error: invalid multibulk length");
    expect(parseAll([`*${LIMITS.maxArgs + 1}\r\n`]).error).toBe("Protocol error: invalid multibulk length");
  });
  it("invalid bulk length", () => {
    expect(parseAll(["*1\r\n$x\r\n"]).error).toBe("Protocol error: invalid bulk length");
    expect(parseAll(["*1\r\n$-5\r\n"]).error).toBe("Protocol error: invalid bulk length");
    expect(parseAll([`*1\r\n$${LIMITS.maxBulkBytes + 1}\r\n`]).error).toBe("Protocol error: invalid bulk length");
  });
  it("an over-limit partial request is refused before its bytes arrive", () => {
    const r = parseAll([`*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$${LIMITS.maxBulkBytes + 1}\r\nabc`]);
    expect(r.error).toBe("Protocol error: invalid bulk length");
  });
  it("a request whose arguments add up past max-frame-bytes", () => {
    const limits = { ...LIMITS, maxRequestBytes: 100 };
    expect(parseAll(["*3\r\n$3\r\nSET\r\n$50\r\n" + "a".repeat(50) + "\r\n$60\r\n"], limits).error).toBe(
      "Protocol error: request is larger than max-frame-bytes (100)",
    );
  });
  it("expected '$'", () => {
    expect(parseAll(["*1\r\n:5\r\n"]).error).toBe("Protocol error: expected '$', got ':'");
  });
  it("unbalanced quotes in an inline request", () => {
    expect(parseAll(['SET "k v\r\n']).error).toBe("Protocol error: unbalanced quotes in request");
    expect(parseAll(["SET 'k\r\n"]).error).toBe("Protocol error: unbalanced quotes in request");
    expect(parseAll(['SET "k"x v\r\n']).error).toBe("Protocol error: unbalanced quotes in request");
  });
  it("too big inline request / count strings", () => {
    expect(parseAll(["A".repeat(70_000)]).error).toBe("Protocol error: too big inline request");
    expect(parseAll(["*" + "1".repeat(70_000)]).error).toBe("Protocol error: too big mbulk count string");
    expect(parseAll(["*1\r\n$" + "1".repeat(70_000)]).error).toBe("Protocol error: too big bulk count string");
  });
  it("requests before the error are still returned", () => {
    const r = parseAll([encode(["PING"]) + "*x\r\n" + encode(["PING"])]);
    expect(r).toEqual({ requests: [["PING"]], error: "Protocol error: invalid multibulk length" });
  });
});

describe("RespRequestParser: arbitrary bytes", () => {
  const KNOWN = /^Protocol error: (invalid multibulk length|invalid bulk length|unbalanced quotes in request|too big (inline request|mbulk count string|bulk count string)|expected '\$', got '.+'|request is larger than max-frame-bytes \(\d+\))$/;
  it("never throws: waits, returns requests, or reports a known protocol error", () => {
    const byteish = fc.constantFrom(..."*$\r\n0123456789-+ '\"x".split("")).map((c) => c.charCodeAt(0));
    fc.assert(
      fc.property(fc.array(fc.oneof(byteish, fc.integer({ min: 0, max: 255 })), { maxLength: 200 }), fc.nat(200), (bytes, cut) => {
        const wire = Buffer.from(bytes);
        const r = parseAll([wire.subarray(0, cut), wire.subarray(cut)]);
        if (r.error !== null) expect(r.error).toMatch(KNOWN);
      }),
      { numRuns: 2000 },
    );
  });
  it("reads length lines the same whatever their digits", () => {
    fc.assert(
      fc.property(fc.nat(2000), (n) => {
        const arg = "a".repeat(n);
        expect(parseAll([`*2\r\n$4\r\nECHO\r\n$${n}\r\n${arg}\r\n`], { ...LIMITS, maxBulkBytes: 1000 })).toEqual(
          n <= 1000 ? { requests: [["ECHO", arg]], error: null } : { requests: [], error: "Protocol error: invalid bulk length" },
        );
      }),
    );
    expect(parseAll(["*1\r\n$00\r\n\r\n"]).error).toBe("Protocol error: invalid bulk length");
    expect(parseAll(["*1\r\n$0\r\n\r\n"])).toEqual({ requests: [[""]], error: null });
    expect(parseAll(["*1\r\n$1 \r\nx\r\n"]).error).toBe("Protocol error: invalid bulk length");
  });
});

describe("RespRequestParser: inline", () => {
  it("splits words, honours quotes and escapes, accepts LF or CRLF, skips empty lines", () => {
    const r = parseAll(['SET k "hello world"\r\n', "\r\n", "GET k\n", "ECHO 'it\\'s' \"\\x41\\n\"\r\n"]);
    expect(r).toEqual({
      requests: [["SET", "k", "hello world"], ["GET", "k"], ["ECHO", "it's", "A\n"]],
      error: null,
    });
  });
  it("waits for the end of the line", () => {
    expect(parseAll(["PIN"])).toEqual({ requests: [], error: null });
    expect(parseAll(["PIN", "G\r\n"])).toEqual({ requests: [["PING"]], error: null });
  });
  it("splitInlineArgs matches sdssplitargs on edge cases", () => {
    const s = (t: string) => {
      const words = splitInlineArgs(Buffer.from(t), 0, t.length);
      return words === null ? null : words.map((b) => b.toString());
    };
    expect(s("  a   b  ")).toEqual(["a", "b"]);
    expect(s('""')).toEqual([""]);
    expect(s('"a"b')).toBeNull();
    expect(s('a"b"')).toEqual(["ab"]); // a quote mid-word opens quoting, as in sdssplitargs
  });
});

describe("parseStrictInt", () => {
  const p = (t: string) => parseStrictInt(Buffer.from(t), 0, t.length);
  it("accepts what Redis's string2ll accepts", () => {
    expect(p("0")).toBe(0);
    expect(p("123")).toBe(123);
    expect(p("-1")).toBe(-1);
    expect(p("")).toBeNull();
    expect(p("-")).toBeNull();
    expect(p("01")).toBeNull();
    expect(p("-0")).toBeNull();
    expect(p("+1")).toBeNull();
    expect(p(" 1")).toBeNull();
    expect(p("1".repeat(16))).toBeNull();
  });
});

describe("RespRequestParser: before authentication", () => {
  function preAuthParser(): RespRequestParser {
    const p = new RespRequestParser(LIMITS);
    p.preAuth = true;
    return p;
  }

  it("refuses more than 10 arguments and bulks over 16 KiB with Redis's words", () => {
    const many = preAuthParser();
    many.push(Buffer.from("*11\r\n", "latin1"));
    expect(many.next()).toBeNull();
    expect(many.error).toBe("Protocol error: unauthenticated multibulk length");

    const big = preAuthParser();
    big.push(Buffer.from(`*2\r\n$4\r\nAUTH\r\n$${16 * 1024 + 1}\r\n`, "latin1"));
    expect(big.next()).toBeNull();
    expect(big.error).toBe("Protocol error: unauthenticated bulk length");

    const fits = preAuthParser();
    fits.push(Buffer.from(encode(["AUTH", "x".repeat(16 * 1024)]) + encode(["A", "1", "2", "3", "4", "5", "6", "7", "8", "9"]), "latin1"));
    expect(fits.next()!.length).toBe(2);
    expect(fits.next()!.length).toBe(10);
    expect(fits.error).toBeNull();
  });

  it("parses the request after the one that cleared preAuth with the full limits", () => {
    const p = preAuthParser();
    const big = "v".repeat(100 * 1024);
    p.push(Buffer.from(encode(["AUTH", "pw"]) + encode(["SET", "k", big]), "latin1"));
    expect(p.next()!.map((a) => Buffer.from(a).toString())).toEqual(["AUTH", "pw"]);
    p.preAuth = false; // what the connection does once AUTH succeeded
    expect(p.next()![2]!.length).toBe(big.length);
    expect(p.error).toBeNull();
  });
});
