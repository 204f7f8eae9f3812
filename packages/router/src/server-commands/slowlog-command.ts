/**
 * SLOWLOG GET [count] | LEN | RESET | HELP, with Redis 7's replies and error words. The log
 * itself (what counts as slow, where entries come from) is ../slowlog.ts.
 */
import type { CommandSpec, ReplySink } from "@tessera/proto";
import type { ServerContext, Session } from "./context.js";
import { writeHelp } from "./connection.js";
import { argText, writeBulkString } from "./reply-helpers.js";

const DEFAULT_COUNT = 10;

export function slowlog(ctx: ServerContext, _session: Session, _spec: CommandSpec, argv: readonly Uint8Array[], out: ReplySink): void {
  const given = argText(argv, 1);
  const sub = given.toUpperCase();
  const log = ctx.slowlog;
  if (sub === "GET" && (argv.length === 2 || argv.length === 3)) {
    let count = DEFAULT_COUNT;
    if (argv.length === 3) {
      // Redis parses the count as a long in [-1, LONG_MAX] and gives one message for any miss.
      const text = argText(argv, 2);
      const n = /^-?(0|[1-9][0-9]{0,18})$/.test(text) ? BigInt(text) : null;
      if (n === null || n < -1n || n > 9223372036854775807n) {
        out.error("ERR", "count should be greater than or equal to -1");
        return;
      }
      count = n > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(n);
    }
    const entries = log.newest(count);
    out.array(entries.length);
    for (const e of entries) {
      out.array(6);
      out.integer(e.id);
      out.integer(e.atSeconds);
      out.integer(e.durationUs);
      out.array(e.args.length);
      for (const a of e.args) out.bulk(a, 0, a.length);
      writeBulkString(out, e.clientAddr);
      writeBulkString(out, e.clientName);
    }
    return;
  }
  if (sub === "LEN" || sub === "RESET" || sub === "HELP") {
    if (argv.length !== 2) {
      out.error("ERR", `wrong number of arguments for 'slowlog|${sub.toLowerCase()}' command`);
      return;
    }
    if (sub === "LEN") out.integer(log.length);
    else if (sub === "RESET") {
      log.reset();
      out.ok();
    } else {
      writeHelp(out, [
        "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        "HELP",
        "    Prints this help.",
      ]);
    }
    return;
  }
  if (sub === "GET") {
    out.error("ERR", `unknown subcommand or wrong number of arguments for '${given}'. Try SLOWLOG HELP.`);
    return;
  }
  out.error("ERR", `unknown subcommand '${given}'. Try SLOWLOG HELP.`);
}
