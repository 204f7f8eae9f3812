/**
 * Commands answered by the router itself (route "router" in the command table), shared by the
 * native and RESP front ends: PING, ECHO, HELLO, AUTH, SELECT, CLIENT, COMMAND, INFO, CONFIG, QUIT, TIME,
 * SLOWLOG.
 */
import { Errors, arityOk, type CommandSpec, type ReplySink } from "@tessera/proto";
import { auth } from "./auth.js";
import { command } from "./command-docs.js";
import { config } from "./config-command.js";
import { client, echo, hello, ping, quit, select } from "./connection.js";
import type { ServerContext, Session } from "./context.js";
import { info, time } from "./info.js";
import { slowlog } from "./slowlog-command.js";

export type { ServerContext, ServerStats, Session } from "./context.js";
export type { MapReplySink } from "./reply-helpers.js";
export { ALL_SECTIONS as INFO_SECTIONS, renderInfo } from "./info.js";
export { clientInfoLine } from "./connection.js";
export { globMatch, globLiteralPrefix } from "./glob.js";
export { getConfig, setConfig } from "./config-command.js";

type ServerCommandHandler = (
  ctx: ServerContext,
  session: Session,
  spec: CommandSpec,
  argv: readonly Uint8Array[],
  out: ReplySink,
) => void;

const HANDLERS: ReadonlyMap<string, ServerCommandHandler> = new Map<string, ServerCommandHandler>([
  ["PING", ping],
  ["ECHO", echo],
  ["HELLO", hello],
  ["AUTH", auth],
  ["SELECT", select],
  ["CLIENT", client],
  ["COMMAND", command],
  ["INFO", info],
  ["CONFIG", config],
  ["QUIT", quit],
  ["TIME", time],
  ["SLOWLOG", slowlog],
]);

/** Handlers indexed by command id, so the per-command lookup is an array read. */
const BY_ID: (ServerCommandHandler | undefined)[] = [];

/** True when `spec` is answered here (the front ends may also just check `spec.route === "router"`). */
export function isServerCommand(spec: CommandSpec): boolean {
  return HANDLERS.has(spec.name);
}

/**
 * Runs one router-answered command and writes exactly one reply into `out` (synchronously).
 * Checks arity itself, so front ends may pass anything the table names.
 */
export function executeServerCommand(
  ctx: ServerContext,
  session: Session,
  spec: CommandSpec,
  argv: readonly Uint8Array[],
  out: ReplySink,
): void {
  let handler = BY_ID[spec.id];
  if (handler === undefined) {
    handler = HANDLERS.get(spec.name);
    if (handler === undefined) {
      out.error("ERR", `'${spec.name.toLowerCase()}' is not a server command (route '${spec.route}')`);
      return;
    }
    BY_ID[spec.id] = handler;
  }
  if (!arityOk(spec, argv.length)) {
    out.error("ERR", Errors.wrongArity(spec.name));
    return;
  }
  handler(ctx, session, spec, argv, out);
}
