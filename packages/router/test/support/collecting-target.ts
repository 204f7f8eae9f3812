/** A ReplyTarget for tests: collects each finished reply with its tag, and checks begin/end pairing. */
import { CollectingSink, type Reply } from "@tessera/proto";
import type { ReplyTarget } from "../../src/session.js";

export class CollectingTarget extends CollectingSink implements ReplyTarget {
  readonly replies: { tag: number; reply: Reply }[] = [];
  private open = -1;

  beginReply(tag: number): void {
    if (this.open !== -1) throw new Error(`beginReply(${tag}) while reply ${this.open} is open`);
    this.open = tag;
  }

  endReply(tag: number): void {
    if (this.open !== tag) throw new Error(`endReply(${tag}) but the open reply is ${this.open}`);
    this.open = -1;
    const done = this.take();
    if (done.length !== 1) throw new Error(`reply ${tag} wrote ${done.length} top-level replies`);
    this.replies.push({ tag, reply: done[0]! });
  }
}

export const bulk = (s: string): Reply => ({ kind: "bulk", value: new Uint8Array(Buffer.from(s)) });
export const int = (n: number): Reply => ({ kind: "integer", value: BigInt(n) });
export const OK: Reply = { kind: "ok" };
export const NIL: Reply = { kind: "nil" };
