/**
 * MULTI / EXEC / DISCARD / WATCH / UNWATCH, the router's half: a session's queued transaction,
 * and the internal EXEC request that carries it to the one partition that runs it.
 *
 * A transaction runs on one partition. Every key it names, and every key its session WATCHes,
 * must live there (a {hash tag} keeps related keys together); a command with a key elsewhere is
 * refused with CROSSSLOT while queuing and EXEC then answers EXECABORT, as Redis Cluster does for
 * keys on several slots. Two-phase commit across partitions is not built yet. The partition runs
 * the queued commands back to back, with no other client's command in between, and logs their
 * writes as one unit (a transaction id on each WAL record, then a commit record), so recovery
 * applies all of a transaction or none of it.
 *
 * WATCH runs on the partition, in the order of the session's other commands: the partition notes
 * a version of each key's hash slot for that client (a write counter per slot), and EXEC fails
 * (nil) if one moved. A write to another key of the same slot moves it too: a false conflict the
 * client retries, never a missed one. The router only remembers which partition holds the
 * session's watches, so EXEC, DISCARD and UNWATCH reach it (and a closing session clears them).
 */
import type { CommandSpec } from "@tessera/proto";

/** One queued command: what the partition (or, for PING/ECHO/TIME, the router) runs at EXEC. */
export interface QueuedCommand {
  readonly spec: CommandSpec;
  /** Copied at queue time: the front end's argument buffers are reused for later frames. */
  readonly argv: readonly Uint8Array[];
}

/** A session between MULTI and EXEC/DISCARD. */
export class QueuedTransaction {
  readonly commands: QueuedCommand[] = [];
  /** A command was refused while queuing (arity, unknown, not allowed, CROSSSLOT): EXEC aborts. */
  aborted = false;
  /** The partition every queued key lives on; -1 while no queued command names a key. */
  partition = -1;
  /** How many queued commands the router runs itself (no keys: PING, ECHO, TIME). */
  routerCommands = 0;
  /** Argument bytes queued (bounded: EXEC carries them to the partition in one request). */
  bytes = 0;
}

/** Most commands one transaction may queue. */
export const MAX_TRANSACTION_COMMANDS = 1_000_000;
/** Most argument bytes one transaction may queue, as a multiple of --max-frame-bytes. */
export const MAX_TRANSACTION_FRAMES = 8;

/** The internal EXEC's argument telling the partition the session has WATCHed keys there. */
export const EXEC_WATCHING = Buffer.from("1");
export const EXEC_NOT_WATCHING = Buffer.from("0");

/**
 * The internal EXEC request: [EXEC, watching (0|1), commandCount, then per command its argc
 * followed by its arguments], numbers in ASCII decimal. The partition's reply is the array of
 * the commands' replies, nil when a watched key changed, or one error for the whole EXEC.
 */
export function encodeExecArgv(name: Uint8Array, watching: boolean, commands: readonly QueuedCommand[]): Uint8Array[] {
  const argv: Uint8Array[] = [name, watching ? EXEC_WATCHING : EXEC_NOT_WATCHING, ascii(commands.length)];
  for (const c of commands) {
    argv.push(ascii(c.argv.length));
    for (const a of c.argv) argv.push(a);
  }
  return argv;
}

/** Copies of the arguments (the front ends reuse their frame buffers once a command is handed over). */
export function copyArgv(argv: readonly Uint8Array[]): Uint8Array[] {
  return argv.map((a) => a.slice());
}

function ascii(n: number): Uint8Array {
  return Buffer.from(String(n), "latin1");
}

export const TransactionErrors = {
  nestedMulti: () => "MULTI calls can not be nested",
  execWithoutMulti: () => "EXEC without MULTI",
  discardWithoutMulti: () => "DISCARD without MULTI",
  watchInsideMulti: () => "WATCH inside MULTI is not allowed",
  execAbort: () => "Transaction discarded because of previous errors.",
  notAllowed: () => "Command not allowed inside a transaction",
  tooLarge: (commands: number, bytes: number, maxBytes: number) =>
    `transaction too large: ${commands} commands and ${bytes} bytes queued; at most ${MAX_TRANSACTION_COMMANDS} commands and ${maxBytes} bytes (${MAX_TRANSACTION_FRAMES} x max-frame-bytes)`,
  crossPartition: () =>
    "Keys in request don't hash to the same partition: a transaction's keys, and the keys its connection WATCHes, must all be on one partition (use a {hash tag} to keep them together)",
} as const;
