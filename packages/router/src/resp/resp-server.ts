/**
 * The RESP listener: Redis's protocol on its own port (config.respPort, loopback by default),
 * for redis-cli, redis-benchmark, ioredis and node-redis. Every connection is a Router session
 * of protocol "resp"; requests go through the same command table and router as the native port.
 */
import { createServer, type Server, type Socket } from "node:net";
import { Errors } from "@tessera/proto";
import type { ServerConfig } from "../config.js";
import type { Router } from "../router.js";
import { refuseSocket } from "../refuse-socket.js";
import { RespConnection, type RespConnectionOwner } from "./resp-connection.js";
import { ScanCursorRegistry } from "./scan-cursors.js";
import { DEFAULT_MAX_ARGS, type RespParserLimits } from "./resp-parser.js";

export interface RespServerOptions {
  router: Router;
  config: Readonly<ServerConfig>;
  /** Most arguments in one request (default 1M, as the brief's Redis-like limit). */
  maxArgs?: number;
}

export class RespServer implements RespConnectionOwner {
  readonly router: Router;
  readonly scanCursors = new ScanCursorRegistry();
  private readonly config: Readonly<ServerConfig>;
  private readonly limits: RespParserLimits;
  private readonly server: Server;
  private readonly connections = new Set<RespConnection>();
  private boundPort = 0;

  constructor(options: RespServerOptions) {
    this.router = options.router;
    this.config = options.config;
    this.limits = {
      maxBulkBytes: options.config.maxValueBytes,
      maxArgs: options.maxArgs ?? DEFAULT_MAX_ARGS,
      maxRequestBytes: options.config.maxFrameBytes,
    };
    // allowHalfOpen: a client that half-closes still gets the replies to what it sent.
    this.server = createServer({ allowHalfOpen: true, noDelay: true }, (socket) => this.accept(socket));
  }

  /** Starts listening on config.host:config.respPort (0 = any free port); resolves with the port. */
  listen(port: number = this.config.respPort): Promise<number> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.server.once("error", onError);
      this.server.listen({ host: this.config.host, port }, () => {
        this.server.off("error", onError);
        const address = this.server.address();
        if (address === null || typeof address === "string") throw new Error("RespServer: no TCP address after listen");
        this.boundPort = address.port;
        resolve(address.port);
      });
    });
  }

  get port(): number {
    return this.boundPort;
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Stops accepting; open connections answer what they already received and end. Resolves when
   * every connection has closed or after `timeoutMs`, when the rest are destroyed.
   */
  async close(timeoutMs = 5000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.connections) c.shutdown();
    const deadline = Date.now() + timeoutMs;
    while (this.connections.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    for (const c of [...this.connections]) c.destroy();
    await closed;
  }

  connectionClosed(connection: RespConnection): void {
    this.connections.delete(connection);
  }

  private accept(socket: Socket): void {
    if (this.router.sessionCount >= this.config.maxClients) {
      this.router.noteRejectedConnection();
      refuseSocket(socket, `-ERR ${Errors.maxClients()}\r\n`);
      return;
    }
    const remote = `${socket.remoteAddress ?? "?"}:${socket.remotePort ?? 0}`;
    const session = this.router.openSession("resp", remote, `${socket.localAddress ?? "?"}:${socket.localPort ?? 0}`);
    this.connections.add(new RespConnection(this, socket, session, this.limits, this.config.maxInflightPerConnection));
  }
}
