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
  const sub = argText(argv, 1).toUpperCase();
  const log = ctx.slowlog;
  if (sub === "GET" && (argv.length === 2 || argv.length === 3)) {
    let count = DEFAULT_COUNT;
    if (argv.length === 3) {
      const text = argText(argv, 2);
      if (!/^-?(0|[1-9][0-9]{0,18})$/.test(text) || !Number.isSafeInteger(Number(text))) {
        out.error("ERR", "value is not an integer or out of range");
        return;
      }
      count = Number(text);
      if (count < -1) {
        out.error("ERR", "count should be greater than or equal to -1");
        return;
      }
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
  if (sub === "LEN" && argv.length === 2) {
    out.integer(log.length);
    return;
  }
  if (sub === "RESET" && argv.length === 2) {
    log.reset();
    out.ok();
    return;
  }
  if (sub === "HELP" && argv.length === 2) {
    writeHelp(out, [
      "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET [<count>]",
      "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
      "    Entries are made of:",
      "    id, timestamp, time in microseconds, arguments array, client IP and port,",
      "    client name",
      "    The time is the command's execution in its partition (or in the router), not",
      "    time spent waiting in sockets or queues.",
      "LEN",
      "    Return the length of the slowlog.",
      "RESET",
      "    Reset the slowlog.",
      "HELP",
      "    Print this help.",
    ]);
    return;
  }
  out.error("ERR", `unknown subcommand or wrong number of arguments for '${argText(argv, 1)}'. Try SLOWLOG HELP.`);
}
