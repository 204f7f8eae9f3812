/**
 * The pub/sub commands (SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, PUBSUB) and
 * message delivery, on the router thread. pubsub.ts keeps who listens to what; this file writes
 * the replies and the messages. Messages are RESP3 pushes / RESP2 arrays (encoded once per
 * PUBLISH for every RESP subscriber) and native push frames; each goes out after the replies its
 * subscriber is still owed, which the router's reply queue keeps (PubSubHost.pushQueued).
 */
import { Cmd, Errors, type CommandSpec, type ReplySink } from "@tessera/proto";
import { bytesOf, nameOf, PubSubRegistry } from "./pubsub.js";
import { pushHeader } from "./routing/reply-buffer.js";
import { PUSH_TAG, type ClientSession, type ReplyTarget } from "./session.js";

/** What the commands need of the router. */
export interface PubSubHost {
  /** Writes a reply (one or more values) in order with the session's other replies. */
  replyWith(session: ClientSession, out: ReplyTarget, tag: number, write: (sink: ReplySink) => void): void;
  /** Queues a message behind the replies the session is still owed. */
  pushQueued(session: ClientSession, out: ReplyTarget, write: (sink: ReplySink) => void): void;
  /** INFO commandstats / SLOWLOG. */
  record(spec: CommandSpec, us: number, failed: boolean, argv: readonly Uint8Array[], session: ClientSession): void;
}

const MESSAGE = Buffer.from("message");
const PMESSAGE = Buffer.from("pmessage");

export class PubSubCommands {
  readonly registry = new PubSubRegistry();
  /** Messages handed to subscribers since start (one per receiver). */
  delivered = 0;

  constructor(private readonly host: PubSubHost) {}

  /** The session leaves every channel and pattern (it closes, QUITs or RESETs). */
  leave(session: ClientSession): void {
    if (session.subscribed) this.registry.removeSession(session);
  }

  /** SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE, PUNSUBSCRIBE, PUBLISH, PUBSUB. */
  command(session: ClientSession, spec: CommandSpec, argv: readonly Uint8Array[], out: ReplyTarget, tag: number): void {
    const start = performance.now();
    let failed = false;
    if (spec.id === Cmd.PUBLISH) {
      // Delivered first: a publisher subscribed to its own channel (RESP3) gets the message
      // before PUBLISH's reply, as from Redis.
      const n = this.publish(argv[1]!, argv[2]!);
      this.host.replyWith(session, out, tag, (sink) => sink.integer(n));
    } else {
      this.host.replyWith(session, out, tag, (sink) => {
        failed = !this.run(session, spec, argv, sink, out);
      });
    }
    this.host.record(spec, (performance.now() - start) * 1000, failed, argv, session);
  }

  /** Writes the command's reply (several values for (P)(UN)SUBSCRIBE, as Redis sends). False on an error reply. */
  run(session: ClientSession, spec: CommandSpec, argv: readonly Uint8Array[], sink: ReplySink, target: ReplyTarget | null): boolean {
    const registry = this.registry;
    const confirm = (kind: string, name: Uint8Array | null): void => {
      pushHeader(sink, 3);
      const k = Buffer.from(kind);
      sink.bulk(k, 0, k.length);
      if (name === null) sink.nil();
      else sink.bulk(name, 0, name.length);
      sink.integer(session.channelCount + session.patternCount);
    };
    switch (spec.id) {
      case Cmd.PUBLISH:
        sink.integer(this.publish(argv[1]!, argv[2]!));
        return true;
    }
    // RESP answers (P)(UN)SUBSCRIBE with one value per name, as Redis; the native protocol has
    // one reply per request, so there they come as one array of those values.
    const native = session.protocol === "native";
    switch (spec.id) {
      case Cmd.SUBSCRIBE:
      case Cmd.PSUBSCRIBE: {
        if (target === null) {
          sink.error("ERR", `${spec.name} cannot run inside a transaction`);
          return false;
        }
        session.pushTarget = target;
        const pattern = spec.id === Cmd.PSUBSCRIBE;
        if (native) sink.array(argv.length - 1);
        for (let i = 1; i < argv.length; i++) {
          if (pattern) registry.psubscribe(session, nameOf(argv[i]!));
          else registry.subscribe(session, nameOf(argv[i]!));
          confirm(pattern ? "psubscribe" : "subscribe", argv[i]!);
        }
        return true;
      }
      case Cmd.UNSUBSCRIBE:
      case Cmd.PUNSUBSCRIBE: {
        const pattern = spec.id === Cmd.PUNSUBSCRIBE;
        const kind = pattern ? "punsubscribe" : "unsubscribe";
        const names = argv.length > 1 ? argv.slice(1).map(nameOf) : [...((pattern ? session.patterns : session.channels) ?? [])];
        if (native) sink.array(Math.max(1, names.length));
        if (names.length === 0) {
          confirm(kind, null);
          return true;
        }
        for (const name of names) {
          if (pattern) registry.punsubscribe(session, name);
          else registry.unsubscribe(session, name);
          confirm(kind, bytesOf(name));
        }
        return true;
      }
      case Cmd.PUBSUB:
        return this.introspect(argv, sink);
    }
    throw new Error(`PubSubCommands.run: ${spec.name} is not a pub/sub command`);
  }

  private introspect(argv: readonly Uint8Array[], sink: ReplySink): boolean {
    const sub = Buffer.from(argv[1]!).toString("latin1").toUpperCase();
    const registry = this.registry;
    if (sub === "CHANNELS" && argv.length <= 3) {
      const channels = registry.activeChannels(argv.length === 3 ? argv[2]! : null);
      sink.array(channels.length);
      for (const c of channels) {
        const b = bytesOf(c);
        sink.bulk(b, 0, b.length);
      }
      return true;
    }
    if (sub === "NUMSUB") {
      sink.array((argv.length - 2) * 2);
      for (let i = 2; i < argv.length; i++) {
        sink.bulk(argv[i]!, 0, argv[i]!.length);
        sink.integer(registry.subscribers(nameOf(argv[i]!)));
      }
      return true;
    }
    if (sub === "NUMPAT" && argv.length === 2) {
      sink.integer(registry.patternCount);
      return true;
    }
    if (sub === "HELP" && argv.length === 2) {
      const lines = [
        "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "CHANNELS [<pattern>]",
        "    Return the currently active channels matching a <pattern> (default: '*').",
        "NUMPAT",
        "    Return number of subscriptions to patterns.",
        "NUMSUB [<channel> ...]",
        "    Return the number of subscribers for the specified channels, excluding",
        "    pattern subscriptions(default: no channels).",
        "HELP",
        "    Prints this help.",
      ];
      sink.array(lines.length);
      for (const l of lines) sink.status(l);
      return true;
    }
    const known = ["CHANNELS", "NUMSUB", "NUMPAT", "HELP"].includes(sub);
    sink.error("ERR", known ? Errors.wrongArity(`pubsub|${sub.toLowerCase()}`) : `unknown subcommand '${Buffer.from(argv[1]!).toString("latin1")}'. Try PUBSUB HELP.`);
    return false;
  }

  /**
   * PUBLISH: delivers to every receiver now; returns how many. The RESP frame of the message is
   * encoded once per publish (and pattern), not once per subscriber.
   */
  publish(channel: Uint8Array, message: Uint8Array): number {
    let frame: Buffer | null = null;
    let patternFrames: Map<Buffer, Buffer> | null = null;
    const frameFor = (pattern: Buffer | null): Buffer => {
      if (pattern === null) return (frame ??= respPushFrame([MESSAGE, channel, message]));
      let f = (patternFrames ??= new Map()).get(pattern);
      if (f === undefined) patternFrames.set(pattern, (f = respPushFrame([PMESSAGE, pattern, channel, message])));
      return f;
    };
    return this.registry.publish(channel, (s, pattern) => this.deliverMessage(s, pattern, channel, message, frameFor));
  }

  /** One message to one subscriber, after every reply it is still owed (its order is kept). */
  private deliverMessage(s: ClientSession, pattern: Buffer | null, channel: Uint8Array, message: Uint8Array, frameFor: (pattern: Buffer | null) => Buffer): void {
    const out = s.pushTarget;
    if (s.closed || s.closeAfterReply || out === null) return;
    this.delivered++;
    const raw = out as ReplyTarget & Partial<RespPushTarget>;
    if (s.head === null && raw.pushFrame !== undefined) {
      raw.pushFrame(frameFor(pattern));
      return;
    }
    const write = (sink: ReplySink): void => {
      pushHeader(sink, pattern === null ? 3 : 4);
      const kind = pattern === null ? MESSAGE : PMESSAGE;
      sink.bulk(kind, 0, kind.length);
      if (pattern !== null) sink.bulk(pattern, 0, pattern.length);
      sink.bulk(channel, 0, channel.length);
      sink.bulk(message, 0, message.length);
    };
    if (s.head === null) {
      out.beginReply(PUSH_TAG);
      write(out);
      out.endReply(PUSH_TAG);
      return;
    }
    this.host.pushQueued(s, out, write);
  }
}

/** A front end that takes a pub/sub message already encoded as RESP2 (the RESP connection). */
export interface RespPushTarget {
  /** Appends the frame (as a RESP3 push where the connection speaks RESP3) and schedules the write. */
  pushFrame(resp2Frame: Uint8Array): void;
}

/** A RESP2 array of bulk strings: `*n`, then `$len` and the bytes of each part. */
function respPushFrame(parts: readonly Uint8Array[]): Buffer {
  let size = 3 + String(parts.length).length;
  for (const p of parts) size += 5 + String(p.length).length + p.length;
  const out = Buffer.allocUnsafe(size);
  let at = out.write(`*${parts.length}\r\n`, 0, "latin1");
  for (const p of parts) {
    at += out.write(`$${p.length}\r\n`, at, "latin1");
    out.set(p, at);
    at += p.length;
    out[at++] = 13;
    out[at++] = 10;
  }
  return out.subarray(0, at);
}

