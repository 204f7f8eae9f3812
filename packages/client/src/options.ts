/** Client configuration, with the defaults applied by `resolveOptions`. */

export interface ReconnectOptions {
  /** Attempts after a connection drops before giving up (default 10). 0 disables reconnecting. */
  maxAttempts?: number;
  /** Delay before the first attempt; doubles each attempt (default 50 ms). */
  initialDelayMs?: number;
  /** Cap on the delay between attempts (default 2000 ms). */
  maxDelayMs?: number;
}

export interface ClientOptions {
  host?: string;
  port?: number;
  /** Give up connecting after this long (default 10 000 ms). */
  connectTimeoutMs?: number;
  /** Reconnect after an unexpected disconnect; `false` disables (default: enabled). */
  reconnect?: ReconnectOptions | false;
  /**
   * Bound on requests awaiting a reply plus requests queued while reconnecting (default 100 000).
   * A call beyond it is rejected at once with ConnectionError("queue-full").
   */
  maxPendingRequests?: number;
  /** Largest reply frame accepted (default 512 MiB: an MGET of several large values). */
  maxReplyFrameBytes?: number;
  /**
   * Largest request sent (default 65 MiB, the server's default --max-frame-bytes). A larger
   * request is answered locally with TesseraError("TOOBIG") instead of being sent: the server
   * would close the connection on it, failing every request pipelined with it.
   */
  maxRequestFrameBytes?: number;
  /**
   * The server's password (its --requirepass). Sent with AUTH as the first request of every
   * connection and reconnection; nothing else is sent before the server accepted it.
   */
  password?: string;
  /** User name for AUTH (default "default", the only user a Tessera server has). Needs `password`. */
  username?: string;
}

export interface ResolvedOptions {
  host: string;
  port: number;
  connectTimeoutMs: number;
  reconnectMaxAttempts: number;
  reconnectInitialDelayMs: number;
  reconnectMaxDelayMs: number;
  maxPendingRequests: number;
  maxReplyFrameBytes: number;
  maxRequestFrameBytes: number;
  /** null = send no AUTH. */
  password: string | null;
  username: string | null;
}

export const DEFAULT_PORT = 7379;

export function resolveOptions(o: ClientOptions): ResolvedOptions {
  const r = o.reconnect === false ? { maxAttempts: 0 } : (o.reconnect ?? {});
  const resolved: ResolvedOptions = {
    host: o.host ?? "127.0.0.1",
    port: o.port ?? DEFAULT_PORT,
    connectTimeoutMs: o.connectTimeoutMs ?? 10_000,
    reconnectMaxAttempts: r.maxAttempts ?? 10,
    reconnectInitialDelayMs: r.initialDelayMs ?? 50,
    reconnectMaxDelayMs: r.maxDelayMs ?? 2_000,
    maxPendingRequests: o.maxPendingRequests ?? 100_000,
    maxReplyFrameBytes: o.maxReplyFrameBytes ?? 512 * 1024 * 1024,
    maxRequestFrameBytes: o.maxRequestFrameBytes ?? 65 * 1024 * 1024,
    password: o.password ?? null,
    username: o.username ?? null,
  };
  if (resolved.username !== null && resolved.password === null) throw new RangeError("client option username needs password as well");
  for (const [name, value] of Object.entries(resolved)) {
    if (name === "host" || name === "password" || name === "username") continue;
    if (!Number.isInteger(value) || (value as number) < 0) throw new RangeError(`client option ${name} must be a non-negative integer, got ${String(value)}`);
  }
  if (resolved.port > 65535) throw new RangeError(`port must be 0..65535, got ${resolved.port}`);
  if (resolved.maxPendingRequests < 1) throw new RangeError("maxPendingRequests must be at least 1");
  return resolved;
}
