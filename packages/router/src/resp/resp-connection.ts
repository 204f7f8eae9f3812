/**
 * One RESP client connection: parses what arrives, submits every complete request to the
 * router, and writes the replies back in request order, one socket write per batch.
 *
 * Batching: all requests found in one read are submitted before anything is written; replies
 * the router completes synchronously (PING, errors) are only encoded then. The output is
 * written when the session has no reply outstanding, when it grows past FLUSH_BYTES, or at the
 * end of the event-loop turn (setImmediate) when some replies of a pipeline are still out, so a
 * pipeline is answered with one write in the common case and a slow partition never holds back
 * replies that are already complete.
 *
 * Backpressure: reading pauses while the session has max-inflight replies outstanding or the
 * socket's write buffer is over its high-water mark, and resumes when both come down.
 *
 * Errors that end the connection (protocol errors, QUIT): the reply is queued behind every
 * earlier reply, nothing after it is read, and the socket is ended once it is written.
 */
import type { Socket } from "node:net";
import { Cmd, commandByName, type CommandSpec } from "@tessera/proto";
import type { Router } from "../router.js";
import { PUSH_TAG, type ClientSession, type ReplyTarget } from "../session.js";
import { lookupCommand } from "./command-lookup.js";
import { RespReplyEncoder } from "./resp-encoder.js";
import { RespRequestParser, type RespParserLimits } from "./resp-parser.js";
import { decodeScanCursor } from "../routing/scan-cursor.js";
import { translateRedisScan } from "./scan-adapter.js";
import type { ScanCursorRegistry } from "./scan-cursors.js";
import { unknownCommandMessage } from "./unknown-command.js";

/** Write out early once a batch's encoded replies reach this size. */
const FLUSH_BYTES = 256 * 1024;
/** Stop reading while the socket holds more unsent bytes than this. */
const SOCKET_HIGH_WATER_BYTES = 4 * 1024 * 1024;

const EMPTY_SCAN_PAGE = Buffer.from("*2\r\n$1\r\n0\r\n*0\r\n");
const ECHO_SPEC = commandByName("ECHO")!;
const ZERO_CURSOR = Buffer.from("0");
const REWRITE_NONE = 0;
const REWRITE_SCAN_CURSOR = 1;
const REWRITE_EMPTY_SCAN_PAGE = 2;
const REWRITE_FIRST_ARRAY_AS_MAP = 3;
/** EXEC: a nil reply (a WATCHed key changed) is RESP2's null array `*-1`, as Redis writes it. */
const REWRITE_NIL_AS_NULL_ARRAY = 4;
const NULL_ARRAY = Buffer.from("*-1\r\n");

const asciiUpper = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1").toUpperCase();
const PLACEHOLDER_ARGV: readonly Uint8Array[] = [Buffer.from("ECHO"), Buffer.from("0")];

export interface RespConnectionOwner {
  readonly router: Router;
  /** Numeric SCAN cursors, shared by the server's connections. */
  readonly scanCursors: ScanCursorRegistry;
  /** The connection has ended; forget it. */
  connectionClosed(connection: RespConnection): void;
}

export class RespConnection extends RespReplyEncoder implements ReplyTarget {
  private readonly parser: RespRequestParser;
  /** True while requests of one read are being submitted: replies are only encoded then. */
  private inBatch = false;
  private flushScheduled = false;
  /** No more requests are read; the socket ends once every queued reply is written. */
  private closing = false;
  private ended = false;
  private readPaused = false;
  private readonly maxInflight: number;
  private readonly scheduledFlush = (): void => {
    this.flushScheduled = false;
    this.flush();
  };

  constructor(
    private readonly owner: RespConnectionOwner,
    readonly socket: Socket,
    readonly session: ClientSession,
    limits: RespParserLimits,
    maxInflight: number,
  ) {
    super(session);
    this.parser = new RespRequestParser(limits);
    this.parser.preAuth = !session.authenticated;
    this.maxInflight = maxInflight;
    session.onKill = () => this.destroy();
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    // The client half-closed (e.g. `printf 'PING\r\n' | nc`): answer what it sent, then end.
    socket.on("end", () => this.beginClosing());
    socket.on("drain", () => this.maybeResume());
    socket.on("error", () => this.destroy());
    socket.on("close", () => this.destroy());
  }

  // ---- requests ----------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    if (this.closing) return;
    const parser = this.parser;
    const router = this.owner.router;
    const session = this.session;
    session.lastActiveMs = Date.now();
    parser.push(chunk);
    this.inBatch = true;
    try {
      for (;;) {
        const argv = parser.next();
        if (argv === null) break;
        this.dispatch(router, session, argv);
        // AUTH succeeded (it is answered synchronously): later requests get the full limits.
        if (parser.preAuth && session.authenticated) parser.preAuth = false;
        if (session.closeAfterReply) {
          this.closing = true;
          break;
        }
      }
      if (parser.error !== null && !this.closing) {
        this.submitted++;
        router.replyError(session, this, 0, "ERR", parser.error);
        this.closing = true;
      }
      // Closing (QUIT, a protocol error): no pub/sub message goes out after the last reply.
      if (this.closing) router.leavePubSub(session);
    } finally {
      this.inBatch = false;
    }
    if (session.pendingReplies === 0 || this.outLength >= FLUSH_BYTES) this.flush();
    else if (this.outLength > 0) this.scheduleFlush();
    if (!this.closing && session.pendingReplies >= this.maxInflight) this.pauseReading();
  }

  private dispatch(router: Router, session: ClientSession, argv: Uint8Array[]): void {
    this.submitted++;
    const name = argv[0]!;
    const spec: CommandSpec | undefined = lookupCommand(name);
    if (spec === undefined) {
      router.rejectRequest(session, this, 0, "ERR", unknownCommandMessage(argv));
      return;
    }
    // Unauthenticated: no SCAN translation (it would register cursors and could answer a
    // syntax error); the router answers NOAUTH for the command as sent.
    // A subscribed RESP2 connection: the router refuses SCAN by its own name.
    if (spec.id === Cmd.SCAN && argv.length >= 2 && session.authenticated && session.transaction === null && !(session.subscribed && session.respVersion === 2)) {
      const t = translateRedisScan(argv, this.owner.scanCursors);
      if (t.kind === "native") {
        this.rewriteReply(REWRITE_SCAN_CURSOR);
        router.execute(session, spec, t.argv, this);
      } else if (t.kind === "error") {
        router.replyError(session, this, 0, "ERR", t.message);
      } else {
        this.rewriteReply(REWRITE_EMPTY_SCAN_PAGE);
        router.execute(session, ECHO_SPEC, PLACEHOLDER_ARGV, this);
      }
      return;
    }
    // In a transaction they are refused (not allowed there): no map to restore.
    // RESET switches to RESP2 too: the replies still owed keep the version they were asked in.
    if (session.pendingReplies > 0 && (spec.id === Cmd.HELLO || spec.id === Cmd.CONFIG || spec.id === Cmd.RESET) && session.transaction === null) {
      this.dispatchQueuedMapReply(router, session, spec, argv);
      return;
    }
    if (spec.id === Cmd.EXEC) this.rewriteReply(REWRITE_NIL_AS_NULL_ARRAY);
    router.execute(session, spec, argv, this);
  }

  /**
   * HELLO or CONFIG while earlier replies are still owed. The router queues such a reply as
   * recorded values, and the recording has no map type, so a RESP3 map would come out as a flat
   * array: its first array is turned back into a map. A HELLO that switches protocols also must
   * not change how the earlier, still-owed replies are encoded: they keep the version they were
   * sent under.
   */
  private dispatchQueuedMapReply(router: Router, session: ClientSession, spec: CommandSpec, argv: Uint8Array[]): void {
    const seq = this.submitted - 1;
    const isMapReply = spec.id === Cmd.HELLO || (argv.length > 1 && asciiUpper(argv[1]!) === "GET");
    if (isMapReply) this.rewriteReply(REWRITE_FIRST_ARRAY_AS_MAP);
    const before = session.respVersion;
    router.execute(session, spec, argv, this);
    if (session.respVersion !== before) {
      this.versionSwitchSeqs.push(seq);
      this.versionBefore.push(before);
    }
  }

  // ---- reply rewriting (SCAN, queued maps) ---------------------------------------------
  //
  // Two replies are rewritten on their way out, both for Redis's SCAN:
  // - the cursor of a SCAN page: the router's key-position cursor becomes a numeric id
  //   (ScanCursorRegistry), because Redis clients parse cursors as numbers;
  // - SCAN ... TYPE <not string>: a finished, empty page. The router only orders replies of
  //   requests it runs, so a placeholder ECHO runs in its place and its reply is replaced.
  // Requests and replies are counted the same way (every dispatched request gets exactly one
  // reply, in order), so a queued sequence number says which reply to rewrite. The queue is
  // empty unless SCANs are in flight; the hot path pays one length check per reply.

  private submitted = 0;
  private answered = 0;
  /** Sequence numbers and kinds of replies to rewrite, oldest first. */
  private readonly rewriteSeqs: number[] = [];
  private readonly rewriteKinds: number[] = [];
  /** The rewrite that applies to the reply being written (NONE for almost every reply). */
  private rewriting = REWRITE_NONE;

  /** HELLOs that switched protocols while replies were owed: their sequence numbers and the version before. */
  private readonly versionSwitchSeqs: number[] = [];
  private readonly versionBefore: (2 | 3)[] = [];

  /** Before the reply numbered `answered`: earlier than the first pending switch -> the old version. */
  private applyVersionSwitches(): void {
    while (this.versionSwitchSeqs.length > 0 && this.versionSwitchSeqs[0]! <= this.answered) {
      this.versionSwitchSeqs.shift();
      this.versionBefore.shift();
    }
    this.versionOverride = this.versionBefore.length > 0 ? this.versionBefore[0]! : 0;
  }

  /** The reply of the request being dispatched (sequence submitted - 1) is to be rewritten. */
  private rewriteReply(kind: number): void {
    this.rewriteSeqs.push(this.submitted - 1);
    this.rewriteKinds.push(kind);
  }

  // ---- ReplyTarget -------------------------------------------------------------------

  beginReply(tag: number): void {
    this.rewriting = REWRITE_NONE;
    // A pub/sub message (session.ts PUSH_TAG) answers no request: it takes no reply number.
    if (tag === PUSH_TAG) return;
    if (this.versionSwitchSeqs.length > 0) this.applyVersionSwitches();
    if (this.rewriteSeqs.length > 0 && this.rewriteSeqs[0] === this.answered) {
      this.rewriteSeqs.shift();
      this.rewriting = this.rewriteKinds.shift()!;
    }
    this.answered++;
  }

  override array(count: number): void {
    if (this.rewriting === REWRITE_FIRST_ARRAY_AS_MAP) {
      this.rewriting = REWRITE_NONE;
      this.map(count >> 1);
      return;
    }
    // EXEC ran: nils inside its array are ordinary nils.
    if (this.rewriting === REWRITE_NIL_AS_NULL_ARRAY) this.rewriting = REWRITE_NONE;
    super.array(count);
  }

  override nil(): void {
    if (this.rewriting === REWRITE_NIL_AS_NULL_ARRAY) {
      this.rewriting = REWRITE_NONE;
      if (!this.resp3()) {
        this.ensure(NULL_ARRAY.length);
        this.out.set(NULL_ARRAY, this.outLength);
        this.outLength += NULL_ARRAY.length;
        return;
      }
    }
    super.nil();
  }

  override bulk(bytes: Uint8Array, offset: number, length: number): void {
    if (this.rewriting === REWRITE_SCAN_CURSOR || this.rewriting === REWRITE_EMPTY_SCAN_PAGE) {
      const kind = this.rewriting;
      this.rewriting = REWRITE_NONE;
      if (kind === REWRITE_EMPTY_SCAN_PAGE) {
        this.ensure(EMPTY_SCAN_PAGE.length);
        this.out.set(EMPTY_SCAN_PAGE, this.outLength);
        this.outLength += EMPTY_SCAN_PAGE.length;
        return;
      }
      // The first bulk of a SCAN page is its cursor.
      const routerCursor = Buffer.from(bytes.buffer, bytes.byteOffset + offset, length).toString("latin1");
      const after = decodeScanCursor(routerCursor);
      if (after === null) throw new Error(`RespConnection: the router sent SCAN cursor '${routerCursor}' it cannot decode`);
      const cursor = after.length === 0 ? ZERO_CURSOR : Buffer.from(this.owner.scanCursors.register(after), "latin1");
      super.bulk(cursor, 0, cursor.length);
      return;
    }
    super.bulk(bytes, offset, length);
  }

  /** RespPushTarget (pubsub-commands.ts): a pub/sub message encoded once for every RESP subscriber. */
  pushFrame(resp2Frame: Uint8Array): void {
    this.ensure(resp2Frame.length);
    this.out.set(resp2Frame, this.outLength);
    if (this.resp3()) this.out[this.outLength] = 62; // ">": the same frame as a RESP3 push
    this.outLength += resp2Frame.length;
    this.endReply(PUSH_TAG);
  }

  endReply(tag: number): void {
    if (this.inBatch) return;
    const pending = this.session.pendingReplies;
    // Pub/sub messages go out once per event-loop turn (as Redis writes them before it sleeps):
    // a burst of PUBLISHes reaches each subscriber in one write, not one write per message.
    if ((pending === 0 && tag !== PUSH_TAG) || this.outLength >= FLUSH_BYTES) this.flush();
    else this.scheduleFlush();
    if (this.readPaused && pending <= this.maxInflight >> 1) this.maybeResume();
  }

  // ---- output ------------------------------------------------------------------------

  private scheduleFlush(): void {
    if (this.flushScheduled) return;
    this.flushScheduled = true;
    setImmediate(this.scheduledFlush);
  }

  private flush(): void {
    if (this.ended) {
      this.outLength = 0; // the socket is ended: nothing more can go out, so nothing piles up
      return;
    }
    if (this.outLength > 0) {
      const ok = this.socket.write(this.takeOutput());
      if (!ok || this.socket.writableLength > SOCKET_HIGH_WATER_BYTES) this.pauseReading();
      if (this.owner.router.outputBufferOverLimit(this.session, this.socket.writableLength)) {
        this.destroy();
        return;
      }
    }
    if (this.closing && this.session.pendingReplies === 0) {
      this.ended = true;
      this.socket.end();
    }
  }

  private beginClosing(): void {
    this.closing = true;
    if (this.session.pendingReplies === 0 && !this.inBatch) this.flush();
  }

  private pauseReading(): void {
    if (this.readPaused) return;
    this.readPaused = true;
    this.socket.pause();
  }

  private maybeResume(): void {
    if (!this.readPaused || this.closing) return;
    if (this.session.pendingReplies > this.maxInflight >> 1) return;
    if (this.socket.writableLength > SOCKET_HIGH_WATER_BYTES >> 1) return;
    this.readPaused = false;
    this.socket.resume();
  }

  /** Socket gone (closed, reset, or ended by us). Idempotent. */
  destroy(): void {
    if (this.session.closed) return;
    this.ended = true;
    this.owner.router.closeSession(this.session);
    this.owner.connectionClosed(this);
    if (!this.socket.destroyed) this.socket.destroy();
  }

  /** Server shutdown: stop reading, answer what is queued, then end. */
  shutdown(): void {
    this.beginClosing();
  }
}
