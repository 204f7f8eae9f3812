/**
 * Bridges `Reply` values and sinks: `writeReply` replays a value into any ReplySink (tests,
 * fake servers, the router forwarding a reply it already holds as a value).
 */
import type { Reply, ReplySink } from "./reply.js";

/** Writes `reply` into `sink` as the equivalent sequence of sink calls. */
export function writeReply(sink: ReplySink, reply: Reply): void {
  switch (reply.kind) {
    case "ok":
      sink.ok();
      return;
    case "status":
      sink.status(reply.text);
      return;
    case "nil":
      sink.nil();
      return;
    case "integer":
      // Sinks take a number for safe integers (the common, cheaper case) and bigint beyond.
      sink.integer(reply.value >= -9007199254740991n && reply.value <= 9007199254740991n ? Number(reply.value) : reply.value);
      return;
    case "bulk":
      sink.bulk(reply.value, 0, reply.value.length);
      return;
    case "array":
      sink.array(reply.items.length);
      for (const item of reply.items) writeReply(sink, item);
      return;
    case "error":
      sink.error(reply.code, reply.message);
      return;
  }
}
