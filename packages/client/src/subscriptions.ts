/**
 * Pub/sub on the native port: the client's channel and pattern listeners, fed by push frames
 * (proto/tessera.proto: Reply.push), and sent again after a reconnect, so a subscription
 * outlives a dropped connection (messages published while it was down are missed: pub/sub is
 * at most once).
 */
import type { Reply, RequestArg } from "@tessera/proto";
import { TesseraError } from "./errors.js";

export type MessageListener = (message: Buffer, channel: Buffer) => void;
export type PatternMessageListener = (message: Buffer, channel: Buffer, pattern: Buffer) => void;

type Send = (name: string, args: readonly RequestArg[]) => Promise<Reply>;

const latin1 = (b: Uint8Array): string => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");
const bytes = (s: string | Uint8Array): Buffer => (typeof s === "string" ? Buffer.from(s, "utf8") : Buffer.from(s));

export class Subscriptions {
  private readonly channels = new Map<string, Set<MessageListener>>();
  private readonly patterns = new Map<string, Set<PatternMessageListener>>();

  constructor(private readonly send: Send) {}

  subscribe(names: readonly (string | Uint8Array)[], listener: MessageListener): Promise<void> {
    return this.add(this.channels, "SUBSCRIBE", names, listener);
  }

  psubscribe(names: readonly (string | Uint8Array)[], listener: PatternMessageListener): Promise<void> {
    return this.add(this.patterns, "PSUBSCRIBE", names, listener);
  }

  /** Drops every listener of these channels (all channels without arguments). */
  unsubscribe(names: readonly (string | Uint8Array)[]): Promise<void> {
    return this.remove(this.channels, "UNSUBSCRIBE", names);
  }

  punsubscribe(names: readonly (string | Uint8Array)[]): Promise<void> {
    return this.remove(this.patterns, "PUNSUBSCRIBE", names);
  }

  /** Adds the listener; asks the server only for names not subscribed yet. */
  private async add<L>(map: Map<string, Set<L>>, command: string, names: readonly (string | Uint8Array)[], listener: L): Promise<void> {
    const keys = names.map((n) => latin1(bytes(n)));
    const fresh = keys.filter((k) => !map.has(k));
    for (const k of keys) {
      let set = map.get(k);
      if (set === undefined) map.set(k, (set = new Set()));
      set.add(listener);
    }
    if (fresh.length === 0) return;
    try {
      await this.request(command, fresh);
    } catch (e) {
      // Refused: these names are not subscribed, so a later call must ask the server again.
      for (const k of fresh) map.delete(k);
      throw e;
    }
  }

  private async remove<L>(map: Map<string, Set<L>>, command: string, names: readonly (string | Uint8Array)[]): Promise<void> {
    const keys = names.length === 0 ? [...map.keys()] : names.map((n) => latin1(bytes(n)));
    for (const k of keys) map.delete(k);
    if (keys.length > 0) await this.request(command, keys);
  }

  /** A push frame: ["message", channel, payload] or ["pmessage", pattern, channel, payload]. */
  onPush(value: Reply): void {
    if (value.kind !== "array" || value.items.length < 3) return;
    const kind = value.items[0]!;
    if (kind.kind !== "bulk") return;
    const word = latin1(kind.value);
    const at = (i: number): Buffer | null => {
      const r = value.items[i];
      return r !== undefined && r.kind === "bulk" ? Buffer.from(r.value) : null;
    };
    if (word === "message") {
      const channel = at(1);
      const message = at(2);
      if (channel === null || message === null) return;
      for (const l of this.channels.get(channel.toString("latin1")) ?? []) l(message, channel);
    } else if (word === "pmessage") {
      const pattern = at(1);
      const channel = at(2);
      const message = at(3);
      if (pattern === null || channel === null || message === null) return;
      for (const l of this.patterns.get(pattern.toString("latin1")) ?? []) l(message, channel, pattern);
    }
  }

  /** After a reconnect: the new connection subscribes to everything again. */
  resubscribe(): void {
    const fail = (): void => {}; // a failure here surfaces on the next call; nothing awaits this
    if (this.channels.size > 0) this.request("SUBSCRIBE", [...this.channels.keys()]).catch(fail);
    if (this.patterns.size > 0) this.request("PSUBSCRIBE", [...this.patterns.keys()]).catch(fail);
  }

  private async request(name: string, keys: readonly string[]): Promise<void> {
    const r = await this.send(name, keys.map((k) => Buffer.from(k, "latin1")));
    if (r.kind === "error") throw new TesseraError(r.code, r.message);
  }
}
