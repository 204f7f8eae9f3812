/**
 * One pipelined connection to a Tessera server over the native protocol, with reconnects.
 *
 * Pipelining: every call encodes its Request frame into one buffer at once; the first call in
 * a tick schedules a flush on process.nextTick, so all calls made in the same synchronous run
 * leave in a single socket write. Replies are matched to callers by request id (the server
 * answers in order today, but the protocol does not promise it).
 *
 * Disconnects: requests already written when the connection drops are rejected with
 * ConnectionError("lost") -- they may or may not have run, so they are never resent. Requests
 * not yet written stay queued (their frames stay in the buffer) and go out after a successful
 * reconnect. Reconnect attempts back off exponentially; when they run out, queued requests are
 * rejected with ConnectionError("not-sent") and the client is closed for good.
 *
 * Bounds: at most `maxPendingRequests` requests awaiting a reply or queued; beyond that a call
 * is rejected at once (ConnectionError "queue-full") rather than growing memory without limit.
 *
 * Authentication: with a password, every socket (first connect and each reconnect) sends AUTH
 * and waits for its OK before it counts as connected, so queued requests never reach a server
 * that would answer them NOAUTH. A refused password rejects `open` with the server's
 * TesseraError (WRONGPASS); on a reconnect it ends the client, since retrying cannot help.
 */
import { connect as netConnect, type Socket } from "node:net";
import { DEFAULT_MAX_REQUEST_ARGS, FrameDecoder, RequestEncoder, WireError, decodeReply, maxRequestMessageBytes, type Reply, type RequestArg } from "@tessera/proto";
import { ConnectionError, TesseraError } from "./errors.js";
import type { ResolvedOptions } from "./options.js";

type State = "connecting" | "ready" | "reconnecting" | "closing" | "closed";

/** A caller waiting for a reply. */
interface Waiter {
  resolve(reply: Reply): void;
  reject(error: Error): void;
}

/** Counters for tests and diagnostics. */
export interface ConnectionStats {
  /** Socket writes issued (one per flushed batch). */
  writes: number;
  /** Requests written. */
  requestsSent: number;
  /** Successful reconnects. */
  reconnects: number;
}

const MAX_ID = 0xffffffff;
/** Request id of the AUTH handshake; nothing else is in flight on the socket at that point. */
const AUTH_ID = 1;
/** Bound on the handshake's reply frame (an OK or a one-line error). */
const AUTH_REPLY_MAX_BYTES = 64 * 1024;

export class Connection {
  private readonly options: ResolvedOptions;
  private socket: Socket | null = null;
  private state: State = "connecting";

  private readonly encoder = new RequestEncoder();
  private decoder: FrameDecoder;
  /** Waiters by request id: every request written or queued and not yet answered. */
  private readonly waiters = new Map<number, Waiter>();
  /** Ids encoded into `encoder` but not yet written to a socket. */
  private unsent: number[] = [];
  private nextId = 1;
  private flushScheduled = false;

  private reconnectAttempt = 0;
  private reconnectTimer: NodeJS.Timeout | null = null;
  /** A connection-level error the server sent (reply id 0) before closing, for the rejections. */
  private serverFarewell: string | null = null;
  /** True when the client dropped the connection because it could not read the server's bytes. */
  private protocolFailure = false;
  /** A reply to a request arrived on the current socket (so the server accepted the connection). */
  private answeredOnSocket = false;
  private closeWaiters: (() => void)[] = [];

  readonly stats: ConnectionStats = { writes: 0, requestsSent: 0, reconnects: 0 };
  /** Called with each push frame (a pub/sub message). */
  onPush: ((value: Reply) => void) | null = null;
  /** Called after a successful reconnect (subscriptions are sent again from here). */
  onReconnect: (() => void) | null = null;

  private readonly flushCallback = (): void => this.flush();

  private constructor(options: ResolvedOptions) {
    this.options = options;
    this.decoder = new FrameDecoder({ maxFrameBytes: options.maxReplyFrameBytes });
  }

  /** Connects; rejects with ConnectionError("connect-failed") if the first attempt fails. */
  static async open(options: ResolvedOptions): Promise<Connection> {
    const c = new Connection(options);
    try {
      const socket = await c.dial();
      await c.authenticate(socket);
      c.attach(socket);
    } catch (e) {
      c.state = "closed";
      throw e;
    }
    return c;
  }

  /** True while requests can be sent or queued. */
  get isOpen(): boolean {
    return this.state === "ready" || this.state === "reconnecting";
  }

  /** True while a socket is connected. */
  get isConnected(): boolean {
    return this.state === "ready";
  }

  /** Requests awaiting a reply or queued. */
  get pendingRequests(): number {
    return this.waiters.size;
  }

  /** Sends one request; resolves with its reply (error replies resolve too, as values). */
  send(command: string | Uint8Array, args: readonly RequestArg[]): Promise<Reply> {
    if (this.state !== "ready" && this.state !== "reconnecting") {
      return Promise.reject(new ConnectionError("closed", "the client is closed"));
    }
    if (this.waiters.size >= this.options.maxPendingRequests) {
      return Promise.reject(
        new ConnectionError("queue-full", `too many requests pending (maxPendingRequests=${this.options.maxPendingRequests}); await some before sending more`),
      );
    }
    // Requests the server would refuse are answered here: past the argument limit the server
    // answers TOOBIG too, but past the frame limit it closes the connection, failing every
    // request pipelined with this one.
    if (args.length > DEFAULT_MAX_REQUEST_ARGS) {
      return Promise.resolve({ kind: "error", code: "TOOBIG", message: `request has more than ${DEFAULT_MAX_REQUEST_ARGS} arguments` });
    }
    const id = this.allocateId();
    try {
      this.encoder.encode(id, command, args, this.options.maxRequestFrameBytes);
    } catch (e) {
      if (e instanceof WireError) return Promise.resolve({ kind: "error", code: e.code, message: e.message });
      throw e;
    }
    this.unsent.push(id);
    const promise = new Promise<Reply>((resolve, reject) => {
      this.waiters.set(id, { resolve, reject });
    });
    if (this.state === "ready" && !this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(this.flushCallback);
    }
    return promise;
  }

  /**
   * Sends several requests that must go out together or not at all (MULTI ... EXEC): every
   * check send() would answer locally (closed, queue full, too many arguments, frame too large)
   * is made for all of them first, and throws before any is sent. Then they are sent in this
   * synchronous run, so they leave in one write with nothing of this client between them.
   */
  sendAll(requests: readonly { command: string; args: readonly RequestArg[] }[]): Promise<Reply>[] {
    if (this.state !== "ready" && this.state !== "reconnecting") throw new ConnectionError("closed", "the client is closed");
    if (this.waiters.size + requests.length > this.options.maxPendingRequests) {
      throw new ConnectionError(
        "queue-full",
        `${requests.length} requests do not fit: ${this.waiters.size} pending, maxPendingRequests=${this.options.maxPendingRequests}`,
      );
    }
    for (const r of requests) {
      if (r.args.length > DEFAULT_MAX_REQUEST_ARGS) throw new TesseraError("TOOBIG", `${r.command}: request has more than ${DEFAULT_MAX_REQUEST_ARGS} arguments`);
      const bytes = maxRequestMessageBytes(r.command, r.args);
      if (bytes > this.options.maxRequestFrameBytes) {
        throw new TesseraError("TOOBIG", `${r.command}: request of up to ${bytes} bytes is larger than the limit of ${this.options.maxRequestFrameBytes} bytes (the server's --max-frame-bytes)`);
      }
    }
    return requests.map((r) => this.send(r.command, r.args));
  }

  /**
   * Closes after the replies to everything already sent have arrived (or the connection
   * drops); nothing new is accepted meanwhile. Requests still queued for a reconnect are
   * rejected with ConnectionError("not-sent").
   */
  async close(): Promise<void> {
    if (this.state === "closed") return;
    if (this.state === "reconnecting" || this.state === "connecting") {
      this.shutdown(new ConnectionError("not-sent", "the client was closed before the request was sent"));
      return;
    }
    if (this.state === "ready") {
      this.state = "closing";
      this.flush();
      if (this.waiters.size === 0) this.socket!.end();
    }
    await new Promise<void>((resolve) => this.closeWaiters.push(resolve));
  }

  /** Closes at once: pending requests are rejected with ConnectionError. */
  destroy(): void {
    if (this.state === "closed") return;
    this.shutdown(new ConnectionError("closed", "the client was destroyed before the reply arrived"));
  }

  // ---- sending --------------------------------------------------------------------------

  private allocateId(): number {
    // Ids cycle through 1..2^32-1 (0 is the server's connection-level id); skip any still
    // waiting, which only matters after four billion requests with a very old one pending.
    let id = this.nextId;
    while (this.waiters.has(id)) id = id === MAX_ID ? 1 : id + 1;
    this.nextId = id === MAX_ID ? 1 : id + 1;
    return id;
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.socket === null || (this.state !== "ready" && this.state !== "closing")) return;
    if (this.encoder.byteLength === 0) return;
    const bytes = this.encoder.take();
    this.stats.writes++;
    this.stats.requestsSent += this.unsent.length;
    this.unsent.length = 0;
    // Node queues what the kernel does not take; pending requests are bounded by maxPendingRequests.
    this.socket.write(bytes);
  }

  // ---- receiving ------------------------------------------------------------------------

  private onData(chunk: Buffer): void {
    const decoder = this.decoder;
    try {
      decoder.push(chunk);
      for (let frame = decoder.next(); frame !== null; frame = decoder.next()) {
        const { id, value, push } = decodeReply(frame);
        if (push) {
          this.onPush?.(value);
          continue;
        }
        if (id === 0) {
          // A connection-level error (the server lost our framing); it closes next.
          this.serverFarewell = value.kind === "error" ? `${value.code} ${value.message}` : "the server closed the connection";
          continue;
        }
        const waiter = this.waiters.get(id);
        if (waiter === undefined) throw new Error(`reply for unknown request id ${id}`);
        this.answeredOnSocket = true;
        this.waiters.delete(id);
        waiter.resolve(value);
      }
    } catch (e) {
      this.serverFarewell = `the server sent a reply the client could not read: ${(e as Error).message}`;
      this.protocolFailure = true;
      this.socket?.destroy();
      return;
    }
    if (this.state === "closing" && this.waiters.size === 0) this.socket?.end();
  }

  // ---- connection lifecycle ---------------------------------------------------------------

  private dial(): Promise<Socket> {
    const { host, port, connectTimeoutMs } = this.options;
    return new Promise<Socket>((resolve, reject) => {
      const socket = netConnect({ host, port });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new ConnectionError("connect-failed", `connecting to ${host}:${port} timed out after ${connectTimeoutMs} ms`));
      }, connectTimeoutMs);
      socket.once("connect", () => {
        clearTimeout(timer);
        socket.removeAllListeners("error");
        resolve(socket);
      });
      socket.once("error", (err) => {
        clearTimeout(timer);
        socket.destroy();
        reject(new ConnectionError("connect-failed", `cannot connect to ${host}:${port}: ${err.message}`, { cause: err }));
      });
    });
  }

  /**
   * Sends AUTH on a fresh socket and waits for the answer (within connectTimeoutMs). Resolves
   * at once without a password. Rejects with TesseraError when the server refuses, and with
   * ConnectionError("connect-failed") when the socket fails first; the socket is destroyed then.
   */
  private authenticate(socket: Socket): Promise<void> {
    const { password, username, host, port, connectTimeoutMs } = this.options;
    if (password === null) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const decoder = new FrameDecoder({ maxFrameBytes: AUTH_REPLY_MAX_BYTES });
      const finish = (error: Error | null) => {
        clearTimeout(timer);
        socket.off("data", onData);
        socket.off("close", onClose);
        socket.off("error", onError);
        if (error === null) resolve();
        else {
          socket.destroy();
          reject(error);
        }
      };
      const onData = (chunk: Buffer) => {
        let reply: Reply;
        let id: number;
        try {
          decoder.push(chunk);
          const frame = decoder.next();
          if (frame === null) return;
          ({ id, value: reply } = decodeReply(frame));
        } catch (e) {
          finish(new ConnectionError("protocol", `the server's answer to AUTH could not be read: ${(e as Error).message}`));
          return;
        }
        if (id !== AUTH_ID) {
          // Id 0: a connection-level refusal (e.g. max clients) sent before closing.
          const said = reply.kind === "error" ? `${reply.code} ${reply.message}` : reply.kind;
          finish(new ConnectionError("connect-failed", `${host}:${port} closed the connection (server said: ${said})`));
        } else if (reply.kind === "ok") finish(null);
        else if (reply.kind === "error") finish(new TesseraError(reply.code, reply.message));
        else finish(new ConnectionError("protocol", `the server answered AUTH with ${reply.kind}, not OK`));
      };
      const onClose = () => finish(new ConnectionError("connect-failed", `${host}:${port} closed the connection during AUTH`));
      const onError = (err: Error) => finish(new ConnectionError("connect-failed", `AUTH to ${host}:${port} failed: ${err.message}`, { cause: err }));
      const timer = setTimeout(
        () => finish(new ConnectionError("connect-failed", `AUTH to ${host}:${port} got no answer within ${connectTimeoutMs} ms`)),
        connectTimeoutMs,
      );
      socket.on("data", onData);
      socket.on("close", onClose);
      socket.on("error", onError);
      const encoder = new RequestEncoder();
      encoder.encode(AUTH_ID, "AUTH", username === null ? [password] : [username, password]);
      socket.write(encoder.take());
    });
  }

  private attach(socket: Socket): void {
    socket.setNoDelay(true);
    socket.setKeepAlive(true, 30_000);
    this.socket = socket;
    this.decoder = new FrameDecoder({ maxFrameBytes: this.options.maxReplyFrameBytes });
    this.serverFarewell = null;
    this.protocolFailure = false;
    // With a password the server already answered AUTH on this socket: it accepted us.
    this.answeredOnSocket = this.options.password !== null;
    this.state = "ready";
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("error", () => {
      // 'close' follows and does the work; the error text reaches callers through it.
    });
    socket.on("close", () => this.onClose(socket));
    // Anything queued while disconnected goes out now.
    if (this.encoder.byteLength > 0) this.flush();
  }

  private onClose(socket: Socket): void {
    if (socket !== this.socket) return;
    this.socket = null;
    if (this.state === "closing" || this.state === "closed") {
      this.shutdown(new ConnectionError("lost", this.lostMessage("the connection closed before the reply arrived")));
      return;
    }
    // Unexpected: reject what was written (it may have run), keep what was not.
    this.rejectWritten(
      new ConnectionError(
        this.protocolFailure ? "protocol" : "lost",
        this.lostMessage("the connection was lost after the request was sent; it may or may not have run"),
      ),
    );
    if (this.options.reconnectMaxAttempts === 0) {
      this.shutdown(new ConnectionError("not-sent", "the connection was lost and reconnecting is disabled"));
      return;
    }
    this.state = "reconnecting";
    // Refused before answering anything (max clients: the server accepts, says why, closes):
    // that was a failed attempt, not a connection that worked and dropped. Starting the count
    // over would reconnect every initialDelayMs for as long as the server stays full.
    const refused = this.serverFarewell !== null && !this.answeredOnSocket;
    if (!refused) this.reconnectAttempt = 0;
    else if (this.reconnectAttempt >= this.options.reconnectMaxAttempts) {
      this.shutdown(new ConnectionError("not-sent", `gave up reconnecting after ${this.reconnectAttempt} attempts: the server said ${this.serverFarewell}`));
      return;
    }
    this.scheduleReconnect();
  }

  private lostMessage(base: string): string {
    return this.serverFarewell === null ? base : `${base} (server said: ${this.serverFarewell})`;
  }

  private scheduleReconnect(): void {
    const attempt = ++this.reconnectAttempt;
    const { reconnectInitialDelayMs, reconnectMaxDelayMs } = this.options;
    const delay = Math.min(reconnectMaxDelayMs, reconnectInitialDelayMs * 2 ** (attempt - 1));
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.dial().then(
        (socket) => this.authenticate(socket).then(() => socket),
      ).then(
        (socket) => {
          if (this.state !== "reconnecting") {
            socket.destroy(); // closed while dialing
            return;
          }
          this.stats.reconnects++;
          this.attach(socket);
          this.onReconnect?.();
        },
        (err: Error) => {
          if (this.state !== "reconnecting") return;
          if (err instanceof TesseraError) {
            // The server answered AUTH with an error (password changed, or removed): the next
            // attempt would get the same answer.
            this.shutdown(new ConnectionError("not-sent", `reconnected, but the server refused authentication: ${err.message}`, { cause: err }));
            return;
          }
          if (this.reconnectAttempt >= this.options.reconnectMaxAttempts) {
            this.shutdown(
              new ConnectionError("not-sent", `gave up reconnecting after ${this.reconnectAttempt} attempts: ${err.message}`, { cause: err }),
            );
            return;
          }
          this.scheduleReconnect();
        },
      );
    }, delay);
  }

  /** Rejects requests already written to the lost socket; unsent ones stay queued. */
  private rejectWritten(error: ConnectionError): void {
    if (this.unsent.length === this.waiters.size) return;
    const keep = new Set(this.unsent);
    for (const [id, waiter] of this.waiters) {
      if (keep.has(id)) continue;
      this.waiters.delete(id);
      waiter.reject(error);
    }
  }

  /** Final: no socket, no timer, every waiter rejected, close() callers released. */
  private shutdown(error: ConnectionError): void {
    this.state = "closed";
    if (this.reconnectTimer !== null) {
      clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
    const socket = this.socket;
    this.socket = null;
    socket?.destroy();
    this.encoder.take(); // drop frames never sent
    this.unsent.length = 0;
    const waiters = [...this.waiters.values()];
    this.waiters.clear();
    for (const w of waiters) w.reject(error);
    const closeWaiters = this.closeWaiters;
    this.closeWaiters = [];
    for (const resolve of closeWaiters) resolve();
  }
}
