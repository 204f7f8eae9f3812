/**
 * A client connection as the router sees it, whatever the protocol. Front ends (native, RESP)
 * open one per connection with `Router.openSession`, call `Router.execute` per command and
 * `Router.closeSession` when the socket goes away.
 *
 * Ordering contract: replies of one session complete in submission order, even though the
 * partitions behind them answer at different times. The router calls
 * `target.beginReply(tag)`, then writes exactly one reply into the target (it is a
 * `ReplySink`), then `target.endReply(tag)`; `tag` is whatever the front end passed to
 * `execute` (the native front end passes its request id; RESP can pass 0).
 */
import type { ReplySink } from "@tessera/proto";

import type { ErrorTally } from "./error-tally.js";
import type { QueuedTransaction } from "./transaction.js";

export type SessionProtocol = "native" | "resp";

/** What server commands (H5's server-commands) may read and change about a connection. */
export interface Session {
  readonly id: number;
  readonly protocol: SessionProtocol;
  respVersion: 2 | 3;
  name: string | null;
  readonly remoteAddress: string;
  /** The server's end of the connection (host:port), "" when unknown. */
  readonly localAddress: string;
  readonly createdAtMs: number;
  /** Set by QUIT (and the like): the front end closes the connection after this reply is written. */
  closeAfterReply: boolean;
  /**
   * False while the server has a password (--requirepass) and this connection has not given
   * it; set by AUTH / HELLO AUTH. The router refuses every command without the NO_AUTH flag
   * with NOAUTH until then. True from the start when the server has no password.
   */
  authenticated: boolean;
  /** When the client last sent a request (ms since the epoch): CLIENT LIST's idle=. */
  readonly lastActiveMs: number;
  /** Commands queued since MULTI, or -1 outside a transaction: CLIENT LIST's multi=. */
  readonly queuedCommands: number;
  /** Distinct keys WATCHed: CLIENT LIST's watch=. */
  readonly watchedKeyCount: number;
  /** Channels and patterns subscribed: CLIENT LIST's sub= and psub=. */
  readonly channelCount: number;
  readonly patternCount: number;
  /**
   * Closes this connection now, dropping replies still owed to it (CLIENT KILL of another
   * connection). A connection killing itself sets closeAfterReply instead.
   */
  kill(): void;
}

/** The tag of a pub/sub message written to a subscriber (beginReply/endReply): it answers no request. */
export const PUSH_TAG = -1;

/** Where the router writes a session's replies, in order. */
export interface ReplyTarget extends ReplySink {
  /** The reply of the request submitted with `tag` starts now. */
  beginReply(tag: number): void;
  /** The reply of the request submitted with `tag` is complete. */
  endReply(tag: number): void;
}

/**
 * The router's per-connection state. Front ends read `pendingReplies` for backpressure and
 * must treat the fields marked internal as the router's.
 */
export class ClientSession implements Session {
  respVersion: 2 | 3 = 2;
  name: string | null = null;
  closeAfterReply = false;
  localAddress = "";
  /** True once the front end closed the session; late replies are dropped. */
  closed = false;
  /** Set by the front end on each read (one Date.now() per read, not per request). */
  lastActiveMs: number;
  /** The front end's way to close the connection (kill()); null until it sets one. */
  onKill: (() => void) | null = null;
  /** Requests executed and not yet replied to (what backpressure limits). */
  pendingReplies = 0;
  /** Where the front end counts the error replies it writes (the router's; null: not counted). */
  errorReplies: ErrorTally | null = null;
  /** Between MULTI and EXEC/DISCARD: the queued commands (router/transaction.ts). */
  transaction: QueuedTransaction | null = null;
  /** The partition holding this session's WATCHed keys' versions; -1 when it watches none. */
  watchPartition = -1;
  /** The keys WATCHed (latin1), for CLIENT LIST; null when none. */
  watchedKeys: Set<string> | null = null;
  /** Pub/sub (pubsub.ts): channels and patterns subscribed (latin1), null when none. */
  channels: Set<string> | null = null;
  patterns: Set<string> | null = null;
  /** Where pushed messages go: the connection that subscribed. */
  pushTarget: ReplyTarget | null = null;

  get channelCount(): number {
    return this.channels === null ? 0 : this.channels.size;
  }

  get patternCount(): number {
    return this.patterns === null ? 0 : this.patterns.size;
  }

  /** Subscribed to anything: a RESP2 connection is then in Redis's "subscribed" mode. */
  get subscribed(): boolean {
    return this.channelCount + this.patternCount > 0;
  }

  get queuedCommands(): number {
    return this.transaction === null ? -1 : this.transaction.commands.length;
  }

  get watchedKeyCount(): number {
    return this.watchedKeys === null ? 0 : this.watchedKeys.size;
  }
  /** @internal Oldest request whose reply has not gone out (the reply queue is a linked list). */
  head: PendingLink | null = null;
  /** @internal Newest request. */
  tail: PendingLink | null = null;

  constructor(
    readonly id: number,
    readonly protocol: SessionProtocol,
    readonly remoteAddress: string,
    readonly createdAtMs: number,
    /** See Session.authenticated; a constructor field so every session has the same shape. */
    public authenticated: boolean,
  ) {
    this.lastActiveMs = createdAtMs;
  }

  kill(): void {
    if (this.onKill !== null) this.onKill();
  }
}

/** @internal The link field the router's pending requests carry. */
export interface PendingLink {
  next: PendingLink | null;
}
