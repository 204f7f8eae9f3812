/**
 * Pub/sub: which sessions listen to which channels and patterns, and the messages' shapes.
 *
 * Everything lives on the router thread: PUBLISH, SUBSCRIBE and friends never touch a partition,
 * so a message goes from the publisher's socket to the subscribers' sockets within one turn of
 * the router's event loop. Messages are pushes (RESP3 `>`, RESP2 arrays, as Redis sends them);
 * the native protocol has no push frame yet, so subscribing is served on the RESP port.
 * Delivery is at most once, like Redis's: a subscriber that disconnects misses what was
 * published meanwhile.
 */
import { globMatch } from "./server-commands/glob.js";
import type { ClientSession } from "./session.js";

/** Channel and pattern names are binary-safe: kept as latin1 strings (one char per byte). */
export const nameOf = (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1");
export const bytesOf = (name: string): Buffer => Buffer.from(name, "latin1");

export class PubSubRegistry {
  private readonly channels = new Map<string, Set<ClientSession>>();
  private readonly patterns = new Map<string, { bytes: Buffer; sessions: Set<ClientSession> }>();

  /** Adds the subscription; false when the session had it already. */
  subscribe(session: ClientSession, channel: string): boolean {
    const mine = (session.channels ??= new Set());
    if (mine.has(channel)) return false;
    mine.add(channel);
    let subs = this.channels.get(channel);
    if (subs === undefined) this.channels.set(channel, (subs = new Set()));
    subs.add(session);
    return true;
  }

  unsubscribe(session: ClientSession, channel: string): void {
    session.channels?.delete(channel);
    const subs = this.channels.get(channel);
    if (subs === undefined) return;
    subs.delete(session);
    if (subs.size === 0) this.channels.delete(channel);
  }

  psubscribe(session: ClientSession, pattern: string): boolean {
    const mine = (session.patterns ??= new Set());
    if (mine.has(pattern)) return false;
    mine.add(pattern);
    let p = this.patterns.get(pattern);
    if (p === undefined) this.patterns.set(pattern, (p = { bytes: bytesOf(pattern), sessions: new Set() }));
    p.sessions.add(session);
    return true;
  }

  punsubscribe(session: ClientSession, pattern: string): void {
    session.patterns?.delete(pattern);
    const p = this.patterns.get(pattern);
    if (p === undefined) return;
    p.sessions.delete(session);
    if (p.sessions.size === 0) this.patterns.delete(pattern);
  }

  /** A closed connection leaves every channel and pattern. */
  removeSession(session: ClientSession): void {
    for (const c of session.channels ?? []) this.unsubscribe(session, c);
    for (const p of session.patterns ?? []) this.punsubscribe(session, p);
    session.channels = null;
    session.patterns = null;
  }

  /**
   * Calls `deliver` once per receiver: each session subscribed to the channel, then each
   * (session, pattern) whose pattern matches it, as Redis counts them. Returns the count.
   */
  publish(channel: Uint8Array, deliver: (session: ClientSession, pattern: Buffer | null) => void): number {
    let n = 0;
    const subs = this.channels.get(nameOf(channel));
    if (subs !== undefined) {
      for (const s of subs) {
        deliver(s, null);
        n++;
      }
    }
    for (const p of this.patterns.values()) {
      if (!globMatch(p.bytes, channel)) continue;
      for (const s of p.sessions) {
        deliver(s, p.bytes);
        n++;
      }
    }
    return n;
  }

  /** PUBSUB CHANNELS [pattern]: channels with at least one subscriber. */
  activeChannels(pattern: Uint8Array | null): string[] {
    const out: string[] = [];
    for (const c of this.channels.keys()) if (pattern === null || globMatch(pattern, bytesOf(c))) out.push(c);
    return out;
  }

  subscribers(channel: string): number {
    return this.channels.get(channel)?.size ?? 0;
  }

  get channelCount(): number {
    return this.channels.size;
  }

  get patternCount(): number {
    return this.patterns.size;
  }
}
