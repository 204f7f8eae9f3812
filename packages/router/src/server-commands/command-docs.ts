/**
 * COMMAND, COMMAND COUNT | LIST | INFO | DOCS | GETKEYS: generated from the one command table
 * (packages/proto/src/commands.ts), in Redis 7's reply shapes, so redis-cli's hints and client
 * libraries' key extraction see what Tessera really serves.
 */
import {
  COMMANDS,
  CommandFlag,
  Errors,
  arityOk,
  commandByName,
  keyPositions,
  type CommandSpec,
  type ReplySink,
} from "@tessera/proto";
import type { ServerContext, Session } from "./context.js";
import { writeHelp } from "./connection.js";
import { argText, writeBulkString, writeMapHeader } from "./reply-helpers.js";

export function command(_ctx: ServerContext, _session: Session, spec: CommandSpec, argv: readonly Uint8Array[], out: ReplySink): void {
  if (argv.length === 1) {
    out.array(COMMANDS.length);
    for (const c of COMMANDS) writeCommandInfo(out, c);
    return;
  }
  const sub = argText(argv, 1).toUpperCase();
  switch (sub) {
    case "COUNT":
      if (argv.length !== 2) return wrongSubArity(out, spec, sub);
      out.integer(COMMANDS.length);
      return;
    case "LIST":
      // FILTERBY is accepted only without a filter that could exclude anything we know about.
      if (argv.length !== 2) {
        out.error("ERR", "COMMAND LIST FILTERBY is not supported");
        return;
      }
      out.array(COMMANDS.length);
      for (const c of COMMANDS) writeBulkString(out, c.name.toLowerCase());
      return;
    case "INFO": {
      if (argv.length === 2) {
        out.array(COMMANDS.length);
        for (const c of COMMANDS) writeCommandInfo(out, c);
        return;
      }
      out.array(argv.length - 2);
      for (let i = 2; i < argv.length; i++) {
        const c = commandByName(argText(argv, i));
        if (c === undefined) out.nil();
        else writeCommandInfo(out, c);
      }
      return;
    }
    case "DOCS": {
      let list: CommandSpec[];
      if (argv.length === 2) {
        list = [...COMMANDS];
      } else {
        list = [];
        for (let i = 2; i < argv.length; i++) {
          const c = commandByName(argText(argv, i));
          if (c !== undefined) list.push(c);
        }
      }
      writeMapHeader(out, list.length);
      for (const c of list) {
        writeBulkString(out, c.name.toLowerCase());
        writeCommandDocs(out, c);
      }
      return;
    }
    case "GETKEYS": {
      if (argv.length < 3) return wrongSubArity(out, spec, sub);
      const target = commandByName(argText(argv, 2));
      if (target === undefined) {
        out.error("ERR", "Invalid command specified");
        return;
      }
      const targetArgc = argv.length - 2;
      if (!arityOk(target, targetArgc)) {
        out.error("ERR", "Invalid number of arguments specified for command");
        return;
      }
      const positions = keyPositions(target, targetArgc);
      if (positions.length === 0) {
        out.error("ERR", "The command has no key arguments");
        return;
      }
      out.array(positions.length);
      for (const p of positions) {
        const key = argv[p + 2]!;
        out.bulk(key, 0, key.length);
      }
      return;
    }
    case "HELP":
      writeHelp(out, [
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Return details about all commands.",
        "COUNT",
        "    Return the total number of commands.",
        "LIST",
        "    Return a list of all command names.",
        "INFO [<command-name> ...]",
        "    Return details about the given commands (all when none given).",
        "DOCS [<command-name> ...]",
        "    Return documentation about the given commands (all when none given).",
        "GETKEYS <full-command>",
        "    Return the keys from a full command.",
        "HELP",
        "    Print this help.",
      ]);
      return;
    default:
      out.error("ERR", `unknown subcommand '${argText(argv, 1)}'. Try COMMAND HELP.`);
  }
}

function wrongSubArity(out: ReplySink, spec: CommandSpec, sub: string): void {
  out.error("ERR", Errors.wrongArity(`${spec.name}|${sub}`));
}

/** Redis's flag words for a command. */
export function redisFlags(c: CommandSpec): string[] {
  const f: string[] = [];
  if (c.flags & CommandFlag.WRITE) f.push("write");
  if (c.flags & CommandFlag.READ) f.push("readonly");
  if (c.flags & CommandFlag.DENYOOM) f.push("denyoom");
  if (c.flags & CommandFlag.ADMIN) f.push("admin");
  if (c.flags & CommandFlag.FAST) f.push("fast");
  if (c.flags & CommandFlag.CONNECTION) f.push("loading", "stale");
  if (c.flags & CommandFlag.NO_AUTH) f.push("no_auth");
  return f;
}

/** Redis's ACL categories for a command. */
export function aclCategories(c: CommandSpec): string[] {
  const cats: string[] = [];
  if (c.flags & CommandFlag.WRITE) cats.push("@write");
  if (c.flags & CommandFlag.READ) cats.push("@read");
  if (c.flags & CommandFlag.ADMIN) cats.push("@admin", "@dangerous");
  cats.push(c.flags & CommandFlag.FAST ? "@fast" : "@slow");
  if (c.group === "string") cats.push("@string");
  if (c.group === "keyspace" || c.group === "expiry" || c.group === "scan") cats.push("@keyspace");
  if (c.group === "connection") cats.push("@connection");
  if (c.group === "transactions") cats.push("@transaction");
  if (c.group === "pubsub") cats.push("@pubsub");
  return cats;
}

/** Redis's documentation group name for a command group of the table. */
export function redisGroup(c: CommandSpec): string {
  switch (c.group) {
    case "string":
      return "string";
    case "keyspace":
      return c.flags & CommandFlag.ADMIN || c.name === "DBSIZE" ? "server" : "generic";
    case "expiry":
    case "scan":
      return "generic";
    case "server":
      return "server";
    case "connection":
      return "connection";
    case "transactions":
      return "transactions";
    case "pubsub":
      return "pubsub";
  }
}

function writeCommandInfo(out: ReplySink, c: CommandSpec): void {
  out.array(10);
  writeBulkString(out, c.name.toLowerCase());
  out.integer(c.arity);
  const flags = redisFlags(c);
  out.array(flags.length);
  for (const f of flags) out.status(f);
  out.integer(c.firstKey);
  out.integer(c.lastKey);
  out.integer(c.keyStep);
  const cats = aclCategories(c);
  out.array(cats.length);
  for (const cat of cats) out.status(cat);
  // Tips: how a cluster-aware client should treat the command's replies.
  const tips: string[] = [];
  if (c.route === "all") tips.push("request_policy:all_shards");
  if (c.merge === "sum") tips.push("response_policy:agg_sum");
  if (c.merge === "ok" && c.route === "all") tips.push("response_policy:all_succeeded");
  if (c.name === "SCAN" || c.name === "KEYS") tips.push("nondeterministic_output_order");
  out.array(tips.length);
  for (const t of tips) writeBulkString(out, t);
  out.array(0); // key specifications: first/last/step above describe every command in the table
  out.array(0); // subcommands
}

function writeCommandDocs(out: ReplySink, c: CommandSpec): void {
  writeMapHeader(out, 4);
  writeBulkString(out, "summary");
  writeBulkString(out, c.summary);
  writeBulkString(out, "since");
  writeBulkString(out, "1.0.0");
  writeBulkString(out, "group");
  writeBulkString(out, redisGroup(c));
  writeBulkString(out, "syntax");
  writeBulkString(out, c.syntax);
}
