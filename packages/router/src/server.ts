/**
 * The whole server, wired: data directory check, N partition hosts (worker threads), the
 * router, the native listener, the RESP listener and the admin HTTP API. `tessera serve` is a thin shell around
 * this; tests and benchmarks may start it in-process too.
 *
 * Shutdown order matters: stop accepting and stop reading (listeners), let the partitions
 * answer what is in flight and the connections write it out (router.drain), close the
 * connections, and only then stop the workers, so no accepted request is lost on a clean stop.
 */
import { checkDataDir } from "@tessera/wal";
import type { ServerConfig } from "./config.js";
import { AdminServer } from "./admin/admin-server.js";
import { NativeListener } from "./native/native-listener.js";
import { PartitionHost } from "./partition/partition-host.js";
import { RespServer } from "./resp/index.js";
import { decodeReply } from "./ring/reply-codec.js";
import { Router } from "./router.js";
import { executeServerCommand } from "./server-commands/index.js";

export interface TesseraServerOptions {
  config: ServerConfig;
  /** Module exporting PartitionEngine (default "@tessera/partition"); for transport tests only. */
  engineModule?: string;
  /** Operator-facing log lines (default: stderr). */
  log?: (line: string) => void;
}

export interface ListeningPorts {
  /** Native port actually bound (differs from config.port when that was 0). */
  port: number;
  /** RESP port bound, or 0 when RESP is off. */
  respPort: number;
  /** Admin HTTP port bound, or 0 when it is off. */
  adminPort: number;
}

export class TesseraServer {
  readonly router: Router;
  private readonly native: NativeListener;
  private resp: RespServer | null = null;
  private admin: AdminServer | null = null;
  private readonly log: (line: string) => void;
  private stopping: Promise<void> | null = null;

  constructor(private readonly options: TesseraServerOptions) {
    const config = options.config;
    this.log = options.log ?? ((line) => process.stderr.write(line + "\n"));
    const durable = config.dataDir !== "";
    // maxmemory is for the whole server; each partition gets an equal share.
    const perPartitionMemory = config.maxMemoryBytes === 0 ? 0 : Math.max(1, Math.floor(config.maxMemoryBytes / config.partitions));
    this.router = new Router({
      config,
      decodeReply,
      executeServerCommand,
      createPartition: (id, callbacks) =>
        new PartitionHost({
          id,
          engine: { maxMemoryBytes: perPartitionMemory, maxValueBytes: config.maxValueBytes },
          dataDir: durable ? config.dataDir : null,
          durability: durable
            ? {
                dir: config.dataDir,
                partitionId: id,
                partitions: config.partitions,
                fsync: config.fsync,
                snapshotEveryMs: config.snapshotEveryMs,
                snapshotWalBytes: config.snapshotWalBytes,
              }
            : null,
          onReply: callbacks.onReply,
          onExit: callbacks.onExit,
          onSlowCommands: callbacks.onSlowCommands,
          slowlogSlowerThanUs: config.slowlogLogSlowerThanUs,
          slowlogMaxLen: config.slowlogMaxLen,
          ...(options.engineModule !== undefined ? { engineModule: options.engineModule } : {}),
          log: this.log,
        }),
      // The host already logs the death and the restart; the router only counts it.
    });
    this.native = new NativeListener(this.router);
  }

  /** Checks the data directory, starts the partitions (recovery included), then the listeners. */
  async start(): Promise<ListeningPorts> {
    const config = this.options.config;
    if (config.dataDir !== "") checkDataDir(config.dataDir, config.partitions);
    await this.router.start();
    try {
      const port = await this.native.listen(config.host, config.port);
      let respPort = 0;
      if (config.respPort !== 0) {
        this.resp = new RespServer({ router: this.router, config });
        respPort = await this.resp.listen(config.respPort);
      }
      let adminPort = 0;
      if (config.adminPort !== 0) {
        this.admin = new AdminServer(this.router, config);
        adminPort = await this.admin.listen(config.adminPort);
      }
      return { port, respPort, adminPort };
    } catch (e) {
      await this.router.stop();
      throw e;
    }
  }

  /** Graceful stop (idempotent): see the file comment for the order. */
  stop(): Promise<void> {
    this.stopping ??= this.doStop();
    return this.stopping;
  }

  private async doStop(): Promise<void> {
    const timeoutMs = this.options.config.shutdownTimeoutMs;
    const adminClosed = this.admin?.close() ?? Promise.resolve();
    const nativeClosed = this.native.close();
    const respClosed = this.resp?.close(timeoutMs) ?? Promise.resolve();
    const drained = await this.router.drain(timeoutMs);
    if (!drained) this.log(`tessera: ${this.router.inFlight} requests still in flight after ${timeoutMs} ms; closing anyway`);
    // Give connections a moment to write their last replies, then cut what is left.
    const deadline = Date.now() + Math.min(timeoutMs, 2000);
    while (this.native.connectionCount > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    this.native.destroyAll();
    await Promise.all([nativeClosed, respClosed, adminClosed]);
    await this.router.stop();
  }
}
