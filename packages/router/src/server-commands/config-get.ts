/**
 * CONFIG GET pattern [pattern ...]: Redis parameter names mapped onto Tessera's ServerConfig, so
 * tools that read them (redis-benchmark reads `save` and `appendonly`, clients read
 * `databases`) see sensible values. CONFIG SET is not supported yet: configuration comes from
 * flags or the config file at start.
 */
import { Errors, type CommandSpec, type ReplySink } from "@tessera/proto";
import type { ServerConfig } from "../config.js";
import type { ServerContext, Session } from "./context.js";
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
];

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
      const found: [string, string][] = [];
      for (const [name, get] of PARAMETERS) {
        if (patterns.some((p) => globMatchString(p, name, true))) found.push([name, get(ctx.config, ctx)]);
      }
      writeMapHeader(out, found.length);
      for (const [name, value] of found) {
        writeBulkString(out, name);
        writeBulkString(out, value);
      }
      return;
    }
    case "SET": {
      if (argv.length < 4 || argv.length % 2 !== 0) {
        out.error("ERR", `wrong number of arguments for '${spec.name.toLowerCase()}|set' command`);
        return;
      }
      const name = argText(argv, 2).toLowerCase();
      if (!PARAMETERS.some(([n]) => n === name)) {
        out.error("ERR", `Unknown option or number of arguments for CONFIG SET - '${name}'`);
        return;
      }
      out.error("ERR", `CONFIG SET '${name}' is not supported: set it with a flag or the config file and restart`);
      return;
    }
    case "RESETSTAT":
      if (argv.length !== 2) {
        out.error("ERR", Errors.wrongArity("config|resetstat"));
        return;
      }
      out.ok();
      return;
    case "HELP":
      writeHelp(out, [
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Not supported: Tessera is configured by flags or its config file.",
        "RESETSTAT",
        "    Accepted; statistics are not reset.",
        "HELP",
        "    Print this help.",
      ]);
      return;
    default:
      out.error("ERR", `unknown subcommand '${argText(argv, 1)}'. Try CONFIG HELP.`);
  }
}
