/**
 * The native (protobuf) TCP listener: accepts connections up to `maxclients` and gives each a
 * NativeConnection. Graceful close: stop accepting, let every connection answer what it has in
 * flight, then close them.
 */
import { createServer, type Server, type Socket } from "node:net";
import { Errors } from "@tessera/proto";
import type { Router } from "../router.js";
import { NativeConnection, refuseConnection } from "./native-connection.js";

export class NativeListener {
  private readonly server: Server;
  private readonly connections = new Set<NativeConnection>();

  constructor(private readonly router: Router) {
    this.server = createServer({ noDelay: true }, (socket) => this.accept(socket));
  }

  /** Listens on host:port (port 0 = any free port); resolves with the bound port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen({ host, port, exclusive: true }, () => {
        this.server.off("error", reject);
        const addr = this.server.address();
        resolve(typeof addr === "object" && addr !== null ? addr.port : port);
      });
    });
  }

  private accept(socket: Socket): void {
    // Sessions of both listeners count: maxclients is a server-wide limit.
    if (this.router.sessionCount >= this.router.config.maxClients) {
      this.router.noteRejectedConnection();
      refuseConnection(socket, "ERR", Errors.maxClients());
      return;
    }
    const conn = new NativeConnection(socket, this.router, (c) => this.connections.delete(c));
    this.connections.add(conn);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Stops accepting and asks every connection to finish what is in flight and close. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.connections) c.shutdown();
    await closed;
  }

  /** Closes whatever is still open (after the shutdown timeout). */
  destroyAll(): void {
    for (const c of [...this.connections]) c.destroy();
  }
}
