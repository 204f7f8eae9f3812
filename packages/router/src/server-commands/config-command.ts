/**
 * CONFIG GET pattern [pattern ...]: Redis parameter names mapped onto Tessera's ServerConfig, so
 * tools that read them (redis-benchmark reads `save` and `appendonly`, clients read
 * `databases`) see sensible values.
 * CONFIG SET name value [name value ...]: the run-time settings (`appendfsync`, `maxclients`,
 * `maxmemory`, `requirepass`, `slowlog-log-slower-than`, `slowlog-max-len`),
 * all pairs validated before any is applied, as Redis 7 does; the other parameters are fixed at
 * start (flags or the config file) and are refused with Redis's "can't set immutable config".
 */
import { Errors, type CommandSpec, type ReplySink } from "@tessera/proto";
import { parseByteSize, type ServerConfig } from "../config.js";
import type { RuntimeConfig, ServerContext, Session } from "./context.js";
import { writeHelp } from "./connection.js";
import { globMatchString } from "./glob.js";
import { argText, writeBulkString, writeMapHeader } from "./reply-helpers.js";

type Getter = (c: Readonly<ServerConfig>, ctx: ServerContext) => string;

/** Redis parameter name -> value. Order is the reply order. */
const PARAMETERS: ReadonlyArray<readonly [string, Getter]> = [
  ["bind", (c) => c.host],
  ["port", (c) => String(c.respPort)],
  ["tessera-native-port", (c) => String(c.port)],
  ["databases", () => "1"],
  ["maxclients", (c) => String(c.maxClients)],
  // Redis's format: class, hard limit, soft limit, soft seconds. Tessera has normal clients only.
  ["client-output-buffer-limit", (c) => `normal ${c.clientOutputBufferLimitBytes} 0 0`],
  ["maxmemory", (c) => String(c.maxMemoryBytes)],
  ["maxmemory-policy", () => "noeviction"],
  ["proto-max-bulk-len", (c) => String(c.maxValueBytes)],
  ["dir", (c) => c.dataDir],
  // Tessera's durability is a per-partition WAL: the closest Redis notion is the AOF.
  ["appendonly", (c) => (c.dataDir !== "" ? "yes" : "no")],
  ["appendfsync", (c) => c.fsync],
  // No RDB-style save points: snapshots are taken by the WAL's own policy.
  ["save", () => ""],
  ["timeout", () => "0"],
  ["tcp-keepalive", () => "300"],
  ["cluster-enabled", () => "no"],
  ["tessera-partitions", (_c, ctx) => String(ctx.partitions)],
  ["slowlog-log-slower-than", (c) => String(c.slowlogLogSlowerThanUs)],
  ["slowlog-max-len", (c) => String(c.slowlogMaxLen)],
];

type Setter = (value: string, ctx: ServerContext, changes: Partial<RuntimeConfig>) => string | null;

const FSYNC_VALUES = ["always", "everysec", "no"] as const;

/** Run-time settable parameters: each validates its value into `changes`, or returns the reason. */
const SETTERS: ReadonlyMap<string, Setter> = new Map<string, Setter>([
  [
    "appendfsync",
    (value, ctx, changes) => {
      const v = value.toLowerCase();
      const policy = FSYNC_VALUES.find((p) => p === v);
      if (policy === undefined) return "argument(s) must be one of the following: always, everysec, no";
      if (ctx.config.dataDir === "") return "the server runs without a data directory (no WAL to fsync); restart it with --data-dir";
      changes.fsync = policy;
      return null;
    },
  ],
  [
    // Password rotation without a restart. Write-only: CONFIG GET does not list it, so the
    // password never shows in a reply (Redis would return it).
    "requirepass",
    (value, _ctx, changes) => {
      changes.requirepass = value;
      return null;
    },
  ],
  [
    "maxmemory",
    (value, _ctx, changes) => {
      const n = parseByteSize(value);
      if (n === null || !Number.isSafeInteger(n) || n < 0) return "argument must be a memory value";
      changes.maxMemoryBytes = n;
      return null;
    },
  ],
  [
    "slowlog-log-slower-than",
    (value, _ctx, changes) => {
      const n = parseLongLong(value);
      if (n === null) return "argument couldn't be parsed into an integer";
      if (n < -1n) return "argument must be between -1 and 9223372036854775807 inclusive";
      changes.slowlogLogSlowerThanUs = clampToSafe(n);
      return null;
    },
  ],
  [
    "slowlog-max-len",
    (value, _ctx, changes) => {
      const n = parseLongLong(value);
      if (n === null) return "argument couldn't be parsed into an integer";
      if (n < 0n) return "argument must be between 0 and 9223372036854775807 inclusive";
      changes.slowlogMaxLen = clampToSafe(n);
      return null;
    },
  ],
  [
    "maxclients",
    (value, _ctx, changes) => {
      if (!/^[0-9]+$/.test(value)) return "argument couldn't be parsed into an integer";
      const n = Number(value);
      if (n < 1 || n > 1_000_000) return "argument must be between 1 and 1000000 inclusive";
      changes.maxClients = n;
      return null;
    },
  ],
]);

/** A signed 64-bit integer as Redis's config parser reads one; null if it is not one. */
function parseLongLong(value: string): bigint | null {
  if (!/^-?[0-9]{1,19}$/.test(value)) return null;
  const n = BigInt(value);
  return n >= -9223372036854775808n && n <= 9223372036854775807n ? n : null;
}

/** Past 2^53 a count or a time is "unbounded" in practice; keep it a safe number. */
function clampToSafe(n: bigint): number {
  return n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
}

function configSet(ctx: ServerContext, spec: CommandSpec, argv: readonly Uint8Array[], out: ReplySink): void {
  if (argv.length < 4 || argv.length % 2 !== 0) {
    out.error("ERR", `wrong number of arguments for '${spec.name.toLowerCase()}|set' command`);
    return;
  }
  const pairs: [string, string][] = [];
  for (let i = 2; i < argv.length; i += 2) pairs.push([argText(argv, i), argText(argv, i + 1)]);
  const error = setConfig(ctx, pairs);
  if (error !== null) out.error("ERR", error);
  else out.ok();
}

/**
 * CONFIG SET's rules for name/value pairs (also the admin API's PUT /config): every pair is
 * validated before any is applied, as Redis 7 does. Returns null when applied, else the error
 * text (Redis's words, without the "ERR" code).
 */
export function setConfig(ctx: ServerContext, pairs: readonly (readonly [string, string])[]): string | null {
  const changes: Partial<RuntimeConfig> = {};
  const seen = new Set<string>();
  for (const [rawName, value] of pairs) {
    const name = rawName.toLowerCase();
    const fail = (reason: string): string => `CONFIG SET failed (possibly related to argument '${name}') - ${reason}`;
    if (seen.has(name)) return fail("duplicate parameter");
    seen.add(name);
    const setter = SETTERS.get(name);
    if (setter === undefined) {
      if (PARAMETERS.some(([n]) => n === name)) return fail("can't set immutable config (set it with a flag or the config file and restart)");
      return `Unknown option or number of arguments for CONFIG SET - '${name}'`;
    }
    const reason = setter(value, ctx, changes);
    if (reason !== null) return fail(reason);
  }
  ctx.applyConfig(changes);
  return null;
}

/** CONFIG GET's parameters whose names match any of the glob patterns, in reply order. */
export function getConfig(ctx: ServerContext, patterns: readonly string[]): [string, string][] {
  const found: [string, string][] = [];
  for (const [name, get] of PARAMETERS) {
    if (patterns.some((p) => globMatchString(p, name, true))) found.push([name, get(ctx.config, ctx)]);
  }
  return found;
}

export function config(ctx: ServerContext, _session: Session, spec: CommandSpec, argv: readonly Uint8Array[], out: ReplySink): void {
  const sub = argText(argv, 1).toUpperCase();
  switch (sub) {
    case "GET": {
      if (argv.length < 3) {
        out.error("ERR", `wrong number of arguments for '${spec.name.toLowerCase()}|get' command`);
        return;
      }
      const patterns: string[] = [];
      for (let i = 2; i < argv.length; i++) patterns.push(argText(argv, i));
      const found = getConfig(ctx, patterns);
      writeMapHeader(out, found.length);
      for (const [name, value] of found) {
        writeBulkString(out, name);
        writeBulkString(out, value);
      }
      return;
    }
    case "SET":
      configSet(ctx, spec, argv, out);
      return;
    case "RESETSTAT":
      if (argv.length !== 2) {
        out.error("ERR", Errors.wrongArity("config|resetstat"));
        return;
      }
      ctx.resetCommandStats();
      out.ok();
      return;
    case "HELP":
      writeHelp(out, [
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value> [<directive> <value> ...]",
        "    Set configuration directives at run time: appendfsync, maxclients, maxmemory, requirepass,",
        "    slowlog-log-slower-than, slowlog-max-len. Others are fixed at start (flags or the config file).",
        "RESETSTAT",
        "    Reset the statistics reported by INFO commandstats.",
        "HELP",
        "    Print this help.",
      ]);
      return;
    default:
      out.error("ERR", `unknown subcommand '${argText(argv, 1)}'. Try CONFIG HELP.`);
  }
}
