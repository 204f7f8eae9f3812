/**
 * The single command table. Every command Tessera serves is described here once, as data:
 * the router routes from it, the partition dispatches from it, the native (protobuf) and
 * RESP front ends map onto it, and the README's command reference is generated from it.
 * Adding a command is one entry here plus one handler where its `route` says it runs.
 *
 * Conventions follow Redis's command table:
 * - `arity` counts the command name itself; a positive arity is exact, a negative one is a
 *   minimum (`-2` means "the name and at least one argument").
 * - key positions are given as `firstKey`, `lastKey`, `keyStep` over the full argv
 *   (argv[0] is the name); `lastKey = -1` means "through the last argument"; `firstKey = 0`
 *   means the command has no keys.
 */

/** Bit flags describing a command. */
export const CommandFlag = {
  /** Reads data. */
  READ: 1 << 0,
  /** Writes data (goes to the WAL once durability lands). */
  WRITE: 1 << 1,
  /** Administrative: operators, not applications. */
  ADMIN: 1 << 2,
  /** O(1) or O(log n): cheap enough to never show in a slowlog for its own sake. */
  FAST: 1 << 3,
  /** May allocate memory: refused with OOM when the partition is at `maxmemory`. */
  DENYOOM: 1 << 4,
  /** Takes several keys that may live on several partitions; the router splits and reassembles. */
  MULTI_KEY: 1 << 5,
  /** Allowed inside MULTI ... EXEC. */
  TXN_OK: 1 << 6,
  /** Never touches a partition: answered by the router (connection and server commands). */
  CONNECTION: 1 << 7,
  /**
   * Runs before the connection has authenticated (AUTH, HELLO, QUIT), as Redis's `no-auth`.
   * Every other command is refused with NOAUTH while the server has a password and the
   * session has not given it.
   */
  NO_AUTH: 1 << 8,
  /**
   * argv[1] is a subcommand and only some forms take the key at firstKey (MEMORY USAGE key,
   * OBJECT ENCODING key); the router sends a form without a key to partition 0.
   */
  SUBCOMMAND_KEY: 1 << 9,
} as const;

/**
 * How the router dispatches a command.
 * - `single`: all keys hash to one partition (one key, or keys sharing a hash tag).
 * - `multi`:  keys may span partitions; split per partition, reassemble in argument order.
 * - `all`:    sent to every partition; the router merges the replies (DBSIZE, FLUSHALL, SCAN, KEYS).
 * - `router`: answered by the router itself; no partition is involved.
 */
export type CommandRoute = "single" | "multi" | "all" | "router";

/** How the router merges the per-partition replies of a `multi` or `all` command. */
export type CommandMerge =
  | "none" // single/router: the one reply is the reply
  | "array-in-key-order" // MGET: one element per key, in the order the keys were given
  | "sum" // DEL, EXISTS, DBSIZE: integer replies added up
  | "ok" // MSET, FLUSHALL: OK when every part said OK
  | "ordered-keys" // SCAN, KEYS: key lists merged in byte order
  | "first" // BGSAVE: the first partition's reply when no part is an error
  | "min" // LASTSAVE: the smallest of the integer replies
  | "random"; // RANDOMKEY: one of the non-nil replies, picked at random (nil if none)

export type CommandGroup = "string" | "keyspace" | "expiry" | "scan" | "transactions" | "pubsub" | "server" | "connection";

export interface CommandSpec {
  /** Dense numeric id (index in COMMANDS); this is what travels on the rings and the wire. */
  readonly id: number;
  /** Upper-case command name. */
  readonly name: string;
  readonly arity: number;
  readonly firstKey: number;
  readonly lastKey: number;
  readonly keyStep: number;
  readonly flags: number;
  readonly route: CommandRoute;
  readonly merge: CommandMerge;
  readonly group: CommandGroup;
  /** Usage line, Redis documentation style. */
  readonly syntax: string;
  /** One line for the reference. */
  readonly summary: string;
}

type Entry = Omit<CommandSpec, "id">;

const { READ, WRITE, ADMIN, FAST, DENYOOM, MULTI_KEY, TXN_OK, CONNECTION, NO_AUTH, SUBCOMMAND_KEY } = CommandFlag;

function cmd(
  name: string,
  arity: number,
  keys: [first: number, last: number, step: number],
  flags: number,
  route: CommandRoute,
  merge: CommandMerge,
  group: CommandGroup,
  syntax: string,
  summary: string,
): Entry {
  return { name, arity, firstKey: keys[0], lastKey: keys[1], keyStep: keys[2], flags, route, merge, group, syntax, summary };
}

const NO_KEYS: [number, number, number] = [0, 0, 0];
const KEY1: [number, number, number] = [1, 1, 1];
const ALL_KEYS: [number, number, number] = [1, -1, 1];

const ENTRIES: readonly Entry[] = [
  // ---- strings -------------------------------------------------------------------------
  cmd("GET", 2, KEY1, READ | FAST | TXN_OK, "single", "none", "string",
    "GET key", "Value of key, or nil."),
  cmd("SET", -3, KEY1, WRITE | DENYOOM | TXN_OK, "single", "none", "string",
    "SET key value [EX seconds | PX milliseconds | EXAT unix-seconds | PXAT unix-ms | KEEPTTL] [NX | XX] [GET]",
    "Set key to value, with optional expiry and condition; GET returns the old value."),
  cmd("GETDEL", 2, KEY1, WRITE | FAST | TXN_OK, "single", "none", "string",
    "GETDEL key", "Value of key, then delete it."),
  cmd("MGET", -2, ALL_KEYS, READ | FAST | MULTI_KEY | TXN_OK, "multi", "array-in-key-order", "string",
    "MGET key [key ...]", "Values of several keys (nil where missing), in argument order."),
  cmd("MSET", -3, [1, -1, 2], WRITE | DENYOOM | MULTI_KEY | TXN_OK, "multi", "ok", "string",
    "MSET key value [key value ...]", "Set several keys; each partition applies its part atomically."),
  cmd("MSETNX", -3, [1, -1, 2], WRITE | DENYOOM | TXN_OK, "single", "none", "string",
    "MSETNX key value [key value ...]",
    "Set every key only if none of them exists: 1 if set, 0 if not. Atomic, so the keys must live on one partition (use a {hash tag}); else CROSSSLOT."),
  cmd("INCR", 2, KEY1, WRITE | DENYOOM | FAST | TXN_OK, "single", "none", "string",
    "INCR key", "Add 1 to the signed 64-bit integer at key (missing counts as 0)."),
  cmd("INCRBY", 3, KEY1, WRITE | DENYOOM | FAST | TXN_OK, "single", "none", "string",
    "INCRBY key increment", "Add increment to the signed 64-bit integer at key."),
  cmd("DECR", 2, KEY1, WRITE | DENYOOM | FAST | TXN_OK, "single", "none", "string",
    "DECR key", "Subtract 1 from the signed 64-bit integer at key."),
  cmd("DECRBY", 3, KEY1, WRITE | DENYOOM | FAST | TXN_OK, "single", "none", "string",
    "DECRBY key decrement", "Subtract decrement from the signed 64-bit integer at key."),
  cmd("INCRBYFLOAT", 3, KEY1, WRITE | DENYOOM | FAST | TXN_OK, "single", "none", "string",
    "INCRBYFLOAT key increment",
    "Add a floating-point increment to the number at key, in Redis's 80-bit long double arithmetic; replies the new value."),
  cmd("APPEND", 3, KEY1, WRITE | DENYOOM | FAST | TXN_OK, "single", "none", "string",
    "APPEND key value", "Append value to key's value; returns the new length."),
  cmd("STRLEN", 2, KEY1, READ | FAST | TXN_OK, "single", "none", "string",
    "STRLEN key", "Length of key's value in bytes (0 if missing)."),
  cmd("SETNX", 3, KEY1, WRITE | DENYOOM | FAST | TXN_OK, "single", "none", "string",
    "SETNX key value", "Set key only if it does not exist; 1 if set, 0 if not."),
  cmd("SETEX", 4, KEY1, WRITE | DENYOOM | TXN_OK, "single", "none", "string",
    "SETEX key seconds value", "Set key to value with a time to live in seconds."),
  cmd("PSETEX", 4, KEY1, WRITE | DENYOOM | TXN_OK, "single", "none", "string",
    "PSETEX key milliseconds value", "Set key to value with a time to live in milliseconds."),
  cmd("GETSET", 3, KEY1, WRITE | DENYOOM | FAST | TXN_OK, "single", "none", "string",
    "GETSET key value", "Set key to value and return the old value (nil if none); clears the expiry."),
  cmd("GETEX", -2, KEY1, WRITE | FAST | TXN_OK, "single", "none", "string",
    "GETEX key [EX seconds | PX milliseconds | EXAT unix-seconds | PXAT unix-ms | PERSIST]",
    "Value of key, and set or remove its expiry."),
  cmd("GETRANGE", 4, KEY1, READ | TXN_OK, "single", "none", "string",
    "GETRANGE key start end", "The bytes of key's value from start to end, inclusive (negative counts from the end)."),
  cmd("SUBSTR", 4, KEY1, READ | TXN_OK, "single", "none", "string",
    "SUBSTR key start end", "Same as GETRANGE (its old name)."),
  cmd("GETBIT", 3, KEY1, READ | FAST | TXN_OK, "single", "none", "string",
    "GETBIT key offset", "The bit at offset (bit 0 is the first byte's most significant); 0 past the end."),
  cmd("SETBIT", 4, KEY1, WRITE | DENYOOM | TXN_OK, "single", "none", "string",
    "SETBIT key offset 0|1", "Set or clear the bit at offset (zero-padding the value); returns the bit it had. Rewrites the value: O(size)."),
  cmd("BITCOUNT", -2, KEY1, READ | TXN_OK, "single", "none", "string",
    "BITCOUNT key [start end [BYTE | BIT]]", "Number of set bits, in the whole value or a byte (or bit) range."),
  cmd("BITPOS", -3, KEY1, READ | TXN_OK, "single", "none", "string",
    "BITPOS key 0|1 [start [end [BYTE | BIT]]]", "Position of the first bit set to 1 (or 0), in the whole value or a range; -1 if none."),
  cmd("BITOP", -4, [2, -1, 1], WRITE | DENYOOM | TXN_OK, "single", "none", "string",
    "BITOP AND | OR | XOR | NOT destkey key [key ...]",
    "Bitwise operation over the values into destkey; returns its length (all keys on one partition: use a {hash tag})."),
  cmd("LCS", -3, [1, 2, 1], READ | TXN_OK, "single", "none", "string",
    "LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN]",
    "Longest common subsequence of two values (both keys on one partition: use a {hash tag}); LEN its length, IDX the matching ranges."),
  cmd("SETRANGE", 4, KEY1, WRITE | DENYOOM | TXN_OK, "single", "none", "string",
    "SETRANGE key offset value", "Overwrite key's value from offset (zero-padded); returns the new length."),

  // ---- keyspace ------------------------------------------------------------------------
  cmd("DEL", -2, ALL_KEYS, WRITE | MULTI_KEY | TXN_OK, "multi", "sum", "keyspace",
    "DEL key [key ...]", "Delete keys; returns how many existed."),
  cmd("EXISTS", -2, ALL_KEYS, READ | FAST | MULTI_KEY | TXN_OK, "multi", "sum", "keyspace",
    "EXISTS key [key ...]", "How many of the keys exist (a key named twice counts twice)."),
  cmd("UNLINK", -2, ALL_KEYS, WRITE | FAST | MULTI_KEY | TXN_OK, "multi", "sum", "keyspace",
    "UNLINK key [key ...]", "Same as DEL (the memory is reclaimed at once either way)."),
  cmd("TOUCH", -2, ALL_KEYS, READ | FAST | MULTI_KEY | TXN_OK, "multi", "sum", "keyspace",
    "TOUCH key [key ...]", "How many of the keys exist, marking them as just used."),
  cmd("TYPE", 2, KEY1, READ | FAST | TXN_OK, "single", "none", "keyspace",
    "TYPE key", "The key's type: string, or none if missing."),
  cmd("OBJECT", -2, [2, 2, 1], READ | SUBCOMMAND_KEY, "single", "none", "keyspace",
    "OBJECT ENCODING | IDLETIME | FREQ | REFCOUNT key | HELP",
    "How a key is stored: ENCODING raw (one slab slot) or chunked; IDLETIME in seconds (minute resolution, wraps after 256 minutes); REFCOUNT 1."),
  cmd("MEMORY", -2, [2, 2, 1], READ | SUBCOMMAND_KEY, "single", "none", "keyspace",
    "MEMORY USAGE key [SAMPLES count] | HELP", "Bytes a key takes: its slab slot(s) and its share of the indexes; nil if missing."),
  cmd("RENAME", 3, [1, 2, 1], WRITE | TXN_OK, "single", "none", "keyspace",
    "RENAME key newkey", "Move the value and expiry to newkey, replacing it (both keys on one partition: use a {hash tag})."),
  cmd("RENAMENX", 3, [1, 2, 1], WRITE | FAST | TXN_OK, "single", "none", "keyspace",
    "RENAMENX key newkey", "RENAME only if newkey does not exist: 1 if renamed, 0 if not."),
  cmd("COPY", -3, [1, 2, 1], WRITE | DENYOOM | TXN_OK, "single", "none", "keyspace",
    "COPY source destination [DB 0] [REPLACE]", "Copy the value and expiry to destination: 1 if copied, 0 if not (both keys on one partition)."),
  cmd("RANDOMKEY", 1, NO_KEYS, READ, "all", "random", "keyspace",
    "RANDOMKEY", "A key picked at random (each partition offers one, the router picks one of them); nil when there is none."),
  cmd("DBSIZE", 1, NO_KEYS, READ | FAST, "all", "sum", "keyspace",
    "DBSIZE", "Number of keys on all partitions."),
  cmd("FLUSHALL", -1, NO_KEYS, WRITE | ADMIN, "all", "ok", "keyspace",
    "FLUSHALL [ASYNC | SYNC]", "Delete every key on every partition."),

  // ---- expiry --------------------------------------------------------------------------
  cmd("EXPIRE", -3, KEY1, WRITE | FAST | TXN_OK, "single", "none", "expiry",
    "EXPIRE key seconds [NX | XX | GT | LT]", "Set a time to live in seconds; 1 if set, 0 if not."),
  cmd("PEXPIRE", -3, KEY1, WRITE | FAST | TXN_OK, "single", "none", "expiry",
    "PEXPIRE key milliseconds [NX | XX | GT | LT]", "Set a time to live in milliseconds."),
  cmd("EXPIREAT", -3, KEY1, WRITE | FAST | TXN_OK, "single", "none", "expiry",
    "EXPIREAT key unix-seconds [NX | XX | GT | LT]", "Expire at an absolute Unix time in seconds."),
  cmd("PEXPIREAT", -3, KEY1, WRITE | FAST | TXN_OK, "single", "none", "expiry",
    "PEXPIREAT key unix-ms [NX | XX | GT | LT]", "Expire at an absolute Unix time in milliseconds."),
  cmd("TTL", 2, KEY1, READ | FAST | TXN_OK, "single", "none", "expiry",
    "TTL key", "Seconds to live; -1 without expiry, -2 if missing."),
  cmd("PTTL", 2, KEY1, READ | FAST | TXN_OK, "single", "none", "expiry",
    "PTTL key", "Milliseconds to live; -1 without expiry, -2 if missing."),
  cmd("EXPIRETIME", 2, KEY1, READ | FAST | TXN_OK, "single", "none", "expiry",
    "EXPIRETIME key", "Absolute Unix time in seconds the key expires at; -1 without expiry, -2 if missing."),
  cmd("PEXPIRETIME", 2, KEY1, READ | FAST | TXN_OK, "single", "none", "expiry",
    "PEXPIRETIME key", "Absolute Unix time in milliseconds the key expires at; -1 without expiry, -2 if missing."),
  cmd("PERSIST", 2, KEY1, WRITE | FAST | TXN_OK, "single", "none", "expiry",
    "PERSIST key", "Remove the expiry; 1 if removed, 0 if none."),

  // ---- scans ---------------------------------------------------------------------------
  // Native form. The RESP front end maps Redis's `SCAN cursor [MATCH p] [COUNT n]` onto the
  // same partition operation (a MATCH that is a plain prefix uses the ordered index).
  cmd("SCAN", -2, NO_KEYS, READ, "all", "ordered-keys", "scan",
    "SCAN prefix [LIMIT count] [CURSOR cursor]",
    "Keys starting with prefix, in byte order across all partitions; returns [next-cursor, keys]. Cursor \"0\" or \"\" starts; a returned \"0\" means done."),
  cmd("KEYS", 2, NO_KEYS, READ, "all", "ordered-keys", "scan",
    "KEYS pattern", "All keys matching a glob pattern, in byte order (use SCAN on large keyspaces)."),

  // ---- connection and server (answered by the router) ----------------------------------
  // ---- transactions (router/transaction.ts; the partition runs EXEC's commands as one unit) --
  cmd("MULTI", 1, NO_KEYS, FAST | CONNECTION, "router", "none", "transactions",
    "MULTI", "Start a transaction: later commands are queued (+QUEUED) until EXEC or DISCARD."),
  cmd("EXEC", 1, NO_KEYS, CONNECTION, "router", "none", "transactions",
    "EXEC",
    "Run the queued commands as one unit and reply with their replies; nil if a WATCHed key changed. Every key (watched ones too) must be on one partition: use {hash tags}."),
  cmd("DISCARD", 1, NO_KEYS, FAST | CONNECTION, "router", "none", "transactions",
    "DISCARD", "Drop the queued commands and leave the transaction; forget WATCHed keys."),
  cmd("WATCH", -2, ALL_KEYS, FAST | CONNECTION, "router", "none", "transactions",
    "WATCH key [key ...]",
    "EXEC will fail (nil) if one of these keys is written before it runs. The keys must be on one partition."),
  cmd("UNWATCH", 1, NO_KEYS, FAST | CONNECTION, "router", "none", "transactions",
    "UNWATCH", "Forget every WATCHed key."),
  // ---- pub/sub (router/pubsub.ts; messages are RESP pushes) ----------------------------
  cmd("SUBSCRIBE", -2, NO_KEYS, CONNECTION, "router", "none", "pubsub",
    "SUBSCRIBE channel [channel ...]",
    "Receive the messages PUBLISHed to these channels (RESP pushes, native push frames); RESP2 connections then take only (P)(UN)SUBSCRIBE, PING and QUIT."),
  cmd("UNSUBSCRIBE", -1, NO_KEYS, CONNECTION, "router", "none", "pubsub",
    "UNSUBSCRIBE [channel ...]", "Stop receiving these channels' messages (all channels without arguments)."),
  cmd("PSUBSCRIBE", -2, NO_KEYS, CONNECTION, "router", "none", "pubsub",
    "PSUBSCRIBE pattern [pattern ...]", "Receive the messages of every channel matching these glob patterns."),
  cmd("PUNSUBSCRIBE", -1, NO_KEYS, CONNECTION, "router", "none", "pubsub",
    "PUNSUBSCRIBE [pattern ...]", "Stop receiving these patterns' messages (all patterns without arguments)."),
  cmd("PUBLISH", 3, NO_KEYS, FAST | CONNECTION | TXN_OK, "router", "none", "pubsub",
    "PUBLISH channel message", "Send message to the channel's subscribers; replies how many received it."),
  cmd("PUBSUB", -2, NO_KEYS, CONNECTION, "router", "none", "pubsub",
    "PUBSUB CHANNELS [pattern] | NUMSUB [channel ...] | NUMPAT | HELP",
    "Channels with subscribers, subscribers per channel, patterns subscribed."),
  cmd("PING", -1, NO_KEYS, FAST | CONNECTION | TXN_OK, "router", "none", "connection",
    "PING [message]", "PONG, or the message."),
  cmd("ECHO", 2, NO_KEYS, FAST | CONNECTION | TXN_OK, "router", "none", "connection",
    "ECHO message", "The message."),
  cmd("HELLO", -1, NO_KEYS, FAST | CONNECTION | NO_AUTH, "router", "none", "connection",
    "HELLO [protover [AUTH username password] [SETNAME name]]",
    "Handshake; HELLO 3 switches RESP to RESP3; AUTH authenticates in the same round trip."),
  cmd("AUTH", -2, NO_KEYS, FAST | CONNECTION | NO_AUTH, "router", "none", "connection",
    "AUTH [username] password",
    "Authenticate the connection against --requirepass; the only user is \"default\"."),
  cmd("SELECT", 2, NO_KEYS, FAST | CONNECTION, "router", "none", "connection",
    "SELECT index", "Only database 0 exists; other indexes are refused."),
  cmd("CLIENT", -2, NO_KEYS, CONNECTION | ADMIN, "router", "none", "connection",
    "CLIENT SETNAME name | GETNAME | ID | INFO | LIST | KILL filter value ...", "Connection name, id and info; list and close connections."),
  cmd("COMMAND", -1, NO_KEYS, CONNECTION, "router", "none", "server",
    "COMMAND [COUNT | INFO name ... | DOCS [name ...]]", "Describe the command table."),
  cmd("INFO", -1, NO_KEYS, CONNECTION, "router", "none", "server",
    "INFO [section ...]", "Server, clients, memory, persistence, stats and keyspace information."),
  cmd("CONFIG", -2, NO_KEYS, CONNECTION | ADMIN, "router", "none", "server",
    "CONFIG GET pattern | SET name value [name value ...] | RESETSTAT", "Read configuration parameters; change appendfsync, maxclients, maxmemory, requirepass or the slowlog's at run time; RESETSTAT zeroes INFO commandstats, latencystats and the command and connection counters."),
  cmd("FLUSHDB", -1, NO_KEYS, WRITE | ADMIN, "all", "ok", "keyspace",
    "FLUSHDB [ASYNC | SYNC]", "Same as FLUSHALL (Tessera has one database)."),
  cmd("RESET", 1, NO_KEYS, FAST | CONNECTION | NO_AUTH, "router", "none", "connection",
    "RESET", "Reset the connection: discard MULTI, forget WATCHes, leave every channel and pattern, RESP2, no name, and (with a password) unauthenticated."),
  cmd("QUIT", -1, NO_KEYS, FAST | CONNECTION | NO_AUTH, "router", "none", "connection",
    "QUIT", "Close the connection after replying OK (arguments are ignored, as in Redis)."),
  cmd("TIME", 1, NO_KEYS, FAST | CONNECTION | TXN_OK, "router", "none", "server",
    "TIME", "Server time as [unix-seconds, microseconds]."),
  cmd("SLOWLOG", -2, NO_KEYS, ADMIN | CONNECTION, "router", "none", "server",
    "SLOWLOG GET [count] | LEN | RESET | HELP",
    "Commands that ran at least slowlog-log-slower-than µs (time in the partition, not in queues): [id, unix time, µs, args, client addr, client name], newest first."),
  cmd("BGSAVE", -1, NO_KEYS, ADMIN, "all", "first", "server",
    "BGSAVE [SCHEDULE]",
    "Start a snapshot of every partition now, in the background (SCHEDULE: after the one running)."),
  cmd("SAVE", 1, NO_KEYS, ADMIN, "all", "ok", "server",
    "SAVE", "Snapshot every partition now and reply when all are written (each partition serves nothing meanwhile; BGSAVE does not block)."),
  cmd("LASTSAVE", 1, NO_KEYS, FAST, "all", "min", "server",
    "LASTSAVE", "Unix time of the last snapshot every partition has completed (the server's start if none)."),
  // Answered by the router core itself (it holds the partitions); refused unless the server
  // runs with --enable-debug-commands. For tests of fault handling, never for production.
  cmd("DEBUG", -2, NO_KEYS, ADMIN | CONNECTION, "router", "none", "server",
    "DEBUG PARTITION-EXIT partition",
    "Test hook (needs --enable-debug-commands): make a partition worker die as if it crashed; it is restarted."),
];

export const COMMANDS: readonly CommandSpec[] = ENTRIES.map((e, id) => Object.freeze({ ...e, id }));

const BY_NAME = new Map<string, CommandSpec>(COMMANDS.map((c) => [c.name, c]));

/** Look a command up by name, case-insensitively. */
export function commandByName(name: string): CommandSpec | undefined {
  return BY_NAME.get(name.toUpperCase());
}

/** Look a command up by its upper- or lower-case ASCII bytes without allocating a string for known names. */
export function commandByNameBytes(bytes: Uint8Array, offset = 0, length = bytes.length - offset): CommandSpec | undefined {
  if (length > 16) return undefined;
  let s = "";
  for (let i = 0; i < length; i++) {
    let c = bytes[offset + i]!;
    if (c >= 97 && c <= 122) c -= 32;
    s += String.fromCharCode(c);
  }
  return BY_NAME.get(s);
}

/** Id constants so hot paths compare numbers, not strings. */
export const Cmd = Object.freeze(Object.fromEntries(COMMANDS.map((c) => [c.name, c.id]))) as Readonly<Record<string, number>>;

/** True when argc (including the name) satisfies the command's arity. */
export function arityOk(spec: CommandSpec, argc: number): boolean {
  return spec.arity >= 0 ? argc === spec.arity : argc >= -spec.arity;
}

/**
 * Indexes (into argv, name at 0) of the key arguments of a command, or an empty array.
 * Allocates; hot paths walk firstKey/lastKey/keyStep directly.
 */
export function keyPositions(spec: CommandSpec, argc: number): number[] {
  if (spec.firstKey === 0) return [];
  const last = spec.lastKey < 0 ? argc + spec.lastKey : spec.lastKey;
  const out: number[] = [];
  for (let i = spec.firstKey; i <= last; i += spec.keyStep) out.push(i);
  return out;
}
