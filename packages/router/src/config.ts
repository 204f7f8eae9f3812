/**
 * Server configuration: defaults, command-line flags and a JSON config file. Flags override the
 * file, the file overrides the defaults. Every flag has the same name as a file key
 * (`--max-value-bytes 1mb` <-> `{"max-value-bytes": "1mb"}`); unknown names and bad values are
 * errors, reported with the usage text, never silently ignored.
 */
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";

export type FsyncPolicy = "always" | "everysec" | "no";

export interface ServerConfig {
  /** Interface both listeners bind to. */
  host: string;
  /** Native (protobuf) port; 0 = let the OS pick (the ready line says which). */
  port: number;
  /** RESP port; 0 = RESP off. */
  respPort: number;
  /** Admin HTTP port (/metrics, /health, /info, /slowlog); 0 = off. */
  adminPort: number;
  /**
   * Bearer token the admin API wants on every endpoint but /health; "" = the requirepass (if
   * any). Never printed.
   */
  adminToken: string;
  /** Where partitions keep WAL segments and snapshots; created if missing. "" = in-memory only, nothing on disk. */
  dataDir: string;
  /** Partition workers (each owns a contiguous range of the 16384 hash slots). */
  partitions: number;
  /** Connections beyond this are answered "ERR max number of clients reached" and closed. */
  maxClients: number;
  /** Memory cap for all partitions together, split evenly; 0 = no cap. */
  maxMemoryBytes: number;
  /** Largest value a write may store. */
  maxValueBytes: number;
  /** Largest request frame a client may send (native and RESP). */
  maxFrameBytes: number;
  /** Requests one connection may have in flight before the router stops reading it. */
  maxInflightPerConnection: number;
  /**
   * A connection whose unsent replies pass this many bytes is closed (a client that stopped
   * reading); 0 = no limit. Redis's client-output-buffer-limit hard limit for normal clients.
   */
  clientOutputBufferLimitBytes: number;
  /** When the WAL reaches the disk. */
  fsync: FsyncPolicy;
  /** Take a snapshot this often (each partition); 0 = never on a timer. */
  snapshotEveryMs: number;
  /** Take a snapshot once this much WAL was written since the last one; 0 = never for WAL growth. */
  snapshotWalBytes: number;
  /** Enables DEBUG commands that can hurt the server (e.g. killing a partition worker); tests only. */
  enableDebugCommands: boolean;
  /** How long a graceful shutdown waits for in-flight requests before closing anyway. */
  shutdownTimeoutMs: number;
  /**
   * Password every connection must give (AUTH / HELLO AUTH) before any other command runs;
   * "" = none. Never printed: not by INFO, not in errors, not in the usage text.
   */
  requirepass: string;
  /** Commands that run at least this many microseconds go to the SLOWLOG; -1 = none, 0 = all. */
  slowlogLogSlowerThanUs: number;
  /** SLOWLOG entries kept (the newest). */
  slowlogMaxLen: number;
}

const MIB = 1024 * 1024;

export function defaultConfig(): ServerConfig {
  return {
    host: "127.0.0.1",
    port: 7379,
    respPort: 7380,
    adminPort: 7381,
    adminToken: "",
    dataDir: "./data",
    partitions: availableParallelism(),
    maxClients: 10_000,
    maxMemoryBytes: 0,
    maxValueBytes: 64 * MIB,
    maxFrameBytes: 64 * MIB + MIB,
    maxInflightPerConnection: 1024,
    // Above the 512 MiB reply the client accepts by default, so no single reply a client can
    // read trips it; below what 1024 in-flight GETs of 64 MiB values could pile up.
    clientOutputBufferLimitBytes: 1024 * MIB,
    fsync: "everysec",
    snapshotEveryMs: 3_600_000,
    snapshotWalBytes: 256 * MIB,
    enableDebugCommands: false,
    shutdownTimeoutMs: 10_000,
    requirepass: "",
    slowlogLogSlowerThanUs: 10_000,
    slowlogMaxLen: 128,
  };
}

type Kind = "string" | "path" | "port" | "count" | "length" | "bytes" | "fsync" | "flag" | "ms" | "micros" | "secret";

interface Option {
  flag: string;
  key: keyof ServerConfig;
  kind: Kind;
  /** Value placeholder in the usage text. */
  meta: string;
  help: string;
}

const OPTIONS: readonly Option[] = [
  { flag: "host", key: "host", kind: "string", meta: "ADDR", help: "interface to listen on" },
  { flag: "port", key: "port", kind: "port", meta: "PORT", help: "native (protobuf) port; 0 = any free port" },
  { flag: "resp-port", key: "respPort", kind: "port", meta: "PORT", help: "RESP (Redis protocol) port; 0 = off" },
  { flag: "admin-port", key: "adminPort", kind: "port", meta: "PORT", help: "admin HTTP port (/metrics for Prometheus, /health, /info, /slowlog); 0 = off" },
  { flag: "admin-token", key: "adminToken", kind: "secret", meta: "TOKEN", help: "admin HTTP requests but /health need 'Authorization: Bearer TOKEN'; \"\" = the requirepass, if any" },
  { flag: "data-dir", key: "dataDir", kind: "path", meta: "DIR", help: "WAL and snapshot directory (created if missing); \"\" = in-memory only" },
  { flag: "partitions", key: "partitions", kind: "count", meta: "N", help: "partition workers" },
  { flag: "maxmemory", key: "maxMemoryBytes", kind: "bytes", meta: "SIZE", help: "memory cap for all partitions (e.g. 512mb, 2gb); 0 = none" },
  { flag: "max-value-bytes", key: "maxValueBytes", kind: "bytes", meta: "SIZE", help: "largest value a write may store" },
  { flag: "max-frame-bytes", key: "maxFrameBytes", kind: "bytes", meta: "SIZE", help: "largest request frame a client may send" },
  { flag: "maxclients", key: "maxClients", kind: "count", meta: "N", help: "most simultaneous client connections" },
  { flag: "max-inflight", key: "maxInflightPerConnection", kind: "count", meta: "N", help: "requests in flight per connection before reading pauses" },
  {
    flag: "client-output-buffer-limit",
    key: "clientOutputBufferLimitBytes",
    kind: "bytes",
    meta: "SIZE",
    help: "close a connection whose unsent replies pass this (a client not reading); 0 = none",
  },
  { flag: "fsync", key: "fsync", kind: "fsync", meta: "POLICY", help: "WAL fsync policy: always | everysec | no" },
  { flag: "snapshot-every-ms", key: "snapshotEveryMs", kind: "ms", meta: "MS", help: "snapshot each partition this often; 0 = not on a timer" },
  { flag: "snapshot-wal-bytes", key: "snapshotWalBytes", kind: "bytes", meta: "SIZE", help: "snapshot a partition after this much WAL; 0 = not for WAL growth" },
  { flag: "shutdown-timeout-ms", key: "shutdownTimeoutMs", kind: "ms", meta: "MS", help: "how long shutdown waits for in-flight requests" },
  { flag: "slowlog-log-slower-than", key: "slowlogLogSlowerThanUs", kind: "micros", meta: "US", help: "log commands that run at least this many microseconds to the SLOWLOG; -1 = none, 0 = all" },
  { flag: "slowlog-max-len", key: "slowlogMaxLen", kind: "length", meta: "N", help: "SLOWLOG entries kept (the newest)" },
  { flag: "requirepass", key: "requirepass", kind: "secret", meta: "PASSWORD", help: "clients must AUTH with this password before any other command; \"\" = none" },
  { flag: "enable-debug-commands", key: "enableDebugCommands", kind: "flag", meta: "", help: "allow DEBUG commands (kill a partition worker; tests only)" },
];

const BY_FLAG = new Map(OPTIONS.map((o) => [o.flag, o]));
const BY_KEY = new Map(OPTIONS.map((o) => [o.key as string, o]));

export class ConfigError extends Error {}

/** Parses "1234", "64kb", "512mb", "2gb" (Redis units: k/m/g = 1000^n, kb/mb/gb = 1024^n). */
export function parseByteSize(text: string): number | null {
  const m = /^(\d+)\s*(k|kb|m|mb|g|gb|b)?$/i.exec(text.trim());
  if (m === null) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? "b").toLowerCase();
  const mult: Record<string, number> = { b: 1, k: 1e3, kb: 1024, m: 1e6, mb: MIB, g: 1e9, gb: 1024 * MIB };
  const bytes = n * mult[unit]!;
  return Number.isSafeInteger(bytes) ? bytes : null;
}

function formatDefault(o: Option, d: ServerConfig): string {
  const v = d[o.key];
  if (o.kind === "flag") return "off";
  if (o.kind === "secret") return v === "" ? "none" : "(set)";
  if (o.key === "partitions") return `${v} (one per core)`;
  if (o.kind === "bytes") {
    const n = v as number;
    if (n === 0) return "0";
    if (n % MIB === 0) return `${n / MIB}mb`;
    return String(n);
  }
  return String(v);
}

/** The `tessera serve --help` text: every flag with its default. */
export function usage(): string {
  const d = defaultConfig();
  const lines = [
    "usage: tessera serve [flags]",
    "",
    "Starts the Tessera server: a router thread and one worker per partition. Flags override",
    "the config file, which overrides the defaults.",
    "",
    "Security: the server listens on 127.0.0.1 unless --host says otherwise, and without",
    "--requirepass anyone who can connect may run any command (FLUSHALL included). Set a",
    "password before binding to another interface; prefer the config file's \"requirepass\" key",
    "to the flag, which other local users can read in the process list.",
    "",
    "flags:",
  ];
  const rows: [string, string][] = [["--config FILE", "JSON file with any of the keys below (e.g. {\"port\": 7379, \"maxmemory\": \"2gb\"})"]];
  for (const o of OPTIONS) {
    const left = o.meta === "" ? `--${o.flag}` : `--${o.flag} ${o.meta}`;
    rows.push([left, `${o.help} (default: ${formatDefault(o, d)})`]);
  }
  rows.push(["--help", "print this text"]);
  const width = Math.max(...rows.map((r) => r[0].length)) + 2;
  for (const [left, right] of rows) lines.push(`  ${left.padEnd(width)}${right}`);
  return lines.join("\n");
}

function convert(o: Option, raw: unknown, where: string): unknown {
  const bad = (why: string) => new ConfigError(`${where}: ${why}`);
  switch (o.kind) {
    case "string":
      if (typeof raw !== "string" || raw === "") throw bad("expects a non-empty string");
      return raw;
    case "path":
      if (typeof raw !== "string") throw bad("expects a directory path (\"\" for in-memory only)");
      return raw;
    case "secret":
      // The value itself is never quoted back: it may be a mistyped password.
      if (typeof raw !== "string") throw bad("expects a string (\"\" for no password)");
      return raw;
    case "flag":
      if (raw === true || raw === "true" || raw === "yes" || raw === "1") return true;
      if (raw === false || raw === "false" || raw === "no" || raw === "0") return false;
      throw bad("expects true or false");
    case "fsync":
      if (raw === "always" || raw === "everysec" || raw === "no") return raw;
      throw bad(`expects always, everysec or no, got '${String(raw)}'`);
    case "bytes": {
      const n = typeof raw === "number" ? raw : typeof raw === "string" ? parseByteSize(raw) : null;
      if (n === null || !Number.isSafeInteger(n) || n < 0) throw bad(`expects a size in bytes (e.g. 1048576, 512mb, 2gb), got '${String(raw)}'`);
      return n;
    }
    case "micros": {
      // Redis's range, -1 to 2^63-1; past 2^53 it is "never" in practice and kept as 2^53-1.
      const big = typeof raw === "number" && Number.isInteger(raw) ? BigInt(raw) : typeof raw === "string" && /^-?\d{1,19}$/.test(raw) ? BigInt(raw) : null;
      if (big === null || big < -1n || big > 9223372036854775807n) throw bad(`expects microseconds (-1 = off), got '${String(raw)}'`);
      return big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(big);
    }
    case "port":
    case "count":
    case "length":
    case "ms": {
      const n = typeof raw === "number" ? raw : typeof raw === "string" && /^\d+$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n) || n < 0) throw bad(`expects a non-negative integer, got '${String(raw)}'`);
      if (o.kind === "port" && n > 65535) throw bad(`port out of range: ${n}`);
      if (o.kind === "count" && n < 1) throw bad("must be at least 1");
      return n;
    }
  }
}

function applyFile(config: ServerConfig, file: string): void {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, "utf8"));
  } catch (e) {
    throw new ConfigError(`--config ${file}: ${(e as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new ConfigError(`--config ${file}: expects a JSON object`);
  }
  for (const [name, value] of Object.entries(parsed as Record<string, unknown>)) {
    const o = BY_FLAG.get(name) ?? BY_KEY.get(name);
    if (o === undefined) throw new ConfigError(`--config ${file}: unknown key '${name}'`);
    (config as unknown as Record<string, unknown>)[o.key] = convert(o, value, `${file}: ${name}`);
  }
}

export type ParsedArgs = { help: true } | { help: false; config: ServerConfig };

/**
 * Parses `serve` flags (everything after the subcommand). Throws ConfigError for unknown flags,
 * missing values and bad values.
 */
export function parseServeArgs(args: readonly string[], base: ServerConfig = defaultConfig()): ParsedArgs {
  const flags: [Option, string | true, string][] = [];
  let configFile: string | null = null;
  let frameBytesGiven = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--help" || arg === "-h") return { help: true };
    if (!arg.startsWith("--")) throw new ConfigError(`unexpected argument '${arg}'`);
    const eq = arg.indexOf("=");
    const name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
    let value: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    if (name === "config") {
      value ??= args[++i];
      if (value === undefined) throw new ConfigError("--config needs a file name");
      configFile = value;
      continue;
    }
    const o = BY_FLAG.get(name);
    if (o === undefined) throw new ConfigError(`unknown flag '--${name}'`);
    if (o.kind === "flag") {
      flags.push([o, value ?? true, `--${name}`]);
      continue;
    }
    value ??= args[++i];
    if (value === undefined) throw new ConfigError(`--${name} needs a value (${o.meta})`);
    flags.push([o, value, `--${name}`]);
  }
  const config: ServerConfig = { ...base };
  if (configFile !== null) {
    applyFile(config, configFile);
    frameBytesGiven = readFileSafe(configFile);
  }
  for (const [o, value, where] of flags) {
    (config as unknown as Record<string, unknown>)[o.key] = convert(o, value, where);
    if (o.key === "maxFrameBytes") frameBytesGiven = true;
  }
  // A frame must be able to carry the largest value plus its command; follow max-value-bytes
  // unless the frame limit was set explicitly.
  if (!frameBytesGiven) config.maxFrameBytes = Math.max(config.maxFrameBytes, config.maxValueBytes + MIB);
  validate(config);
  return { help: false, config };
}

function readFileSafe(file: string): boolean {
  const parsed = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
  return "max-frame-bytes" in parsed || "maxFrameBytes" in parsed;
}

/**
 * The warning `serve` prints when the server listens beyond this machine without a password
 * (Redis refuses such connections in "protected mode"; Tessera serves them, and says so).
 */
export function exposureWarning(c: Readonly<ServerConfig>): string | null {
  if (c.requirepass !== "" || isLoopback(c.host)) return null;
  return (
    `tessera: WARNING: listening on ${c.host} without a password: anyone who can reach the ports ` +
    `may read, change and delete every key. Set "requirepass" in the config file (or --requirepass).`
  );
}

function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  return h === "localhost" || h === "::1" || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(h);
}

function validate(c: ServerConfig): void {
  if (c.partitions > 256) throw new ConfigError(`--partitions: at most 256, got ${c.partitions}`);
  if (c.respPort !== 0 && c.respPort === c.port) throw new ConfigError("--port and --resp-port must differ");
  if (c.adminPort !== 0 && (c.adminPort === c.port || c.adminPort === c.respPort)) throw new ConfigError("--admin-port must differ from --port and --resp-port");
  if (c.maxFrameBytes < 1024) throw new ConfigError("--max-frame-bytes: at least 1024");
}
