import { describe, expect, it } from "vitest";
import { REPLY_ERROR, REPLY_NONE, REPLY_OK, RespReplyScanner, encodeRespCommand, respCommandBytes } from "../_resp-replies.js";

describe("load generator RESP helpers", () => {
  it("encodes a command as a RESP array of bulk strings", () => {
    const args = [Buffer.from("SET"), Buffer.from("key:1"), Buffer.from("v\r\nx")];
    const out = Buffer.alloc(respCommandBytes(args));
    const end = encodeRespCommand(out, 0, args);
    expect(out.toString("latin1", 0, end)).toBe("*3\r\n$3\r\nSET\r\n$5\r\nkey:1\r\n$4\r\nv\r\nx\r\n");
  });

  it("counts every reply kind GET and SET answer, however the stream is split", () => {
    const stream = Buffer.from("+OK\r\n$5\r\nhello\r\n$-1\r\n-ERR wrong\r\n:42\r\n$0\r\n\r\n$6\r\nab\r\ncd\r\n", "latin1");
    const expected = [REPLY_OK, REPLY_OK, REPLY_OK, REPLY_ERROR, REPLY_OK, REPLY_OK, REPLY_OK];
    for (let cut = 1; cut < stream.length; cut++) {
      const s = new RespReplyScanner();
      const seen: number[] = [];
      const drain = () => {
        for (let r = s.next(); r !== REPLY_NONE; r = s.next()) seen.push(r);
      };
      s.push(stream.subarray(0, cut));
      drain();
      s.push(stream.subarray(cut));
      drain();
      expect(seen).toEqual(expected);
    }
  });
});
