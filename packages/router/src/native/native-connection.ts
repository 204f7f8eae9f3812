/**
 * One client connection on the native (protobuf) port: frames in, router calls, reply frames
 * out. It is the session's ReplyTarget: the router writes each reply into the ReplyEncoder
 * between beginReply(id) and endReply(id), in request order.
 *
 * Backpressure, both ways, with explicit bounds:
 * - at most `maxInflightPerConnection` requests in flight: reading stops (socket paused,
 *   the rest of the current chunk left in the decoder) until half of them have been answered;
 * - when socket.write returns false the peer is not reading its replies: reading stops until
 *   'drain', so a client that only sends cannot make the server buffer without bound.
 *
 * Faults stay on this connection: a malformed or oversized frame is answered with an error
 * (id 0) and the connection is closed, because framing is lost; a request that cannot be
 * decoded but whose frame was intact, an unknown command, wrong arity or wrong type are
 * answered with an error and the connection stays usable.
 */
import type { Socket } from "node:net";
import {
  Cmd,
  DecodedRequest,
  decodeRequest,
  Errors,
  FrameDecoder,
  ReplyEncoder,
  WireError,
  type ErrorCode,
} from "@tessera/proto";
import type { Router } from "../router.js";
import { refuseSocket } from "../refuse-socket.js";
import { type DeferredFlushTarget, deferFlush } from "./deferred-flush.js";
import { PUSH_TAG, type ClientSession, type ReplyTarget } from "../session.js";

const QUIT_ID = Cmd.QUIT!;
/**
 * Frame limit until the connection authenticates (when the server has a password): room for
 * AUTH or HELLO with long credentials, far below max-frame-bytes, so a stranger cannot make
 * the server buffer large requests (Redis holds unauthenticated RESP requests to 10 arguments
 * of 16 KiB for the same reason).
 */
const PREAUTH_MAX_FRAME_BYTES = 64 * 1024;

export class NativeConnection implements ReplyTarget, DeferredFlushTarget {
  readonly session: ClientSession;
  private readonly encoder = new ReplyEncoder();
  private readonly decoder: FrameDecoder;
  private readonly request = new DecodedRequest();
  private readonly maxInflight: number;
  private readonly resumeBelow: number;

  /** Reading stopped because too many requests are in flight. */
  private inflightBlocked = false;
  /** Reading stopped because the socket's write buffer is full. */
  private writeBlocked = false;
  /** Reading stopped for good (shutdown, fatal frame error, QUIT). */
  private readingStopped = false;
  /** Close once every pending reply has been written. */
  private closeWhenIdle = false;
  private processing = false;
  private flushScheduled = false;
  private closed = false;
  /** The frame limit is PREAUTH_MAX_FRAME_BYTES until the session authenticates. */
  private preAuth: boolean;


  constructor(
    private readonly socket: Socket,
    private readonly router: Router,
    private readonly onClosed: (c: NativeConnection) => void,
  ) {
    const cfg = router.config;
    this.maxInflight = cfg.maxInflightPerConnection;
    this.resumeBelow = Math.max(1, Math.floor(cfg.maxInflightPerConnection / 2));
    this.decoder = new FrameDecoder({ maxFrameBytes: cfg.maxFrameBytes });
    this.session = router.openSession("native", `${socket.remoteAddress}:${socket.remotePort}`, `${socket.localAddress}:${socket.localPort}`);
    this.session.onKill = () => this.destroy();
    this.preAuth = !this.session.authenticated;
    if (this.preAuth) this.decoder.maxFrameBytes = Math.min(cfg.maxFrameBytes, PREAUTH_MAX_FRAME_BYTES);
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("drain", () => this.onDrain());
    socket.on("error", () => this.destroy());
    socket.on("close", () => this.destroy());
  }

  // ---- input -------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    if (this.readingStopped) return;
    this.session.lastActiveMs = Date.now();
    this.decoder.push(chunk);
    this.processFrames();
  }

  /** Runs every complete frame the decoder holds, until a limit stops it. */
  private processFrames(): void {
    if (this.processing) return;
    this.processing = true;
    try {
      while (!this.readingStopped && !this.inflightBlocked) {
        if (this.session.pendingReplies >= this.maxInflight) {
          this.inflightBlocked = true;
          this.socket.pause();
          break;
        }
        let frame: Uint8Array | null;
        try {
          frame = this.decoder.next();
        } catch (e) {
          this.fatal(e);
          break;
        }
        if (frame === null) break;
        this.handleFrame(frame);
      }
    } catch (e) {
      // A bug, not bad input (bad input is answered above). Contain it to this connection:
      // log it, drop the connection, keep serving everyone else.
      process.stderr.write(`tessera: internal error on native connection ${this.session.remoteAddress}; closing it: ${(e as Error).stack ?? String(e)}\n`);
      this.processing = false;
      this.destroy();
      return;
    } finally {
      this.processing = false;
    }
    // Replies answered here (errors, server commands) went through endReply(), which scheduled
    // their flush; most requests went to partitions and have nothing to write yet.
    if (this.encoder.byteLength > 0 || this.closeWhenIdle) this.scheduleFlush();
  }

  private handleFrame(frame: Uint8Array): void {
    const req = this.request;
    try {
      decodeRequest(frame, req);
    } catch (e) {
      if (!(e instanceof WireError)) throw e;
      // The frame boundary is intact: answer and keep going. The id is the request's when the
      // decoder could read it (too many arguments), else 0 (a malformed message).
      this.router.rejectRequest(this.session, this, e.requestId, e.code, e.message);
      return;
    }
    const spec = req.command;
    if (spec === undefined) {
      this.router.rejectRequest(this.session, this, req.id, "ERR", Errors.unknownCommand(req.nameString()));
      return;
    }
    const argv = req.argv;
    // Drop stale entries from an earlier, longer request so argv.length is argc.
    if (argv.length !== req.argc) argv.length = req.argc;
    this.router.execute(this.session, spec, argv, this, req.id);
    if (this.preAuth && this.session.authenticated) {
      // AUTH succeeded (router commands answer synchronously): full limit from the next frame.
      this.preAuth = false;
      this.decoder.maxFrameBytes = this.router.config.maxFrameBytes;
    }
    if (spec.id === QUIT_ID || this.session.closeAfterReply) {
      // Nothing pipelined after QUIT (or a CLIENT KILL of this connection) runs, as in Redis;
      // close once its reply is written. Decided here, not in endReply: the reply may wait
      // behind earlier ones while later frames would be read.
      this.readingStopped = true;
      this.closeWhenIdle = true;
    }
  }

  /** Framing is lost (bad length prefix, frame over the limit): say why, then close. */
  private fatal(e: unknown): void {
    const code: ErrorCode = e instanceof WireError ? e.code : "PROTO";
    let message = e instanceof Error ? e.message : String(e);
    if (this.preAuth && code === "TOOBIG") message += " for a connection that has not authenticated (AUTH first)";
    this.readingStopped = true;
    this.socket.pause();
    this.router.replyError(this.session, this, 0, code, message);
    this.closeWhenIdle = true;
    this.maybeClose();
  }

  // ---- ReplyTarget -------------------------------------------------------------------

  beginReply(tag: number): void {
    // A pub/sub message (pubsub-commands.ts): a push frame, id 0, answering no request.
    if (tag === PUSH_TAG) this.encoder.beginPush();
    else this.encoder.begin(tag);
  }
  ok(): void {
    this.encoder.ok();
  }
  status(text: string): void {
    this.encoder.status(text);
  }
  nil(): void {
    this.encoder.nil();
  }
  integer(value: number | bigint): void {
    this.encoder.integer(value);
  }
  bulk(bytes: Uint8Array, offset: number, length: number): void {
    this.encoder.bulk(bytes, offset, length);
  }
  array(count: number): void {
    this.encoder.array(count);
  }
  error(code: ErrorCode, message: string): void {
    this.session.errorReplies?.count(code);
    this.encoder.error(code, message);
  }

  endReply(_tag: number): void {
    if (this.encoder.replyOpen) throw new Error("NativeConnection.endReply: the reply value is incomplete");
    if (this.session.closeAfterReply) {
      // QUIT: nothing after this reply is read or answered.
      this.readingStopped = true;
      this.closeWhenIdle = true;
    }
    this.scheduleFlush();
    if (this.inflightBlocked && this.session.pendingReplies < this.resumeBelow) {
      this.inflightBlocked = false;
      // Resume outside the router's call stack: the router is in the middle of delivering.
      queueMicrotask(() => this.resumeReading());
    }
  }

  // ---- output ------------------------------------------------------------------------

  private scheduleFlush(): void {
    if (this.flushScheduled || this.closed) return;
    this.flushScheduled = true;
    // One socket write per burst of replies (a partition delivers a batch synchronously).
    deferFlush(this);
  }

  /** DeferredFlushTarget: the replies encoded since the last flush go out in one write. */
  flushNow(): void {
    this.flushScheduled = false;
    if (this.closed) return;
    if (this.encoder.byteLength > 0) {
      const bytes = this.encoder.take();
      if (!this.socket.write(bytes) && !this.writeBlocked) {
        this.writeBlocked = true;
        this.socket.pause();
      }
      if (this.router.outputBufferOverLimit(this.session, this.socket.writableLength)) {
        this.destroy();
        return;
      }
    }
    this.maybeClose();
  }

  private onDrain(): void {
    if (!this.writeBlocked) return;
    this.writeBlocked = false;
    this.resumeReading();
  }

  private resumeReading(): void {
    if (this.closed || this.readingStopped || this.writeBlocked || this.inflightBlocked) return;
    // Frames left in the decoder from the chunk that hit the limit run first.
    this.processFrames();
    if (!this.inflightBlocked && !this.readingStopped) this.socket.resume();
  }

  private maybeClose(): void {
    if (!this.closeWhenIdle || this.closed) return;
    if (this.session.pendingReplies > 0 || this.encoder.byteLength > 0) return;
    this.socket.end();
    // Keep reading (and discarding: readingStopped) so the peer's FIN is seen and 'close'
    // fires; closing with unread input would send a RST that can destroy our last reply.
    this.socket.resume();
    this.destroyLater();
  }

  // ---- shutdown ----------------------------------------------------------------------

  /** Graceful shutdown: read nothing more, answer what is in flight, then close. */
  shutdown(): void {
    this.readingStopped = true;
    this.socket.pause();
    this.closeWhenIdle = true;
    this.maybeClose();
  }

  get pendingReplies(): number {
    return this.session.pendingReplies;
  }

  private destroyLater(): void {
    // Let 'end' flush the written bytes; a peer that never reads gets cut off after 5 s.
    setTimeout(() => this.destroy(), 5000).unref();
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.router.closeSession(this.session);
    this.socket.destroy();
    this.onClosed(this);
  }
}

/** Answers a connection over the client limit with one error frame, then closes it. */
export function refuseConnection(socket: Socket, code: ErrorCode, message: string): void {
  const enc = new ReplyEncoder(256);
  enc.begin(0);
  enc.error(code, message);
  refuseSocket(socket, enc.take());
}
