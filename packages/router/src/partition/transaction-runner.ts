/**
 * EXEC, WATCH and UNWATCH as a partition runs them (router/transaction.ts builds the requests).
 *
 * EXEC's commands run back to back inside one request, so no other client's command can come
 * between them: that is the whole of the isolation a single-threaded partition needs. Their
 * writes are logged as one WAL transaction (a txid on each record, then a commit record), so
 * recovery applies all of them or none. As in Redis there is no rollback: a command that fails
 * at run time (WRONGTYPE, a non-integer INCR) answers its error in the array and the others
 * still run.
 */
import { commandByNameBytes, COMMANDS, CommandFlag, Cmd, type CommandSpec, type ErrorCode, type ReplySink } from "@tessera/proto";
import type { CommandTiming } from "./command-timing.js";
import { WatchedKeys } from "./watched-keys.js";

/** What the runner needs of the worker. */
export interface TransactionHost {
  /** Runs one command (the engine's execute, or the worker's BGSAVE/LASTSAVE/SAVE). */
  execute(spec: CommandSpec, argv: readonly Uint8Array[], out: ReplySink): void;
  /** Null without a data directory. */
  durability: {
    failed: Error | null;
    beginTransaction(): void;
    endTransaction(): void;
    readonly writeLog: { append(argv: readonly Uint8Array[]): void };
  } | null;
  /** Removes a key whose time has passed, now (lazy expiry: the expire hook fires); null when the engine has none. */
  expireIfDue: ((key: Uint8Array) => void) | null;
  /** Sets the engine's expire hook (null when the engine has none). */
  setExpireHook: ((hook: ((key: Uint8Array) => void) | null) => void) | null;
  /** Puts a write log in front of the engine's (null when the engine has none to replace). */
  setWriteLog: ((log: { append(argv: readonly Uint8Array[]): void } | null) => void) | null;
  timing: CommandTiming;
  partitionId: number;
}

/** A parsed internal EXEC request. */
interface ExecRequest {
  watching: boolean;
  commands: { spec: CommandSpec; argv: Uint8Array[] }[];
  /** True when a command writes: the reply is a write's (IOERR when the batch's commit fails). */
  writes: boolean;
}

const WRITE = CommandFlag.WRITE;
const CMD_EXEC = Cmd.EXEC!;
const CMD_WATCH = Cmd.WATCH!;

export class TransactionRunner {
  private watched: WatchedKeys | null = null;
  private readonly replyWatch = new FirstValueWatch();

  constructor(private readonly host: TransactionHost) {}

  /** True for the commands this runner answers. */
  static handles(id: number): boolean {
    return id === CMD_EXEC || id === CMD_WATCH || id === Cmd.UNWATCH;
  }

  /**
   * Runs WATCH, UNWATCH or EXEC of client `clientId`, writing its one reply into `out`. Slow
   * commands of the transaction are timed and logged each on its own, as Redis does. Returns true
   * when an EXEC ran commands that write: its reply is then a write's (IOERR if the batch's
   * commit fails).
   */
  run(spec: CommandSpec, argv: readonly Uint8Array[], clientId: number, out: ReplySink, slowUs: number): boolean {
    if (spec.id === CMD_WATCH) {
      const w = this.startWatching();
      if (w === null) out.error("ERR", `WATCH is not available: partition ${this.host.partitionId}'s engine has no write log to count writes with`);
      else {
        // A key already past its time is removed first, so its expiry does not count against
        // this WATCH (Redis 7 ignores keys that were expired when watched).
        for (let i = 1; i < argv.length; i++) this.host.expireIfDue?.(argv[i]!);
        w.watch(clientId, argv.slice(1));
        out.ok();
      }
      return false;
    }
    if (spec.id !== CMD_EXEC) {
      this.watched?.unwatch(clientId);
      this.stopWatchingIfIdle();
      out.ok();
      return false;
    }
    const exec = parseExec(argv);
    if (typeof exec === "string") {
      out.error("ERR", `partition ${this.host.partitionId}: malformed internal EXEC request (${exec})`);
      return false;
    }
    if (exec.watching) {
      // A watched key past its time that active expiry has not reached yet expires now, so it
      // fails EXEC (Redis 6.0.9+ checks the same at EXEC).
      if (this.watched !== null && this.host.expireIfDue !== null) for (const key of this.watched.keysOf(clientId)) this.host.expireIfDue(key);
      const unchanged = this.watched !== null && this.watched.takeUnchanged(clientId);
      this.stopWatchingIfIdle();
      if (!unchanged) {
        out.nil(); // a watched key was written (or the partition restarted since WATCH): nothing runs
        return false;
      }
    }
    const durability = this.host.durability;
    if (exec.writes && durability !== null && durability.failed !== null) {
      // All or nothing: a transaction with a write does not start while the disk refuses writes.
      out.error("IOERR", `partition ${this.host.partitionId} cannot write to disk (${durability.failed.message}); the transaction was not run, writes are refused until it recovers`);
      return false;
    }
    out.array(exec.commands.length);
    const watch = this.replyWatch;
    watch.out = out;
    if (durability !== null) durability.beginTransaction();
    try {
      let last = performance.now();
      for (const c of exec.commands) {
        watch.failed = false;
        watch.first = true;
        this.host.execute(c.spec, c.argv, watch);
        const now = performance.now();
        this.host.timing.record(c.spec.id, (now - last) * 1000, watch.failed, slowUs, c.argv, clientId);
        last = now;
      }
    } finally {
      // Also after a handler threw: what ran before it is in memory, so it is logged as committed.
      if (durability !== null) durability.endTransaction();
      watch.out = null;
    }
    return exec.writes;
  }

  /**
   * No client watches anything any more: the engine gets its own write log back (none without a
   * WAL, so it stops building log records). Versions start again from zero at the next WATCH,
   * which is safe: nobody holds an old one.
   */
  private stopWatchingIfIdle(): void {
    const w = this.watched;
    if (w === null || w.watchingClients > 0) return;
    this.host.setWriteLog!(w.inner);
    this.host.setExpireHook?.(null);
    this.watched = null;
  }

  /** The slot-version table, installed in front of the engine's write log at the first WATCH. */
  private startWatching(): WatchedKeys | null {
    if (this.watched !== null) return this.watched;
    if (this.host.setWriteLog === null) return null;
    const w = new WatchedKeys();
    w.inner = this.host.durability?.writeLog ?? null;
    this.host.setWriteLog(w);
    this.host.setExpireHook?.((key) => w.expired(key));
    this.watched = w;
    return w;
  }
}

/** Passes a reply through and notes whether it is an error (for INFO commandstats' failed_calls). */
class FirstValueWatch implements ReplySink {
  out: ReplySink | null = null;
  first = true;
  failed = false;
  ok(): void {
    this.first = false;
    this.out!.ok();
  }
  status(text: string): void {
    this.first = false;
    this.out!.status(text);
  }
  nil(): void {
    this.first = false;
    this.out!.nil();
  }
  integer(value: number | bigint): void {
    this.first = false;
    this.out!.integer(value);
  }
  bulk(bytes: Uint8Array, offset: number, length: number): void {
    this.first = false;
    this.out!.bulk(bytes, offset, length);
  }
  array(count: number): void {
    this.first = false;
    this.out!.array(count);
  }
  error(code: ErrorCode, message: string): void {
    if (this.first) this.failed = true;
    this.first = false;
    this.out!.error(code, message);
  }
}

/** [EXEC, watching, count, then per command argc and its arguments] (router/transaction.ts). */
function parseExec(argv: readonly Uint8Array[]): ExecRequest | string {
  if (argv.length < 3) return "too short";
  const watching = argv[1]!.length === 1 && argv[1]![0] === 0x31;
  const count = asciiInt(argv[2]!);
  if (count < 0) return "bad command count";
  const commands: ExecRequest["commands"] = [];
  let writes = false;
  let i = 3;
  for (let c = 0; c < count; c++) {
    if (i >= argv.length) return "fewer commands than announced";
    const argc = asciiInt(argv[i++]!);
    if (argc < 1 || i + argc > argv.length) return "bad argument count";
    const sub = argv.slice(i, i + argc) as Uint8Array[];
    i += argc;
    const spec = commandByNameBytes(sub[0]!);
    if (spec === undefined || spec.id === CMD_EXEC || COMMANDS[spec.id] !== spec) return "unknown command";
    if ((spec.flags & WRITE) !== 0) writes = true;
    commands.push({ spec, argv: sub });
  }
  if (i !== argv.length) return "trailing arguments";
  return { watching, commands, writes };
}

function asciiInt(b: Uint8Array): number {
  if (b.length === 0 || b.length > 9) return -1;
  let n = 0;
  for (let i = 0; i < b.length; i++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}
