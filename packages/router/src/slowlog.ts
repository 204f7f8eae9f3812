/**
 * SLOWLOG: the newest commands whose execution took at least `slowlog-log-slower-than`
 * microseconds, at most `slowlog-max-len` of them, as Redis keeps them.
 *
 * What "execution" means here: the time a partition worker spent on the command (from the end
 * of its previous command in the batch to the end of this one: decoding its arguments, running
 * it, staging its reply), or the router's time for a command the router runs itself (INFO,
 * CONFIG, CLIENT ...). Like Redis, not the time the request waited in a socket, a ring or a
 * queue. A command split across partitions (MGET, DEL ... on keys of several partitions) is
 * timed per partition: each slow part is an entry of its own.
 *
 * Entries are recorded where the command ran: partition workers post theirs (with their
 * arguments already cut to Redis's limits, so a huge SET value does not cross threads) and the
 * router adds the client's address and name, looked up by the CLIENT ID the request carried.
 */

/** Redis's SLOWLOG_ENTRY_MAX_ARGC and SLOWLOG_ENTRY_MAX_STRING. */
const MAX_ARGS = 32;
const MAX_ARG_BYTES = 128;

/** A slow command as a partition reports it. */
export interface SlowCommand {
  /** When it ran, ms since the epoch. */
  atMs: number;
  durationUs: number;
  /** Arguments cut as `slowlogArgs` does. */
  args: Uint8Array[];
  /** The CLIENT ID of the session that sent it (0: none). */
  clientId: number;
}

export interface SlowlogEntry {
  id: number;
  atSeconds: number;
  durationUs: number;
  args: Uint8Array[];
  clientAddr: string;
  clientName: string;
}

/**
 * The arguments a slowlog entry keeps, as Redis cuts them: at most 32 (the 32nd replaced by
 * "... (N more arguments)"), each at most 128 bytes (the rest replaced by "... (N more bytes)").
 * Copies: the originals may be views into a ring.
 */
export function slowlogArgs(argv: readonly Uint8Array[]): Uint8Array[] {
  const argc = Math.min(argv.length, MAX_ARGS);
  const out: Uint8Array[] = [];
  for (let i = 0; i < argc; i++) {
    if (argc !== argv.length && i === argc - 1) {
      out.push(Buffer.from(`... (${argv.length - argc + 1} more arguments)`));
      break;
    }
    const a = argv[i]!;
    if (a.length > MAX_ARG_BYTES) {
      out.push(Buffer.concat([a.subarray(0, MAX_ARG_BYTES), Buffer.from(`... (${a.length - MAX_ARG_BYTES} more bytes)`)]));
    } else {
      out.push(Uint8Array.prototype.slice.call(a));
    }
  }
  return out;
}

const REDACTED = Buffer.from("(redacted)");
const isWord = (a: Uint8Array | undefined, word: string) => a !== undefined && Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("latin1").toLowerCase() === word;

/**
 * The arguments as the slowlog may show them: secrets replaced by "(redacted)", as Redis 7
 * does: every argument of AUTH, the user and password after HELLO's AUTH, the value of
 * CONFIG SET requirepass. Other commands come back as they are (no copy).
 */
export function redactSecrets(argv: readonly Uint8Array[]): readonly Uint8Array[] {
  const name = argv[0];
  if (isWord(name, "auth")) return argv.map((a, i) => (i === 0 ? a : REDACTED));
  if (isWord(name, "hello")) {
    const out = argv.slice();
    for (let i = 2; i < out.length; i++) {
      if (isWord(out[i], "auth")) {
        for (let j = i + 1; j <= i + 2 && j < out.length; j++) out[j] = REDACTED;
        break;
      }
    }
    return out;
  }
  if (isWord(name, "config") && isWord(argv[1], "set")) {
    const out = argv.slice();
    for (let i = 2; i + 1 < out.length; i += 2) if (isWord(out[i], "requirepass")) out[i + 1] = REDACTED;
    return out;
  }
  return argv;
}

export class Slowlog {
  /** Newest last. */
  private entries: SlowlogEntry[] = [];
  private nextId = 0;

  constructor(private maxLen: number) {}

  /** CONFIG SET slowlog-max-len: shrinking drops the oldest entries at once. */
  setMaxLen(maxLen: number): void {
    this.maxLen = maxLen;
    this.trim();
  }

  add(atMs: number, durationUs: number, args: Uint8Array[], clientAddr: string, clientName: string): void {
    if (this.maxLen === 0) return;
    this.entries.push({ id: this.nextId++, atSeconds: Math.floor(atMs / 1000), durationUs: Math.round(durationUs), args, clientAddr, clientName });
    this.trim();
  }

  /**
   * Slow commands that were not kept (a partition posts at most max-len of a batch): they still
   * take their ids, as every slow command does in Redis, so id gaps show how many were dropped.
   */
  skip(count: number): void {
    this.nextId += count;
  }

  /** The newest `count` entries, newest first (count < 0: all). */
  newest(count: number): SlowlogEntry[] {
    const n = count < 0 ? this.entries.length : Math.min(count, this.entries.length);
    const out: SlowlogEntry[] = [];
    for (let i = this.entries.length - 1; out.length < n; i--) out.push(this.entries[i]!);
    return out;
  }

  get length(): number {
    return this.entries.length;
  }

  /** SLOWLOG RESET: forgets the entries; ids keep counting, as in Redis. */
  reset(): void {
    this.entries = [];
  }

  private trim(): void {
    const excess = this.entries.length - this.maxLen;
    if (excess > 0) this.entries.splice(0, excess);
  }
}
