/**
 * What router-answered commands (PING, INFO, CLIENT, CONFIG, ...: H5's server-commands) may see
 * of the server. The Router implements it.
 */
import type { CommandSpec, ReplySink } from "@tessera/proto";
import type { ServerConfig } from "./config.js";

/** The settings CONFIG SET may change while the server runs. */
export type RuntimeConfig = Pick<ServerConfig, "fsync" | "maxClients" | "requirepass" | "maxMemoryBytes" | "slowlogLogSlowerThanUs" | "slowlogMaxLen">;
import type { PartitionStats, PartitionTraffic } from "./partition-port.js";
import type { Session } from "./session.js";
import type { Slowlog } from "./slowlog.js";
import type { ErrorTally } from "./error-tally.js";

export interface ServerStats {
  commandsProcessed: number;
  connectionsReceived: number;
  rejectedConnections: number;
  /** Connections closed for passing --client-output-buffer-limit. */
  outputBufferDisconnections: number;
  /** Channels with a subscriber, and distinct patterns subscribed (INFO stats). */
  pubsubChannels?: number;
  pubsubPatterns?: number;
  /** Messages handed to subscribers since start (one per receiver, as PUBLISH counts them). */
  pubsubDelivered?: number;
  /** Last known per-partition figures (refreshed about once a second; zeros until known). */
  partitions: PartitionStats[];
  /** Request traffic into the partitions, summed, when the partition hosts count it. */
  traffic?: PartitionTraffic;
}

export interface ServerContext {
  readonly config: Readonly<ServerConfig>;
  sessions(): Iterable<Session>;
  readonly partitions: number;
  readonly startedAtMs: number;
  stats(): ServerStats;
  /**
   * Applies run-time changes (CONFIG SET), already validated: `config` shows them afterwards,
   * and an fsync change holds for every request routed after this returns.
   */
  applyConfig(changes: Partial<RuntimeConfig>): void;
  readonly slowlog: Slowlog;
  /** Error replies sent to clients, by code (INFO errorstats). */
  readonly errorReplies: ErrorTally;
  /** INFO commandstats rows, by command name. */
  commandStats(): CommandStatsRow[];
  /** Latency bucket counts per command id (partition/latency-buckets.ts), summed over the partitions. */
  commandLatency(): Float64Array;
  /** CONFIG RESETSTAT. */
  resetCommandStats(): void;
}

/**
 * One command's figures. A command split across partitions counts once per partition that ran
 * a part (as each node of a Redis Cluster would count it); `usec` is execution time only.
 */
export interface CommandStatsRow {
  name: string;
  calls: number;
  usec: number;
  /** Refused before running: wrong arity, NOAUTH, CROSSSLOT, BUSY. */
  rejected: number;
  /** Ran and answered an error. */
  failed: number;
}

/** Signature of H5's executeServerCommand (packages/router/src/server-commands). */
export type ServerCommandHandler = (
  ctx: ServerContext,
  session: Session,
  spec: CommandSpec,
  argv: readonly Uint8Array[],
  out: ReplySink,
) => void;
