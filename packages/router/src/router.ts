/**
 * The router core: takes one parsed command of one session, decides which partitions run it,
 * hands the parts to the partitions, and writes the (merged) reply into the session's
 * ReplyTarget once every earlier reply of that session has gone out.
 *
 * Hot path (GET/SET): arity check, crc16 of the key, one token, one submit; the reply is
 * decoded straight into the front end's sink when the request is the session's oldest, which
 * is the common case. Out-of-order replies are parked as bytes in a pooled ReplyBuffer.
 * Multi-partition commands (MGET/MSET/DEL/EXISTS across partitions, DBSIZE, FLUSHALL, KEYS,
 * SCAN) collect each part and merge them; that path allocates and is not the hot one.
 *
 * Tokens: every in-flight part holds a u32 token that indexes flat tables (request, part), so
 * a reply finds its request without a Map lookup or a closure.
 */
import {
  arityOk,
  Cmd,
  COMMANDS,
  CollectingSink,
  CommandFlag,
  Errors,
  type CommandSpec,
  type ErrorCode,
  type Reply,
  type ReplySink,
  writeReply,
} from "@tessera/proto";
import type { ServerConfig } from "./config.js";
import type { PartitionFactory, PartitionPort, PartitionTraffic, ReplyDecoder } from "./partition-port.js";
import { firstError } from "./routing/reply-values.js";
import { ReplyBuffer } from "./routing/reply-buffer.js";
import { parseScanArgs, type ScanArgs } from "./routing/scan-args.js";
import { encodeScanCursor } from "./routing/scan-cursor.js";
import { mergeScanPages, mergeSortedKeyLists } from "./routing/scan-merge.js";
import { SlotMap } from "./routing/slot-map.js";
import type { CommandStatsRow, RuntimeConfig, ServerCommandHandler, ServerContext, ServerStats } from "./server-context.js";
import { ClientSession, PUSH_TAG, type ReplyTarget, type SessionProtocol } from "./session.js";
import { ErrorTally } from "./error-tally.js";
import { CommandTiming, mergeCommandStats } from "./partition/command-timing.js";
import { redactSecrets, Slowlog, type SlowCommand } from "./slowlog.js";
import { ErrorWatchSink, MapErrorWatchSink } from "./routing/error-watch-sink.js";
import { PubSubCommands } from "./pubsub-commands.js";
import { copyArgv, encodeExecArgv, MAX_TRANSACTION_COMMANDS, MAX_TRANSACTION_FRAMES, QueuedTransaction, TransactionErrors } from "./transaction.js";

export interface RouterOptions {
  config: ServerConfig;
  /** Builds partition `id` (server.ts passes H4a's PartitionHost; tests pass fakes). */
  createPartition: PartitionFactory;
  /** Decoder of the partitions' internal reply encoding (H4a's decodeReply). */
  decodeReply: ReplyDecoder;
  /** Handler of route "router" commands (H5's executeServerCommand). */
  executeServerCommand: ServerCommandHandler;
  /** Called when a partition worker died and is being restarted (logging). */
  onPartitionExit?: (partitionId: number, error: Error) => void;
}

/** How the parts of a fanned-out command are put back together. */
const MergeKind = { Mget: 0, Sum: 1, Ok: 2, Keys: 3, Scan: 4, First: 5, Min: 6, Random: 7, Exec: 8 } as const;
type MergeKind = (typeof MergeKind)[keyof typeof MergeKind];

/** Parts of a command that runs on several partitions. Allocated per command: not the hot path. */
class Fanout {
  readonly sinks: CollectingSink[] = [];
  /** MGET: for each part, the index (0-based among the keys) of each key it was given. */
  readonly keyIndexes: number[][] = [];
  /**
   * EXEC with router-run commands: runs them (once the partition's part ran: PUBLISH must not go
   * out for a transaction a failed WATCH cancelled) and returns, per queued command, the router's
   * reply, or null where the partition's array supplies the next element.
   */
  execRouterRun: (() => (Reply | null)[]) | null = null;
  /**
   * EXEC, once its partition answered (prepareExec): the partition's reply and, when it ran,
   * the router-run commands' replies. Computed before EXEC's reply is begun, so a PUBLISH to the
   * client's own channel queues its message behind that reply instead of writing into it.
   */
  execPrepared: { partition: Reply; router: (Reply | null)[] | null } | null = null;
  constructor(
    readonly kind: MergeKind,
    /** MGET: number of keys; SCAN: page limit. */
    readonly size: number,
  ) {}
}

/** One submitted command awaiting its reply; pooled and reused. */
class PendingRequest {
  /** Next request of the same session (the session's reply queue is a linked list). */
  next: PendingRequest | null = null;
  /** null once the session closed: the reply is dropped when it arrives. */
  session: ClientSession | null = null;
  target: ReplyTarget | null = null;
  tag = 0;
  /** Parts whose replies have not arrived. */
  partsMissing = 0;
  /** The reply is complete and parked in `buffer`, waiting for earlier replies of the session. */
  done = false;
  fanout: Fanout | null = null;
  readonly buffer = new ReplyBuffer();
}

const INITIAL_TOKENS = 1024;
/** Hard bound on in-flight parts across all sessions (maxclients x max-inflight is far below in practice). */
const MAX_TOKENS = 1 << 22;
/** Closed sessions whose address a late slowlog entry may still need. */
const RECENTLY_CLOSED_KEPT = 1024;
/** Idle PendingRequests kept for reuse. */
const POOL_MAX = 4096;

/** How the router answered a transaction command: what INFO commandstats counts where. */
const enum TxnOutcome {
  /** Answered by the router. */
  Answered,
  /** Answered by the router with an error (failed_calls). */
  Failed,
  /** Refused before it ran (rejected_calls, counted where refused). */
  Rejected,
  /** Sent to a partition, which counts it. */
  Sent,
}

/** What a RESP2 connection may send while subscribed (Redis's "subscribed mode"). */
const ALLOWED_WHILE_SUBSCRIBED = new Set(["SUBSCRIBE", "UNSUBSCRIBE", "PSUBSCRIBE", "PUNSUBSCRIBE", "PING", "QUIT", "RESET"]);
const PONG = Buffer.from("pong");
const EMPTY = Buffer.alloc(0);

const LIMIT = Buffer.from("LIMIT");
const UNWATCH_ARGV: readonly Uint8Array[] = [Buffer.from("UNWATCH")];
const CURSOR = Buffer.from("CURSOR");
const MATCH = Buffer.from("MATCH");

export class Router implements ServerContext {
  readonly config: Readonly<ServerConfig>;
  readonly partitions: number;
  readonly startedAtMs = Date.now();
  readonly slotMap: SlotMap;

  private readonly ports: PartitionPort[] = [];
  private readonly decode: ReplyDecoder;
  private readonly serverCommand: ServerCommandHandler;
  private readonly onPartitionExit: ((id: number, error: Error) => void) | undefined;
  private readonly liveSessions = new Map<number, ClientSession>();
  private nextSessionId = 1;

  // Token tables: token -> request, token -> part index. freeTokens is a stack.
  private tokenRequest: (PendingRequest | null)[] = new Array(INITIAL_TOKENS).fill(null);
  private tokenPart = new Int32Array(INITIAL_TOKENS);
  private freeTokens = new Uint32Array(INITIAL_TOKENS);
  private freeCount = 0;
  private tokensInUse = 0;

  private readonly pool: PendingRequest[] = [];

  private commandsProcessed = 0;
  private connectionsReceived = 0;
  private rejectedConnections = 0;
  private outputBufferDisconnections = 0;
  private partitionRestarts = 0;
  private started = false;
  /** Error replies sent to clients, by code (INFO errorstats). */
  readonly errorReplies = new ErrorTally();
  /** SLOWLOG: partitions' slow commands and the router's own. */
  readonly slowlog: Slowlog;
  /** Figures of the commands the router runs itself (INFO, CONFIG, CLIENT ...). */
  private readonly routerTiming = new CommandTiming();
  /** Commands refused before they ran (arity, NOAUTH, CROSSSLOT, BUSY), by command id. */
  private readonly rejectedCalls = new Float64Array(COMMANDS.length);
  /** Reused around each router-run command to see whether it answered an error. */
  private readonly errorWatch = new ErrorWatchSink();
  private readonly mapErrorWatch = new MapErrorWatchSink();
  /**
   * Address and name of the last sessions to close, by id: a partition's slow command may
   * arrive after its client left, and its slowlog entry still names the client, as in Redis.
   */
  private readonly recentlyClosed = new Map<number, { remoteAddress: string; name: string | null }>();

  constructor(options: RouterOptions) {
    this.config = options.config;
    this.partitions = options.config.partitions;
    this.slotMap = new SlotMap(this.partitions);
    this.decode = options.decodeReply;
    this.serverCommand = options.executeServerCommand;
    this.onPartitionExit = options.onPartitionExit;
    for (let i = INITIAL_TOKENS - 1; i >= 0; i--) this.freeTokens[this.freeCount++] = i;
    this.slowlog = new Slowlog(options.config.slowlogMaxLen);
    const callbacks = {
      onReply: (token: number, reply: Uint8Array, offset: number) => this.onReply(token, reply, offset),
      onExit: (id: number, error: Error) => this.onExit(id, error),
      onSlowCommands: (entries: SlowCommand[], dropped: number) => this.onSlowCommands(entries, dropped),
    };
    for (let p = 0; p < this.partitions; p++) this.ports.push(options.createPartition(p, callbacks));
  }

  /** Starts every partition (in parallel: each recovers its own data). */
  async start(): Promise<void> {
    if (this.started) throw new Error("Router.start: already started");
    this.started = true;
    await Promise.all(this.ports.map((p) => p.start()));
  }

  /** Closes every partition. Call after the front ends stopped and `drain` resolved. */
  async stop(): Promise<void> {
    await Promise.all(this.ports.map((p) => p.close()));
  }

  /** Resolves when no part is in flight, or after `timeoutMs` (returns whether it drained). */
  async drain(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (this.tokensInUse > 0) {
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 5));
    }
    return true;
  }

  /** Parts submitted to partitions and not answered yet. */
  get inFlight(): number {
    return this.tokensInUse;
  }

  // ---- sessions ----------------------------------------------------------------------

  openSession(protocol: SessionProtocol, remoteAddress: string, localAddress = ""): ClientSession {
    // Without a password every connection starts authenticated (Redis's "nopass" default user).
    const s = new ClientSession(this.nextSessionId++, protocol, remoteAddress, Date.now(), this.config.requirepass === "");
    s.localAddress = localAddress;
    s.errorReplies = this.errorReplies;
    this.liveSessions.set(s.id, s);
    this.connectionsReceived++;
    return s;
  }

  /**
   * Runs one command for the server itself (the admin API), already authorized, in a session of
   * its own that lives for that command (CLIENT LIST shows it meanwhile, named "admin-http").
   */
  runInternal(argv: readonly Uint8Array[], spec: CommandSpec): Promise<Reply> {
    return new Promise((resolve) => {
      const session = new ClientSession(this.nextSessionId++, "native", "admin-http", Date.now(), true);
      session.name = "admin-http";
      this.liveSessions.set(session.id, session);
      const sink = new CollectingSink();
      const target: ReplyTarget = Object.assign(sink, {
        beginReply: () => {},
        endReply: () => {
          this.closeSession(session);
          resolve(sink.take()[0]!);
        },
      });
      this.execute(session, spec, argv, target);
    });
  }

  /** The connection is gone: replies still in flight for it are dropped when they arrive. */
  closeSession(session: ClientSession): void {
    if (session.closed) return;
    session.closed = true;
    session.transaction = null;
    this.pubsub.leave(session);
    session.pushTarget = null;
    if (session.watchPartition >= 0) this.forgetWatches(session);
    this.liveSessions.delete(session.id);
    this.recentlyClosed.set(session.id, { remoteAddress: session.remoteAddress, name: session.name });
    if (this.recentlyClosed.size > RECENTLY_CLOSED_KEPT) this.recentlyClosed.delete(this.recentlyClosed.keys().next().value!);
    let req = session.head as PendingRequest | null;
    while (req !== null) {
      const next = req.next;
      if (req.partsMissing === 0) this.release(req);
      else {
        req.session = null;
        req.target = null;
        req.next = null;
      }
      req = next;
    }
    session.head = session.tail = null;
    session.pendingReplies = 0;
  }

  /**
   * True when a connection's unsent reply bytes pass --client-output-buffer-limit: the front end
   * closes it. Counted for INFO and said on stderr (as Redis logs it), since the client only
   * sees a dropped socket.
   */
  outputBufferOverLimit(session: ClientSession, unsentBytes: number): boolean {
    const limit = this.config.clientOutputBufferLimitBytes;
    if (limit === 0 || unsentBytes <= limit) return false;
    this.outputBufferDisconnections++;
    process.stderr.write(
      `tessera: closing connection ${session.remoteAddress}: ${unsentBytes} bytes of replies unsent, over ` +
        `--client-output-buffer-limit ${this.config.clientOutputBufferLimitBytes} (the client is not reading its replies)\n`,
    );
    return true;
  }

  /** A connection refused at accept (maxclients); counted for INFO. */
  noteRejectedConnection(): void {
    this.connectionsReceived++;
    this.rejectedConnections++;
  }

  get sessionCount(): number {
    return this.liveSessions.size;
  }

  sessions(): Iterable<ClientSession> {
    return this.liveSessions.values();
  }

  applyConfig(changes: Partial<RuntimeConfig>): void {
    // The config object is the server's own (readonly to everything else): listeners read
    // maxClients from it on each accept, INFO and CONFIG GET show it.
    const config = this.config as ServerConfig;
    if (changes.maxClients !== undefined) config.maxClients = changes.maxClients;
    // Connections opened from now on need the new password; open ones stay authenticated (Redis).
    if (changes.requirepass !== undefined) config.requirepass = changes.requirepass;
    if (changes.fsync !== undefined) {
      config.fsync = changes.fsync;
      for (const port of this.ports) port.setFsync?.(changes.fsync);
    }
    if (changes.slowlogLogSlowerThanUs !== undefined || changes.slowlogMaxLen !== undefined) {
      if (changes.slowlogLogSlowerThanUs !== undefined) config.slowlogLogSlowerThanUs = changes.slowlogLogSlowerThanUs;
      if (changes.slowlogMaxLen !== undefined) config.slowlogMaxLen = changes.slowlogMaxLen;
      this.slowlog.setMaxLen(config.slowlogMaxLen);
      for (const port of this.ports) port.setSlowlog?.(config.slowlogLogSlowerThanUs, config.slowlogMaxLen);
    }
    if (changes.maxMemoryBytes !== undefined) {
      config.maxMemoryBytes = changes.maxMemoryBytes;
      // Each partition gets an equal share, as at start (server.ts).
      const share = changes.maxMemoryBytes === 0 ? 0 : Math.max(1, Math.floor(changes.maxMemoryBytes / this.partitions));
      for (const port of this.ports) port.setMaxMemory?.(share);
    }
  }

  stats(): ServerStats {
    return {
      commandsProcessed: this.commandsProcessed,
      connectionsReceived: this.connectionsReceived,
      rejectedConnections: this.rejectedConnections,
      outputBufferDisconnections: this.outputBufferDisconnections,
      pubsubChannels: this.pubsub.registry.channelCount,
      pubsubPatterns: this.pubsub.registry.patternCount,
      pubsubDelivered: this.pubsub.delivered,
      partitions: this.ports.map((p) => p.stats?.() ?? { keys: 0, keysWithExpiry: 0, usedBytes: 0, reservedBytes: 0, expiredKeys: 0 }),
      traffic: this.traffic(),
    };
  }

  private traffic(): PartitionTraffic | undefined {
    let sum: PartitionTraffic | undefined;
    for (const port of this.ports) {
      const t = port.traffic?.();
      if (t === undefined) continue;
      sum ??= { requests: 0, batches: 0, wakeups: 0, rescues: 0 };
      sum.requests += t.requests;
      sum.batches += t.batches;
      sum.wakeups += t.wakeups;
      sum.rescues += t.rescues;
    }
    return sum;
  }

  get restarts(): number {
    return this.partitionRestarts;
  }

  /** Bytes waiting in each partition's rings (admin /metrics). */
  ringStats(): { requestRingUsedBytes: number; responseRingUsedBytes: number }[] {
    return this.ports.map((p) => p.ringStats?.() ?? { requestRingUsedBytes: 0, responseRingUsedBytes: 0 });
  }

  /** Partitions whose worker is up and serving (admin /health); fakes without the figure count as up. */
  get partitionsRunning(): number {
    return this.ports.filter((p) => p.running !== false).length;
  }

  // ---- execution ---------------------------------------------------------------------

  /**
   * Runs one command for a session. The reply is written into `out` (between
   * `out.beginReply(tag)` and `out.endReply(tag)`) when ready, after every reply of this
   * session submitted before it. May write synchronously, before returning.
   */
  execute(session: ClientSession, spec: CommandSpec, argv: readonly Uint8Array[], out: ReplyTarget, tag = 0): void {
    if (session.closed) return;
    this.commandsProcessed++;
    const argc = argv.length;
    if (!arityOk(spec, argc) || (spec.keyStep > 1 && (argc - spec.firstKey) % spec.keyStep !== 0)) {
      this.rejectedCalls[spec.id]!++;
      if (session.transaction !== null) session.transaction.aborted = true;
      this.replyError(session, out, tag, "ERR", Errors.wrongArity(spec.name));
      return;
    }
    // The one authentication check, for both front ends: a single boolean on the hot path,
    // the flag test only for connections that have not authenticated. After the arity check,
    // as in Redis.
    if (!session.authenticated && (spec.flags & CommandFlag.NO_AUTH) === 0) {
      this.rejectedCalls[spec.id]!++;
      if (session.transaction !== null) session.transaction.aborted = true;
      this.replyError(session, out, tag, "NOAUTH", Errors.noAuth());
      return;
    }
    if (session.subscribed && session.respVersion === 2 && session.protocol === "resp" && !ALLOWED_WHILE_SUBSCRIBED.has(spec.name)) {
      this.rejectedCalls[spec.id]!++;
      this.replyError(session, out, tag, "ERR", `Can't execute '${spec.name.toLowerCase()}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context`);
      return;
    }
    if (spec.id === Cmd.RESET) {
      this.reset(session, spec, argv, out, tag);
      return;
    }
    if (spec.group === "transactions") {
      this.transactionCommand(session, spec, argv, out, tag);
      return;
    }
    if (spec.group === "pubsub" && session.transaction === null) {
      this.pubsub.command(session, spec, argv, out, tag);
      return;
    }
    if (spec.id === Cmd.PING && argv.length <= 2 && session.subscribed && session.respVersion === 2 && session.transaction === null) {
      // Subscribed RESP2 connections get PING's answer as a push-shaped array, as from Redis.
      const start = performance.now();
      this.replyWith(session, out, tag, (sink) => {
        sink.array(2);
        sink.bulk(PONG, 0, PONG.length);
        const m = argv.length > 1 ? argv[1]! : EMPTY;
        sink.bulk(m, 0, m.length);
      });
      this.routerTiming.record(spec.id, (performance.now() - start) * 1000, false, this.config.slowlogLogSlowerThanUs, argv, session.id);
      return;
    }
    if (session.transaction !== null && spec.id !== Cmd.QUIT) {
      this.queueInTransaction(session, session.transaction, spec, argv, out, tag);
      return;
    }
    if (this.tokensInUse + this.partitions > MAX_TOKENS && spec.route !== "router") {
      // The token table is full: refuse rather than grow without bound. Clients retry.
      this.rejectedCalls[spec.id]!++;
      this.replyError(session, out, tag, "BUSY", `more than ${MAX_TOKENS} requests in flight on this server; retry later`);
      return;
    }
    switch (spec.route) {
      case "single":
        this.routeSingle(session, spec, argv, out, tag);
        return;
      case "multi":
        this.routeMulti(session, spec, argv, out, tag);
        return;
      case "all":
        this.routeAll(session, spec, argv, out, tag);
        return;
      case "router":
        this.routeRouter(session, spec, argv, out, tag);
        return;
    }
  }

  /**
   * Completes a request with an error the front end found itself (unknown command, a frame
   * it could parse but not accept): it is queued like any reply, so order is kept.
   */
  replyError(session: ClientSession, out: ReplyTarget, tag: number, code: ErrorCode, message: string): void {
    this.replyWith(session, out, tag, (sink) => sink.error(code, message));
  }

  /**
   * A request the front end refused before it reached execute (an unknown command, a request it
   * could decode only in part): answered, and a queued transaction is aborted, as Redis does.
   */
  rejectRequest(session: ClientSession, out: ReplyTarget, tag: number, code: ErrorCode, message: string): void {
    if (session.transaction !== null) session.transaction.aborted = true;
    this.replyError(session, out, tag, code, message);
  }

  /** A status reply queued like any other, so order is kept. */
  private replyStatus(session: ClientSession, out: ReplyTarget, tag: number, text: string): void {
    this.replyWith(session, out, tag, (sink) => sink.status(text));
  }

  /** A reply written by `write` (one or more values), in order with the session's others. */
  private replyWith(session: ClientSession, out: ReplyTarget, tag: number, write: (sink: ReplySink) => void): void {
    if (session.closed) return;
    session.pendingReplies++;
    if (session.head === null) {
      out.beginReply(tag);
      write(out);
      this.endDirect(session, out, tag);
      return;
    }
    const req = this.enqueue(session, out, tag);
    write(req.buffer);
    req.done = true;
  }

  // ---- pub/sub (pubsub-commands.ts) ----------------------------------------------------

  readonly pubsub: PubSubCommands = new PubSubCommands({
    replyWith: (session, out, tag, write) => this.replyWith(session, out, tag, write),
    pushQueued: (session, out, write) => {
      session.pendingReplies++;
      const req = this.enqueue(session, out, PUSH_TAG);
      write(req.buffer);
      req.done = true;
    },
    record: (spec, us, failed, argv, session) => this.routerTiming.record(spec.id, us, failed, this.config.slowlogLogSlowerThanUs, argv, session.id),
  });

  /** The session is closing (QUIT, a protocol error): it leaves every channel and pattern now. */
  leavePubSub(session: ClientSession): void {
    this.pubsub.leave(session);
  }

  /**
   * RESET (Redis 6.2): the connection's state back to a new one's. Runs inside MULTI too, and
   * ends it. The name goes; with a password the connection must AUTH again.
   */
  private reset(session: ClientSession, spec: CommandSpec, argv: readonly Uint8Array[], out: ReplyTarget, tag: number): void {
    const start = performance.now();
    session.transaction = null;
    if (session.watchPartition >= 0) this.forgetWatches(session);
    this.leavePubSub(session);
    session.pushTarget = null;
    session.name = null;
    session.authenticated = this.config.requirepass === "";
    // RESP2 for this reply on: a RESP3 connection's earlier replies were already encoded.
    session.respVersion = 2;
    this.replyStatus(session, out, tag, "RESET");
    this.routerTiming.record(spec.id, (performance.now() - start) * 1000, false, this.config.slowlogLogSlowerThanUs, argv, session.id);
  }

  // ---- transactions (transaction.ts) ---------------------------------------------------

  /** MULTI, EXEC, DISCARD, WATCH, UNWATCH. */
  private transactionCommand(session: ClientSession, spec: CommandSpec, argv: readonly Uint8Array[], out: ReplyTarget, tag: number): void {
    // INFO commandstats: what the router answers itself is counted here; WATCH, and UNWATCH and
    // EXEC that reach a partition, are counted by the partition that runs them.
    if (this.tokensInUse + this.partitions > MAX_TOKENS && spec.id !== Cmd.MULTI) {
      this.rejectedCalls[spec.id]!++;
      this.replyError(session, out, tag, "BUSY", `more than ${MAX_TOKENS} requests in flight on this server; retry later`);
      return;
    }
    const start = performance.now();
    const outcome = this.transactionCommandRun(session, spec, argv, out, tag);
    if (outcome === TxnOutcome.Answered || outcome === TxnOutcome.Failed) {
      this.routerTiming.record(spec.id, (performance.now() - start) * 1000, outcome === TxnOutcome.Failed, this.config.slowlogLogSlowerThanUs, argv, session.id);
    }
  }

  /** How a transaction command was answered, for INFO commandstats. */
  private transactionCommandRun(session: ClientSession, spec: CommandSpec, argv: readonly Uint8Array[], out: ReplyTarget, tag: number): TxnOutcome {
    const txn = session.transaction;
    switch (spec.id) {
      case Cmd.MULTI:
        // Not an abort of the transaction already open, as in Redis.
        if (txn !== null) {
          this.replyError(session, out, tag, "ERR", TransactionErrors.nestedMulti());
          return TxnOutcome.Failed;
        }
        session.transaction = new QueuedTransaction();
        this.replyStatus(session, out, tag, "OK");
        return TxnOutcome.Answered;
      case Cmd.DISCARD:
        if (txn === null) {
          this.replyError(session, out, tag, "ERR", TransactionErrors.discardWithoutMulti());
          return TxnOutcome.Failed;
        }
        session.transaction = null;
        this.unwatch(session, out, tag); // the partition counts the UNWATCH it runs, not this DISCARD
        return TxnOutcome.Answered;
      case Cmd.UNWATCH:
        if (txn !== null) {
          // Queued, as in Redis; at EXEC it answers OK (EXEC forgets the watches anyway).
          txn.routerCommands++;
          txn.commands.push({ spec, argv: copyArgv(argv) });
          this.replyStatus(session, out, tag, "QUEUED");
          return TxnOutcome.Answered;
        }
        return this.unwatch(session, out, tag) ? TxnOutcome.Sent : TxnOutcome.Answered;
      case Cmd.WATCH:
        return this.watch(session, spec, argv, out, tag);
      case Cmd.EXEC:
        return this.exec(session, spec, argv, out, tag);
    }
    throw new Error(`Router.transactionCommand: ${spec.name} is not a transaction command`);
  }

  /** The one partition all of `argv`'s keys live on, or -1 when they are on several. Keyless: -2. */
  private partitionOfKeys(spec: CommandSpec, argv: readonly Uint8Array[]): number {
    if (spec.firstKey === 0 || argv.length <= spec.firstKey) return -2;
    const partition = this.slotMap.partitionOfKey(argv[spec.firstKey]!);
    const last = spec.lastKey < 0 ? argv.length + spec.lastKey : spec.lastKey;
    for (let i = spec.firstKey + spec.keyStep; i <= last; i += spec.keyStep) {
      if (this.slotMap.partitionOfKey(argv[i]!) !== partition) return -1;
    }
    return partition;
  }

  /** A command between MULTI and EXEC: checked now (a refusal aborts the transaction), run at EXEC. */
  private queueInTransaction(session: ClientSession, txn: QueuedTransaction, spec: CommandSpec, argv: readonly Uint8Array[], out: ReplyTarget, tag: number): void {
    if ((spec.flags & CommandFlag.TXN_OK) === 0) {
      txn.aborted = true;
      this.rejectedCalls[spec.id]!++;
      this.replyError(session, out, tag, "ERR", TransactionErrors.notAllowed());
      return;
    }
    if (spec.route === "router") txn.routerCommands++;
    else {
      const p = this.partitionOfKeys(spec, argv);
      const expected = txn.partition >= 0 ? txn.partition : session.watchPartition;
      if (p === -1 || (p >= 0 && expected >= 0 && p !== expected)) {
        txn.aborted = true;
        this.rejectedCalls[spec.id]!++;
        this.replyError(session, out, tag, "CROSSSLOT", TransactionErrors.crossPartition());
        return;
      }
      if (p >= 0) txn.partition = p;
    }
    let bytes = 0;
    for (const a of argv) bytes += a.length;
    const maxBytes = MAX_TRANSACTION_FRAMES * this.config.maxFrameBytes;
    if (txn.commands.length >= MAX_TRANSACTION_COMMANDS || txn.bytes + bytes > maxBytes) {
      txn.aborted = true;
      this.rejectedCalls[spec.id]!++;
      this.replyError(session, out, tag, "ERR", TransactionErrors.tooLarge(txn.commands.length + 1, txn.bytes + bytes, maxBytes));
      return;
    }
    txn.bytes += bytes;
    txn.commands.push({ spec, argv: copyArgv(argv) });
    this.replyStatus(session, out, tag, "QUEUED");
  }

  private watch(session: ClientSession, spec: CommandSpec, argv: readonly Uint8Array[], out: ReplyTarget, tag: number): TxnOutcome {
    if (session.transaction !== null) {
      this.replyError(session, out, tag, "ERR", TransactionErrors.watchInsideMulti());
      return TxnOutcome.Failed;
    }
    const p = this.partitionOfKeys(spec, argv);
    if (p === -1 || (session.watchPartition >= 0 && p !== session.watchPartition)) {
      this.rejectedCalls[spec.id]!++;
      this.replyError(session, out, tag, "CROSSSLOT", TransactionErrors.crossPartition());
      return TxnOutcome.Rejected;
    }
    session.watchPartition = p;
    const keys = (session.watchedKeys ??= new Set());
    for (let i = 1; i < argv.length; i++) keys.add(Buffer.from(argv[i]!).toString("latin1"));
    // The partition notes the versions in the order of this session's other commands, and answers OK.
    session.pendingReplies++;
    const req = this.enqueue(session, out, tag);
    req.partsMissing = 1;
    this.ports[p]!.submit(this.allocToken(req, 0), spec, argv, session.id);
    return TxnOutcome.Sent;
  }

  /** UNWATCH (or DISCARD): the partition holding the watches forgets them and answers OK. True when it was sent there. */
  private unwatch(session: ClientSession, out: ReplyTarget, tag: number): boolean {
    const p = session.watchPartition;
    if (p < 0) {
      this.replyStatus(session, out, tag, "OK");
      return false;
    }
    session.watchPartition = -1;
    session.watchedKeys = null;
    session.pendingReplies++;
    const req = this.enqueue(session, out, tag);
    req.partsMissing = 1;
    this.ports[p]!.submit(this.allocToken(req, 0), this.unwatchSpec, UNWATCH_ARGV, session.id);
    return true;
  }

  private exec(session: ClientSession, spec: CommandSpec, argv: readonly Uint8Array[], out: ReplyTarget, tag: number): TxnOutcome {
    const txn = session.transaction;
    if (txn === null) {
      this.replyError(session, out, tag, "ERR", TransactionErrors.execWithoutMulti());
      return TxnOutcome.Failed;
    }
    session.transaction = null;
    const watchPartition = session.watchPartition;
    if (txn.aborted) {
      if (watchPartition >= 0) this.forgetWatches(session);
      this.replyError(session, out, tag, "EXECABORT", TransactionErrors.execAbort());
      return TxnOutcome.Failed;
    }
    const partition = txn.partition >= 0 ? txn.partition : watchPartition;
    // Router-run commands (PING, ECHO, TIME, PUBLISH): their replies join the partition's.
    const runRouterPart = (): (Reply | null)[] => {
      const replies: (Reply | null)[] = [];
      for (const c of txn.commands) {
        if (c.spec.route !== "router") {
          replies.push(null);
          continue;
        }
        if (c.spec.id === Cmd.UNWATCH) {
          replies.push({ kind: "ok" });
          continue;
        }
        const sink = new CollectingSink();
        this.runRouterCommand(session, c.spec, c.argv, sink);
        replies.push(sink.take()[0]!);
      }
      return replies;
    };
    session.pendingReplies++;
    const req = this.enqueue(session, out, tag);
    if (partition < 0) {
      // Nothing for a partition: every reply is the router's, now.
      req.buffer.array(txn.commands.length);
      for (const r of runRouterPart()) writeReply(req.buffer, r!);
      req.done = true;
      this.flush(session);
      return TxnOutcome.Answered;
    }
    const routerReplies = txn.routerCommands > 0 ? runRouterPart : null;
    session.watchPartition = -1; // the partition forgets them as it runs EXEC
    session.watchedKeys = null;
    const partitionCommands = routerReplies === null ? txn.commands : txn.commands.filter((c) => c.spec.route !== "router");
    // The name as the client sent it: the slowlog shows it so.
    const execArgv = encodeExecArgv(argv[0]!, watchPartition >= 0, partitionCommands);
    if (routerReplies !== null) {
      const fanout = new Fanout(MergeKind.Exec, txn.commands.length);
      fanout.execRouterRun = routerReplies;
      fanout.sinks.push(new CollectingSink());
      req.fanout = fanout;
    }
    req.partsMissing = 1;
    this.ports[partition]!.submit(this.allocToken(req, 0), spec, execArgv, session.id);
    return TxnOutcome.Sent;
  }

  /** Clears a session's watches on their partition without a reply (EXECABORT, a closed session). */
  private forgetWatches(session: ClientSession): void {
    const p = session.watchPartition;
    session.watchPartition = -1;
    session.watchedKeys = null;
    const req = this.pool.pop() ?? new PendingRequest();
    req.partsMissing = 1; // session stays null: onReply drops the OK
    let token = -1;
    try {
      token = this.allocToken(req, 0);
      this.ports[p]!.submit(token, this.unwatchSpec, UNWATCH_ARGV, session.id);
    } catch {
      // The server is stopping (the partition takes no more requests) or the token table is
      // full: the watches stay on the partition until the client id's next EXEC or UNWATCH,
      // which never comes; they are a few numbers, and a restart clears them.
      if (token >= 0) this.freeToken(token);
      this.release(req);
    }
  }

  private routeSingle(session: ClientSession, spec: CommandSpec, argv: readonly Uint8Array[], out: ReplyTarget, tag: number): void {
    let partition = 0;
    // A command whose key comes after a subcommand (CommandFlag.SUBCOMMAND_KEY: MEMORY USAGE
    // key) has forms without one; they go to partition 0.
    if (spec.firstKey > 0 && argv.length > spec.firstKey) {
      partition = this.slotMap.partitionOfKey(argv[spec.firstKey]!);
      const last = spec.lastKey < 0 ? argv.length + spec.lastKey : spec.lastKey;
      for (let i = spec.firstKey + spec.keyStep; i <= last; i += spec.keyStep) {
        if (this.slotMap.partitionOfKey(argv[i]!) !== partition) {
          this.rejectedCalls[spec.id]!++;
          this.replyError(session, out, tag, "CROSSSLOT", Errors.crossSlot());
          return;
        }
      }
    }
    session.pendingReplies++;
    const req = this.enqueue(session, out, tag);
    req.partsMissing = 1;
    this.ports[partition]!.submit(this.allocToken(req, 0), spec, argv, session.id);
  }

  private routeMulti(session: ClientSession, spec: CommandSpec, argv: readonly Uint8Array[], out: ReplyTarget, tag: number): void {
    const first = spec.firstKey;
    const step = spec.keyStep;
    const last = spec.lastKey < 0 ? argv.length + spec.lastKey : spec.lastKey;
    const n = this.partitions;
    const firstPartition = this.slotMap.partitionOfKey(argv[first]!);
    let spread = false;
    for (let i = first + step; i <= last; i += step) {
      if (this.slotMap.partitionOfKey(argv[i]!) !== firstPartition) {
        spread = true;
        break;
      }
    }
    session.pendingReplies++;
    const req = this.enqueue(session, out, tag);
    if (!spread) {
      // Every key on one partition: run it there as is (atomic there; the reply needs no merge).
      req.partsMissing = 1;
      this.ports[firstPartition]!.submit(this.allocToken(req, 0), spec, argv, session.id);
      return;
    }
    const kind = spec.merge === "array-in-key-order" ? MergeKind.Mget : spec.merge === "sum" ? MergeKind.Sum : MergeKind.Ok;
    const keyCount = Math.floor((last - first) / step) + 1;
    const fanout = new Fanout(kind, keyCount);
    // Per partition: the argv of its part and which keys went there.
    const partArgv: (Uint8Array[] | null)[] = new Array(n).fill(null);
    const partOf: number[] = [];
    let keyIndex = 0;
    for (let i = first; i <= last; i += step, keyIndex++) {
      const p = this.slotMap.partitionOfKey(argv[i]!);
      let a = partArgv[p];
      if (a === null || a === undefined) {
        a = [argv[0]!];
        partArgv[p] = a;
        partOf.push(p);
      }
      for (let j = 0; j < step; j++) a.push(argv[i + j]!);
      if (kind === MergeKind.Mget) {
        const partIndex = partOf.indexOf(p);
        (fanout.keyIndexes[partIndex] ??= []).push(keyIndex);
      }
    }
    req.fanout = fanout;
    req.partsMissing = partOf.length;
    for (let part = 0; part < partOf.length; part++) fanout.sinks.push(new CollectingSink());
    for (let part = 0; part < partOf.length; part++) {
      const p = partOf[part]!;
      this.ports[p]!.submit(this.allocToken(req, part), spec, partArgv[p]!, session.id);
    }
  }

  private routeAll(session: ClientSession, spec: CommandSpec, argv: readonly Uint8Array[], out: ReplyTarget, tag: number): void {
    let partArgv: readonly Uint8Array[] = argv;
    let kind: MergeKind;
    let size = 0;
    if (spec.id === Cmd.SCAN) {
      const args = parseScanArgs(argv);
      if (typeof args === "string") {
        this.replyError(session, out, tag, "ERR", args);
        return;
      }
      partArgv = partitionScanArgv(argv[0]!, args);
      kind = MergeKind.Scan;
      size = args.limit;
    } else if (spec.merge === "ordered-keys") kind = MergeKind.Keys;
    else if (spec.merge === "sum") kind = MergeKind.Sum;
    else if (spec.merge === "first") kind = MergeKind.First;
    else if (spec.merge === "min") kind = MergeKind.Min;
    else if (spec.merge === "random") kind = MergeKind.Random;
    else kind = MergeKind.Ok;
    session.pendingReplies++;
    const req = this.enqueue(session, out, tag);
    const fanout = new Fanout(kind, size);
    req.fanout = fanout;
    req.partsMissing = this.partitions;
    for (let p = 0; p < this.partitions; p++) fanout.sinks.push(new CollectingSink());
    for (let p = 0; p < this.partitions; p++) this.ports[p]!.submit(this.allocToken(req, p), spec, partArgv, session.id);
  }

  private get unwatchSpec(): CommandSpec {
    return COMMANDS[Cmd.UNWATCH!]!;
  }

  private routeRouter(session: ClientSession, spec: CommandSpec, argv: readonly Uint8Array[], out: ReplyTarget, tag: number): void {
    this.replyWith(session, out, tag, (sink) => this.runRouterCommand(session, spec, argv, sink));
  }

  private runRouterCommand(session: ClientSession, spec: CommandSpec, argv: readonly Uint8Array[], sink: ReplySink): void {
    const watch = typeof (sink as { map?: unknown }).map === "function" ? this.mapErrorWatch.watch(sink) : this.errorWatch.watch(sink);
    const start = performance.now();
    if (spec.id === Cmd.DEBUG) this.debugCommand(argv, watch);
    else if (spec.group === "pubsub") this.pubsub.run(session, spec, argv, watch, null); // PUBLISH inside EXEC
    else this.serverCommand(this, session, spec, argv, watch);
    // QUIT, CLIENT KILL of itself: nothing is pushed after the last reply.
    if (session.closeAfterReply) this.leavePubSub(session);
    const us = (performance.now() - start) * 1000;
    // A subcommand with the wrong number of arguments (CONFIG GET with no pattern) is refused
    // before it runs, as the top-level arity check would: Redis counts it in rejected_calls.
    if (watch.failed && watch.errorMessage.startsWith("wrong number of arguments")) this.rejectedCalls[spec.id]!++;
    else {
      // Only these take secrets; the others (PING ...) skip the name comparisons.
      const shown = spec.id === Cmd.AUTH || spec.id === Cmd.HELLO || spec.id === Cmd.CONFIG ? redactSecrets(argv) : argv;
      this.routerTiming.record(spec.id, us, watch.failed, this.config.slowlogLogSlowerThanUs, shown, session.id);
    }
    if (this.routerTiming.pendingSlow.length > 0) this.onSlowCommands(this.routerTiming.takeSlow(), 0);
  }

  // ---- SLOWLOG and INFO commandstats ---------------------------------------------------

  /**
   * Slow commands from a partition (or the router): the client's address and name are added now,
   * from the live session or, when it has just closed, from what it was.
   */
  private onSlowCommands(entries: SlowCommand[], dropped: number): void {
    this.slowlog.skip(dropped);
    for (const e of entries) {
      const client = this.liveSessions.get(e.clientId) ?? this.recentlyClosed.get(e.clientId);
      this.slowlog.add(e.atMs, e.durationUs, e.args, client?.remoteAddress ?? "", client?.name ?? "");
    }
  }

  /** INFO commandstats: every command that ran or was refused, partitions and router summed. */
  commandStats(): CommandStatsRow[] {
    let merged = this.routerTiming.stats();
    for (const port of this.ports) merged = mergeCommandStats(merged, port.commandStats?.() ?? []);
    const rows = new Map<number, CommandStatsRow>();
    for (const m of merged) rows.set(m.id, { name: COMMANDS[m.id]!.name, calls: m.calls, usec: m.usec, rejected: m.rejected, failed: m.failed });
    for (let id = 0; id < this.rejectedCalls.length; id++) {
      const n = this.rejectedCalls[id]!;
      if (n === 0) continue;
      const row = rows.get(id);
      if (row !== undefined) row.rejected += n;
      else rows.set(id, { name: COMMANDS[id]!.name, calls: 0, usec: 0, rejected: n, failed: 0 });
    }
    return [...rows.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Latency bucket counts per command (COMMANDS.length x LATENCY_BUCKETS, latency-buckets.ts),
   * the router's own and every partition's summed: INFO latencystats and /metrics.
   */
  commandLatency(): Float64Array {
    const sum = Float64Array.from(this.routerTiming.latency);
    for (const port of this.ports) {
      const h = port.commandLatency?.();
      if (h !== undefined) for (let i = 0; i < sum.length; i++) sum[i]! += h[i]!;
    }
    return sum;
  }

  /**
   * CONFIG RESETSTAT: INFO commandstats, errorstats and the router's counters Redis also
   * resets (total_commands_processed, total_connections_received, rejected_connections,
   * client_output_buffer_limit_disconnections).
   */
  resetCommandStats(): void {
    this.routerTiming.reset();
    this.rejectedCalls.fill(0);
    for (const port of this.ports) port.resetCommandStats?.();
    this.errorReplies.reset();
    this.commandsProcessed = 0;
    this.connectionsReceived = 0;
    this.rejectedConnections = 0;
    this.outputBufferDisconnections = 0;
  }

  /** DEBUG PARTITION-EXIT n: the fault-injection hook the e2e tests use. */
  private debugCommand(argv: readonly Uint8Array[], sink: ReplySink): void {
    if (!this.config.enableDebugCommands) {
      sink.error("ERR", "DEBUG commands are disabled; start the server with --enable-debug-commands");
      return;
    }
    const sub = Buffer.from(argv[1]!).toString("latin1").toUpperCase();
    if (sub === "PARTITION-EXIT" && argv.length === 3) {
      const p = Number(Buffer.from(argv[2]!).toString("latin1"));
      const port = this.ports[p];
      if (!Number.isInteger(p) || port === undefined) {
        sink.error("ERR", `no partition ${Buffer.from(argv[2]!).toString("latin1")} (0..${this.partitions - 1})`);
        return;
      }
      if (port.crashForTesting === undefined) {
        sink.error("ERR", "this partition host has no crash hook");
        return;
      }
      port.crashForTesting();
      sink.ok();
      return;
    }
    sink.error("ERR", `unknown DEBUG subcommand or wrong number of arguments; try DEBUG PARTITION-EXIT partition`);
  }

  // ---- replies -----------------------------------------------------------------------

  private onReply(token: number, bytes: Uint8Array, offset: number): void {
    const req = this.tokenRequest[token];
    if (req === null || req === undefined) throw new Error(`Router.onReply: token ${token} is not in flight`);
    const part = this.tokenPart[token]!;
    this.freeToken(token);
    req.partsMissing--;
    const session = req.session;
    const fanout = req.fanout;
    if (fanout === null) {
      if (session === null) {
        this.release(req);
        return;
      }
      const out = req.target!;
      if (session.head === req) {
        // The oldest reply of the session: straight to the front end, no copy.
        this.popHead(session);
        out.beginReply(req.tag);
        this.decode(bytes, offset, out);
        const tag = req.tag;
        this.release(req);
        this.endDirect(session, out, tag);
      } else {
        this.decode(bytes, offset, req.buffer);
        req.done = true;
      }
      return;
    }
    this.decode(bytes, offset, fanout.sinks[part]!);
    if (req.partsMissing > 0) return;
    // EXEC: its router-run commands (PUBLISH) run now, while the EXEC is still owed (a message to
    // this client queues behind it), and also when the client has left (the EXEC ran).
    if (fanout.kind === MergeKind.Exec) prepareExec(fanout);
    if (session === null) {
      this.release(req);
      return;
    }
    const out = req.target!;
    if (session.head === req) {
      this.popHead(session);
      out.beginReply(req.tag);
      writeMerged(fanout, out);
      const tag = req.tag;
      this.release(req);
      this.endDirect(session, out, tag);
    } else {
      writeMerged(fanout, req.buffer);
      req.done = true;
    }
  }

  private onExit(partitionId: number, error: Error): void {
    this.partitionRestarts++;
    this.onPartitionExit?.(partitionId, error);
  }

  /** A reply was written directly: finish it, then send any later replies that were waiting for it. */
  private endDirect(session: ClientSession, out: ReplyTarget, tag: number): void {
    if (!session.closed) session.pendingReplies--;
    out.endReply(tag);
    this.flush(session);
  }

  /** Writes out, in order, every completed reply at the head of the session's queue. */
  private flush(session: ClientSession): void {
    for (;;) {
      if (session.closed) return;
      const head = session.head as PendingRequest | null;
      if (head === null || !head.done) return;
      this.popHead(session);
      const out = head.target!;
      const tag = head.tag;
      out.beginReply(tag);
      head.buffer.replay(out);
      this.release(head);
      session.pendingReplies--;
      out.endReply(tag);
    }
  }

  // ---- bookkeeping -------------------------------------------------------------------

  private enqueue(session: ClientSession, out: ReplyTarget, tag: number): PendingRequest {
    const req = this.pool.pop() ?? new PendingRequest();
    req.session = session;
    req.target = out;
    req.tag = tag;
    const tail = session.tail as PendingRequest | null;
    if (tail === null) session.head = req;
    else tail.next = req;
    session.tail = req;
    return req;
  }

  private popHead(session: ClientSession): void {
    const head = session.head as PendingRequest;
    session.head = head.next;
    if (head.next === null) session.tail = null;
    head.next = null;
  }

  private release(req: PendingRequest): void {
    req.session = null;
    req.target = null;
    req.next = null;
    req.fanout = null;
    req.done = false;
    req.partsMissing = 0;
    req.tag = 0;
    req.buffer.reset();
    if (this.pool.length < POOL_MAX) this.pool.push(req);
  }

  private allocToken(req: PendingRequest, part: number): number {
    if (this.freeCount === 0) this.growTokens();
    const token = this.freeTokens[--this.freeCount]!;
    this.tokenRequest[token] = req;
    this.tokenPart[token] = part;
    this.tokensInUse++;
    return token;
  }

  private freeToken(token: number): void {
    this.tokenRequest[token] = null;
    this.freeTokens[this.freeCount++] = token;
    this.tokensInUse--;
  }

  private growTokens(): void {
    const old = this.tokenPart.length;
    const size = old * 2;
    if (size > MAX_TOKENS) throw new Error(`Router: more than ${MAX_TOKENS} parts in flight`);
    const part = new Int32Array(size);
    part.set(this.tokenPart);
    this.tokenPart = part;
    const free = new Uint32Array(size);
    free.set(this.freeTokens.subarray(0, this.freeCount));
    this.freeTokens = free;
    for (let t = size - 1; t >= old; t--) this.freeTokens[this.freeCount++] = t;
    for (let t = old; t < size; t++) this.tokenRequest.push(null);
  }
}

/** `SCAN prefix LIMIT n [CURSOR after] [MATCH glob]`, the partition-level form. */
function partitionScanArgv(name: Uint8Array, args: ScanArgs): Uint8Array[] {
  const argv = [name, args.prefix, LIMIT, Buffer.from(String(args.limit))];
  if (args.after.length > 0) argv.push(CURSOR, args.after);
  if (args.match !== null) argv.push(MATCH, args.match);
  return argv;
}

/** Puts the parts of a fanned-out command back together into one reply. */
function writeMerged(fanout: Fanout, sink: ReplySink): void {
  if (fanout.kind === MergeKind.Exec) {
    writeExecReply(fanout.execPrepared!, sink);
    return;
  }
  const parts: Reply[] = fanout.sinks.map((s) => {
    const r = s.take();
    if (r.length !== 1) throw new Error(`partition sent ${r.length} replies for one request`);
    return r[0]!;
  });
  const err = firstError(parts);
  if (err !== null) {
    sink.error(err.code, err.message);
    return;
  }
  switch (fanout.kind) {
    case MergeKind.Sum: {
      let sum = 0n;
      for (const p of parts) {
        if (p.kind !== "integer") throw new Error(`partition sent ${p.kind} where an integer was expected`);
        sum += p.value;
      }
      sink.integer(Number.isSafeInteger(Number(sum)) ? Number(sum) : sum);
      return;
    }
    case MergeKind.Ok:
      sink.ok();
      return;
    case MergeKind.First:
      writeReply(sink, parts[0]!);
      return;
    case MergeKind.Random: {
      const offered = parts.filter((p) => p.kind !== "nil");
      if (offered.length === 0) sink.nil();
      else writeReply(sink, offered[Math.floor(Math.random() * offered.length)]!);
      return;
    }
    case MergeKind.Min: {
      let min: bigint | null = null;
      for (const p of parts) {
        if (p.kind !== "integer") throw new Error(`partition sent ${p.kind} where an integer was expected`);
        if (min === null || p.value < min) min = p.value;
      }
      sink.integer(Number(min!));
      return;
    }
    case MergeKind.Mget: {
      const values: Reply[] = new Array(fanout.size);
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i]!;
        const indexes = fanout.keyIndexes[i]!;
        if (p.kind !== "array" || p.items.length !== indexes.length) throw new Error("partition MGET reply does not match its keys");
        for (let j = 0; j < indexes.length; j++) values[indexes[j]!] = p.items[j]!;
      }
      sink.array(values.length);
      for (const v of values) writeReply(sink, v);
      return;
    }
    case MergeKind.Keys: {
      const lists = parts.map((p) => {
        if (p.kind !== "array") throw new Error("partition KEYS reply is not an array");
        return p.items.map((k) => (k as Extract<Reply, { kind: "bulk" }>).value);
      });
      const keys = mergeSortedKeyLists(lists, null);
      sink.array(keys.length);
      for (const k of keys) sink.bulk(k, 0, k.length);
      return;
    }
    case MergeKind.Scan: {
      const page = mergeScanPages(parts, fanout.size);
      const cursor = Buffer.from(page.after === null ? "0" : encodeScanCursor(page.after));
      sink.array(2);
      sink.bulk(cursor, 0, cursor.length);
      sink.array(page.keys.length);
      for (const k of page.keys) sink.bulk(k, 0, k.length);
      return;
    }
  }
}

/**
 * EXEC's reply when some queued commands ran on the router: the partition's array with the
 * router's replies put back in their places. A nil (a watched key changed) or an error from the
 * partition is the whole reply.
 */
function prepareExec(fanout: Fanout): void {
  const r = fanout.sinks[0]!.take();
  if (r.length !== 1) throw new Error(`partition sent ${r.length} replies for one EXEC`);
  const partition = r[0]!;
  fanout.execPrepared = { partition, router: partition.kind === "array" ? fanout.execRouterRun!() : null };
}

function writeExecReply(prepared: { partition: Reply; router: (Reply | null)[] | null }, sink: ReplySink): void {
  const partitionReply = prepared.partition;
  if (partitionReply.kind !== "array" || prepared.router === null) {
    writeReply(sink, partitionReply);
    return;
  }
  const routerReplies = prepared.router;
  sink.array(routerReplies.length);
  let next = 0;
  for (const r of routerReplies) writeReply(sink, r ?? partitionReply.items[next++]!);
}
